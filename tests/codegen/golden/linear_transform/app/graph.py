"""The LangGraph wiring of graph linear_transform, written out node by node and edge by edge.

Each node lists its wires (edges): which output port feeds which node's input port, and on which
branch for a branching node. Regenerated on export: change the graph in lcnc.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import START, StateGraph

from app.engine import ChainState, Node, RunScope, Wire, step
from app.lcnc_nodes import io_input, io_output, transform

OUTPUT_NAMES: tuple[str, ...] = ('greeting',)
# Declared defaults of outputs that a run may not reach.
OUTPUT_DEFAULTS: dict[str, Any] = {}
# Bound on LangGraph steps: enough for every loop and supervisor to reach its own bound.
RECURSION_LIMIT = 25

# in: input
IN = Node(
    id='in',
    kind=io_input.KIND,
    config=io_input.Config.model_validate({'name': 'name'}),
    wires=(
        Wire('value', 'greet', 'data'),
    ),
)

# greet: transform
GREET = Node(
    id='greet',
    kind=transform.KIND,
    config=transform.Config.model_validate({'template': 'Hello, {{ data }}!'}),
    wires=(
        Wire('value', 'shout', 'data'),
    ),
    waits_for=('data',),
)

# shout: transform
SHOUT = Node(
    id='shout',
    kind=transform.KIND,
    config=transform.Config.model_validate({'template': '{{ data }} Welcome aboard.'}),
    wires=(
        Wire('value', 'out', 'value'),
    ),
    waits_for=('data',),
)

# out: output
OUT = Node(
    id='out',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'greeting'}),
    waits_for=('value',),
)

NODES: tuple[Node, ...] = (IN, GREET, SHOUT, OUT,)


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled LangGraph graph: one LangGraph node per graph node, started from the roots."""
    # One node per step, each fed by one node: plain channels are enough (see app/engine.py).
    graph = StateGraph(ChainState, context_schema=RunScope)
    graph.add_node('in', step(IN), destinations=('greet',))
    graph.add_node('greet', step(GREET), destinations=('shout',))
    graph.add_node('shout', step(SHOUT), destinations=('out',))
    graph.add_node('out', step(OUT), destinations=())
    graph.add_edge(START, 'in')
    return graph.compile(checkpointer=checkpointer, name='lcnc:linear_transform')

