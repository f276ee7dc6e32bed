"""Named SQL connections and the one way to query them: checked, bound, limited, timed."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.nodes._sql.drivers import Result, SqlError, Target, parse_target, run_mysql, run_postgres, run_sqlite
from runtime.nodes._sql.statements import StatementError, bind, check_statement, scan


@dataclass(frozen=True)
class SqlConnection:
    """A database the platform may query; ``url`` comes from a secret and is never shown."""

    name: str
    url: str = field(repr=False)
    writable: bool = False

    def target(self) -> Target:
        return parse_target(self.url)

    def __repr__(self) -> str:  # never the URL: it holds the password
        return f"SqlConnection(name={self.name!r}, writable={self.writable})"


Lookup = Callable[[str], "SqlConnection | None | Awaitable[SqlConnection | None]"]


class SqlConnections:
    """The connections a run may use, by name: a fixed mapping or a lookup (the platform's store)."""

    def __init__(self, connections: Mapping[str, SqlConnection] | None = None, *, lookup: Lookup | None = None,
                 sqlite_dir: Path | None = None) -> None:
        self._fixed = dict(connections or {})
        self._lookup = lookup
        self.sqlite_dir = sqlite_dir

    async def get(self, name: str) -> SqlConnection:
        found = self._fixed.get(name)
        if found is None and self._lookup is not None:
            result = self._lookup(name)
            found = await result if inspect.isawaitable(result) else result
        if found is None:
            raise SqlError(f"no SQL connection named '{name}'")
        return found

    async def query(self, name: str, sql: str, params: Mapping[str, Any] | None = None, *, row_limit: int = 1000,
                    timeout_s: float = 10.0) -> Result:
        return await run_query(await self.get(name), sql, params, row_limit=row_limit, timeout_s=timeout_s,
                               sqlite_dir=self.sqlite_dir)

    async def describe(self, name: str, *, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        return await describe(await self.get(name), timeout_s=timeout_s, sqlite_dir=self.sqlite_dir)


async def run_query(connection: SqlConnection, sql: str, params: Mapping[str, Any] | None = None, *,
                    row_limit: int = 1000, timeout_s: float = 10.0, sqlite_dir: Path | None = None) -> Result:
    """Check ``sql``, bind ``params`` and run it on ``connection``; SqlError says what went wrong."""
    target = connection.target()
    try:
        scanned = scan(sql, target.dialect)
        check_statement(scanned, writable=connection.writable)
        text, values = bind(scanned, dict(params or {}), target.dialect)
    except StatementError as exc:
        raise SqlError(str(exc)) from exc
    try:
        if target.dialect == "postgresql":
            assert isinstance(values, list)
            return await asyncio.wait_for(
                run_postgres(target, text, values, writable=connection.writable, row_limit=row_limit,
                             timeout_s=timeout_s),
                timeout=timeout_s + 5,
            )
        assert isinstance(values, dict)
        runner = run_sqlite if target.dialect == "sqlite" else run_mysql
        extra = {"base_dir": sqlite_dir} if target.dialect == "sqlite" else {}
        return await asyncio.wait_for(
            asyncio.to_thread(runner, target, text, values, writable=connection.writable, row_limit=row_limit,
                              timeout_s=timeout_s, **extra),
            timeout=timeout_s + 5,
        )
    except SqlError:
        raise
    except TimeoutError as exc:
        raise SqlError(f"the query on '{connection.name}' took longer than {timeout_s:g} s") from exc
    except Exception as exc:  # driver errors: keep the database's message, never the URL
        raise SqlError(_driver_message(connection, exc, timeout_s)) from exc


def _driver_message(connection: SqlConnection, exc: Exception, timeout_s: float) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lowered = text.lower()
    if "statement timeout" in lowered or "max_statement_time" in lowered or "execution time exceeded" in lowered:
        return f"the query on '{connection.name}' took longer than {timeout_s:g} s"
    if "read-only" in lowered or "read only" in lowered or "readonly" in lowered:
        return f"the connection '{connection.name}' is read-only: {text}"
    if connection.url and connection.url in text:
        text = text.replace(connection.url, "<url>")
    target = connection.target()
    if target.password:
        text = text.replace(target.password, "***")
    return f"{connection.name}: {text}"


_DESCRIBE_SQL = {
    "postgresql": (
        "SELECT table_schema, table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
        "ORDER BY table_schema, table_name, ordinal_position"
    ),
    "mysql": (
        "SELECT table_schema, table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position"
    ),
    "sqlite": (
        "SELECT 'main' AS table_schema, m.name AS table_name, p.name AS column_name, p.type AS data_type, "
        "CASE p.\"notnull\" WHEN 1 THEN 'NO' ELSE 'YES' END AS is_nullable "
        "FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p "
        "WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"
    ),
}


async def describe(connection: SqlConnection, *, timeout_s: float = 10.0,
                   sqlite_dir: Path | None = None) -> list[dict[str, Any]]:
    """Tables and their columns, for the editor: ``[{schema, table, columns: [{name, type, nullable}]}]``."""
    reader = SqlConnection(connection.name, connection.url, writable=False)
    result = await run_query(reader, _DESCRIBE_SQL[connection.target().dialect], row_limit=100_000,
                             timeout_s=timeout_s, sqlite_dir=sqlite_dir)
    tables: dict[tuple[str, str], dict[str, Any]] = {}
    for row in result.rows:
        row = {key.lower(): value for key, value in row.items()}
        key = (row["table_schema"], row["table_name"])
        table = tables.setdefault(key, {"schema": key[0], "table": key[1], "columns": []})
        table["columns"].append({"name": row["column_name"], "type": row["data_type"],
                                 "nullable": row["is_nullable"] == "YES"})
    return list(tables.values())
