"""build_run_services: everything a run of a workspace's graph may use, ready before the run starts.

The worker (or any caller of ``runtime.engine.run_graph`` inside the platform) calls this with the
graph it is about to run: tools named by the graph are loaded (MCP tools listed once), the secrets the
graph names are decrypted into memory, and the RAG, SQL and MCP services are scoped to the workspace.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from builder.db.models import Graph, GraphVersion
from builder.secrets.store import SecretNotFound, resolve_secret
from builder.settings import Settings
from builder.tools.catalogue import load_tools
from builder.tools.services import (
    http_policy,
    mcp_registry,
    rag_store,
    secret_names,
    settings_mcp_registry,
    sql_connections,
)
from runtime.compile import RunServices
from runtime.nodes._tools import BUILTIN_TOOLS
from runtime.spec import GraphSpec
from runtime.spec.as_tool import tool_refs

MAX_GRAPH_TOOL_DEPTH = 4
# Kinds that may call a workspace's MCP servers (a subgraph's nodes run with its parent's services).
_USES_WORKSPACE_MCP = frozenset({"mcp_tool", "subgraph", "llm", "supervisor", "tool"})


def tool_ids_of(spec: GraphSpec) -> list[str]:
    """Tool ids a graph's nodes name (agent ``tools`` lists and tool nodes' ``tool``)."""
    return list(dict.fromkeys(tool for node in spec.nodes for _field, tool in tool_refs(node)))


async def build_run_services(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, workspace_id: str,
                             spec: GraphSpec, *, depth: int = 0) -> RunServices:
    tool_ids = tool_ids_of(spec)
    wanted_secrets = secret_names(node.config for node in spec.nodes)
    secrets: dict[str, str] = {}
    if tool_ids or wanted_secrets or any(node.kind in _USES_WORKSPACE_MCP for node in spec.nodes):
        async with sessionmaker() as session:
            registry = await mcp_registry(session, settings, workspace_id)
            for name in wanted_secrets:
                try:
                    secrets[name] = await resolve_secret(session, workspace_id, name, settings=settings)
                except SecretNotFound:
                    continue
    else:  # nothing here can reach the workspace's MCP servers or secrets: no DB round trip before the run
        registry = settings_mcp_registry(settings)

    async def services_for(inner: GraphSpec) -> RunServices:
        if depth >= MAX_GRAPH_TOOL_DEPTH:
            return RunServices()
        return await build_run_services(sessionmaker, settings, workspace_id, inner, depth=depth + 1)

    tools: dict[str, Any] = {}
    if tool_ids:  # no session at all for a graph that names no tool
        tools, _unknown = await load_tools(sessionmaker, settings, workspace_id, tool_ids,
                                           services_factory=services_for, registry=registry)

    async def resolve_graph(graph_id: str, version: int | None) -> GraphSpec | None:
        async with sessionmaker() as session:
            if version is None:
                row: Any = await session.get(Graph, (workspace_id, graph_id))
            else:
                row = await session.get(GraphVersion, (workspace_id, graph_id, version))
            return GraphSpec.model_validate(row.spec) if row is not None else None

    return RunServices(
        tools={**BUILTIN_TOOLS, **tools}, secrets=secrets.get, resolve_graph=resolve_graph,
        http=http_policy(settings), mcp=registry, rag=rag_store(settings, workspace_id),
        sql=sql_connections(sessionmaker, settings, workspace_id),
    )
