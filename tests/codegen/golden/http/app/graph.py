"""The LangGraph wiring of graph http, written out node by node and edge by edge.

Each node lists its wires (edges): which output port feeds which node's input port, and on which
branch for a branching node. Regenerated on export: change the graph in lcnc.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import START, StateGraph

from app.engine import ChainState, Node, RunScope, Wire, step
from app.lcnc_nodes import http_request, io_input, io_output

OUTPUT_NAMES: tuple[str, ...] = ('response',)
# Declared defaults of outputs that a run may not reach.
OUTPUT_DEFAULTS: dict[str, Any] = {}
# Bound on LangGraph steps: enough for every loop and supervisor to reach its own bound.
RECURSION_LIMIT = 25

# in: input
IN = Node(
    id='in',
    kind=io_input.KIND,
    config=io_input.Config.model_validate({'name': 'query'}),
    wires=(
        Wire('value', 'fetch', 'data'),
    ),
)

# fetch: http
FETCH = Node(
    id='fetch',
    kind=http_request.KIND,
    config=http_request.Config.model_validate({
        'method': 'GET',
        'url': 'http://127.0.0.1:8765/echo?q={{ data }}',
        'timeout_s': 5,
        'retries': 0,
    }),
    wires=(
        Wire('response', 'out', 'value'),
    ),
    waits_for=('data',),
)

# out: output
OUT = Node(
    id='out',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'response'}),
    waits_for=('value',),
)

NODES: tuple[Node, ...] = (IN, FETCH, OUT,)


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled LangGraph graph: one LangGraph node per graph node, started from the roots."""
    # One node per step, each fed by one node: plain channels are enough (see app/engine.py).
    graph = StateGraph(ChainState, context_schema=RunScope)
    graph.add_node('in', step(IN), destinations=('fetch',))
    graph.add_node('fetch', step(FETCH), destinations=('out',))
    graph.add_node('out', step(OUT), destinations=())
    graph.add_edge(START, 'in')
    return graph.compile(checkpointer=checkpointer, name='lcnc:http')

