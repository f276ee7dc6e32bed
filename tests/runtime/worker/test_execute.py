"""One delivery in-process: transient errors retry with backoff up to the bound; leases stop double runs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from builder.crud.runs import worker_config
from builder.db.migrate import upgrade_database
from builder.settings import Settings
from runtime.checkpoint import setup_checkpointer
from runtime.worker import execute
from runtime.worker.execute import Retry, execute_run, is_transient
from runtime.worker.process import ProcessState
from tests.conftest import fixture_graph


def _insert_run(settings: Settings) -> str:
    import sqlalchemy as sa

    from builder.db.models import Run, Workspace
    from runtime.spec import parse_graph

    engine = sa.create_engine(f"sqlite:///{settings.data_dir / 'lcnc.db'}")
    with engine.begin() as conn:
        conn.execute(sa.insert(Workspace.__table__).values(id="w1", name="w", created_at=sa.func.now()))
        conn.execute(sa.insert(Run.__table__).values(
            id="r" * 32, workspace_id="w1", graph_id="linear_transform", graph_version=1, status="queued",
            spec=parse_graph(fixture_graph("linear_transform")).model_dump(mode="json"), inputs={"name": "Ada"},
            attempts=0, created_at=sa.func.now()))
    engine.dispose()
    return "r" * 32


@pytest.fixture
def state(tmp_path: Path) -> ProcessState:
    settings = Settings(data_dir=tmp_path / "data", database_url="", redis_url="")
    upgrade_database(settings)
    setup_checkpointer(settings.resolved_database_url)
    config = worker_config(settings, max_attempts=3, retry_backoff_s=0.5, lease_s=5)
    state = ProcessState(config)
    state.run_id = _insert_run(settings)  # type: ignore[attr-defined]
    return state


def test_transient_errors_retry_with_backoff_then_the_run_succeeds(state: ProcessState, monkeypatch) -> None:
    import runtime.engine

    real = runtime.engine.run_graph
    calls: list[int] = []

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= 2:
            raise ConnectionError("provider connection reset")
        return await real(*args, **kwargs)

    monkeypatch.setattr(runtime.engine, "run_graph", flaky)
    run_id = state.run_id  # type: ignore[attr-defined]

    async def body() -> list[Any]:
        results = []
        for attempt in range(3):
            results.append(await execute_run(state, run_id, task_id=f"t{attempt}"))
            if isinstance(results[-1], Retry):
                await asyncio.sleep(results[-1].countdown)  # as Celery's countdown would
        await state.aclose()
        return results

    first, second, third = asyncio.run(body())
    assert isinstance(first, Retry) and first.countdown == 0.75 and "connection reset" in first.error
    assert isinstance(second, Retry) and second.countdown == 1.25  # exponential backoff
    assert third == "succeeded"


def test_transient_errors_stop_at_the_bound(state: ProcessState, monkeypatch) -> None:
    import runtime.engine

    async def down(*args: Any, **kwargs: Any) -> Any:
        raise TimeoutError("provider timed out")

    monkeypatch.setattr(runtime.engine, "run_graph", down)
    run_id = state.run_id  # type: ignore[attr-defined]

    async def body() -> list[Any]:
        results = []
        for attempt in range(3):
            results.append(await execute_run(state, run_id, task_id=f"t{attempt}"))
            if isinstance(results[-1], Retry):
                await asyncio.sleep(results[-1].countdown)
        await state.aclose()
        return results

    results = asyncio.run(body())
    assert isinstance(results[0], Retry) and isinstance(results[1], Retry)
    assert results[2] == "failed"


def test_a_second_delivery_while_the_lease_is_held_is_busy(state: ProcessState) -> None:
    from runtime.worker import store

    run_id = state.run_id  # type: ignore[attr-defined]

    async def body() -> tuple[Any, Any, Any]:
        await state.open()
        first = await store.claim(state.rows, run_id=run_id, task_id="a", lease_s=30)
        second = await store.claim(state.rows, run_id=run_id, task_id="b", lease_s=30)
        third = await execute_run(state, run_id, task_id="c")
        await state.aclose()
        return first, second, third

    first, second, third = asyncio.run(body())
    assert isinstance(first, store.Claim) and first.attempts == 1
    assert second == store.BUSY and third == "busy"


def test_what_counts_as_transient() -> None:
    import sqlalchemy.exc

    assert is_transient(ConnectionError()) and is_transient(TimeoutError())
    assert is_transient(sqlalchemy.exc.OperationalError("x", {}, Exception()))
    assert not is_transient(ValueError("bad config")) and not is_transient(KeyError("x"))
    marked = RuntimeError("429 from provider")
    marked.transient = True  # type: ignore[attr-defined]
    assert is_transient(marked)
    assert execute.HELD_TYPES >= {"run_finished", "interrupt"}
