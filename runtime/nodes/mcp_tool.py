"""mcp_tool: calls a tool of a registered MCP server."""

from typing import Any

from pydantic import Field

from runtime.nodes.base import NodeConfig, NodeKind, Port
from runtime.spec.models import Ident


class Config(NodeConfig):
    server: Ident = Field(description="Name of an MCP server registered by an admin; never a command.")
    tool: str = Field(min_length=1, max_length=200, description="Tool name as the server lists it.")
    arguments: dict[str, Any] = Field(default_factory=dict)


KIND = NodeKind(
    name="mcp_tool",
    title="MCP tool",
    category="tools",
    description="Calls a tool on a registered MCP server with arguments checked against its input schema.",
    config=Config,
    inputs=(Port("args", "json", required=False, description="Arguments from upstream."),),
    outputs=(Port("result", "json", description="The tool's result."),),
)
