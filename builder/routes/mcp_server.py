"""The MCP server endpoint (role tools): saved graphs as MCP tools for other agents, Claude, Cursor..."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import Route

from builder.mcp.server import McpEndpoint

router = APIRouter(tags=["mcp"])
# A plain Starlette route: the MCP transport writes its own (streamed) responses. It authenticates each
# request itself with builder.context.current_context, like the routers' dependency does.
router.routes.append(Route("/api/tools/mcp", endpoint=McpEndpoint(), methods=["GET", "POST", "DELETE"],
                           include_in_schema=False))
