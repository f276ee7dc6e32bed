"""What a run may use from outside the graph: tools, secrets and saved graphs (for subgraph nodes).

The runtime never reaches a database itself; the platform (or a generated project) hands these in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from runtime.nodes._http import HttpPolicy
from runtime.nodes._mcp import McpRegistry
from runtime.nodes._rag import RagStore
from runtime.nodes._sql import SqlConnections
from runtime.nodes._tools import BUILTIN_TOOLS, Tool
from runtime.spec.models import GraphSpec

# (graph_id, version or None for the latest) -> the saved graph, or None when there is none.
GraphResolver = Callable[[str, "int | None"], "GraphSpec | None | Awaitable[GraphSpec | None]"]
SecretResolver = Callable[[str], "str | None"]


def _no_secret(name: str) -> str | None:
    return None


@dataclass(frozen=True)
class RunServices:
    tools: Mapping[str, Tool] = field(default_factory=lambda: dict(BUILTIN_TOOLS))
    secrets: SecretResolver = _no_secret
    resolve_graph: GraphResolver | None = None
    max_subgraph_depth: int = 8
    # Node library services (None: the kind refuses to run, or uses its safe default).
    http: HttpPolicy | None = None  # SSRF allow-list for http nodes and HTTP tools; None = public addresses only
    mcp: McpRegistry | None = None  # admin-approved MCP servers
    rag: RagStore | None = None  # Chroma collections + embeddings
    sql: SqlConnections | None = None  # named SQL connections


def env_secrets(environ: Mapping[str, str]) -> SecretResolver:
    """A secret resolver reading environment variables (the CLI's default)."""

    def resolve(name: str) -> str | None:
        return environ.get(name) or None

    return resolve


def graphs_from(specs: Mapping[str, GraphSpec] | list[GraphSpec]) -> GraphResolver:
    """A resolver over graphs held in memory (tests, the CLI's --graphs folder)."""
    by_id = {spec.id: spec for spec in specs} if isinstance(specs, list) else dict(specs)

    def resolve(graph_id: str, version: int | None) -> GraphSpec | None:
        return by_id.get(graph_id)

    return resolve


__all__ = ["GraphResolver", "RunServices", "SecretResolver", "env_secrets", "graphs_from"]
