"""Running one checked statement on PostgreSQL (asyncpg), SQLite (sqlite3) or MySQL/MariaDB (pymysql).

Each call opens its own connection, runs the statement in a transaction that is read-only unless the
connection is writable, fetches at most ``row_limit + 1`` rows and stops at ``timeout_s``.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import math
import sqlite3
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from runtime.nodes._sql.statements import Dialect


class SqlError(Exception):
    """A query or connection failed; the message is safe to show (it never contains the URL)."""


@dataclass(frozen=True)
class Target:
    dialect: Dialect
    host: str = ""
    port: int | None = None
    user: str | None = None
    password: str | None = None
    database: str = ""


def parse_target(url: str) -> Target:
    """The connection target of a database URL; SqlError (without the URL) for anything else."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.split("+", 1)[0].lower()
    if scheme in ("postgresql", "postgres"):
        dialect: Dialect = "postgresql"
    elif scheme in ("mysql", "mariadb"):
        dialect = "mysql"
    elif scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc or not path or path == "/":
            raise SqlError("a SQLite URL needs a file path: sqlite:///relative.db or sqlite:////absolute.db")
        return Target("sqlite", database=path[1:] if path.startswith("/") else path)
    else:
        raise SqlError(f"unsupported database URL scheme '{parts.scheme}'; use postgresql://, mysql:// or sqlite:///")
    try:
        port = parts.port
    except ValueError as exc:
        raise SqlError("the database URL has an invalid port") from exc
    query = parse_qs(parts.query)
    host = parts.hostname or (query.get("host") or ["127.0.0.1"])[0]
    return Target(dialect, host=host, port=port, user=unquote(parts.username) if parts.username else None,
                  password=unquote(parts.password) if parts.password else None,
                  database=unquote(parts.path.lstrip("/")))


def json_safe(value: Any) -> Any:
    """A database value as JSON can carry it."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(item) for item in value]
    return str(value)


@dataclass
class Result:
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool


def _bind_value(value: Any) -> Any:
    import json

    return json.dumps(value) if isinstance(value, dict | list) else value


async def run_postgres(target: Target, sql: str, args: list[Any], *, writable: bool, row_limit: int,
                       timeout_s: float) -> Result:
    import asyncpg

    conn = await asyncpg.connect(host=target.host, port=target.port or 5432, user=target.user,
                                 password=target.password, database=target.database or None, timeout=timeout_s)
    try:
        async with conn.transaction(readonly=not writable):
            await conn.execute(f"SET LOCAL statement_timeout = {max(1, int(timeout_s * 1000))}")
            statement = await conn.prepare(sql, timeout=timeout_s)
            columns = [attr.name for attr in statement.get_attributes()]
            if not columns:
                await statement.fetch(*[_bind_value(a) for a in args], timeout=timeout_s)
                return Result([], [], False)
            cursor = await statement.cursor(*[_bind_value(a) for a in args])
            records = await cursor.fetch(row_limit + 1, timeout=timeout_s)
        rows = [{key: json_safe(value) for key, value in record.items()} for record in records[:row_limit]]
        return Result(columns, rows, len(records) > row_limit)
    finally:
        await asyncio.shield(conn.close(timeout=5))


def run_sqlite(target: Target, sql: str, params: dict[str, Any], *, writable: bool, row_limit: int,
               timeout_s: float, base_dir: Path | None = None) -> Result:
    path = Path(target.database)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.exists():
        raise SqlError(f"the SQLite database file '{path.name}' does not exist")
    mode = "rw" if writable else "ro"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=timeout_s,
                           check_same_thread=False)
    deadline = time.monotonic() + timeout_s
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        if not writable:
            conn.execute("PRAGMA query_only = ON")
        cursor = conn.execute(sql, {k: _bind_value(v) for k, v in params.items()})
        columns = [item[0] for item in cursor.description or ()]
        records = cursor.fetchmany(row_limit + 1) if columns else []
        if writable:
            conn.commit()
        rows = [dict(zip(columns, (json_safe(v) for v in record), strict=False)) for record in records[:row_limit]]
        return Result(columns, rows, len(records) > row_limit)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise SqlError(f"the query took longer than {timeout_s:g} s") from exc
        raise
    finally:
        conn.close()


def run_mysql(target: Target, sql: str, params: dict[str, Any], *, writable: bool, row_limit: int,
              timeout_s: float) -> Result:
    import pymysql

    conn = pymysql.connect(host=target.host, port=target.port or 3306, user=target.user or "root",
                           password=target.password or "", database=target.database or None,
                           connect_timeout=max(1, int(timeout_s)), read_timeout=max(1, math.ceil(timeout_s)),
                           write_timeout=max(1, math.ceil(timeout_s)), autocommit=False, charset="utf8mb4")
    try:
        with conn.cursor() as cursor:
            try:  # MariaDB names it max_statement_time (s), MySQL max_execution_time (ms)
                cursor.execute(f"SET SESSION max_statement_time = {timeout_s:.3f}")
            except pymysql.MySQLError:
                cursor.execute(f"SET SESSION max_execution_time = {max(1, int(timeout_s * 1000))}")
            cursor.execute("START TRANSACTION READ WRITE" if writable else "START TRANSACTION READ ONLY")
            cursor.execute(sql, {k: _bind_value(v) for k, v in params.items()})
            columns = [item[0] for item in cursor.description or ()]
            records = cursor.fetchmany(row_limit + 1) if columns else []
        if writable:
            conn.commit()
        else:
            conn.rollback()
        rows = [dict(zip(columns, (json_safe(v) for v in record), strict=False)) for record in records[:row_limit]]
        return Result(columns, rows, len(records) > row_limit)
    finally:
        conn.close()
