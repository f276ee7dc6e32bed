"""tool: calls one tool from the tools catalogue."""

from typing import Any

from pydantic import Field

from runtime.nodes.base import NodeConfig, NodeKind, Port

TOOL_ID_PATTERN = r"^[a-z][a-z0-9_-]*(\.[A-Za-z0-9_-]+)+$"


class Config(NodeConfig):
    tool: str = Field(pattern=TOOL_ID_PATTERN, max_length=200, description="Tool id, e.g. builtin.calculator.")
    arguments: dict[str, Any] = Field(default_factory=dict, description="Fixed arguments, merged under the input.")


KIND = NodeKind(
    name="tool",
    title="Tool",
    category="tools",
    description="Calls a tool from the catalogue with arguments checked against its schema.",
    config=Config,
    inputs=(Port("args", "json", required=False, description="Arguments from upstream."),),
    outputs=(Port("result", "json", description="The tool's result."),),
)
