"""The LangGraph wiring of graph supervisor, written out node by node and edge by edge.

Each node lists its wires (edges): which output port feeds which node's input port, and on which
branch for a branching node. Regenerated on export: change the graph in lcnc.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import START, StateGraph

from app.engine import Node, RunScope, State, Wire, step
from app.lcnc_nodes import io_input, io_output, llm_agent, supervisor

OUTPUT_NAMES: tuple[str, ...] = ('report',)
# Declared defaults of outputs that a run may not reach.
OUTPUT_DEFAULTS: dict[str, Any] = {}
# Bound on LangGraph steps: enough for every loop and supervisor to reach its own bound.
RECURSION_LIMIT = 70

# in: input
IN = Node(
    id='in',
    kind=io_input.KIND,
    config=io_input.Config.model_validate({'name': 'task'}),
    wires=(
        Wire('value', 'boss', 'task'),
    ),
)

# boss: supervisor
BOSS = Node(
    id='boss',
    kind=supervisor.KIND,
    config=supervisor.Config.model_validate({
        'provider': 'scripted',
        'members': ['researcher', 'writer'],
        'max_rounds': 4,
        'script': [{'content': 'researcher'}, {'content': 'writer'}, {'content': 'done'}],
    }),
    wires=(
        Wire('result', 'researcher', 'prompt', branch='researcher'),
        Wire('result', 'writer', 'prompt', branch='writer'),
        Wire('result', 'out', 'value', branch='done'),
    ),
    waits_for=('task',),
)

# researcher: llm
RESEARCHER = Node(
    id='researcher',
    kind=llm_agent.KIND,
    config=llm_agent.Config.model_validate({'provider': 'scripted', 'script': [{'content': 'Facts: the sky is blue.'}]}),
    wires=(
        Wire('text', 'boss', 'report'),
    ),
    waits_for=('prompt',),
)

# writer: llm
WRITER = Node(
    id='writer',
    kind=llm_agent.KIND,
    config=llm_agent.Config.model_validate({'provider': 'scripted', 'script': [{'content': 'Report: the sky is blue.'}]}),
    wires=(
        Wire('text', 'boss', 'report'),
    ),
    waits_for=('prompt',),
)

# out: output
OUT = Node(
    id='out',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'report'}),
    waits_for=('value',),
)

NODES: tuple[Node, ...] = (IN, BOSS, RESEARCHER, WRITER, OUT,)


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled LangGraph graph: one LangGraph node per graph node, started from the roots."""
    graph = StateGraph(State, context_schema=RunScope)
    graph.add_node('in', step(IN), destinations=('boss',))
    graph.add_node('boss', step(BOSS), destinations=('researcher', 'writer', 'out'))
    graph.add_node('researcher', step(RESEARCHER), destinations=('boss',))
    graph.add_node('writer', step(WRITER), destinations=('boss',))
    graph.add_node('out', step(OUT), destinations=())
    graph.add_edge(START, 'in')
    return graph.compile(checkpointer=checkpointer, name='lcnc:supervisor')

