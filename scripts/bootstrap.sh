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

# llama.cpp (the local model) compiles here, but not for "this CPU" (-march=native): a VM may report AMX or
# AVX-512 that its kernel does not let a process use, and the model then dies with SIGILL. On x86-64 the
# build targets AVX2/FMA/F16C, which runs on any machine of the last ten years. The multimodal library (mtmd,
# for image models) is left out: the local provider runs a text model, and skipping it saves about a quarter of
# the compile (5.5 instead of 7 minutes on 2 cores).
llama_pin="$(grep -i '^llama[-_]cpp[-_]python==' requirements.lock || true)"
install_portable_llama() {
  if [ -f .venv/.lcnc-llama-portable ] && [ "$(cat .venv/.lcnc-llama-portable)" = "$llama_pin" ]; then
    return  # built for this machine kind already (make run and make test share it)
  fi
  if [ "$(uname -m)" = "x86_64" ]; then
    echo "==> compiling llama-cpp-python for x86-64 with AVX2 (a few minutes)"
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF" \
      "${pip[@]}" install -q --no-cache-dir --force-reinstall --no-deps -c requirements.lock llama-cpp-python
  fi
  echo "$llama_pin" > .venv/.lcnc-llama-portable
}

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
  install_portable_llama
  "${pip[@]}" install -q -c requirements.lock -e ".${extra}"
  echo "$want" > "$stamp"
else
  install_portable_llama
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
