"""Single SQL statements on the hot path of a run, sent with as little work around them as the database allows.

The statements are SQLAlchemy Core, written once (``runtime.worker.store``, ``builder.crud.runs``). Each one is
its own transaction: no BEGIN/COMMIT round trips, no ORM unit of work.

- PostgreSQL (``AsyncpgRows``): compiled once per process, then sent as a prepared statement on a small asyncpg
  pool. A statement costs one round trip and about 0.25 ms here, against about 1 ms through the SQLAlchemy engine.
  A worker's pool commits without waiting for the WAL flush (``synchronous_commit=False``, the default of
  ``WorkerConfig``): what it writes is visible at once and survives the loss of the worker; only a crash of
  PostgreSQL itself can drop its last moments (the run then runs again from its last stored checkpoint, as its
  checkpoints do). The API's pool waits for the flush: a run it answered with exists.
- SQLite, the embedded default (``EngineRows``): through the SQLAlchemy engine, which knows how SQLite stores
  times and JSON.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from runtime.checkpoint import is_postgres, postgres_conninfo


class Rows(Protocol):
    async def one(self, statement: Executable, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Run ``statement``; its first row (``RETURNING`` or ``SELECT``), or None."""

    async def count(self, statement: Executable, params: Mapping[str, Any]) -> int:
        """Run ``statement``; how many rows it changed."""

    async def close(self) -> None: ...


def open_rows(database_url: str, engine: AsyncEngine | None = None, *, max_size: int = 4,
              synchronous_commit: bool = True) -> Rows:
    """The fastest way this database offers (``engine``, the platform's, serves SQLite); ``synchronous_commit``
    False: PostgreSQL commits without waiting for the WAL flush (SQLite commits as it always does)."""
    if is_postgres(database_url):
        return AsyncpgRows(database_url, max_size=max_size, synchronous_commit=synchronous_commit)
    if engine is None:
        raise ValueError("SQLite rows go through the platform's SQLAlchemy engine: pass it")
    return EngineRows(engine)


class EngineRows:
    """Statements through a SQLAlchemy engine, each committed on its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def one(self, statement: Executable, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(statement, dict(params))).first()
        return None if row is None else row._mapping

    async def count(self, statement: Executable, params: Mapping[str, Any]) -> int:
        async with self._engine.connect() as conn:
            return (await conn.execute(statement, dict(params))).rowcount

    async def close(self) -> None:
        return None  # the engine is its owner's


class _Compiled:
    __slots__ = ("names", "sql", "statement", "template")

    def __init__(self, statement: Executable) -> None:
        from sqlalchemy.dialects.postgresql.asyncpg import dialect

        compiled = statement.compile(dialect=dialect())
        self.statement = statement  # keeps the id this is cached under alive
        self.sql = compiled.string
        self.names = tuple(compiled.positiontup or ())
        self.template = compiled

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        values = self.template.construct_params(dict(params))  # the literals the statement carries, and params
        return [values[name] for name in self.names]


async def _keep(_connection: Any) -> None:
    """Pool release: every statement is its own transaction, so nothing is left to reset (no round trip)."""


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


async def _init_connection(connection: Any) -> None:
    for type_name in ("json", "jsonb"):
        await connection.set_type_codec(type_name, schema="pg_catalog", encoder=_dumps, decoder=orjson.loads)


class AsyncpgRows:
    """Statements as prepared statements on a small asyncpg pool (PostgreSQL)."""

    def __init__(self, database_url: str, *, max_size: int = 4, synchronous_commit: bool = True) -> None:
        self._dsn = postgres_conninfo(database_url)
        self._max_size = max_size
        self._server_settings = None if synchronous_commit else {"synchronous_commit": "off"}
        self._pool: Any = None
        self._opening = asyncio.Lock()
        self._compiled: dict[int, _Compiled] = {}

    def _compile(self, statement: Executable) -> _Compiled:
        compiled = self._compiled.get(id(statement))
        if compiled is None or compiled.statement is not statement:
            compiled = self._compiled[id(statement)] = _Compiled(statement)
        return compiled

    async def _call(self, method: str, statement: Executable, params: Mapping[str, Any]) -> Any:
        import asyncpg

        compiled = self._compile(statement)
        args = compiled.args(params)
        try:
            if self._pool is None:
                async with self._opening:
                    if self._pool is None:
                        self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=self._max_size,
                                                               reset=_keep, init=_init_connection,
                                                               server_settings=self._server_settings)
            async with self._pool.acquire() as conn:
                return await getattr(conn, method)(compiled.sql, *args)
        except (OSError, asyncpg.exceptions.PostgresConnectionError, asyncpg.exceptions.ConnectionDoesNotExistError,
                asyncpg.exceptions.CannotConnectNowError, asyncpg.exceptions.AdminShutdownError) as exc:
            raise RowsUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def one(self, statement: Executable, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        row = await self._call("fetchrow", statement, params)
        return None if row is None else dict(row.items())

    async def count(self, statement: Executable, params: Mapping[str, Any]) -> int:
        status = await self._call("execute", statement, params)
        tail = status.rsplit(" ", 1)[-1]  # "UPDATE 1", "INSERT 0 1"
        return int(tail) if tail.isdigit() else 0

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


class RowsUnavailable(ConnectionError):
    """The database could not be reached or dropped the connection (a transient error: try again)."""

