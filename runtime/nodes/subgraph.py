"""subgraph: runs another saved graph as one node."""

from pydantic import Field

from runtime.nodes.base import NodeConfig, NodeKind, Port
from runtime.spec.models import Ident


class Config(NodeConfig):
    graph_id: Ident = Field(description="Id of the saved graph to run.")
    version: int | None = Field(default=None, ge=1, description="Pinned version; empty for the latest.")


KIND = NodeKind(
    name="subgraph",
    title="Subgraph",
    category="control",
    description="Runs another saved graph with its inputs and returns its outputs.",
    config=Config,
    inputs=(Port("inputs", "json", required=False, description="The subgraph's inputs by name."),),
    outputs=(Port("outputs", "json", description="The subgraph's outputs by name."),),
)
