"""output: sets one of the graph's declared outputs."""

from typing import Any

from pydantic import Field

from runtime.nodes._context import GRAPH_OUTPUTS, NodeContext
from runtime.nodes.base import NodeConfig, NodeKind, Port
from runtime.spec.models import Ident


class Config(NodeConfig):
    name: Ident = Field(default="output", description="Name of the graph output this node writes.")


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    return {GRAPH_OUTPUTS: {config.name: inputs.get("value")}}


KIND = NodeKind(
    name="output",
    title="Output",
    category="io",
    description="Writes its input to one of the graph's declared outputs.",
    config=Config,
    inputs=(Port("value", "any", description="The value to return."),),
    pure=True,
    execute=execute,
)
