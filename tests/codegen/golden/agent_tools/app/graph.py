"""The LangGraph wiring of graph agent_tools, written out node by node and edge by edge.

Each node lists its wires (edges): which output port feeds which node's input port, and on which
branch for a branching node. Regenerated on export: change the graph in lcnc.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import START, StateGraph

from app.engine import ChainState, Node, RunScope, Wire, step
from app.lcnc_nodes import io_input, io_output, llm_agent

OUTPUT_NAMES: tuple[str, ...] = ('answer',)
# Declared defaults of outputs that a run may not reach.
OUTPUT_DEFAULTS: dict[str, Any] = {}
# Bound on LangGraph steps: enough for every loop and supervisor to reach its own bound.
RECURSION_LIMIT = 25

# in: input
IN = Node(
    id='in',
    kind=io_input.KIND,
    config=io_input.Config.model_validate({'name': 'question'}),
    wires=(
        Wire('value', 'agent', 'prompt'),
    ),
)

# agent: llm (Math agent)
AGENT = Node(
    id='agent',
    kind=llm_agent.KIND,
    config=llm_agent.Config.model_validate({
        'provider': 'scripted',
        'system_prompt': 'Use the calculator for arithmetic.',
        'prompt': '{{ prompt }}',
        'tools': ['builtin.calculator'],
        'max_steps': 4,
        'script': [
            {
                'content': '',
                'tool_calls': [{'name': 'builtin.calculator', 'arguments': {'expression': '6*7'}}],
            },
            {'content': 'The answer is 42.'},
        ],
    }),
    label='Math agent',
    wires=(
        Wire('text', 'out', 'value'),
    ),
    waits_for=('prompt',),
)

# out: output
OUT = Node(
    id='out',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'answer'}),
    waits_for=('value',),
)

NODES: tuple[Node, ...] = (IN, AGENT, OUT,)


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled LangGraph graph: one LangGraph node per graph node, started from the roots."""
    # One node per step, each fed by one node: plain channels are enough (see app/engine.py).
    graph = StateGraph(ChainState, context_schema=RunScope)
    graph.add_node('in', step(IN), destinations=('agent',))
    graph.add_node('agent', step(AGENT), destinations=('out',))
    graph.add_node('out', step(OUT), destinations=())
    graph.add_edge(START, 'in')
    return graph.compile(checkpointer=checkpointer, name='lcnc:agent_tools')

