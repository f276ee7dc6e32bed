"""input: brings one of the graph's declared inputs into the graph."""

from typing import Any

from pydantic import Field

from runtime.nodes._context import NodeContext
from runtime.nodes.base import NodeConfig, NodeKind, Port
from runtime.spec.models import Ident


class Config(NodeConfig):
    name: Ident = Field(default="input", description="Name of the graph input this node reads.")


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    return {"value": ctx.graph_inputs.get(config.name)}


KIND = NodeKind(
    name="input",
    title="Input",
    category="io",
    description="Reads one of the graph's declared inputs.",
    config=Config,
    outputs=(Port("value", "any", description="The input's value."),),
    pure=True,
    execute=execute,
)
