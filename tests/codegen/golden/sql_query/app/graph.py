"""The LangGraph wiring of graph sql_query, written out node by node and edge by edge.

Each node lists its wires (edges): which output port feeds which node's input port, and on which
branch for a branching node. Regenerated on export: change the graph in lcnc.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import START, StateGraph

from app.engine import ChainState, Node, RunScope, Wire, step
from app.lcnc_nodes import io_input, io_output, sql_query, transform

OUTPUT_NAMES: tuple[str, ...] = ('rows',)
# Declared defaults of outputs that a run may not reach.
OUTPUT_DEFAULTS: dict[str, Any] = {}
# Bound on LangGraph steps: enough for every loop and supervisor to reach its own bound.
RECURSION_LIMIT = 25

# in: input
IN = Node(
    id='in',
    kind=io_input.KIND,
    config=io_input.Config.model_validate({'name': 'customer'}),
    wires=(
        Wire('value', 'wrap', 'data'),
    ),
)

# wrap: transform
WRAP = Node(
    id='wrap',
    kind=transform.KIND,
    config=transform.Config.model_validate({'template': '{"customer": "{{ data }}"}', 'output': 'json'}),
    wires=(
        Wire('value', 'query', 'params'),
    ),
    waits_for=('data',),
)

# query: sql_query
QUERY = Node(
    id='query',
    kind=sql_query.KIND,
    config=sql_query.Config.model_validate({
        'connection': 'shop',
        'query': 'SELECT id, total FROM orders WHERE customer = :customer ORDER BY id',
        'row_limit': 100,
    }),
    wires=(
        Wire('rows', 'out', 'value'),
    ),
    waits_for=('params',),
)

# out: output
OUT = Node(
    id='out',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'rows'}),
    waits_for=('value',),
)

NODES: tuple[Node, ...] = (IN, WRAP, QUERY, OUT,)


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled LangGraph graph: one LangGraph node per graph node, started from the roots."""
    # One node per step, each fed by one node: plain channels are enough (see app/engine.py).
    graph = StateGraph(ChainState, context_schema=RunScope)
    graph.add_node('in', step(IN), destinations=('wrap',))
    graph.add_node('wrap', step(WRAP), destinations=('query',))
    graph.add_node('query', step(QUERY), destinations=('out',))
    graph.add_node('out', step(OUT), destinations=())
    graph.add_edge(START, 'in')
    return graph.compile(checkpointer=checkpointer, name='lcnc:sql_query')

