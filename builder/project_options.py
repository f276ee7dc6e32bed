"""What an exported project needs from its workspace besides the graph: the saved graphs its subgraph nodes run
and its agents and tool nodes call as tools, and the definitions of the workspace tools its agents and tool nodes call.

``codegen.render_project`` is pure, so the export route and deploy resolve these here and pass them in
``ProjectOptions``. A tool id the workspace does not have is a 422 naming the node and the tool, before anything
is rendered or written. Values of secrets are not read here: an HTTP tool's token stays a secret name.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from builder.crud import graphs as graph_store
from builder.db.models import Graph, HttpTool, McpServerRow, SqlConnectionRow
from builder.errors import ApiError, InvalidGraph, NotFound
from builder.settings import Settings
from codegen import ProjectOptions
from codegen.context import ToolUse, graph_tools_of, tool_problem, tool_uses
from codegen.options import HttpToolDefinition
from runtime.spec import GraphSpec
from runtime.validate import ValidationIssue

MAX_SUBGRAPHS = 50


async def saved_subgraphs(session: AsyncSession, workspace_id: str, spec: GraphSpec) -> dict[str, GraphSpec]:
    """The saved graphs the export runs besides ``spec``, transitively: those its subgraph nodes refer to (pinned
    version or latest) and those its agents and tool nodes call as tools (``graph.<id>``: the latest, as a run on
    the platform calls them). A missing subgraph is a 422 naming the node; a missing graph tool is left to
    ``workspace_tools``, which names the node and the tool."""
    found: dict[str, GraphSpec] = {}
    pending = [spec]
    while pending:
        for node in pending.pop().nodes:
            for graph_id in graph_tools_of(node):
                if graph_id in found or graph_id == spec.id:
                    continue
                _check_count(found)
                row = await session.get(Graph, (workspace_id, graph_id))
                if row is not None:
                    found[graph_id] = GraphSpec.model_validate(row.spec)
                    pending.append(found[graph_id])
            if node.kind != "subgraph" or node.config.get("graph_id") in found:
                continue
            graph_id, version = str(node.config.get("graph_id")), node.config.get("version")
            _check_count(found)
            try:
                if version is None:
                    row = await graph_store.get_graph(session, workspace_id=workspace_id, graph_id=graph_id)
                else:
                    row = await graph_store.get_version(session, workspace_id=workspace_id, graph_id=graph_id,
                                                        version=int(version))
            except NotFound as exc:
                raise ApiError(422, f"node '{node.id}': subgraph '{graph_id}' was not found",
                               [{"loc": ["nodes", node.id, "config", "graph_id"], "msg": "not found",
                                 "node_id": node.id}]) from exc
            found[graph_id] = GraphSpec.model_validate(row.spec)
            pending.append(found[graph_id])
    return found


def _check_count(found: dict[str, GraphSpec]) -> None:
    if len(found) >= MAX_SUBGRAPHS:
        raise ApiError(422, f"more than {MAX_SUBGRAPHS} subgraphs and graph tools",
                       [{"loc": ["graph"], "msg": "too many"}])


def http_definition(row: HttpTool) -> HttpToolDefinition:
    """The HTTP tool row as the project carries it (the same defaults as the platform's ``load_tools``)."""
    return HttpToolDefinition(description=row.description or "", method=row.method, url=row.url,
                              headers=row.headers or {}, body=row.body,
                              parameters=row.parameters or {"type": "object", "properties": {}},
                              auth_secret=row.auth_secret or None, timeout_s=row.timeout_s)


async def mcp_server_names(session: AsyncSession, settings: Settings, workspace_id: str) -> set[str]:
    """The MCP servers a run of this workspace can call: the admin's (settings) and the workspace's."""
    rows = await session.execute(select(McpServerRow.name).where(McpServerRow.workspace_id == workspace_id))
    return set(settings.mcp_servers) | {name for (name,) in rows}


async def workspace_tools(session: AsyncSession, settings: Settings, workspace_id: str, spec: GraphSpec,
                          subgraphs: dict[str, GraphSpec]) -> dict[str, HttpToolDefinition]:
    """The HTTP tool definitions the graph (and its subgraphs) call; InvalidGraph (422) naming every node whose
    tool the workspace does not have."""
    definitions: dict[str, HttpToolDefinition] = {}
    issues: list[ValidationIssue] = []
    servers: set[str] | None = None
    for use in tool_uses(spec, list(subgraphs.values())):
        kind, _, rest = use.tool_id.partition(".")
        problem: str | None
        if kind == "http":
            row = await session.get(HttpTool, (workspace_id, rest))
            problem = "this workspace has no HTTP tool of that name" if row is None else None
            if row is not None:
                try:
                    definitions[use.tool_id] = http_definition(row)
                except ValidationError as exc:
                    problem = f"its definition is not valid: {exc.errors(include_url=False)[0]['msg']}"
        elif kind == "sql":
            missing = await session.get(SqlConnectionRow, (workspace_id, rest)) is None
            problem = "this workspace has no SQL connection of that name" if missing else None
        elif kind == "mcp":
            servers = servers if servers is not None else await mcp_server_names(session, settings, workspace_id)
            server = rest.partition(".")[0]
            problem = f"no MCP server named '{server}' is registered" if server not in servers else None
        elif kind == "graph":
            known = rest in subgraphs or rest == spec.id
            problem = None if known else "this workspace has no graph of that name"
        else:
            problem = tool_problem(use.tool_id, ProjectOptions())
        if problem is not None:
            issues.append(_tool_issue(use, problem))
    if issues:
        raise InvalidGraph(issues, detail=f"the graph cannot be exported: {issues[0]}")
    return definitions


def _tool_issue(use: ToolUse, problem: str) -> ValidationIssue:
    inside = f" (in subgraph '{use.graph_id}')" if use.graph_id is not None else ""
    return ValidationIssue(code="unknown_tool", node_id=use.node_id, field=f"config.{use.field}",
                           message=f"tool '{use.tool_id}'{inside}: {problem}")


async def project_options(session: AsyncSession, settings: Settings, workspace_id: str, spec: GraphSpec,
                          **fields: Any) -> ProjectOptions:
    """``ProjectOptions(**fields)`` completed with what the graph needs from the workspace."""
    subgraphs = await saved_subgraphs(session, workspace_id, spec)
    tools = await workspace_tools(session, settings, workspace_id, spec, subgraphs)
    return ProjectOptions(**fields, subgraphs=subgraphs, http_tools=tools)
