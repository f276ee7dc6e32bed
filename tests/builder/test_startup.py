"""`lcnc serve` refuses to start without the settings a role needs, and honours the uvicorn production settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from builder.settings import Settings
from builder.startup import startup_problems, uvicorn_options

LCNC = str(Path(sys.executable).with_name("lcnc"))
SECRET = "3f9c2a7d1b8e4f6a0c5d9e2b7a1f8c3d"  # 32 characters, not a placeholder
OTHER_SECRET = "a8d3f1c9e7b2046d5f8a1c3e9b7d2f40"
ENV_PREFIXES = ("DATABASE_", "REDIS_", "JWT_", "GATEWAY_", "SECRETS_", "ENVIRONMENT", "LOCAL_MODE", "UVICORN_",
                "SERVICES", "AUTO_MIGRATE")


def run_serve(tmp_path: Path, env: dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES)}
    return subprocess.run(  # noqa: S603 - fixed argv
        [LCNC, "serve", "--port", "1", *args], env={**clean, "DATA_DIR": str(tmp_path), **env},
        capture_output=True, text=True, timeout=timeout, cwd=tmp_path,
    )


FULL = {"JWT_SECRET_KEY": SECRET, "SECRETS_KEY": OTHER_SECRET, "REDIS_URL": "redis://r:6379/0",
        "DATABASE_URL": "postgresql://p/db"}


@pytest.mark.parametrize("missing", sorted(FULL))
def test_production_role_without_a_needed_setting_exits_at_once(tmp_path: Path, missing: str) -> None:
    started = time.monotonic()
    env = {k: v for k, v in FULL.items() if k != missing}
    done = run_serve(tmp_path, {"ENVIRONMENT": "production", "LOCAL_MODE": "false", **env}, "--services", "workflow")
    assert done.returncode == 2
    assert missing in done.stderr
    assert done.stderr.count("error:") == 1, done.stderr
    assert time.monotonic() - started < 20
    assert not (tmp_path / "lcnc.db").exists()  # nothing was started or migrated


def test_production_refuses_placeholder_keys(tmp_path: Path) -> None:
    env = {**FULL, "JWT_SECRET_KEY": "dev-only-secret-change-me-0123456789abcdef"}
    done = run_serve(tmp_path, {"ENVIRONMENT": "production", "LOCAL_MODE": "false", **env}, "--services", "workflow")
    assert done.returncode == 2
    assert "JWT_SECRET_KEY looks like a default or placeholder value" in done.stderr


def test_production_refuses_local_mode_naming_the_variable(tmp_path: Path) -> None:
    done = run_serve(tmp_path, {"ENVIRONMENT": "production"})
    assert done.returncode == 2
    assert "LOCAL_MODE" in done.stderr


def test_bad_values_name_their_variable(tmp_path: Path) -> None:
    done = run_serve(tmp_path, {"UVICORN_WORKERS": "many"})
    assert done.returncode == 2 and "UVICORN_WORKERS" in done.stderr
    done = run_serve(tmp_path, {"GATEWAY_UPSTREAMS": "{not json"}, "--services", "gateway")
    assert done.returncode == 2 and "gateway_upstreams" in done.stderr.lower()
    done = run_serve(tmp_path, {"GATEWAY_UPSTREAMS": '{"nosuch": "http://x"}'}, "--services", "gateway")
    assert done.returncode == 2 and "GATEWAY_UPSTREAMS: unknown role(s) nosuch" in done.stderr
    done = run_serve(tmp_path, {}, "--services", "gateway,nosuch")
    assert done.returncode == 2 and "SERVICES" in done.stderr


def test_production_gateway_needs_an_upstream_for_every_role_it_does_not_serve() -> None:
    base = {"_env_file": None, "environment": "production", "local_mode": False, "jwt_secret_key": SECRET,
            "redis_url": "redis://r", "database_url": "postgresql://p/db", "services": ["gateway"],
            "secrets_key": OTHER_SECRET}
    problems = startup_problems(Settings(**base, gateway_upstreams={"tools": "http://tools:8000"}))
    assert len(problems) == 1
    assert problems[0].startswith("GATEWAY_UPSTREAMS has no URL for role(s) orchestrator, agents, rag, sqltool")
    everything = {r: f"http://{r}:8000" for r in ("orchestrator", "agents", "tools", "rag", "sqltool", "workflow",
                                                  "observability")}
    assert startup_problems(Settings(**base, gateway_upstreams=everything)) == []
    bad = startup_problems(Settings(**base, gateway_upstreams={**everything, "rag": "rag:8000"}))
    assert bad == ["GATEWAY_UPSTREAMS[rag]: 'rag:8000' is not an http:// or https:// URL"]


def test_development_defaults_start_and_workers_need_database_and_redis_in_production() -> None:
    assert startup_problems(Settings(_env_file=None)) == []
    worker = startup_problems(Settings(_env_file=None, environment="production", local_mode=False), worker=True)
    assert [p.split(" ")[0] for p in worker] == ["DATABASE_URL", "REDIS_URL", "SECRETS_KEY"]


def test_uvicorn_options_follow_the_settings() -> None:
    settings = Settings(_env_file=None, uvicorn_workers=4, uvicorn_max_requests=1000,
                        uvicorn_max_requests_jitter=50, async_timeout=20)
    options = uvicorn_options(settings, port=9000)
    assert options["workers"] == 4
    assert options["limit_max_requests"] == 1000
    assert options["limit_max_requests_jitter"] == 50
    assert options["timeout_graceful_shutdown"] == 20
    assert options["port"] == 9000 and options["host"] == "127.0.0.1"
    assert "limit_max_requests" not in uvicorn_options(Settings(_env_file=None))


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_workers_are_recycled_after_max_requests(tmp_path: Path) -> None:
    """UVICORN_WORKERS=2 runs a supervisor with two server processes built from `builder.main:create`, and
    UVICORN_MAX_REQUESTS ends a server process after its quota while the supervisor stays up to replace it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES)}
    env = {**clean, "DATA_DIR": str(tmp_path), "UVICORN_WORKERS": "2", "UVICORN_MAX_REQUESTS": "3",
           "UVICORN_MAX_REQUESTS_JITTER": "0"}
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - fixed argv
            [LCNC, "serve", "--services", "tools", "--port", str(port)], env=env, stdout=log,
            stderr=subprocess.STDOUT, cwd=tmp_path,
        )
    url = f"http://127.0.0.1:{port}/api/tools/health"
    try:
        # A server process imports the whole platform before it serves: slow on a busy machine.
        deadline = time.monotonic() + 300
        served = 0
        while "Maximum request limit of 3 exceeded" not in log_path.read_text():
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            assert proc.poll() is None, log_path.read_text()[-3000:]
            try:
                served += httpx.get(url, timeout=5).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.3)
        text = log_path.read_text()
        assert "Started parent process" in text  # the multi-process supervisor
        assert text.count("Started server process") >= 2
        # Two processes, three requests each; uvicorn checks the quota on its 0.1 s tick, so a process may answer
        # the few more that arrive before it notices (a request here takes about 30 ms).
        assert 3 <= served <= 14
        assert proc.poll() is None  # the supervisor outlives its recycled server process
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
