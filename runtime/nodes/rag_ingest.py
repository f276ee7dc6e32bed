"""rag_ingest: chunks text, embeds it and stores it in a collection."""

from typing import Any

from pydantic import Field, model_validator

from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes.base import NodeConfig, NodeKind, Port
from runtime.spec.models import Ident


class Config(NodeConfig):
    collection: Ident = Field(description="Collection to add the chunks to.")
    chunk_size: int = Field(default=800, ge=50, le=20_000)
    chunk_overlap: int = Field(default=100, ge=0, le=10_000)

    @model_validator(mode="after")
    def _overlap_below_size(self) -> "Config":
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    """Chunk the text, embed the chunks and add them to the collection (created when missing)."""
    from runtime.nodes._rag import RagError

    store = getattr(ctx.services, "rag", None)
    if store is None:
        raise NodeError("rag_ingest: no vector store is configured in this runtime")
    text = inputs.get("text")
    if not isinstance(text, str):
        raise NodeError(f"rag_ingest: 'text' must be text, got {type(text).__name__}")
    source = inputs.get("source")
    source = source if isinstance(source, str) else ""
    try:
        added = await store.add_document(config.collection, text, source=source, chunk_size=config.chunk_size,
                                         chunk_overlap=config.chunk_overlap)
    except RagError as exc:
        raise NodeError(f"rag_ingest: {exc}") from exc
    await ctx.event("rag_ingest", collection=config.collection, document_id=added["document_id"],
                    chunks=added["chunks"])
    return {"count": added["chunks"]}


KIND = NodeKind(
    name="rag_ingest",
    title="RAG ingest",
    category="data",
    description="Splits a document into chunks, embeds them and stores them in a vector collection.",
    config=Config,
    inputs=(
        Port("text", "text", description="Document text."),
        Port("source", "text", required=False, description="Where the text came from, kept for citations."),
    ),
    outputs=(Port("count", "number", description="Chunks stored."),),
    execute=execute,
)
