"""The tools catalogue of a workspace: built-in tools, HTTP tools, SQL connections, MCP tools and saved graphs.

Every entry has an id (``builtin.calculator``, ``http.weather``, ``sql.shop``, ``mcp.math.add``,
``graph.summarize``), a description and the JSON Schema of its arguments; ``load_tools`` turns ids into
runtime Tools that an agent node can call.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from builder.db.models import Graph, HttpTool, SqlConnectionRow
from builder.secrets.store import SecretNotFound, resolve_secret
from builder.settings import Settings
from builder.tools.services import http_policy, mcp_registry, sql_connections
from runtime.nodes._context import NodeError
from runtime.nodes._http.tool import http_tool
from runtime.nodes._mcp import McpError, McpRegistry
from runtime.nodes._sql.tool import PARAMETERS as SQL_PARAMETERS
from runtime.nodes._sql.tool import sql_tool
from runtime.nodes._tools import BUILTIN_TOOLS, Tool
from runtime.spec import GraphSpec
from runtime.spec.as_tool import graph_description, graph_parameters, graph_tool_id

log = logging.getLogger(__name__)


def graph_tool(spec: GraphSpec, services_factory: Any) -> Tool:
    """The saved graph as a tool: its inputs are the arguments, its outputs the result."""

    async def call(arguments: dict[str, Any]) -> Any:
        from runtime.engine import run_graph

        services = await services_factory(spec) if services_factory else None
        outcome = await run_graph(spec, arguments, thread_id=f"tool-{spec.id}", services=services)
        if outcome.status != "succeeded":
            raise NodeError(f"tool 'graph.{spec.id}': the graph {outcome.status}: {outcome.error or ''}".strip())
        outputs = outcome.outputs
        return next(iter(outputs.values())) if len(outputs) == 1 else outputs

    return Tool(id=graph_tool_id(spec.id), description=graph_description(spec), call=call,
                parameters=graph_parameters(spec))


def entry(tool_id: str, kind: str, description: str, parameters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": tool_id, "kind": kind, "description": description, "parameters": parameters, **extra}


async def list_catalogue(session: AsyncSession, settings: Settings, workspace_id: str, *,
                         include_mcp: bool = True) -> list[dict[str, Any]]:
    """Every tool the workspace can call; an MCP server that cannot be reached is listed with its error."""
    items = [entry(tool.id, "builtin", tool.description, tool.parameters) for tool in BUILTIN_TOOLS.values()]
    for row in (await session.execute(select(HttpTool).where(HttpTool.workspace_id == workspace_id)
                                      .order_by(HttpTool.name))).scalars():
        items.append(entry(f"http.{row.name}", "http", row.description, row.parameters or {"type": "object"},
                           method=row.method))
    for row in (await session.execute(select(SqlConnectionRow).where(SqlConnectionRow.workspace_id == workspace_id)
                                      .order_by(SqlConnectionRow.name))).scalars():
        items.append(entry(f"sql.{row.name}", "sql", row.description or f"Queries the '{row.name}' database.",
                           SQL_PARAMETERS, writable=row.writable))
    for graph in (await session.execute(select(Graph).where(Graph.workspace_id == workspace_id)
                                        .order_by(Graph.id))).scalars():
        spec = GraphSpec.model_validate(graph.spec)
        items.append(entry(graph_tool_id(graph.id), "graph", graph_description(spec), graph_parameters(spec)))
    if include_mcp:
        registry = await mcp_registry(session, settings, workspace_id)
        for name in sorted(registry.servers):
            try:
                for info in await registry.list_tools(name):
                    items.append(entry(f"mcp.{name}.{info['name']}", "mcp", info["description"],
                                       info["input_schema"], server=name))
            except McpError as exc:
                items.append({"id": f"mcp.{name}", "kind": "mcp_server", "description": "", "parameters": None,
                              "server": name, "error": str(exc)})
    return items


async def load_tools(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, workspace_id: str,
                     tool_ids: Iterable[str], *, services_factory: Any = None,
                     registry: McpRegistry | None = None) -> tuple[dict[str, Tool], list[str]]:
    """Runtime Tools for ``tool_ids`` and the ids that are unknown."""
    tools: dict[str, Tool] = {}
    unknown: list[str] = []
    async with sessionmaker() as session:
        for tool_id in dict.fromkeys(tool_ids):
            kind, _, rest = tool_id.partition(".")
            found: Tool | None = None
            if kind == "builtin":
                found = BUILTIN_TOOLS.get(tool_id)
            elif kind == "http":
                row = await session.get(HttpTool, (workspace_id, rest))
                if row is not None:
                    token = None
                    if row.auth_secret:
                        try:
                            token = await resolve_secret(session, workspace_id, row.auth_secret, settings=settings)
                        except SecretNotFound:
                            token = None
                    found = http_tool(tool_id, row.description, method=row.method, url=row.url,
                                      parameters=row.parameters or {"type": "object", "properties": {}},
                                      policy=http_policy(settings), headers=row.headers or {}, body=row.body,
                                      bearer_token=token, timeout_s=row.timeout_s)
            elif kind == "sql":
                if await session.get(SqlConnectionRow, (workspace_id, rest)) is not None:
                    found = sql_tool(sql_connections(sessionmaker, settings, workspace_id), rest)
            elif kind == "graph":
                graph = await session.get(Graph, (workspace_id, rest))
                if graph is not None:
                    found = graph_tool(GraphSpec.model_validate(graph.spec), services_factory)
            elif kind == "mcp":
                server, _, name = rest.partition(".")
                registry = registry or await mcp_registry(session, settings, workspace_id)
                if server in registry.servers and name:
                    try:
                        found = registry.as_tool(server, await registry.tool_info(server, name))
                    except McpError as exc:
                        log.info("MCP tool %s is not available: %s", tool_id, exc)
            if found is None:
                unknown.append(tool_id)
            else:
                tools[tool_id] = found
    return tools, unknown
