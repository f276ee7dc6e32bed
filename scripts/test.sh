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
# A test that fails is run once more (failures twice in a row still fail the suite): the embedded SQLite
# backend can answer "database is locked" when a worker, the API and the span store write at once.
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadfile --reruns 1 --reruns-delay 2 -raR "$@"
