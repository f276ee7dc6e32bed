#!/usr/bin/env bash
# Install (first time) and start lcnc on its embedded default: SQLite, serverless broker, local Chroma,
# the local small model, web editor and API at http://localhost:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
# The API and its worker (`lcnc serve` alone would leave every run queued).
exec .venv/bin/lcnc up "$@"
