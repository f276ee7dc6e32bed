"""RagStore: collections of embedded chunks in Chroma, with sources kept for citations.

Embedded default: a Chroma persistent client in a folder; production: a Chroma server (HttpClient).
Embeddings are computed here (never by Chroma, which would try to download a model). Chroma calls
are blocking, so they run in a thread.
"""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from runtime.nodes._rag.chunking import chunk_text
from runtime.nodes._rag.embeddings import LocalEmbedder

_COLLECTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]$")
_METADATA_TYPES = (str, int, float, bool)
ADD_BATCH = 256


class RagError(Exception):
    """A RAG operation failed; the message is for the user."""


def _clean_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or key.startswith(("_", "chroma:")) or value is None:
            continue
        clean[key[:100]] = value if isinstance(value, _METADATA_TYPES) else str(value)[:1000]
    return clean


def _where(filter_: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A Chroma ``where`` from a plain {field: value} filter (values matched exactly; a list = any of)."""
    clauses = []
    for key, value in (filter_ or {}).items():
        if isinstance(value, list):
            clauses.append({key: {"$in": value}})
        elif isinstance(value, dict):
            clauses.append({key: value})  # already an operator clause such as {"$gte": 2}
        else:
            clauses.append({key: {"$eq": value}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class RagStore:
    """Collections in one Chroma, optionally under a name prefix (one per workspace)."""

    def __init__(self, *, path: str | Path | None = None, url: str | None = None, client: Any = None,
                 embedder: LocalEmbedder | None = None, prefix: str = "") -> None:
        self._path = Path(path) if path else None
        self._url = url
        self._client = client
        self._lock = threading.Lock()
        self.embedder = embedder or LocalEmbedder()
        self.prefix = prefix

    def scoped(self, prefix: str) -> RagStore:
        """The same Chroma and model, with collection names under ``prefix`` (e.g. a workspace)."""
        view = RagStore(client=self._client, embedder=self.embedder, prefix=prefix)
        view._path, view._url, view._lock = self._path, self._url, self._lock
        view._parent = self  # type: ignore[attr-defined]
        return view

    # -- Chroma plumbing ------------------------------------------------------------------------

    def client(self) -> Any:
        parent = getattr(self, "_parent", None)
        if parent is not None:
            return parent.client()
        with self._lock:
            if self._client is None:
                import chromadb
                from chromadb.config import Settings as ChromaSettings

                chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
                if self._url:
                    parts = urlsplit(self._url)
                    self._client = chromadb.HttpClient(
                        host=parts.hostname or "localhost", port=parts.port or (443 if parts.scheme == "https" else 8000),
                        ssl=parts.scheme == "https", settings=chroma_settings)
                else:
                    path = self._path or Path(".lcnc") / "chroma"
                    path.mkdir(parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            return self._client

    def _full(self, name: str) -> str:
        full = f"{self.prefix}{name}"
        if not _COLLECTION_NAME.match(full):
            raise RagError(f"invalid collection name '{name}': use 3-63 letters, digits, '_' or '-'")
        return full

    def _get(self, name: str, *, create: bool = False) -> Any:
        client = self.client()
        full = self._full(name)
        if create:
            return client.get_or_create_collection(full, embedding_function=None,
                                                   metadata={"hnsw:space": "cosine", "lcnc:name": name})
        try:
            return client.get_collection(full, embedding_function=None)
        except Exception as exc:  # chroma raises NotFoundError / ValueError depending on the backend
            raise RagError(f"no collection named '{name}'") from exc

    # -- collections ----------------------------------------------------------------------------

    async def create_collection(self, name: str) -> dict[str, Any]:
        collection = await asyncio.to_thread(self._get, name, create=True)
        return {"name": name, "chunks": await asyncio.to_thread(collection.count)}

    async def list_collections(self) -> list[dict[str, Any]]:
        def run() -> list[dict[str, Any]]:
            found = []
            for item in self.client().list_collections():
                full = item if isinstance(item, str) else item.name
                if full.startswith(self.prefix):
                    collection = self.client().get_collection(full, embedding_function=None)
                    found.append({"name": full[len(self.prefix):], "chunks": collection.count()})
            return sorted(found, key=lambda item: item["name"])

        return await asyncio.to_thread(run)

    async def delete_collection(self, name: str) -> None:
        await asyncio.to_thread(self._get, name)
        await asyncio.to_thread(self.client().delete_collection, self._full(name))

    # -- documents ------------------------------------------------------------------------------

    async def add_document(self, collection: str, text: str, *, source: str = "", document_id: str | None = None,
                           metadata: Mapping[str, Any] | None = None, chunk_size: int = 800,
                           chunk_overlap: int = 100, create: bool = True) -> dict[str, Any]:
        """Chunk, embed and store ``text``; a document id given again replaces that document's chunks."""
        document_id = document_id or uuid.uuid4().hex
        chunks = chunk_text(text, chunk_size, chunk_overlap)
        vectors = await asyncio.to_thread(self.embedder.embed, chunks)
        base = {**_clean_metadata(metadata), "document_id": document_id, "source": source[:1000]}

        def write() -> None:
            target = self._get(collection, create=create)
            target.delete(where={"document_id": document_id})
            for start in range(0, len(chunks), ADD_BATCH):
                part = slice(start, start + ADD_BATCH)
                target.add(
                    ids=[f"{document_id}:{index}" for index in range(start, start + len(chunks[part]))],
                    documents=chunks[part],
                    embeddings=vectors[part],
                    metadatas=[{**base, "chunk": index} for index in range(start, start + len(chunks[part]))],
                )

        await asyncio.to_thread(write)
        return {"document_id": document_id, "chunks": len(chunks)}

    async def delete_document(self, collection: str, document_id: str) -> int:
        """Remove a document's chunks; the number removed."""

        def run() -> int:
            target = self._get(collection)
            found = target.get(where={"document_id": document_id}, include=[])
            if found["ids"]:
                target.delete(ids=found["ids"])
            return len(found["ids"])

        return await asyncio.to_thread(run)

    async def count(self, collection: str) -> int:
        return await asyncio.to_thread(lambda: self._get(collection).count())

    async def search(self, collection: str, query: str, *, top_k: int = 4, score_threshold: float | None = None,
                     filter: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:  # noqa: A002
        """The ``top_k`` chunks nearest to ``query``: ``[{text, source, score, document_id, chunk, metadata}]``.

        ``score`` is the cosine similarity in [0, 1]; chunks below ``score_threshold`` are dropped.
        """
        if not query.strip():
            raise RagError("the query is empty")
        vector = (await asyncio.to_thread(self.embedder.embed, [query]))[0]

        def run() -> dict[str, Any]:
            target = self._get(collection)
            if target.count() == 0:
                return {"documents": [[]], "metadatas": [[]], "distances": [[]]}
            try:
                return target.query(query_embeddings=[vector], n_results=top_k, where=_where(filter),
                                    include=["documents", "metadatas", "distances"])
            except ValueError as exc:
                raise RagError(f"invalid metadata filter: {exc}") from exc

        result = await asyncio.to_thread(run)
        passages = []
        for text, meta, distance in zip(result["documents"][0], result["metadatas"][0], result["distances"][0],
                                        strict=False):
            score = round(max(0.0, min(1.0, 1.0 - float(distance))), 4)
            if score_threshold is not None and score < score_threshold:
                continue
            meta = dict(meta or {})
            passages.append({"text": text, "source": meta.pop("source", ""), "score": score,
                             "document_id": meta.pop("document_id", None), "chunk": meta.pop("chunk", None),
                             "metadata": meta})
        return passages


def format_context(passages: Sequence[Mapping[str, Any]]) -> str:
    """Passages as numbered text for a prompt: ``[1] (source) text``; cite them as [1], [2]..."""
    lines = []
    for number, passage in enumerate(passages, start=1):
        source = f" ({passage['source']})" if passage.get("source") else ""
        lines.append(f"[{number}]{source} {passage['text']}")
    return "\n\n".join(lines)
