"""The service's API, exercised with the graph's example inputs (tests/examples.json)."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import EXAMPLES

WAITS_FOR_APPROVAL = True
REQUIRED_INPUTS = ['request']
DECLARED_OUTPUTS = ['result']
NEEDS_SERVICES = []
# Runs of a graph that calls outside services are live tests: they need those services configured (see the
# README's settings), so they run only when RUN_LIVE_TESTS=1; every other test runs offline.
needs_services = pytest.mark.skipif(
    bool(NEEDS_SERVICES) and os.environ.get("RUN_LIVE_TESTS") != "1",
    reason="live test: the graph calls " + ", ".join(NEEDS_SERVICES) + "; set RUN_LIVE_TESTS=1 to run it against them",
)


def _finish(client: TestClient, run: dict[str, Any]) -> dict[str, Any]:
    """Answer approval steps (approve) until the run ends."""
    for _ in range(20):
        if run["status"] != "waiting":
            return run
        answer = client.post(f"/runs/{run['id']}/resume", json={"approved": True})
        assert answer.status_code == 202, answer.text
        run = client.get(f"/runs/{answer.json()['id']}", params={"wait": 20}).json()
    return run


def _check_outputs(example: dict[str, Any], outputs: dict[str, Any]) -> None:
    assert set(outputs) == set(DECLARED_OUTPUTS)
    if example.get("outputs") is not None:
        assert outputs == example["outputs"]


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").status_code == 200


def test_openapi_declares_the_graph_io(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["RunInputs"].get("properties", {})) == set(['request'])
    assert set(schemas["RunOutputs"].get("properties", {})) == set(DECLARED_OUTPUTS)


def test_missing_required_input_is_422(client: TestClient) -> None:
    if not REQUIRED_INPUTS:
        pytest.skip("the graph has no required input")
    assert client.post("/run", json={}).status_code == 422


def test_unknown_run_is_404(client: TestClient) -> None:
    assert client.get("/runs/nope").status_code == 404


@needs_services
@pytest.mark.parametrize("example", EXAMPLES)
def test_run_sync(client: TestClient, example: dict[str, Any]) -> None:
    response = client.post("/run", json=example["inputs"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == ("waiting" if WAITS_FOR_APPROVAL else "succeeded"), body
    if not WAITS_FOR_APPROVAL:
        _check_outputs(example, body["outputs"])


@needs_services
@pytest.mark.parametrize("example", EXAMPLES)
def test_run_async_with_events(client: TestClient, example: dict[str, Any]) -> None:
    started = client.post("/runs", json=example["inputs"])
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    run = client.get(f"/runs/{run_id}", params={"wait": 20}).json()
    run = _finish(client, run)
    assert run["status"] == "succeeded", run
    if not WAITS_FOR_APPROVAL:
        _check_outputs(example, run["outputs"])
    with client.stream("GET", f"/runs/{run_id}/events") as stream:
        text = "".join(stream.iter_text())
    types = [json.loads(line[len("data: "):])["type"] for line in text.splitlines() if line.startswith("data: ")]
    assert types[0] == "run_started" and types[-1] == "run_finished", types
    assert "node_finished" in types
    assert run_id in [run["id"] for run in client.get("/runs").json()]


def test_metrics_count_runs(client: TestClient) -> None:
    text = client.get("/metrics").text
    assert "graph_runs_total" in text
