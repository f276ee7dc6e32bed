"""rag_ingest: chunks text, embeds it and stores it in a collection."""

from pydantic import Field, model_validator

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
)
