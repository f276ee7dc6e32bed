"""The registry of node kinds: one plain dict, one line per kind."""

from __future__ import annotations

from runtime.nodes import (
    http_request,
    human_approval,
    io_input,
    io_output,
    llm_agent,
    loop,
    mcp_tool,
    rag_ingest,
    rag_retrieve,
    router,
    sql_query,
    subgraph,
    supervisor,
    tool,
    transform,
)
from runtime.nodes.base import NodeKind

KINDS: dict[str, NodeKind] = {
    "input": io_input.KIND,
    "output": io_output.KIND,
    "llm": llm_agent.KIND,
    "supervisor": supervisor.KIND,
    "tool": tool.KIND,
    "http": http_request.KIND,
    "mcp_tool": mcp_tool.KIND,
    "rag_ingest": rag_ingest.KIND,
    "rag_retrieve": rag_retrieve.KIND,
    "sql_query": sql_query.KIND,
    "router": router.KIND,
    "loop": loop.KIND,
    "transform": transform.KIND,
    "human_approval": human_approval.KIND,
    "subgraph": subgraph.KIND,
}


def get_kind(name: str) -> NodeKind | None:
    """The kind registered under ``name``, or None."""
    return KINDS.get(name)
