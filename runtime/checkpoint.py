"""The LangGraph checkpointer of durable runs, in the platform DB (PostgreSQL, or the SQLite file).

Checkpoints hold only data: the serializer refuses pickle, refuses to revive objects from JSON, and
encodes or decodes only plain JSON-like values plus the few types LangGraph itself needs
(`SAFE_MSGPACK_TYPES`: its Send/Interrupt/Command, messages, datetimes...). A checkpoint row that names
any other class cannot make the worker import or construct it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from langgraph.checkpoint.serde._msgpack import SAFE_MSGPACK_TYPES
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

_PLAIN = (str, int, float, bool, type(None), bytes, datetime, date, time, timedelta, UUID, Decimal)
_MAX_DEPTH = 200


class StrictSerializer(JsonPlusSerializer):
    """JsonPlusSerializer without pickle and with an allow-list on both ways."""

    def __init__(self) -> None:
        super().__init__(pickle_fallback=False, allowed_json_modules=None, allowed_msgpack_modules=None)

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        _check_value(obj, 0)
        return super().dumps_typed(obj)

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        if data[0] not in ("null", "bytes", "bytearray", "msgpack", "json"):
            raise ValueError(f"refusing checkpoint data of type '{data[0]}' (only JSON-like data is stored)")
        return super().loads_typed(data)


def _check_value(value: Any, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise TypeError("checkpoint value is nested too deeply")
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_value(key, depth + 1)
            _check_value(item, depth + 1)
        return
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check_value(item, depth + 1)
        return
    cls = type(value)
    if any((klass.__module__, klass.__qualname__) in SAFE_MSGPACK_TYPES for klass in cls.__mro__):
        return
    raise TypeError(f"refusing to checkpoint a {cls.__module__}.{cls.__qualname__}: run state must be JSON-like data")


def _postgres_conninfo(database_url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgresql+psycopg://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql://" + database_url[len(prefix):]
    return database_url


def _sqlite_path(database_url: str) -> str:
    return database_url.split(":///", 1)[1] if ":///" in database_url else ":memory:"


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgresql", "postgres://"))


@asynccontextmanager
async def open_checkpointer(database_url: str, *, pool_size: int = 4) -> AsyncIterator[Any]:
    """An async checkpointer on the platform DB for the life of the context (tables must exist: see setup)."""
    if is_postgres(database_url):
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool

        pool = AsyncConnectionPool(
            _postgres_conninfo(database_url), min_size=1, max_size=pool_size, open=False,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        )
        await pool.open()
        try:
            yield AsyncPostgresSaver(pool, serde=StrictSerializer())
        finally:
            await pool.close()
        return
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    async with aiosqlite.connect(_sqlite_path(database_url), timeout=30) as conn:
        await conn.execute("PRAGMA busy_timeout=30000")
        saver = AsyncSqliteSaver(conn, serde=StrictSerializer())
        await saver.setup()
        yield saver


def setup_checkpointer(database_url: str) -> None:
    """Create the checkpoint tables (idempotent); run once per deployment before workers execute runs."""
    if is_postgres(database_url):
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row

        with psycopg.connect(_postgres_conninfo(database_url), autocommit=True, row_factory=dict_row) as conn:
            conn.execute("SELECT pg_advisory_lock(74210001)")  # two workers starting together
            try:
                PostgresSaver(conn).setup()
            finally:
                conn.execute("SELECT pg_advisory_unlock(74210001)")
        return
    import sqlite3

    from langgraph.checkpoint.sqlite import SqliteSaver

    path = _sqlite_path(database_url)
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
    try:
        SqliteSaver(conn).setup()
    finally:
        conn.close()
