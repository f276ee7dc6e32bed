"""The runs API without a worker: validation, listing, cancel and resume rules, SSE replay and resumption."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from builder.app import create_app
from builder.routes.runs import RunQueue
from tests.conftest import fixture_graph
from tests.runtime.worker.harness import GRAPHS, RUNS, Platform, cleanup_redis, make_platform


@pytest.fixture(params=["redis", "embedded"])
def plat(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    postgres = request.getfixturevalue("migrated_postgres_url") if request.param == "redis" else None
    platform = make_platform(request.param, tmp_path, postgres)
    app = create_app(platform.settings)
    try:
        with TestClient(app) as client:
            app.state.run_queue = RunQueue(platform.config)
            platform.client = client
            yield platform
    finally:
        if request.param == "redis":
            cleanup_redis(platform.config.namespace)


def _publish(plat: Platform, run_id: str, *events: dict[str, Any]) -> list[str]:
    async def go() -> list[str]:
        stream = plat.config.open_events()
        try:
            return [await stream.publish(run_id, e) for e in events]
        finally:
            await stream.close()

    return asyncio.run(go())


def _sse(text: str) -> list[dict[str, Any]]:
    out = []
    for block in text.strip().split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            fields[key] = value
        if fields:
            fields["data"] = json.loads(fields["data"])
            out.append(fields)
    return out


def test_start_get_and_list_a_queued_run(plat: Platform) -> None:
    plat.create_graph(fixture_graph("linear_transform"))
    run = plat.start_run("linear_transform", {"name": "Ada"})
    assert run["status"] == "queued" and run["graph_version"] == 1 and run["inputs"] == {"name": "Ada"}
    assert run["outputs"] is None and run["started_at"] is None
    assert plat.get_run(run["id"]) == run
    plat.create_graph(fixture_graph("loop"))
    plat.start_run("loop", {"text": "x"})
    page = plat.client.get(RUNS, params={"graph_id": "linear_transform"}).json()
    assert page["total"] == 1 and page["items"][0]["id"] == run["id"]
    assert plat.client.get(RUNS).json()["total"] == 2
    assert plat.client.get(RUNS, params={"status": "queued", "limit": 1}).json()["total"] == 2
    assert plat.client.get(RUNS, params={"status": "succeeded"}).json()["total"] == 0
    assert plat.client.get(RUNS, params={"status": "bogus"}).status_code == 422


def test_a_specific_version_runs_that_version(plat: Platform) -> None:
    plat.create_graph(fixture_graph("linear_transform"))
    spec = fixture_graph("linear_transform")
    spec["nodes"][1]["config"]["template"] = "Hi {{ data }}"
    assert plat.client.put(f"{GRAPHS}/linear_transform", json={"spec": spec, "base_version": 1}).status_code == 200
    response = plat.client.post(RUNS, json={"graph_id": "linear_transform", "version": 1, "inputs": {"name": "A"}})
    assert response.status_code == 202 and response.json()["graph_version"] == 1
    assert plat.client.post(RUNS, json={"graph_id": "linear_transform", "inputs": {"name": "A"}}).json()[
        "graph_version"] == 2
    missing = plat.client.post(RUNS, json={"graph_id": "linear_transform", "version": 9, "inputs": {"name": "A"}})
    assert missing.status_code == 404


def test_an_invalid_graph_gets_422_with_the_validation_errors(plat: Platform) -> None:
    spec = fixture_graph("linear_transform")
    spec["edges"] = spec["edges"][:1]  # 'shout' and 'out' are left unconnected: incomplete, saved with warnings
    plat.create_graph(spec)
    response = plat.client.post(RUNS, json={"graph_id": "linear_transform", "inputs": {"name": "A"}})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errors"] and all("code" in e for e in body["errors"])
    assert "cannot run" in body["detail"]
    assert plat.client.get(RUNS).json()["total"] == 0


@pytest.mark.parametrize(("inputs", "named"), [
    ({}, "name"),
    ({"name": "A", "extra": 1}, "extra"),
    ({"name": 42}, "name"),
])
def test_inputs_not_matching_the_declared_inputs_get_422_naming_the_input(
    plat: Platform, inputs: dict[str, Any], named: str,
) -> None:
    plat.create_graph(fixture_graph("linear_transform"))
    response = plat.client.post(RUNS, json={"graph_id": "linear_transform", "inputs": inputs})
    assert response.status_code == 422, response.text
    assert named in response.json()["detail"]
    assert response.json()["errors"][0]["loc"] == ["body", "inputs", named]


def test_unknown_graph_and_run_are_404_and_bad_ids_422(plat: Platform) -> None:
    assert plat.client.post(RUNS, json={"graph_id": "nope", "inputs": {}}).status_code == 404
    assert plat.client.get(f"{RUNS}/{'0' * 32}").status_code == 404
    assert plat.client.get(f"{RUNS}/not-a-run-id").status_code == 422
    assert plat.client.post(RUNS, json={"graph_id": "bad id!", "inputs": {}}).status_code == 422
    assert plat.client.post(f"{RUNS}/{'0' * 32}/cancel").status_code == 404
    assert plat.client.get(f"{RUNS}/{'0' * 32}/events").status_code == 404


def test_cancel_a_queued_run_then_cancel_again_is_409(plat: Platform) -> None:
    plat.create_graph(fixture_graph("linear_transform"))
    run = plat.start_run("linear_transform", {"name": "Ada"})
    cancelled = plat.client.post(f"{RUNS}/{run['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["finished_at"]
    again = plat.client.post(f"{RUNS}/{run['id']}/cancel")
    assert again.status_code == 409 and "already ended" in again.json()["detail"]
    events = plat.events(run["id"])
    assert [e["type"] for e in events] == ["run_cancelled"]
    # The SSE stream of an ended run replays and closes.
    replay = _sse(plat.client.get(f"{RUNS}/{run['id']}/events").text)
    assert [e["event"] for e in replay] == ["run_cancelled"]


def test_resume_a_run_that_is_not_waiting_is_409(plat: Platform) -> None:
    plat.create_graph(fixture_graph("human_approval"))
    run = plat.start_run("human_approval", {"request": "refund"})
    response = plat.client.post(f"{RUNS}/{run['id']}/resume", json={"approved": True})
    assert response.status_code == 409 and "not waiting" in response.json()["detail"]
    assert plat.client.post(f"{RUNS}/{run['id']}/resume", json={"approved": "maybe"}).status_code == 422


def test_sse_replays_every_event_with_ids_and_resumes_after_last_event_id(plat: Platform) -> None:
    plat.create_graph(fixture_graph("linear_transform"))
    run_id = plat.start_run("linear_transform", {"name": "Ada"})["id"]
    ids = _publish(plat, run_id, {"type": "run_started"}, {"type": "node_started", "node_id": "in"},
                   {"type": "node_finished", "node_id": "in", "duration_ms": 1.0},
                   {"type": "run_finished", "outputs": {"greeting": "hi"}})
    response = plat.client.get(f"{RUNS}/{run_id}/events")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = _sse(response.text)
    assert [e["id"] for e in events] == ids
    assert [e["event"] for e in events] == ["run_started", "node_started", "node_finished", "run_finished"]
    assert events[-1]["data"]["outputs"] == {"greeting": "hi"}
    resumed = _sse(plat.client.get(f"{RUNS}/{run_id}/events", headers={"Last-Event-ID": ids[1]}).text)
    assert [e["id"] for e in resumed] == ids[2:]
    by_query = _sse(plat.client.get(f"{RUNS}/{run_id}/events", params={"after": ids[2]}).text)
    assert [e["event"] for e in by_query] == ["run_finished"]
    bad = plat.client.get(f"{RUNS}/{run_id}/events", headers={"Last-Event-ID": "nonsense"})
    assert bad.status_code == 422 and "Last-Event-ID" in bad.json()["detail"]


def test_wait_returns_202_when_the_run_does_not_end_in_time(plat: Platform) -> None:
    plat.create_graph(fixture_graph("linear_transform"))
    response = plat.client.post(RUNS, json={"graph_id": "linear_transform", "inputs": {"name": "A"}},
                                params={"wait": 0.3})
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert plat.client.post(RUNS, json={"graph_id": "linear_transform", "inputs": {"name": "A"}},
                            params={"wait": 9999}).status_code == 422


def _row_template(plat: Platform, run_id: str) -> str:
    """The 'greet' template of the spec stored in the run's row (what a worker will run)."""
    import sqlalchemy as sa

    engine = sa.create_engine(plat.config.sync_database_url)
    try:
        with engine.connect() as conn:
            spec = conn.execute(sa.text("SELECT spec FROM runs WHERE id = :id"), {"id": run_id}).scalar_one()
    finally:
        engine.dispose()
    spec = json.loads(spec) if isinstance(spec, str) else spec
    return next(node for node in spec["nodes"] if node["id"] == "greet")["config"]["template"]


def _greeting(template: str, input_name: str = "name") -> dict[str, Any]:
    spec = fixture_graph("linear_transform")
    spec["nodes"][1]["config"]["template"] = template
    spec["nodes"][0]["config"]["name"] = input_name
    spec["inputs"][0]["name"] = input_name
    return spec


def test_each_start_runs_the_graph_as_saved_now_even_after_it_changed(
    plat: Platform, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A start answers from what the last start of the graph read only while that is still what is saved."""
    from builder.crud import graphs

    reads: list[str] = []
    read = graphs.spec_to_run

    async def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(kwargs["graph_id"])
        return await read(*args, **kwargs)

    monkeypatch.setattr(graphs, "spec_to_run", counted)
    plat.create_graph(_greeting("Hello, {{ data }}!"))
    for name in ("A", "B", "C"):
        run = plat.start_run("linear_transform", {"name": name})
        assert run["graph_version"] == 1 and run["inputs"] == {"name": name}
        assert _row_template(plat, run["id"]) == "Hello, {{ data }}!"
    assert len(reads) == 1  # the later starts inserted their row in one statement, from what the first read
    pinned = plat.client.post(RUNS, json={"graph_id": "linear_transform", "version": 1, "inputs": {"name": "P"}})
    assert pinned.status_code == 202 and _row_template(plat, pinned.json()["id"]) == "Hello, {{ data }}!"

    # A new version, whose input is named otherwise: the old name is refused, the new one runs version 2.
    saved = plat.client.put(f"{GRAPHS}/linear_transform", json={"spec": _greeting("Hi, {{ data }}!", "who"),
                                                                "base_version": 1})
    assert saved.status_code == 200, saved.text
    old = plat.client.post(RUNS, json={"graph_id": "linear_transform", "inputs": {"name": "A"}})
    assert old.status_code == 422 and old.json()["errors"][0]["loc"] == ["body", "inputs", "name"]
    run = plat.start_run("linear_transform", {"who": "C"})
    assert run["graph_version"] == 2 and _row_template(plat, run["id"]) == "Hi, {{ data }}!"

    # Deleted and made again under the same id: version 1 again, with other content.
    assert plat.client.delete(f"{GRAPHS}/linear_transform").status_code == 204
    assert plat.client.post(RUNS, json={"graph_id": "linear_transform", "inputs": {"who": "D"}}).status_code == 404
    plat.create_graph(_greeting("Welcome, {{ data }}!"))
    run = plat.start_run("linear_transform", {"name": "E"})
    assert run["graph_version"] == 1 and _row_template(plat, run["id"]) == "Welcome, {{ data }}!"
    pinned = plat.client.post(RUNS, json={"graph_id": "linear_transform", "version": 1, "inputs": {"name": "F"}})
    assert pinned.status_code == 202 and _row_template(plat, pinned.json()["id"]) == "Welcome, {{ data }}!"
