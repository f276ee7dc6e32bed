#!/usr/bin/env bash
# Install everything the tests need and run the whole suite (lint, architecture contracts, tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
scripts/bootstrap.sh --dev
echo "==> ruff"
.venv/bin/ruff check .
echo "==> import contracts"
.venv/bin/lint-imports
echo "==> pytest (two workers; a test file stays on one worker)"
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadfile "$@"
