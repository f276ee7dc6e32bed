"""A run that succeeds is recorded before the checkpoints still queued behind it (PostgreSQL).

Once its row says succeeded nothing resumes the run: those checkpoints are not stored, and the node reports
they held go out with the final event. When the row cannot be written they are stored first, and the next
delivery ends the run from them, without running or reporting any node again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from builder.crud.runs import worker_config
from builder.settings import Settings
from runtime import checkpoint_queue
from runtime.checkpoint import setup_checkpointer
from runtime.worker import store
from runtime.worker.execute import execute_run
from runtime.worker.process import ProcessState
from tests.conftest import fixture_graph

GREETING = {"greeting": "Hello, Ada! Welcome aboard."}
NODES = ["in", "greet", "shout", "out"]


@pytest.fixture
def state(migrated_postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProcessState:
    # Pure steps' checkpoints wait in the queue up to this long: here, longer than any run of these tests.
    monkeypatch.setattr(checkpoint_queue, "WRITE_WINDOW_S", 30.0)
    settings = Settings(data_dir=tmp_path / "data", database_url=migrated_postgres_url, redis_url="")
    setup_checkpointer(settings.resolved_database_url)
    return ProcessState(worker_config(settings, lease_s=5))


def _insert_run(state: ProcessState, run_id: str) -> str:
    from builder.db.models import Run, Workspace
    from runtime.spec import parse_graph

    engine = sa.create_engine(state.config.sync_database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO workspaces (id, name, created_at) VALUES ('w1', 'w', now()) "
                             "ON CONFLICT DO NOTHING"))
        conn.execute(sa.insert(Run.__table__).values(
            id=run_id, workspace_id="w1", graph_id="linear_transform", graph_version=1, status="queued",
            spec=parse_graph(fixture_graph("linear_transform")).model_dump(mode="json"), inputs={"name": "Ada"},
            attempts=0, created_at=sa.func.now()))
    engine.dispose()
    assert Workspace.__tablename__ == "workspaces"
    return run_id


def _database(state: ProcessState) -> str:
    return state.config.sync_database_url.replace("postgresql+psycopg://", "postgresql://")


def _stored_checkpoints(state: ProcessState, run_id: str) -> int:
    with psycopg.connect(_database(state)) as conn:
        return conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = %s", (run_id,)).fetchone()[0]


def _row(state: ProcessState, run_id: str) -> dict[str, Any]:
    with psycopg.connect(_database(state)) as conn:
        status, outputs, attempts = conn.execute("SELECT status, outputs, attempts FROM runs WHERE id = %s",
                                                 (run_id,)).fetchone()
    return {"status": status, "outputs": outputs, "attempts": attempts}


async def _events(state: ProcessState, run_id: str) -> list[dict[str, Any]]:
    return [item.event for item in await state.events.read(run_id)]


def _finished(events: list[dict[str, Any]]) -> list[str]:
    return [event["node_id"] for event in events if event["type"] == "node_finished"]


def test_a_succeeded_run_is_recorded_and_its_queued_checkpoints_are_not_stored(state: ProcessState) -> None:
    run_id = _insert_run(state, "a" * 32)

    async def body() -> list[dict[str, Any]]:
        assert await execute_run(state, run_id, task_id="t1") == "succeeded"
        events = await _events(state, run_id)
        await state.aclose()
        return events

    events = asyncio.run(body())
    assert _row(state, run_id) == {"status": "succeeded", "outputs": GREETING, "attempts": 1}
    assert _stored_checkpoints(state, run_id) == 0  # every checkpoint was still queued: none was stored
    assert _finished(events) == NODES  # each node reported once, in order...
    assert events[-1]["type"] == "run_finished" and events[-1]["outputs"] == GREETING  # ...before the final event
    assert events[-1][store.RECORD_KEY]["attempts"] == 1


async def _unreachable(*args: Any, **kwargs: Any) -> Any:
    raise sa.exc.OperationalError("UPDATE runs", {}, ConnectionError("server closed the connection"))


def _execute(state: ProcessState, *statements: str) -> None:
    with psycopg.connect(_database(state), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _deliver_twice(state: ProcessState, run_id: str, monkeypatch: pytest.MonkeyPatch, *, before: str = "",
                   between: str = "") -> dict[str, Any]:
    """A first delivery whose outcome cannot be recorded (the row's database is unreachable for that statement),
    then, once its lease lapsed (the sweeper would send it again), a second delivery."""
    real_finish = store.finish

    async def body() -> dict[str, Any]:
        monkeypatch.setattr(store, "finish", _unreachable)
        _execute(state, *[before] if before else [])
        with pytest.raises(sa.exc.OperationalError):
            await execute_run(state, run_id, task_id="t1")
        seen = {"first": await _events(state, run_id), "stored": _stored_checkpoints(state, run_id),
                "status": _row(state, run_id)["status"]}
        monkeypatch.setattr(store, "finish", real_finish)
        _execute(state, *[between] if between else [],
                 f"UPDATE runs SET lease_until = now() - interval '1 second' WHERE id = '{run_id}'")
        assert await execute_run(state, run_id, task_id="t2") == "succeeded"
        seen["all"] = await _events(state, run_id)
        await state.aclose()
        return seen

    return asyncio.run(body())


def test_when_the_outcome_cannot_be_recorded_the_checkpoints_are_stored_and_the_next_delivery_ends_the_run(
    state: ProcessState, monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id = _insert_run(state, "b" * 32)
    seen = _deliver_twice(state, run_id, monkeypatch)
    assert seen["stored"] >= 1 and seen["status"] == "running"  # stored before the error went on: it comes back
    assert _finished(seen["first"]) == NODES  # their checkpoints were stored, so they were reported
    assert _row(state, run_id) == {"status": "succeeded", "outputs": GREETING, "attempts": 2}
    assert _finished(seen["all"]) == NODES  # the second delivery ran no node again and reported none twice
    assert [e["type"] for e in seen["all"]].count("run_finished") == 1
    assert seen["all"][-1]["type"] == "run_finished" and seen["all"][-1]["outputs"] == GREETING


def test_when_neither_the_outcome_nor_the_checkpoints_can_be_stored_no_node_is_reported_finished_twice(
    state: ProcessState, monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id = _insert_run(state, "c" * 32)
    seen = _deliver_twice(state, run_id, monkeypatch,
                          before="ALTER TABLE checkpoint_blobs RENAME TO checkpoint_blobs_gone",
                          between="ALTER TABLE checkpoint_blobs_gone RENAME TO checkpoint_blobs")
    assert seen["stored"] == 0 and seen["status"] == "running"
    assert _finished(seen["first"]) == []  # nothing of the run was stored: its nodes were not reported finished
    assert _row(state, run_id) == {"status": "succeeded", "outputs": GREETING, "attempts": 2}
    assert _finished(seen["all"]) == NODES  # the second delivery ran them all again, and each is reported once
