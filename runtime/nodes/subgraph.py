"""subgraph: runs another saved graph as one node."""

from typing import Any

from pydantic import Field

from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes.base import NodeConfig, NodeKind, Port
from runtime.spec.models import Ident


class Config(NodeConfig):
    graph_id: Ident = Field(description="Id of the saved graph to run.")
    version: int | None = Field(default=None, ge=1, description="Pinned version; empty for the latest.")


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    values = inputs.get("inputs")
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise NodeError(f"subgraph: 'inputs' must be an object of the subgraph's inputs, got {type(values).__name__}")
    if ctx.run_subgraph is None:
        raise NodeError("subgraph: this runtime has no way to load saved graphs")
    return {"outputs": await ctx.run_subgraph(config.graph_id, config.version, values)}


KIND = NodeKind(
    name="subgraph",
    title="Subgraph",
    category="control",
    description="Runs another saved graph with its inputs and returns its outputs.",
    config=Config,
    inputs=(Port("inputs", "json", required=False, description="The subgraph's inputs by name."),),
    outputs=(Port("outputs", "json", description="The subgraph's outputs by name."),),
    execute=execute,
)
