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
# The most nodes one LangGraph step runs (see ``segments``): a long line of pure nodes still reports progress.
SEGMENT_LIMIT = 16
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


# What one node's step gives back: its state update (outputs, memory; not the inbox) and what it sends to the
# inboxes of the nodes its taken edges lead to; None when it is a join still waiting for another input.
StepResult = tuple[dict[str, Any], dict[str, dict[str, Any]]] | None


def _make_step(item: CompiledNode) -> Any:
    """The work of one node: read its inbox, run its kind, route the outputs, emit its two events."""
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

    async def step(state: dict[str, Any], inbox: Mapping[str, Any], run_ctx: RunContext) -> StepResult:
        for port in waits_for:
            if port not in inbox:
                return None  # a join still waiting for another input
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
        for route in routes_by_branch.get(branch) or ():
            if route.source_port in outputs:
                target = sends.get(route.target)
                if target is None:
                    sends[route.target] = target = {}
                target[route.target_port] = outputs[route.source_port]
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
        return update, sends

    return step


def _make_runner(segment: list[CompiledNode]) -> Any:
    """One LangGraph node for a segment: its nodes' steps in order, as one step (see ``segments``).

    The update is what the nodes would have written one step each: every inbox they filled, the graph
    outputs and memory they wrote; the last node's sends say which LangGraph nodes run next.
    """
    steps = [_make_step(item) for item in segment]
    ids = [item.spec.id for item in segment]
    head = ids[0]
    lg_targets = {route.target: lg_name(route.target) for item in segment for route in item.routes}

    async def run(state: dict[str, Any], runtime: Runtime[RunContext]) -> Any:
        run_ctx = runtime.context or _DEFAULT_CONTEXT
        result = await steps[0](state, state[INBOX].get(head) or _EMPTY, run_ctx)
        if result is None:
            return None
        update, sends = result
        inboxes = sends
        if len(steps) > 1:
            inboxes, sends = await _run_rest(state, run_ctx, update, sends)
        if inboxes:
            update[INBOX] = inboxes
        if not sends:
            return update
        return Command(update=update, goto=[lg_targets[target] for target in sends])

    async def _run_rest(state: dict[str, Any], run_ctx: RunContext, update: dict[str, Any],
                        sends: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        """Run the segment's other nodes; returns every inbox the segment filled, and the last node's sends."""
        inboxes = dict(sends)
        for index in range(1, len(steps)):
            sent = sends.get(ids[index])
            if sent is None:  # the node before sent nothing on: this one is not triggered
                return inboxes, {}
            current = state[INBOX].get(ids[index])
            result = await steps[index](state, {**current, **sent} if current else sent, run_ctx)
            if result is None:  # a join still waiting for another input
                return inboxes, {}
            more, sends = result
            for channel, value in more.items():
                update[channel] = {**update[channel], **value} if channel in update else value
            for target, ports in sends.items():
                inboxes[target] = {**inboxes[target], **ports} if target in inboxes else ports
        return inboxes, sends

    run.__name__ = f"node_{head}"
    return run


def segments(spec: GraphSpec, nodes: Mapping[str, CompiledNode], roots: set[str],
             limit: int | None = None) -> list[list[CompiledNode]]:
    """The graph's nodes grouped into LangGraph steps: a run of pure nodes in a line is one step.

    Node ``b`` joins the segment of ``a`` when both kinds are pure, ``a`` does not branch and leads only
    to ``b``, and ``b`` is fed only by ``a`` and is not a start node: then ``b`` runs right after ``a``
    every time, so running both in one step changes nothing a run can see (each still reports
    ``node_started`` and ``node_finished``; a pure step computed again after a lost worker gives the same
    result). A run of template fills then costs one LangGraph step and one checkpoint instead of one per
    node. A segment holds at most ``limit`` nodes, so a long run still reports progress as it goes.

    Only a graph that runs one node per step is cut this way (one start node, no node sending to two nodes on
    one branch): where branches run side by side, nodes report in the order they would one step each.
    """
    if not _one_task_per_step(nodes, roots):
        return [[item] for item in nodes.values()]
    feeders: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for edge in spec.edges:
        feeders[edge.target.node].add(edge.source.node)

    def follows(item: CompiledNode) -> str | None:
        """The node that joins ``item``'s segment right after it, if any."""
        if not item.kind.pure or item.kind.branches is not None or item.kind.bounds_cycles or not item.routes:
            return None
        targets = {route.target for route in item.routes}
        if len(targets) != 1 or any(route.branch is not None for route in item.routes):
            return None
        (target,) = targets
        following = nodes[target]
        if target == item.spec.id or target in roots or not following.kind.pure or feeders[target] != {item.spec.id}:
            return None
        return target

    limit = limit or SEGMENT_LIMIT
    nexts = {node_id: follows(item) for node_id, item in nodes.items()}
    inner = {target for target in nexts.values() if target is not None}
    out: list[list[CompiledNode]] = []
    for node_id, item in nodes.items():
        if node_id in inner:
            continue  # placed in its feeder's segment (or a cut below starts one for it)
        out.extend(_cut([item], nexts, nodes, limit))
    return out


def _one_task_per_step(nodes: Mapping[str, CompiledNode], roots: set[str]) -> bool:
    """Whether every step of a run runs a single node: one start node, and one target per branch of a node."""
    if len(roots) != 1:
        return False
    for item in nodes.values():
        for branch in {route.branch for route in item.routes} | {None}:
            if len({r.target for r in item.routes if r.branch is None or r.branch == branch}) > 1:
                return False
    return True


def _cut(segment: list[CompiledNode], nexts: Mapping[str, str | None], nodes: Mapping[str, CompiledNode],
         limit: int) -> list[list[CompiledNode]]:
    """Follow ``nexts`` from the segment's head; a segment longer than ``limit`` continues in a new one."""
    done: list[list[CompiledNode]] = []
    seen = {segment[0].spec.id}
    following = nexts[segment[0].spec.id]
    while following is not None and following not in seen:
        seen.add(following)
        if len(segment) == limit:
            done.append(segment)
            segment = []
        segment.append(nodes[following])
        following = nexts[following]
    done.append(segment)
    return done


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
    roots = [node_id for node_id, item in nodes.items() if item.kind.name == "input" or node_id not in targets]
    for segment in segments(spec, nodes, set(roots)):
        destinations = tuple(dict.fromkeys(lg_name(route.target) for route in segment[-1].routes))
        builder.add_node(lg_name(segment[0].spec.id), _make_runner(segment), destinations=destinations)
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
           "recursion_limit", "segments"]
