"""rag_retrieve: finds the passages of a collection nearest to a query."""

from typing import Any

from pydantic import Field

from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes.base import NodeConfig, NodeKind, Port
from runtime.spec.models import Ident


class Config(NodeConfig):
    collection: Ident = Field(description="Collection to search.")
    top_k: int = Field(default=4, ge=1, le=100)
    score_threshold: float | None = Field(default=None, ge=0.0, le=1.0, description="Drop passages scoring below.")
    filter: dict[str, Any] = Field(default_factory=dict, description="Metadata that passages must match.")


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    """The passages nearest to the query (text, source, score) and the same as numbered prompt text."""
    from runtime.nodes._rag import RagError, format_context
    from runtime.nodes._template import to_text

    store = getattr(ctx.services, "rag", None)
    if store is None:
        raise NodeError("rag_retrieve: no vector store is configured in this runtime")
    query = to_text(inputs.get("query")).strip()
    if not query:
        raise NodeError("rag_retrieve: the query is empty")
    try:
        passages = await store.search(config.collection, query, top_k=config.top_k,
                                      score_threshold=config.score_threshold, filter=config.filter)
    except RagError as exc:
        raise NodeError(f"rag_retrieve: {exc}") from exc
    return {"documents": passages, "context": format_context(passages)}


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
    execute=execute,
)
