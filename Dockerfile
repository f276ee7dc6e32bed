# syntax=docker/dockerfile:1.7
# The one lcnc platform image: every service role and the Celery worker run from it, chosen by command:
#   docker run lcnc lcnc serve --services gateway        (or orchestrator, agents, tools, rag, sqltool,
#   docker run lcnc lcnc worker                            workflow, observability; no flag = all roles)
#   docker run lcnc lcnc migrate                          (alembic upgrade head; the pre-start step)
# Build:  docker build -t lcnc:latest .      The `web` target is a static server of the editor:
#         docker build --target web -t lcnc-web:latest .

ARG PYTHON_VERSION=3.11
ARG NODE_VERSION=22

# ---- 1. the web editor: web/ -> web/dist --------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS web-build
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# ---- 2. Python dependencies in a virtualenv (compilers stay in this stage) ------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS python-deps
# llama-cpp-python is compiled here: portable CPU code, not tuned to the build machine, without the multimodal
# library (the local provider runs a text model).
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" FORCE_CMAKE=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake git \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# CPU-only torch first, so that nothing below pulls the CUDA build.
RUN pip install "setuptools>=69" wheel \
 && pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
 && pip install kubernetes==37.0.1
# The project's own dependencies, read from pyproject.toml: this layer is rebuilt only when they change.
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt

# ---- 3. the static web server (optional target) --------------------------------------------------------
FROM nginx:1.27-alpine AS web
COPY infra/docker/nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=web-build /web/dist /usr/share/nginx/html
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1

# ---- 4. the platform image (default target) ------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS platform
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 lcnc \
 && useradd --system --uid 10001 --gid lcnc --home-dir /app --shell /usr/sbin/nologin lcnc \
 && mkdir -p /data && chown lcnc:lcnc /data
COPY --from=python-deps /opt/venv /opt/venv
# HOME=/tmp: library caches (Hugging Face, ...) go to a writable place; the root filesystem may be read-only.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 PORT=8000 DATA_DIR=/data HOME=/tmp
WORKDIR /app
COPY pyproject.toml README.md ./
COPY builder/ builder/
COPY runtime/ runtime/
COPY codegen/ codegen/
COPY templates/ templates/
COPY infra/docker/healthcheck.py infra/docker/healthcheck.py
COPY --from=web-build /web/dist web/dist
# Editable, so the package finds web/dist and templates/ beside it under /app; dependencies are already there.
RUN pip install --no-deps --no-build-isolation -e . \
 && python -m compileall -q builder runtime codegen
USER 10001:10001
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "/app/infra/docker/healthcheck.py"]
ENTRYPOINT ["tini", "--"]
CMD ["lcnc", "serve"]
