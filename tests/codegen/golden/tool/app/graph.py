"""The LangGraph wiring of graph tool, written out node by node and edge by edge.

Each node lists its wires (edges): which output port feeds which node's input port, and on which
branch for a branching node. Regenerated on export: change the graph in lcnc.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import START, StateGraph

from app.engine import ChainState, Node, RunScope, Wire, step
from app.lcnc_nodes import io_input, io_output, tool, transform

OUTPUT_NAMES: tuple[str, ...] = ('time',)
# Declared defaults of outputs that a run may not reach.
OUTPUT_DEFAULTS: dict[str, Any] = {}
# Bound on LangGraph steps: enough for every loop and supervisor to reach its own bound.
RECURSION_LIMIT = 25

# in: input
IN = Node(
    id='in',
    kind=io_input.KIND,
    config=io_input.Config.model_validate({'name': 'timezone'}),
    wires=(
        Wire('value', 'wrap', 'data'),
    ),
)

# wrap: transform
WRAP = Node(
    id='wrap',
    kind=transform.KIND,
    config=transform.Config.model_validate({'template': '{"timezone": "{{ data }}"}', 'output': 'json'}),
    wires=(
        Wire('value', 'now', 'args'),
    ),
    waits_for=('data',),
)

# now: tool
NOW = Node(
    id='now',
    kind=tool.KIND,
    config=tool.Config.model_validate({'tool': 'builtin.current_time'}),
    wires=(
        Wire('result', 'out', 'value'),
    ),
    waits_for=('args',),
)

# out: output
OUT = Node(
    id='out',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'time'}),
    waits_for=('value',),
)

NODES: tuple[Node, ...] = (IN, WRAP, NOW, OUT,)


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled LangGraph graph: one LangGraph node per graph node, started from the roots."""
    # One node per step, each fed by one node: plain channels are enough (see app/engine.py).
    graph = StateGraph(ChainState, context_schema=RunScope)
    graph.add_node('in', step(IN), destinations=('wrap',))
    graph.add_node('wrap', step(WRAP), destinations=('now',))
    graph.add_node('now', step(NOW), destinations=('out',))
    graph.add_node('out', step(OUT), destinations=())
    graph.add_edge(START, 'in')
    return graph.compile(checkpointer=checkpointer, name='lcnc:tool')

