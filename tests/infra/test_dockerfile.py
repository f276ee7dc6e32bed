"""The one platform image: multi-stage (web build, Python deps, runtime), CPU torch first, non-root, health check;
and the health check script against a real server."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
from pathlib import Path

import pytest

from builder.app import create_app
from builder.settings import Settings
from tests.builder.gateway.gateway_servers import ThreadServer, free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
HEALTHCHECK = ROOT / "infra" / "docker" / "healthcheck.py"


def stages() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current = None
    logical = DOCKERFILE.replace("\\\n", " ")
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            current = line.split()[-1]
            found[current] = [line]
        elif current:
            found[current].append(line)
    return found


STAGES = stages()


def instructions(stage: str, keyword: str) -> list[str]:
    return [line for line in STAGES[stage] if line.startswith(keyword + " ")]


def test_stages_and_default_target() -> None:
    assert list(STAGES) == ["web-build", "python-deps", "web", "platform"]  # the last one is the default
    assert STAGES["web-build"][0].startswith("FROM node:")
    build = " ".join(STAGES["web-build"])
    assert "npm ci" in build and "npm run build" in build
    assert any("--from=web-build /web/dist web/dist" in line for line in instructions("platform", "COPY"))
    assert any("--from=python-deps /opt/venv /opt/venv" in line for line in instructions("platform", "COPY"))


def test_cpu_torch_and_kubernetes_are_installed_first() -> None:
    runs = " ".join(instructions("python-deps", "RUN"))
    torch = runs.index("pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu")
    assert torch < runs.index("pip install kubernetes==37.0.1") < runs.index("pip install -r /tmp/requirements.txt")


def test_runtime_is_non_root_with_a_healthcheck_and_runs_any_role() -> None:
    [user] = instructions("platform", "USER")
    assert user.split()[1].split(":")[0] not in ("0", "root")
    [check] = instructions("platform", "HEALTHCHECK")
    assert "/app/infra/docker/healthcheck.py" in check
    assert instructions("platform", "CMD") == ['CMD ["lcnc", "serve"]']
    assert instructions("platform", "ENTRYPOINT") == ['ENTRYPOINT ["tini", "--"]']
    assert not any("build-essential" in line for line in instructions("platform", "RUN"))  # compilers stay behind
    assert instructions("web", "HEALTHCHECK")


def ignored(path: str) -> bool:
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]
    return any(fnmatch.fnmatch(path, p) or path.startswith(p.rstrip("/") + "/") for p in patterns)


def test_copied_sources_exist_and_are_not_ignored() -> None:
    for stage in STAGES:
        for line in instructions(stage, "COPY"):
            parts = [p for p in line.split()[1:] if not p.startswith("--")]
            if "--from=" in line:
                continue
            for source in parts[:-1]:
                source = source.rstrip("/")
                assert (ROOT / source).exists(), f"{stage}: COPY {source} does not exist"
                assert not ignored(source), f"{stage}: COPY {source} is excluded by .dockerignore"
    for heavy in ("web/node_modules", ".git", "tests", ".lcnc"):
        assert ignored(heavy), heavy


def run_check(*args: str, **env: str) -> int:
    return subprocess.run([sys.executable, str(HEALTHCHECK), *args], env={**os.environ, **env},  # noqa: S603
                          capture_output=True, timeout=60).returncode


def test_healthcheck_passes_on_a_serving_role_and_fails_without_one(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, services=["tools"], data_dir=tmp_path)
    with ThreadServer(create_app(settings)) as server:
        assert run_check(PORT=str(server.port)) == 0
        assert run_check(LCNC_HEALTH_URL=f"{server.url}/api/tools/health") == 0
        assert run_check(LCNC_HEALTH_URL=f"{server.url}/api/rag/health") == 1
    assert run_check(PORT=str(free_port())) == 1


def test_worker_healthcheck_sees_the_worker_process_and_the_broker(tmp_path: Path) -> None:
    fake = tmp_path / "lcnc"
    fake.write_text("import time\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, str(fake), "worker"])  # noqa: S603
    try:
        assert run_check("--worker", REDIS_URL="") == 0
        redis_up = run_check("--worker", REDIS_URL="redis://127.0.0.1:6379/0")
        if redis_up != 0:
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        assert run_check("--worker", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0") == 1
    finally:
        proc.kill()
        proc.wait()
