"""A generated service run for real under uvicorn: health, readiness, runs, SSE with Last-Event-ID, metrics."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def service(exported: dict[str, Path]) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "LOG_LEVEL": "WARNING", "RUN_TIMEOUT_S": "20"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=exported["human_approval"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read().decode()[-2000:] if process.stderr else ""
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the generated service did not become ready"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _events(base: str, run_id: str, last_event_id: str | None = None) -> list[tuple[str, str, dict]]:
    headers = {"Last-Event-ID": last_event_id} if last_event_id is not None else {}
    found = []
    with httpx.stream("GET", f"{base}/runs/{run_id}/events", headers=headers, timeout=20) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        block: dict[str, str] = {}
        for line in response.iter_lines():
            if not line:
                if block:
                    found.append((block["id"], block["event"], json.loads(block["data"])))
                block = {}
                continue
            key, _, value = line.partition(": ")
            block[key] = value
    return found


def test_health_ready_and_metrics(service: str) -> None:
    assert httpx.get(f"{service}/health").json() == {"status": "ok"}
    assert httpx.get(f"{service}/ready").json() == {"status": "ready"}
    assert "graph_runs_total" in httpx.get(f"{service}/metrics").text


def test_approval_round_trip_with_events(service: str) -> None:
    waiting = httpx.post(f"{service}/run", json={"request": "refund order 7"}, timeout=20).json()
    assert waiting["status"] == "waiting" and waiting["interrupt"]["prompt"] == "Send this reply?"
    run_id = waiting["run_id"]
    first = _events(service, run_id)
    assert first[0][1] == "run_started" and first[-1][1] == "interrupt"

    resumed = httpx.post(f"{service}/runs/{run_id}/resume", json={"approved": True, "comment": "ok"}, timeout=20)
    assert resumed.status_code == 202
    done = httpx.get(f"{service}/runs/{run_id}", params={"wait": 20}, timeout=30).json()
    assert done["status"] == "succeeded"
    assert done["outputs"] == {"result": "SENT: Draft reply to: refund order 7\n\nComment: ok"}

    later = _events(service, run_id, last_event_id=first[-1][0])  # only what came after the interrupt
    assert [int(i) for i, _, _ in later] == list(range(int(first[-1][0]) + 1, int(first[-1][0]) + 1 + len(later)))
    assert later[0][1] == "run_started" and later[-1][1] == "run_finished"
    assert httpx.post(f"{service}/runs/{run_id}/resume", json={"approved": True}).status_code == 409


def test_bad_input_is_422_and_unknown_run_404(service: str) -> None:
    assert httpx.post(f"{service}/run", json={"request": "x", "extra": 1}).status_code == 422
    assert httpx.post(f"{service}/run", json={}).status_code == 422
    assert httpx.get(f"{service}/runs/nope").status_code == 404
    schema = httpx.get(f"{service}/openapi.json").json()["components"]["schemas"]
    assert schema["RunInputs"]["required"] == ["request"]
