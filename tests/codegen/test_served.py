"""A generated service run for real under uvicorn: health, readiness, runs, SSE with Last-Event-ID, metrics."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.codegen.serving import serve


@pytest.fixture(scope="module")
def service(exported: dict[str, Path]) -> Iterator[str]:
    env = {**os.environ, "LOG_LEVEL": "WARNING", "RUN_TIMEOUT_S": "20"}

    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]

    with serve(command, exported["human_approval"], env) as base:
        yield base


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
