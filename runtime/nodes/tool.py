"""tool: calls one tool from the tools catalogue."""

from typing import Any

from pydantic import Field

from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes.base import NodeConfig, NodeKind, Port

TOOL_ID_PATTERN = r"^[a-z][a-z0-9_-]*(\.[A-Za-z0-9_-]+)+$"


class Config(NodeConfig):
    tool: str = Field(pattern=TOOL_ID_PATTERN, max_length=200, description="Tool id, e.g. builtin.calculator.")
    arguments: dict[str, Any] = Field(default_factory=dict, description="Fixed arguments, merged under the input.")


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    """Call the tool with the fixed arguments, overridden by the ones from upstream."""
    upstream = inputs.get("args")
    if upstream is not None and not isinstance(upstream, dict):
        raise NodeError(f"tool: 'args' must be an object, got {type(upstream).__name__}")
    tool = ctx.tools.get(config.tool)
    if tool is None:
        raise NodeError(f"tool '{config.tool}' is not available in this runtime yet")
    arguments = {**config.arguments, **(upstream or {})}
    result = await tool.invoke(arguments)
    await ctx.event("tool_call", tool=config.tool, arguments=arguments, result=result)
    return {"result": result}


KIND = NodeKind(
    name="tool",
    title="Tool",
    category="tools",
    description="Calls a tool from the catalogue with arguments checked against its schema.",
    config=Config,
    inputs=(Port("args", "json", required=False, description="Arguments from upstream."),),
    outputs=(Port("result", "json", description="The tool's result."),),
    execute=execute,
)
