"""compile_graph: a GraphSpec becomes a LangGraph StateGraph; the only interpreter of a graph.

Every node becomes one LangGraph node that reads its inbox, runs its kind's ``execute`` and returns a
``Command``: the outputs go into the inboxes of the nodes its edges lead to (for a branching kind
only the edges whose ``condition`` is the chosen branch) and those nodes run next. A node whose
connected required ports have not all received a value yet waits (it returns nothing), so joins
run once their inputs are there. Configs are validated once, here, never per call.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from langgraph.errors import GraphBubbleUp
from langgraph.graph import START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command
from pydantic import ValidationError

from runtime.compile.context import RunContext, summarize
from runtime.compile.state import INBOX, INPUTS, MEMORY, OUTPUTS, RunState
from runtime.nodes._context import BRANCH, GRAPH_OUTPUTS, NodeContext, NodeError
from runtime.nodes._context import MEMORY as MEMORY_KEY
from runtime.nodes.base import NodeKind
from runtime.nodes.registry import KINDS
from runtime.spec.models import GraphSpec, NodeSpec

MAX_RECURSION_LIMIT = 1_000_000
_EMPTY: Mapping[str, Any] = {}
_DEFAULT_CONTEXT = RunContext()


class GraphCompileError(ValueError):
    """The graph cannot be compiled; the message names the node."""


class NodeFailed(Exception):
    """A node raised; carries which node and a readable message."""

    def __init__(self, node_id: str, kind: str, message: str) -> None:
        super().__init__(f"node '{node_id}' ({kind}) failed: {message}")
        self.node_id = node_id
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Route:
    branch: str | None
    source_port: str
    target: str
    target_port: str


@dataclass
class CompiledNode:
    spec: NodeSpec
    kind: NodeKind
    config: Any
    routes: list[Route] = field(default_factory=list)
    waits_for: tuple[str, ...] = ()  # connected required ports


def describe_error(exc: BaseException) -> str:
    """A readable one-line message for an exception raised inside a node."""
    if isinstance(exc, NodeError):
        return str(exc)
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def lg_name(node_id: str) -> str:
    """The LangGraph node name of a graph node (LangGraph reserves names starting with '__')."""
    return f"n{node_id}" if node_id.startswith("__") else node_id


def plan(spec: GraphSpec, kinds: Mapping[str, NodeKind] = KINDS) -> dict[str, CompiledNode]:
    """Validate every node's config once and work out its routes and the ports it waits for."""
    nodes: dict[str, CompiledNode] = {}
    for node in spec.nodes:
        kind = kinds.get(node.kind)
        if kind is None:
            raise GraphCompileError(f"node '{node.id}': unknown kind '{node.kind}'")
        if kind.execute is None:
            raise GraphCompileError(f"node '{node.id}': {node.kind} nodes cannot run in this runtime")
        if node.id in nodes:
            raise GraphCompileError(f"node id '{node.id}' is used twice")
        try:
            config = kind.config.model_validate(node.config)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            raise GraphCompileError(f"node '{node.id}' ({node.kind}): config {where}: {first['msg']}") from exc
        nodes[node.id] = CompiledNode(node, kind, config)
    for index, edge in enumerate(spec.edges):
        if edge.source.node not in nodes or edge.target.node not in nodes:
            raise GraphCompileError(f"edge {index} connects a node that is not in the graph")
        nodes[edge.source.node].routes.append(
            Route(edge.condition, edge.source.port, edge.target.node, edge.target.port)
        )
    _set_waits(spec, nodes)
    return nodes


def _set_waits(spec: GraphSpec, nodes: dict[str, CompiledNode]) -> None:
    """Which ports a node waits for before it runs (a join waits for all its inputs).

    A connected required port always waits. An optional port waits when some edge into it comes
    from a node that runs on every run; a node behind a branch (router, loop, approval,
    supervisor) may never run, so ports fed only from such nodes do not hold their target back.
    """
    children: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    for edge in spec.edges:
        children[edge.source.node].append(edge.target.node)
    conditional: set[str] = set()
    stack = [edge.target.node for edge in spec.edges if edge.condition is not None]
    while stack:
        node_id = stack.pop()
        if node_id not in conditional:
            conditional.add(node_id)
            stack.extend(children[node_id])
    required_fed: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    surely_fed: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for edge in spec.edges:
        required_fed[edge.target.node].add(edge.target.port)
        if edge.source.node not in conditional and edge.condition is None:
            surely_fed[edge.target.node].add(edge.target.port)
    for node_id, item in nodes.items():
        item.waits_for = tuple(
            port.name for port in item.kind.inputs
            if (port.required and port.name in required_fed[node_id]) or port.name in surely_fed[node_id]
        )


def recursion_limit(nodes: Mapping[str, CompiledNode]) -> int:
    """Enough LangGraph steps for every bounded loop and supervisor to run to its bound."""
    rounds = 1
    for item in nodes.values():
        bound = getattr(item.config, "max_iterations", None) or getattr(item.config, "max_rounds", None)
        if item.kind.bounds_cycles and bound:
            rounds *= bound + 1
            if rounds > MAX_RECURSION_LIMIT:
                return MAX_RECURSION_LIMIT
    return min(MAX_RECURSION_LIMIT, max(25, (len(nodes) + 2) * rounds * 2))


def _make_runner(item: CompiledNode) -> Any:
    node_id = item.spec.id
    kind_name = item.kind.name
    execute = item.kind.execute
    config = item.config
    waits_for = item.waits_for
    label = item.spec.label
    pure = item.kind.pure
    routes_by_branch: dict[str | None, list[Route]] = {}
    branches = {route.branch for route in item.routes}
    for branch in branches | {None}:
        routes_by_branch[branch] = [r for r in item.routes if r.branch is None or r.branch == branch]
    lg_targets = {route.target: lg_name(route.target) for route in item.routes}

    async def run(state: dict[str, Any], runtime: Runtime[RunContext]) -> Any:
        inbox = state[INBOX].get(node_id) or _EMPTY
        for port in waits_for:
            if port not in inbox:
                return None  # a join still waiting for another input
        run_ctx = runtime.context or _DEFAULT_CONTEXT
        emit = run_ctx.emit
        services = run_ctx.services
        ctx = NodeContext(
            node_id=run_ctx.node_prefix + node_id if run_ctx.node_prefix else node_id,
            kind=kind_name,
            graph_inputs=state[INPUTS],
            memory=state[MEMORY].get(node_id) or _EMPTY,
            tools=services.tools,
            secret=services.secrets,
            services=services,
            run_subgraph=_subgraph_runner(run_ctx, node_id) if kind_name == "subgraph" else None,
        )
        if emit is not None:
            ctx.emit = emit
            ctx.streaming = True
            # The two events of every step are built here, in NodeContext.event's shape, without its **fields.
            await emit({"type": "node_started", "node_id": ctx.node_id, "kind": kind_name, "ts": time.time(),
                        "label": label})
        if not pure and run_ctx.mark_effect is not None:
            run_ctx.mark_effect()  # this step is stored before the next one starts: its effect is never repeated
        started = time.perf_counter()
        try:
            outputs = await execute(config, inbox, ctx)  # type: ignore[misc,arg-type]
        except GraphBubbleUp:
            raise  # an interrupt (human approval) or a parent command: LangGraph's business
        except Exception as exc:
            message = describe_error(exc)
            if emit is not None:
                await ctx.event("node_failed", error=message, duration_ms=_ms(started))
            raise NodeFailed(node_id, kind_name, message) from exc
        branch = outputs.pop(BRANCH, None)
        update: dict[str, Any] = {}
        if MEMORY_KEY in outputs:
            update[MEMORY] = {node_id: outputs.pop(MEMORY_KEY)}
        if GRAPH_OUTPUTS in outputs:
            update[OUTPUTS] = outputs.pop(GRAPH_OUTPUTS)
        sends: dict[str, dict[str, Any]] = {}
        goto: list[str] = []
        for route in routes_by_branch.get(branch) or ():
            if route.source_port in outputs:
                target = sends.get(route.target)
                if target is None:
                    sends[route.target] = target = {}
                    goto.append(lg_targets[route.target])
                target[route.target_port] = outputs[route.source_port]
        if sends:
            update[INBOX] = sends
        if emit is not None:
            event: dict[str, Any] = {
                "type": "node_finished", "node_id": ctx.node_id, "kind": kind_name, "ts": time.time(),
                "duration_ms": _ms(started), "outputs": {k: summarize(v) for k, v in outputs.items()},
            }
            if branch is not None:
                event["branch"] = branch
            if OUTPUTS in update:
                event["graph_outputs"] = {k: summarize(v) for k, v in update[OUTPUTS].items()}
            await emit(event)
        return Command(update=update, goto=goto) if goto else update

    run.__name__ = f"node_{node_id}"
    return run


def _ms(started: float) -> float:
    """Milliseconds since ``started`` to the microsecond (``round(x, 3)`` costs three times as much)."""
    return round((time.perf_counter() - started) * 1_000_000) / 1000


def _subgraph_runner(run_ctx: RunContext, node_id: str) -> Any:
    from runtime.compile.subgraph import run_subgraph

    async def runner(graph_id: str, version: int | None, inputs: dict[str, Any]) -> dict[str, Any]:
        return await run_subgraph(run_ctx, node_id, graph_id, version, inputs)

    return runner


def build_graph(spec: GraphSpec, kinds: Mapping[str, NodeKind] = KINDS) -> tuple[StateGraph, int]:
    """The (uncompiled) StateGraph of ``spec`` and the recursion limit its bounds need."""
    nodes = plan(spec, kinds)
    builder: StateGraph = StateGraph(RunState, context_schema=RunContext)  # type: ignore[arg-type]
    names = {lg_name(node_id) for node_id in nodes}
    if len(names) != len(nodes):
        raise GraphCompileError("two node ids map to the same runtime name; rename a node starting with '__'")
    targets = {edge.target.node for edge in spec.edges}
    for node_id, item in nodes.items():
        destinations = tuple(dict.fromkeys(lg_name(route.target) for route in item.routes))
        builder.add_node(lg_name(node_id), _make_runner(item), destinations=destinations)
    roots = [node_id for node_id, item in nodes.items() if item.kind.name == "input" or node_id not in targets]
    if not roots and nodes:
        raise GraphCompileError("the graph has no input node and no node without incoming edges to start from")
    for node_id in roots:
        builder.add_edge(START, lg_name(node_id))
    if not nodes:
        builder.add_node("empty", _nothing)  # type: ignore[type-var]
        builder.add_edge(START, "empty")
    return builder, recursion_limit(nodes)


async def _nothing(state: dict[str, Any]) -> None:
    return None


def compile_graph(spec: GraphSpec, *, checkpointer: Any = None, kinds: Mapping[str, NodeKind] = KINDS) -> Any:
    """The compiled LangGraph graph of ``spec``, its recursion limit set from the graph's bounds.

    Run it with ``ainvoke(initial_state(inputs), config, context=RunContext(...))``; a node that fails
    raises ``NodeFailed``. Pass ``checkpointer=None`` to inherit a parent graph's checkpointer (subgraph)
    or run without one.
    """
    builder, limit = build_graph(spec, kinds)
    compiled = builder.compile(checkpointer=checkpointer, name=f"lcnc:{spec.id}")
    return compiled.with_config(recursion_limit=limit)


__all__ = ["GraphCompileError", "NodeFailed", "build_graph", "compile_graph", "describe_error", "plan",
           "recursion_limit"]
