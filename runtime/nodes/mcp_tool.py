"""mcp_tool: calls a tool of a registered MCP server."""

from typing import Any

from pydantic import Field

from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes.base import NodeConfig, NodeKind, Port
from runtime.spec.models import Ident


class Config(NodeConfig):
    server: Ident = Field(description="Name of an MCP server registered by an admin; never a command.")
    tool: str = Field(min_length=1, max_length=200, description="Tool name as the server lists it.")
    arguments: dict[str, Any] = Field(default_factory=dict)


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    """Call the tool with the fixed arguments, overridden by the ones from upstream, checked by its schema."""
    registry = getattr(ctx.services, "mcp", None)
    if registry is None:
        raise NodeError(f"mcp_tool: no MCP servers are registered in this runtime (wanted '{config.server}')")
    upstream = inputs.get("args")
    if upstream is not None and not isinstance(upstream, dict):
        raise NodeError(f"mcp_tool: 'args' must be an object, got {type(upstream).__name__}")
    arguments = {**config.arguments, **(upstream or {})}
    result = await registry.call_tool(config.server, config.tool, arguments)
    await ctx.event("tool_call", tool=f"mcp.{config.server}.{config.tool}", arguments=arguments, result=result)
    return {"result": result}


KIND = NodeKind(
    name="mcp_tool",
    title="MCP tool",
    category="tools",
    description="Calls a tool on a registered MCP server with arguments checked against its input schema.",
    config=Config,
    inputs=(Port("args", "json", required=False, description="Arguments from upstream."),),
    outputs=(Port("result", "json", description="The tool's result."),),
    execute=execute,
)
