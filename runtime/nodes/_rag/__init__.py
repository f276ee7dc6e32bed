"""RAG for nodes: chunking, text extraction, embeddings and a Chroma-backed store (heavy libraries load lazily)."""

from runtime.nodes._rag.chunking import chunk_text
from runtime.nodes._rag.embeddings import LocalEmbedder, default_model_dir
from runtime.nodes._rag.extract import ExtractError, extract_text
from runtime.nodes._rag.store import RagError, RagStore, format_context

__all__ = ["ExtractError", "LocalEmbedder", "RagError", "RagStore", "chunk_text", "default_model_dir",
           "extract_text", "format_context"]
