"""The LangGraph wiring of graph rag, written out node by node and edge by edge.

Each node lists its wires (edges): which output port feeds which node's input port, and on which
branch for a branching node. Regenerated on export: change the graph in lcnc.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import START, StateGraph

from app.engine import Node, RunScope, State, Wire, step
from app.lcnc_nodes import io_input, io_output, llm_agent, rag_retrieve

OUTPUT_NAMES: tuple[str, ...] = ('answer', 'sources')
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
        Wire('value', 'search', 'query'),
        Wire('value', 'answer', 'prompt'),
    ),
)

# search: rag_retrieve
SEARCH = Node(
    id='search',
    kind=rag_retrieve.KIND,
    config=rag_retrieve.Config.model_validate({'collection': 'docs', 'top_k': 3}),
    wires=(
        Wire('context', 'answer', 'context'),
        Wire('documents', 'out_src', 'value'),
    ),
    waits_for=('query',),
)

# answer: llm
ANSWER = Node(
    id='answer',
    kind=llm_agent.KIND,
    config=llm_agent.Config.model_validate({
        'provider': 'scripted',
        'prompt': '{{ prompt }}\n\nContext:\n{{ context }}',
        'script': [{'content': 'See [1].'}],
    }),
    wires=(
        Wire('text', 'out', 'value'),
    ),
    waits_for=('prompt', 'context'),
)

# out: output
OUT = Node(
    id='out',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'answer'}),
    waits_for=('value',),
)

# out_src: output
OUT_SRC = Node(
    id='out_src',
    kind=io_output.KIND,
    config=io_output.Config.model_validate({'name': 'sources'}),
    waits_for=('value',),
)

NODES: tuple[Node, ...] = (IN, SEARCH, ANSWER, OUT, OUT_SRC,)


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled LangGraph graph: one LangGraph node per graph node, started from the roots."""
    graph = StateGraph(State, context_schema=RunScope)
    graph.add_node('in', step(IN), destinations=('search', 'answer'))
    graph.add_node('search', step(SEARCH), destinations=('answer', 'out_src'))
    graph.add_node('answer', step(ANSWER), destinations=('out',))
    graph.add_node('out', step(OUT), destinations=())
    graph.add_node('out_src', step(OUT_SRC), destinations=())
    graph.add_edge(START, 'in')
    return graph.compile(checkpointer=checkpointer, name='lcnc:rag')

