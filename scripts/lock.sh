#!/usr/bin/env bash
# Re-resolve requirements.lock: one install of everything into a scratch venv, then freeze it.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q --upgrade pip
"$tmp/venv/bin/pip" install -q --find-links /opt/wheels torch==2.13.0
"$tmp/venv/bin/pip" install -q -e ".[dev]"
"$tmp/venv/bin/pip" freeze --exclude-editable | grep -v '^-e ' > requirements.lock
rm -rf "$tmp"
echo "wrote requirements.lock"
