"""rag_retrieve: finds the passages of a collection nearest to a query."""

from typing import Any

from pydantic import Field

from runtime.nodes.base import NodeConfig, NodeKind, Port
from runtime.spec.models import Ident


class Config(NodeConfig):
    collection: Ident = Field(description="Collection to search.")
    top_k: int = Field(default=4, ge=1, le=100)
    score_threshold: float | None = Field(default=None, ge=0.0, le=1.0, description="Drop passages scoring below.")
    filter: dict[str, Any] = Field(default_factory=dict, description="Metadata that passages must match.")


KIND = NodeKind(
    name="rag_retrieve",
    title="RAG retrieve",
    category="data",
    description="Returns the passages nearest to a query, with their sources for citing.",
    config=Config,
    inputs=(Port("query", "text", description="What to look for."),),
    outputs=(
        Port("documents", "documents", description="Passages with text, source and score."),
        Port("context", "text", description="The passages as numbered text, ready for a prompt."),
    ),
)
