"""The LangGraph wiring of graph rag_ingest, written out node by node and edge by edge.

Each node lists its wires (edges): which output port feeds which node's input port, and on which
branch for a branching node. Regenerated on export: change the graph in lcnc.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import START, StateGraph

from app.engine import Node, RunScope, State, Wire, step
from app.lcnc_nodes import io_input, io_output, rag_ingest

OUTPUT_NAMES: tuple[str, ...] = ('chunks',)
# Declared defaults of outputs that a run may not reach.
OUTPUT_DEFAULTS: dict[str, Any] = {}
# Bound on LangGraph steps: enough for every loop and supervisor to reach its own bound.
RECURSION_LIMIT = 25

# in: input
IN = Node(
    id='in',
    kind=io_input.KIND,
    config=io_input.Config.model_validate({'name': 'text'}),
    wires=(
        Wire('value', 'ingest', 'text'),
    ),
)

# src: input
SRC = Node(
    id='src',
    kind=io_input.KIND,
    config=io_input.Config.model_validate({'name': 'source'}),
    wires=(
        Wire('value', 'ingest', 'source'),
    ),
)

# ingest: rag_ingest
INGEST = Node(
    id='ingest',
    kind=rag_ingest.KIND,
    config=rag_ingest.Config.model_validate({'collection': 'docs', 'chunk_size': 400, 'chunk_overlap': 50}),
    wires=(
        Wire('count', 'out', 'value'),
    ),
    waits_for=('text', 'source'),
)

# out: output
OUT = Node(
    id='out',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'chunks'}),
    waits_for=('value',),
)

NODES: tuple[Node, ...] = (IN, SRC, INGEST, OUT,)


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled LangGraph graph: one LangGraph node per graph node, started from the roots."""
    graph = StateGraph(State, context_schema=RunScope)
    graph.add_node('in', step(IN), destinations=('ingest',))
    graph.add_node('src', step(SRC), destinations=('ingest',))
    graph.add_node('ingest', step(INGEST), destinations=('out',))
    graph.add_node('out', step(OUT), destinations=())
    graph.add_edge(START, 'in')
    graph.add_edge(START, 'src')
    return graph.compile(checkpointer=checkpointer, name='lcnc:rag_ingest')

