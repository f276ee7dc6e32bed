"""A SQL connection as a tool an agent can call: one checked, bound, limited query per call."""

from __future__ import annotations

from typing import Any

from runtime.nodes._context import NodeError
from runtime.nodes._sql.connections import SqlConnections
from runtime.nodes._sql.drivers import SqlError
from runtime.nodes._tools.base import Tool

PARAMETERS = {
    "type": "object",
    "properties": {
        "query": {"type": "string", "description": "One SQL statement; use :name placeholders for values."},
        "params": {"type": "object", "description": "Values for the :name placeholders."},
    },
    "required": ["query"],
}


def sql_tool(connections: SqlConnections, name: str, *, description: str = "", row_limit: int = 200,
             timeout_s: float = 10.0) -> Tool:
    """The tool ``sql.<name>``; the connection's read-only rule applies to every query the agent sends."""
    tool_id = f"sql.{name}"

    async def call(arguments: dict[str, Any]) -> Any:
        try:
            result = await connections.query(name, arguments["query"], arguments.get("params") or {},
                                             row_limit=row_limit, timeout_s=timeout_s)
        except SqlError as exc:
            raise NodeError(f"tool '{tool_id}': {exc}") from exc
        return {"columns": result.columns, "rows": result.rows, "truncated": result.truncated}

    text = description or f"Runs one SQL query on the '{name}' database and returns its rows."
    return Tool(id=tool_id, description=text, call=call, parameters=PARAMETERS)
