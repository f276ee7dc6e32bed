"""Hot-path statements: the same Core statement gives the same rows on PostgreSQL (asyncpg) and SQLite (engine)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from runtime.worker.execute import is_transient
from runtime.worker.rows import AsyncpgRows, EngineRows, Rows, RowsUnavailable, open_rows

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
things = sa.Table("things", sa.MetaData(), sa.Column("id", sa.String(32), primary_key=True),
                  sa.Column("state", sa.String(20)), sa.Column("data", _JSON, nullable=True),
                  sa.Column("at", sa.DateTime(timezone=True), nullable=True))
_ADD = sa.insert(things).values(id=sa.bindparam("p_id"), state="new", data=sa.bindparam("p_data", type_=_JSON),
                                at=sa.bindparam("p_at", type_=things.c.at.type))
_TAKE = (sa.update(things).where(things.c.id == sa.bindparam("p_id"), things.c.state == "new")
         .values(state="taken").returning(things.c.id, things.c.state, things.c.data, things.c.at))
_GET = sa.select(things.c.data).where(things.c.id == sa.bindparam("p_id"))


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'rows.db'}"
        return
    url = request.getfixturevalue("fresh_postgres_url")
    yield url.replace("postgresql://", "postgresql+asyncpg://", 1)


def _with_rows(database_url: str, body: Any) -> Any:
    from sqlalchemy.ext.asyncio import create_async_engine

    async def main() -> Any:
        engine = create_async_engine(database_url)
        async with engine.begin() as conn:
            await conn.run_sync(things.metadata.create_all)
        rows = open_rows(database_url, engine)
        try:
            return await body(rows)
        finally:
            await rows.close()
            await engine.dispose()

    return asyncio.run(main())


def test_the_same_statement_gives_the_same_rows_on_either_database(database_url: str) -> None:
    at = datetime(2026, 11, 27, 12, 30, 5, 123456, tzinfo=UTC)

    async def body(rows: Rows) -> None:
        expected = AsyncpgRows if database_url.startswith("postgresql") else EngineRows
        assert isinstance(rows, expected)
        assert await rows.count(_ADD, {"p_id": "a", "p_data": {"n": [1, "two", None], "ok": True}, "p_at": at}) == 1
        taken = await rows.one(_TAKE, {"p_id": "a"})
        assert taken is not None
        assert (taken["id"], taken["state"], taken["data"]) == ("a", "taken", {"n": [1, "two", None], "ok": True})
        stored_at = taken["at"] if taken["at"].tzinfo else taken["at"].replace(tzinfo=UTC)
        assert stored_at == at
        assert await rows.one(_TAKE, {"p_id": "a"}) is None  # the guard: taken once only
        assert await rows.one(_GET, {"p_id": "missing"}) is None
        # Many statements at once share the pool (each is its own transaction).
        added = await asyncio.gather(*(rows.count(_ADD, {"p_id": f"b{i}", "p_data": None, "p_at": None})
                                       for i in range(12)))
        assert added == [1] * 12
        assert [(await rows.one(_GET, {"p_id": f"b{i}"}))["data"] for i in range(12)] == [None] * 12

    _with_rows(database_url, body)


def test_a_worker_pool_commits_without_waiting_for_the_flush_and_the_api_pool_waits(fresh_postgres_url: str) -> None:
    url = fresh_postgres_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    setting = sa.text("SELECT current_setting('synchronous_commit') AS value")

    async def body() -> tuple[str, str]:
        worker, api = open_rows(url, synchronous_commit=False), open_rows(url)
        try:
            worker_row, api_row = await worker.one(setting, {}), await api.one(setting, {})
        finally:
            await worker.close()
            await api.close()
        assert worker_row is not None and api_row is not None
        return worker_row["value"], api_row["value"]

    assert asyncio.run(body()) == ("off", "on")


def test_a_worker_process_opens_its_rows_as_its_config_says(fresh_postgres_url: str) -> None:
    from runtime.checkpoint import setup_checkpointer
    from runtime.worker.config import WorkerConfig
    from runtime.worker.process import ProcessState

    url = fresh_postgres_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    setup_checkpointer(url)
    setting = sa.text("SELECT current_setting('synchronous_commit') AS value")

    async def value(synchronous_commit: bool) -> str:
        state = ProcessState(WorkerConfig(database_url=url, synchronous_commit=synchronous_commit))
        await state.open()
        try:
            row = await state.rows.one(setting, {})
        finally:
            await state.aclose()
        assert row is not None
        return row["value"]

    async def both() -> tuple[str, str]:
        return await value(False), await value(True)

    assert asyncio.run(both()) == ("off", "on")


def test_an_unreachable_postgresql_is_a_transient_error() -> None:
    async def body() -> None:
        rows = AsyncpgRows("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
        with pytest.raises(RowsUnavailable) as caught:
            await rows.one(_GET, {"p_id": "a"})
        assert is_transient(caught.value)  # the worker delivers the run again later instead of failing it
        await rows.close()

    asyncio.run(body())


def test_sqlite_needs_the_platform_engine() -> None:
    with pytest.raises(ValueError, match="engine"):
        open_rows("sqlite+aiosqlite:///x.db")
