"""Compiling a GraphSpec into a LangGraph graph: the only interpreter of a graph."""

from runtime.compile.context import RunContext, safe_emitter, summarize
from runtime.compile.graph import GraphCompileError, NodeFailed, build_graph, compile_graph, describe_error, plan
from runtime.compile.io import check_inputs, collect_outputs
from runtime.compile.serde import safe_checkpointer, safe_serde
from runtime.compile.services import RunServices, env_secrets, graphs_from
from runtime.compile.state import INBOX, INPUTS, MEMORY, OUTPUTS, RunState, initial_state

__all__ = [
    "INBOX",
    "INPUTS",
    "MEMORY",
    "OUTPUTS",
    "GraphCompileError",
    "NodeFailed",
    "RunContext",
    "RunServices",
    "RunState",
    "build_graph",
    "check_inputs",
    "collect_outputs",
    "compile_graph",
    "describe_error",
    "env_secrets",
    "graphs_from",
    "initial_state",
    "plan",
    "safe_checkpointer",
    "safe_emitter",
    "safe_serde",
    "summarize",
]
