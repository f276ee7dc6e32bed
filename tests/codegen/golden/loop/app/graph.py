"""The LangGraph wiring of graph loop, written out node by node and edge by edge.

Each node lists its wires (edges): which output port feeds which node's input port, and on which
branch for a branching node. Regenerated on export: change the graph in lcnc.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import START, StateGraph

from app.engine import Node, RunScope, State, Wire, step
from app.lcnc_nodes import io_input, io_output, loop, transform

OUTPUT_NAMES: tuple[str, ...] = ('text',)
# Declared defaults of outputs that a run may not reach.
OUTPUT_DEFAULTS: dict[str, Any] = {}
# Bound on LangGraph steps: enough for every loop and supervisor to reach its own bound.
RECURSION_LIMIT = 72

# in: input
IN = Node(
    id='in',
    kind=io_input.KIND,
    config=io_input.Config.model_validate({'name': 'text'}),
    wires=(
        Wire('value', 'repeat', 'value'),
    ),
)

# repeat: loop
REPEAT = Node(
    id='repeat',
    kind=loop.KIND,
    config=loop.Config.model_validate({'max_iterations': 5, 'until': {'field': '', 'op': 'contains', 'value': '!!!'}}),
    wires=(
        Wire('value', 'grow', 'data', branch='continue'),
        Wire('value', 'out', 'value', branch='done'),
    ),
    waits_for=('value',),
)

# grow: transform
GROW = Node(
    id='grow',
    kind=transform.KIND,
    config=transform.Config.model_validate({'template': '{{ data }}!'}),
    wires=(
        Wire('value', 'repeat', 'value'),
    ),
)

# out: output
OUT = Node(
    id='out',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'text'}),
    waits_for=('value',),
)

NODES: tuple[Node, ...] = (IN, REPEAT, GROW, OUT,)


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled LangGraph graph: one LangGraph node per graph node, started from the roots."""
    graph = StateGraph(State, context_schema=RunScope)
    graph.add_node('in', step(IN), destinations=('repeat',))
    graph.add_node('repeat', step(REPEAT), destinations=('grow', 'out'))
    graph.add_node('grow', step(GROW), destinations=('repeat',))
    graph.add_node('out', step(OUT), destinations=())
    graph.add_edge(START, 'in')
    return graph.compile(checkpointer=checkpointer, name='lcnc:loop')

