"""Runs executed by real `lcnc worker` processes, on PostgreSQL + Redis and on the embedded SQLite broker."""

from __future__ import annotations

import json

from tests.conftest import fixture_graph
from tests.runtime.worker.harness import Platform


def test_a_run_goes_through_a_worker_and_streams_its_events(platform: Platform) -> None:
    platform.create_graph(fixture_graph("linear_transform"))
    platform.start_worker()
    run = platform.start_run("linear_transform", {"name": "Ada"}, wait=30)
    assert run["status"] == "succeeded", (run, platform.logs())
    assert run["outputs"] == {"greeting": "Hello, Ada! Welcome aboard."}
    assert run["attempts"] == 1 and run["started_at"] and run["finished_at"]
    assert run == platform.get_run(run["id"])  # the answer to ?wait (from the final event) is the stored row
    types = [e["type"] for e in platform.events(run["id"])]
    assert types[0] == "run_started" and types[-1] == "run_finished"
    assert types.count("node_finished") == 4
    logs = "\n".join(worker.log_path.read_text(errors="replace") for worker in platform.workers)  # type: ignore[attr-defined]
    # The worker's own line for the run, one at INFO: its start gets a line of its own on a later delivery only.
    lines = [line for line in logs.splitlines() if run["id"] in line and '"level": "info"' in line]
    assert len(lines) == 1 and f"run {run['id']} ended: succeeded (graph linear_transform, delivery 1, " in lines[0]
    assert "] received" not in logs and "] succeeded in" not in logs  # Celery's two lines per task are off at INFO


def test_a_subgraph_node_runs_the_saved_graph_of_the_workspace(platform: Platform) -> None:
    platform.create_graph(fixture_graph("linear_transform"))
    platform.create_graph(fixture_graph("subgraph"))
    platform.start_worker()
    run = platform.start_run("subgraph", {"name": "Ada"}, wait=60)
    assert run["status"] == "succeeded", (run, platform.logs())
    assert "Hello, Ada! Welcome aboard." in json.dumps(run["outputs"])


def test_a_failing_node_fails_the_run_with_a_readable_error_and_the_worker_stays_up(platform: Platform) -> None:
    spec = fixture_graph("linear_transform")
    # An HTTP call to a loopback address: refused by the node's SSRF guard, the same way every time.
    spec["nodes"][1] = {"id": "greet", "kind": "http", "config": {"url": "http://127.0.0.1:9/x", "retries": 0}}
    spec["edges"][1]["source"]["port"] = "response"
    platform.create_graph(spec)
    platform.start_worker()
    run = platform.start_run("linear_transform", {"name": "Ada"}, wait=60)
    assert run["status"] == "failed" and "greet" in run["error"], run
    assert run == platform.get_run(run["id"])
    events = platform.events(run["id"])
    assert [e["type"] for e in events][-1] == "run_failed"
    assert any(e["type"] == "node_failed" and e["node_id"] == "greet" for e in events)
    assert platform.workers[0].poll() is None
