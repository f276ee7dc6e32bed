"""Cancel, human approval across a worker restart, the bound on deliveries, and SSE from a live run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from builder.app import create_app
from builder.routes.runs import RunQueue
from tests.conftest import fixture_graph
from tests.runtime.worker.harness import RUNS, Platform, chain_graph, cleanup_redis, make_platform

# Long enough to be running still when a cancel or a kill lands, on either backend.
CHAIN = 1500


def _wait_nodes(platform: Platform, run_id: str, at_least: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while sum(e["type"] == "node_finished" for e in platform.events(run_id)) < at_least:
        assert time.monotonic() < deadline, platform.logs()
        time.sleep(0.02)


def test_cancel_a_running_run_stops_it_and_the_worker_takes_the_next(platform: Platform) -> None:
    platform.create_graph(chain_graph(CHAIN, stepwise=True))
    platform.start_worker()
    run = platform.start_run("chain", {"text": "x"})
    _wait_nodes(platform, run["id"], 5)
    response = platform.client.post(f"{RUNS}/{run['id']}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    time.sleep(2.5)  # the worker notices at its next lease renewal
    finished = sum(e["type"] == "node_finished" for e in platform.events(run["id"]))
    time.sleep(1.0)
    assert sum(e["type"] == "node_finished" for e in platform.events(run["id"])) == finished < 2 * CHAIN + 2
    final = platform.get_run(run["id"])
    assert final["status"] == "cancelled" and final["outputs"] is None
    types = [e["type"] for e in platform.events(run["id"])]
    assert types.count("run_cancelled") == 1 and "run_finished" not in types
    # The worker is free again.
    platform.create_graph(fixture_graph("linear_transform"))
    assert platform.start_run("linear_transform", {"name": "B"}, wait=30)["status"] == "succeeded"


def test_human_approval_round_trip_across_a_worker_restart(platform: Platform) -> None:
    platform.create_graph(fixture_graph("human_approval"))
    first = platform.start_worker()
    approved = platform.start_run("human_approval", {"request": "refund"}, wait=30)
    rejected = platform.start_run("human_approval", {"request": "spam"}, wait=30)
    for run in (approved, rejected):
        assert run["status"] == "waiting", (run, platform.logs())
        assert run["interrupt"] and run["interrupt"]["prompt"] == "Send this reply?"
        assert [e["type"] for e in platform.events(run["id"])][-1] == "interrupt"
    platform.stop_worker(first)  # nothing of the waiting run lives in a worker
    platform.start_worker()
    ok = platform.client.post(f"{RUNS}/{approved['id']}/resume", json={"approved": True, "comment": "fine"})
    assert ok.status_code == 202 and ok.json()["status"] == "queued"
    no = platform.client.post(f"{RUNS}/{rejected['id']}/resume", json={"approved": False})
    assert no.status_code == 202
    done = platform.wait_for(approved["id"], {"succeeded", "failed"})
    assert done["status"] == "succeeded" and done["outputs"]["result"].startswith("SENT: Draft reply to: refund")
    dropped = platform.wait_for(rejected["id"], {"succeeded", "failed"})
    assert dropped["outputs"]["result"].startswith("DROPPED: Draft reply to: spam")
    finished = [e["node_id"] for e in platform.events(approved["id"]) if e["type"] == "node_finished"]
    assert finished.count("draft") == 1  # the part before the approval did not run again
    assert platform.client.post(f"{RUNS}/{approved['id']}/resume", json={"approved": True}).status_code == 409


def test_sse_follows_a_live_run_to_its_end(platform: Platform) -> None:
    platform.create_graph(fixture_graph("loop"))
    platform.start_worker()
    run = platform.start_run("loop", {"text": "go"})
    with platform.client.stream("GET", f"{RUNS}/{run['id']}/events") as response:
        assert response.status_code == 200
        text = "".join(response.iter_text())
    events = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]
    assert events[0]["type"] == "run_started" and events[-1]["type"] == "run_finished"
    assert events[-1]["outputs"] == {"text": "go!!!"}
    assert platform.get_run(run["id"])["status"] == "succeeded"


@pytest.mark.parametrize("backend", ["redis", "embedded"])
def test_a_run_that_keeps_losing_its_worker_ends_failed(backend: str, tmp_path: Path,
                                                        request: pytest.FixtureRequest) -> None:
    postgres = request.getfixturevalue("migrated_postgres_url") if backend == "redis" else None
    platform = make_platform(backend, tmp_path, postgres, max_attempts=2)
    app = create_app(platform.settings)
    try:
        with TestClient(app) as client:
            app.state.run_queue = RunQueue(platform.config)
            platform.client = client
            platform.create_graph(chain_graph(CHAIN, stepwise=True))
            run = platform.start_run("chain", {"text": "x"})
            for attempt in (1, 2):
                worker = platform.start_worker()
                deadline = time.monotonic() + 60
                while platform.get_run(run["id"])["attempts"] < attempt:
                    assert time.monotonic() < deadline, platform.logs()
                    time.sleep(0.02)
                time.sleep(0.3)
                platform.kill_worker(worker)
            platform.start_worker()
            final = platform.wait_for(run["id"], {"succeeded", "failed"})
            assert final["status"] == "failed" and final["attempts"] == 3
            assert "giving up after 2" in final["error"]
            assert [e["type"] for e in platform.events(run["id"])][-1] == "run_failed"
    finally:
        platform.stop_all()
        if backend == "redis":
            cleanup_redis(platform.config.namespace)
