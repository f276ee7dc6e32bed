"""The LangGraph wiring of graph human_approval, written out node by node and edge by edge.

Each node lists its wires (edges): which output port feeds which node's input port, and on which
branch for a branching node. Regenerated on export: change the graph in lcnc.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import START, StateGraph

from app.engine import ChainState, Node, RunScope, Wire, step
from app.lcnc_nodes import human_approval, io_input, io_output, transform

OUTPUT_NAMES: tuple[str, ...] = ('result',)
# Declared defaults of outputs that a run may not reach.
OUTPUT_DEFAULTS: dict[str, Any] = {}
# Bound on LangGraph steps: enough for every loop and supervisor to reach its own bound.
RECURSION_LIMIT = 25

# in: input
IN = Node(
    id='in',
    kind=io_input.KIND,
    config=io_input.Config.model_validate({'name': 'request'}),
    wires=(
        Wire('value', 'draft', 'data'),
    ),
)

# draft: transform
DRAFT = Node(
    id='draft',
    kind=transform.KIND,
    config=transform.Config.model_validate({'template': 'Draft reply to: {{ data }}'}),
    wires=(
        Wire('value', 'approve', 'value'),
    ),
    waits_for=('data',),
)

# approve: human_approval
APPROVE = Node(
    id='approve',
    kind=human_approval.KIND,
    config=human_approval.Config.model_validate({'prompt': 'Send this reply?'}),
    wires=(
        Wire('value', 'sent', 'data', branch='approved'),
        Wire('value', 'dropped', 'data', branch='rejected'),
    ),
    waits_for=('value',),
)

# sent: transform
SENT = Node(
    id='sent',
    kind=transform.KIND,
    config=transform.Config.model_validate({'template': 'SENT: {{ data }}'}),
    wires=(
        Wire('value', 'out_s', 'value'),
    ),
)

# dropped: transform
DROPPED = Node(
    id='dropped',
    kind=transform.KIND,
    config=transform.Config.model_validate({'template': 'DROPPED: {{ data }}'}),
    wires=(
        Wire('value', 'out_d', 'value'),
    ),
)

# out_s: output
OUT_S = Node(
    id='out_s',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'result'}),
    waits_for=('value',),
)

# out_d: output
OUT_D = Node(
    id='out_d',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'result'}),
    waits_for=('value',),
)

NODES: tuple[Node, ...] = (IN, DRAFT, APPROVE, SENT, DROPPED, OUT_S, OUT_D,)


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled LangGraph graph: one LangGraph node per graph node, started from the roots."""
    # One node per step, each fed by one node: plain channels are enough (see app/engine.py).
    graph = StateGraph(ChainState, context_schema=RunScope)
    graph.add_node('in', step(IN), destinations=('draft',))
    graph.add_node('draft', step(DRAFT), destinations=('approve',))
    graph.add_node('approve', step(APPROVE), destinations=('sent', 'dropped'))
    graph.add_node('sent', step(SENT), destinations=('out_s',))
    graph.add_node('dropped', step(DROPPED), destinations=('out_d',))
    graph.add_node('out_s', step(OUT_S), destinations=())
    graph.add_node('out_d', step(OUT_D), destinations=())
    graph.add_edge(START, 'in')
    return graph.compile(checkpointer=checkpointer, name='lcnc:human_approval')

