#!/usr/bin/env bash
# Install lcnc into .venv (pinned by requirements.lock) and build the web editor.
# Usage: scripts/bootstrap.sh [--dev]   (--dev adds the test and lint tools)
set -euo pipefail
cd "$(dirname "$0")/.."

extra=""
[ "${1:-}" = "--dev" ] && extra="[dev]"
python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
  for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python_bin="$candidate"; break; fi
  done
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $python_bin"
  "$python_bin" -m venv .venv
fi
pip=(.venv/bin/python -m pip --disable-pip-version-check)

stamp=".venv/.lcnc-installed${extra}"
want="$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing Python packages (first time: several minutes; llama-cpp-python compiles)"
  "${pip[@]}" install -q --upgrade pip
  # The CPU build of torch first, or sentence-transformers pulls several GB of CUDA wheels.
  if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
    if ls /opt/wheels/torch-2.13.0* >/dev/null 2>&1; then
      "${pip[@]}" install -q --find-links /opt/wheels torch==2.13.0
    else
      "${pip[@]}" install -q torch==2.13.0 --extra-index-url https://download.pytorch.org/whl/cpu
    fi
  fi
  "${pip[@]}" install -q -c requirements.lock -e ".${extra}"
  echo "$want" > "$stamp"
fi

if [ -f web/package.json ]; then
  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
    echo "==> installing web packages (npm ci)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  if [ ! -f web/dist/index.html ] || [ -n "$(find web/src web/index.html -newer web/dist/index.html 2>/dev/null | head -1)" ]; then
    echo "==> building the web editor"
    (cd web && npm run build --silent)
  fi
fi
