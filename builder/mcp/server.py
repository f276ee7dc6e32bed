"""Saved graphs as MCP tools, over streamable HTTP at ``/api/tools/mcp``.

Each request is authenticated like every other route (local mode: the local user; otherwise a bearer
token or API key), then served by a stateless MCP server scoped to the caller's workspace: tools/list
returns one tool per saved graph (input schema from the graph's inputs) and tools/call runs the
graph's latest version in-process and returns its outputs.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from sqlalchemy import select
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from builder.context import current_context
from builder.db.models import Graph
from builder.errors import ApiError
from builder.tools.run_services import build_run_services
from runtime.nodes._mcp import McpError, check_against_schema
from runtime.spec import GraphSpec
from runtime.spec.as_tool import graph_parameters

log = logging.getLogger(__name__)
MAX_TOOLS = 1000


def workspace_server(app: Any, workspace_id: str) -> Server[Any]:
    sessionmaker = app.state.sessionmaker
    settings = app.state.settings

    async def load(graph_id: str | None = None) -> list[GraphSpec]:
        async with sessionmaker() as session:
            query = select(Graph).where(Graph.workspace_id == workspace_id)
            if graph_id is not None:
                query = query.where(Graph.id == graph_id)
            rows = (await session.execute(query.order_by(Graph.id).limit(MAX_TOOLS))).scalars()
            return [GraphSpec.model_validate(row.spec) for row in rows]

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        tools = [types.Tool(name=spec.id, title=spec.name, description=spec.description or spec.name,
                            input_schema=graph_parameters(spec)) for spec in await load()]
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        from runtime.engine import run_graph

        found = await load(params.name)
        if not found:
            return _error(f"no saved graph named '{params.name}' in this workspace")
        spec = found[0]
        try:
            arguments = check_against_schema(f"graph '{spec.id}'", graph_parameters(spec), params.arguments or {})
        except McpError as exc:
            return _error(str(exc))
        services = await build_run_services(sessionmaker, settings, workspace_id, spec)
        outcome = await run_graph(spec, arguments, thread_id=f"mcp-{spec.id}", services=services)
        if outcome.status != "succeeded":
            return _error(f"the graph {outcome.status}: {outcome.error or 'it is waiting for a human approval'}")
        text = json.dumps(outcome.outputs, ensure_ascii=False, default=str)
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)],
                                    structured_content=outcome.outputs)

    return Server("lcnc", on_list_tools=list_tools, on_call_tool=call_tool)


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


class McpEndpoint:
    """The ASGI endpoint; a class instance so Starlette hands it the raw scope (MCP streams its answers)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            ctx = await current_context(request)
        except ApiError as exc:
            await _json(send, exc.status_code, {"detail": exc.detail, "errors": exc.errors})
            return
        manager = StreamableHTTPSessionManager(app=workspace_server(scope["app"], ctx.workspace_id),
                                               stateless=True, json_response=True)
        async with manager.run():
            await manager.handle_request(scope, receive, send)


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})
