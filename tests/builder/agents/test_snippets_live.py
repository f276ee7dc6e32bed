"""The "Use it" snippets work as shown: curl and Python run for real against `lcnc up` with a scoped key."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import fixture_graph, wait_for_a_worker
from tests.docs.test_api_guide import free_port


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    data = tmp_path_factory.mktemp("agents-platform")
    env = {**os.environ, "DATA_DIR": str(data), "DATABASE_URL": "", "REDIS_URL": "", "LOCAL_MODE": "true"}
    log = open(data / "platform.log", "w")  # noqa: SIM115 - closed in finally
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-c", "from builder.cli import app; app()", "up", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/agents/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                pytest.fail("the platform exited: " + (data / "platform.log").read_text()[-2000:])
            time.sleep(0.5)
        wait_for_a_worker(url)
        yield url
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def published(platform: str) -> dict[str, str]:
    with httpx.Client(base_url=platform, timeout=30) as api:
        assert api.post("/api/workflow/graphs", json=fixture_graph("linear_transform")).status_code == 201
        assert api.post("/api/agents/published", json={"graph_id": "linear_transform", "slug": "greeter"}
                        ).status_code == 201
        key = api.post("/api/agents/published/greeter/keys", json={"name": "snippets"}).json()["key"]
        snippets = api.get("/api/agents/published/greeter/snippets").json()
    return {"key": key, **snippets}


def test_the_published_endpoint_needs_its_key_even_in_local_mode(platform: str, published: dict) -> None:
    run = httpx.post(f"{platform}/api/agents/greeter/run", json={"inputs": {"name": "Ada"}}, timeout=30)
    assert run.status_code == 401


def test_curl_snippet_runs_as_shown(published: dict) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed on this machine")
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", published["curl"]],  # noqa: S603,S607
                            env={**os.environ, "LCNC_AGENT_KEY": published["key"]},
                            capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr + result.stdout
    run = json.loads(result.stdout)
    assert run["status"] == "succeeded", run
    assert run["outputs"] == {"greeting": "Hello, Hello! Welcome aboard."}


def test_python_snippet_runs_as_shown(published: dict) -> None:
    result = subprocess.run([sys.executable, "-c", published["python"]],  # noqa: S603
                            env={**os.environ, "LCNC_AGENT_KEY": published["key"]},
                            capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "succeeded {'greeting': 'Hello, Hello! Welcome aboard.'}"
    wrong = subprocess.run([sys.executable, "-c", published["python"]],  # noqa: S603
                           env={**os.environ, "LCNC_AGENT_KEY": "lcpk_wrong_key"},
                           capture_output=True, text=True, timeout=90)
    assert wrong.returncode != 0 and "401" in wrong.stderr


def test_async_run_then_poll_and_events(platform: str, published: dict) -> None:
    headers = {"X-API-Key": published["key"]}
    started = httpx.post(f"{platform}/api/agents/greeter/run", json={"inputs": {"name": "Bo"}}, headers=headers,
                         timeout=30)
    assert started.status_code == 202 and started.json()["status"] == "queued"
    run_id = started.json()["id"]
    deadline = time.monotonic() + 60
    run = started.json()
    while run["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        run = httpx.get(f"{platform}/api/agents/greeter/runs/{run_id}", headers=headers, timeout=30).json()
    assert run["status"] == "succeeded" and run["outputs"] == {"greeting": "Hello, Bo! Welcome aboard."}
    events = httpx.get(f"{platform}/api/agents/greeter/runs/{run_id}/events", headers=headers, timeout=30)
    assert events.status_code == 200 and events.headers["content-type"].startswith("text/event-stream")
    types = [line[len("event: "):] for line in events.text.splitlines() if line.startswith("event: ")]
    assert types[0] == "run_started" and types[-1] == "run_finished" and "node_finished" in types
    usage = httpx.get(f"{platform}/api/agents/published/greeter/keys", timeout=30).json()
    assert usage[0]["run_count"] >= 1 and usage[0]["request_count"] >= usage[0]["run_count"]


def test_a_published_approval_waits_and_is_resumed_with_the_key(platform: str) -> None:
    with httpx.Client(base_url=platform, timeout=60) as api:
        assert api.post("/api/workflow/graphs", json=fixture_graph("human_approval")).status_code == 201
        assert api.post("/api/agents/published", json={"graph_id": "human_approval", "slug": "approver"}
                        ).status_code == 201
        headers = {"X-API-Key": api.post("/api/agents/published/approver/keys", json={"name": "k"}).json()["key"]}
        waiting = api.post("/api/agents/approver/run", params={"wait": 30}, json={"inputs": {"request": "refund"}},
                           headers=headers)
        assert waiting.status_code == 200 and waiting.json()["status"] == "waiting", waiting.text
        run_id = waiting.json()["id"]
        resumed = api.post(f"/api/agents/approver/runs/{run_id}/resume", json={"approved": True}, headers=headers)
        assert resumed.status_code == 202, resumed.text
        deadline = time.monotonic() + 60
        run = resumed.json()
        while run["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
            time.sleep(0.2)
            run = api.get(f"/api/agents/approver/runs/{run_id}", headers=headers).json()
        assert run["status"] == "succeeded" and run["outputs"] == {"result": "SENT: Draft reply to: refund"}
