"""The LangGraph wiring of graph router, written out node by node and edge by edge.

Each node lists its wires (edges): which output port feeds which node's input port, and on which
branch for a branching node. Regenerated on export: change the graph in lcnc.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import START, StateGraph

from app.engine import ChainState, Node, RunScope, Wire, step
from app.lcnc_nodes import io_input, io_output, router, transform

OUTPUT_NAMES: tuple[str, ...] = ('reply',)
# Declared defaults of outputs that a run may not reach.
OUTPUT_DEFAULTS: dict[str, Any] = {}
# Bound on LangGraph steps: enough for every loop and supervisor to reach its own bound.
RECURSION_LIMIT = 25

# in: input
IN = Node(
    id='in',
    kind=io_input.KIND,
    config=io_input.Config.model_validate({'name': 'ticket'}),
    wires=(
        Wire('value', 'route', 'value'),
    ),
)

# route: router
ROUTE = Node(
    id='route',
    kind=router.KIND,
    config=router.Config.model_validate({
        'routes': [{'name': 'billing', 'field': '', 'op': 'contains', 'value': 'invoice'}],
        'default': 'general',
    }),
    wires=(
        Wire('value', 'billing', 'data', branch='billing'),
        Wire('value', 'general', 'data', branch='general'),
    ),
    waits_for=('value',),
)

# billing: transform
BILLING = Node(
    id='billing',
    kind=transform.KIND,
    config=transform.Config.model_validate({'template': 'Billing team: {{ data }}'}),
    wires=(
        Wire('value', 'out_b', 'value'),
    ),
)

# general: transform
GENERAL = Node(
    id='general',
    kind=transform.KIND,
    config=transform.Config.model_validate({'template': 'Support team: {{ data }}'}),
    wires=(
        Wire('value', 'out_g', 'value'),
    ),
)

# out_b: output
OUT_B = Node(
    id='out_b',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'reply'}),
    waits_for=('value',),
)

# out_g: output
OUT_G = Node(
    id='out_g',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'reply'}),
    waits_for=('value',),
)

NODES: tuple[Node, ...] = (IN, ROUTE, BILLING, GENERAL, OUT_B, OUT_G,)


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled LangGraph graph: one LangGraph node per graph node, started from the roots."""
    # One node per step, each fed by one node: plain channels are enough (see app/engine.py).
    graph = StateGraph(ChainState, context_schema=RunScope)
    graph.add_node('in', step(IN), destinations=('route',))
    graph.add_node('route', step(ROUTE), destinations=('billing', 'general'))
    graph.add_node('billing', step(BILLING), destinations=('out_b',))
    graph.add_node('general', step(GENERAL), destinations=('out_g',))
    graph.add_node('out_b', step(OUT_B), destinations=())
    graph.add_node('out_g', step(OUT_G), destinations=())
    graph.add_edge(START, 'in')
    return graph.compile(checkpointer=checkpointer, name='lcnc:router')

