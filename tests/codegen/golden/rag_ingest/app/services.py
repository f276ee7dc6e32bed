"""What the graph's nodes may use outside the process, built from the settings as the lcnc platform builds them.

Nodes read them from their context (``ctx.services``). Nothing connects while they are built: a
connection is opened when a node needs one.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.lcnc_nodes._rag import LocalEmbedder, RagStore
from app.settings import Settings


@dataclass(frozen=True)
class RunServices:
    """The services of every run (the lcnc runtime's RunServices, reduced to what this graph uses)."""

    rag: RagStore | None = None


def rag_store(settings: Settings) -> RagStore:
    """Chroma at CHROMA_URL, or a persistent folder at CHROMA_PATH; embeddings computed here, offline."""
    embedder = LocalEmbedder(settings.embedding_model_dir or None)
    if settings.chroma_url:
        store = RagStore(url=settings.chroma_url, embedder=embedder)
    else:
        store = RagStore(path=settings.chroma_path, embedder=embedder)
    return store.scoped(settings.chroma_collection_prefix) if settings.chroma_collection_prefix else store


def build_services(settings: Settings) -> RunServices:
    """The services of this process's runs; the app builds them once, when it starts."""
    services = RunServices(
        rag=rag_store(settings),
    )
    return services
