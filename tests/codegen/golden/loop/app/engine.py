"""How a node runs inside the LangGraph graph: the run state and the node step, as in the lcnc runtime.

The state has four channels: the graph's ``inputs``; an ``inbox`` per node holding the latest value
on each of its input ports; the graph's ``outputs``; and each node's ``memory`` (a loop's count, the
scripted model's position). A node reads its inbox, runs its kind's ``execute`` and returns a
``Command``: its outputs go into the inboxes of the nodes its taken edges lead to, and those run
next. A node whose connected required ports have not all received a value yet waits.

``State`` merges what several nodes write (joins, parallel branches, loops). A graph whose nodes run
one at a time, each fed by one node, is wired on ``ChainState``: plain channels that hold the last
write, which is all its nodes read (the same outputs, with less work per step).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict

from langgraph.errors import GraphBubbleUp
from langgraph.runtime import Runtime
from langgraph.types import Command
from pydantic import BaseModel

from app.lcnc_nodes._context import BRANCH, GRAPH_OUTPUTS, MEMORY, NodeContext, NodeError
from app.lcnc_nodes.base import NodeKind
from app.observability import NODE_FAILURES, NODE_SECONDS, tracer, tracing_enabled

Emit = Callable[[dict[str, Any]], Awaitable[None]]
SUMMARY_CHARS = 300
_EMPTY: Mapping[str, Any] = {}


def merge_inbox(current: dict[str, dict[str, Any]] | None, update: dict[str, dict[str, Any]] | None) -> dict:
    """Merge port values per node: a new value on a port replaces the old one."""
    if not update:
        return current or {}
    merged = dict(current or {})
    for node_id, ports in update.items():
        previous = merged.get(node_id)
        merged[node_id] = {**previous, **ports} if previous else dict(ports)
    return merged


def merge_dict(current: dict[str, Any] | None, update: dict[str, Any] | None) -> dict[str, Any]:
    """Shallow merge: later keys win."""
    if not update:
        return current or {}
    return {**(current or {}), **update}


def _last(current: Any, update: Any) -> Any:
    return update


class State(TypedDict, total=False):
    inputs: Annotated[dict[str, Any], _last]
    inbox: Annotated[dict[str, dict[str, Any]], merge_inbox]
    outputs: Annotated[dict[str, Any], merge_dict]
    memory: Annotated[dict[str, dict[str, Any]], merge_dict]


class ChainState(TypedDict, total=False):
    """For a graph with one root, no joins, at most one next node per branch and no cycles: one node runs per
    step and reads only the inbox the step before wrote, so each channel keeps just the last write."""

    inputs: dict[str, Any]
    inbox: dict[str, dict[str, Any]]
    outputs: dict[str, Any]
    memory: dict[str, dict[str, Any]]


def initial_state(inputs: dict[str, Any]) -> dict[str, Any]:
    return {"inputs": dict(inputs), "inbox": {}, "outputs": {}, "memory": {}}


@dataclass(frozen=True)
class Wire:
    """One edge leaving a node: an output port to another node's input port, on a branch or always."""

    source_port: str
    target: str
    target_port: str
    branch: str | None = None


@dataclass(frozen=True)
class Node:
    id: str
    kind: NodeKind
    config: BaseModel
    label: str | None = None
    wires: tuple[Wire, ...] = ()
    waits_for: tuple[str, ...] = ()  # connected required ports: the node runs once all have a value


MAX_SUBGRAPH_DEPTH = 8


@dataclass
class RunScope:
    """What one run hands to its nodes (LangGraph's run-scoped context; never checkpointed)."""

    emit: Emit | None = None
    secret: Callable[[str], str | None] = lambda name: None
    tools: Mapping[str, Any] = field(default_factory=dict)
    services: Any = None  # app.services.RunServices: SSRF policy, vector store, SQL connections, MCP servers
    depth: int = 0  # subgraph nesting
    graph_chain: tuple[str, ...] = ()  # ids of the graphs above, to refuse a subgraph cycle
    node_prefix: str = ""  # 'outer/' inside a subgraph node: events name nodes by path


@dataclass(frozen=True)
class InputField:
    """A declared input of a graph, as a run checks it."""

    name: str
    required: bool = True
    default: Any = None


def check_inputs(fields: tuple[InputField, ...], inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The inputs with defaults filled in, and the problems (missing required or unknown names)."""
    declared = {item.name: item for item in fields}
    problems = [f"unknown input '{name}'; inputs: {', '.join(declared) or 'none'}" for name in inputs
                if name not in declared]
    values = dict(inputs)
    for name, item in declared.items():
        if name in values:
            continue
        if item.default is not None:
            values[name] = item.default
        elif item.required:
            problems.append(f"missing required input '{name}'")
        else:
            values[name] = None
    return values, problems


def collect_outputs(names: tuple[str, ...], defaults: dict[str, Any], written: dict[str, Any]) -> dict[str, Any]:
    """The declared outputs the run produced (a declared default stands in for a missing one)."""
    outputs: dict[str, Any] = {}
    for name in names:
        if name in written:
            outputs[name] = written[name]
        elif defaults.get(name) is not None:
            outputs[name] = defaults[name]
    return outputs


class NodeFailed(Exception):
    """A node raised; carries which node and a readable message."""

    def __init__(self, node_id: str, kind: str, message: str) -> None:
        super().__init__(f"node '{node_id}' ({kind}) failed: {message}")
        self.node_id = node_id
        self.kind = kind
        self.message = message


def describe_error(exc: BaseException) -> str:
    """A readable one-line message for an exception raised inside a node."""
    if isinstance(exc, NodeError):
        return str(exc)
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def summarize(value: Any, limit: int = SUMMARY_CHARS) -> Any:
    """A short, JSON-safe picture of a value for events: small values as they are, big ones cut as text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + f"... ({len(value)} chars)"
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) <= limit:
        return value
    return text[:limit] + f"... ({len(text)} chars)"


def lg_name(node_id: str) -> str:
    """The LangGraph node name of a graph node (LangGraph reserves names starting with '__')."""
    return f"n{node_id}" if node_id.startswith("__") else node_id


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def step(node: Node) -> Callable[..., Awaitable[Any]]:
    """The LangGraph node function of one graph node."""
    execute = node.kind.execute
    if execute is None:
        raise ValueError(f"node '{node.id}': {node.kind.name} nodes cannot run here")
    branches = {wire.branch for wire in node.wires}
    # Per branch: (output port, target node, target port, the target's LangGraph name), worked out once.
    wires_by_branch = {
        branch: tuple((w.source_port, w.target, w.target_port, lg_name(w.target))
                      for w in node.wires if w.branch is None or w.branch == branch)
        for branch in branches | {None}
    }
    seconds = NODE_SECONDS.labels(node_id=node.id)
    failures = NODE_FAILURES.labels(node_id=node.id)
    span_attributes = {"lcnc.node_id": node.id, "lcnc.kind": node.kind.name}

    async def run(state: dict[str, Any], runtime: Runtime[RunScope]) -> Any:
        inbox = state["inbox"].get(node.id) or _EMPTY
        for port in node.waits_for:
            if port not in inbox:
                return None  # a join still waiting for another input
        scope = runtime.context or RunScope()
        ctx = NodeContext(
            node_id=scope.node_prefix + node.id if scope.node_prefix else node.id,
            kind=node.kind.name,
            graph_inputs=state["inputs"],
            memory=state["memory"].get(node.id) or _EMPTY,
            tools=scope.tools,
            secret=scope.secret,
            services=scope.services,
            run_subgraph=_subgraph_runner(scope, node.id) if node.kind.name == "subgraph" else None,
        )
        if scope.emit is not None:
            ctx.emit = scope.emit
            ctx.streaming = True
            await ctx.event("node_started", label=node.label)
        started = time.perf_counter()
        try:
            if tracing_enabled():
                with tracer.start_as_current_span(f"node {node.id}", attributes=span_attributes):
                    outputs = await execute(node.config, inbox, ctx)
            else:
                outputs = await execute(node.config, inbox, ctx)
        except GraphBubbleUp:
            raise  # an interrupt (human approval): LangGraph's business
        except Exception as exc:
            message = describe_error(exc)
            failures.inc()
            if scope.emit is not None:
                await ctx.event("node_failed", error=message, duration_ms=_ms(started))
            raise NodeFailed(node.id, node.kind.name, message) from exc
        seconds.observe(time.perf_counter() - started)
        branch = outputs.pop(BRANCH, None)
        update: dict[str, Any] = {}
        if MEMORY in outputs:
            update["memory"] = {node.id: outputs.pop(MEMORY)}
        if GRAPH_OUTPUTS in outputs:
            update["outputs"] = outputs.pop(GRAPH_OUTPUTS)
        sends: dict[str, dict[str, Any]] = {}
        goto: list[str] = []
        for source_port, target_id, target_port, target_name in wires_by_branch.get(branch) or ():
            if source_port in outputs:
                target = sends.get(target_id)
                if target is None:
                    sends[target_id] = target = {}
                    goto.append(target_name)
                target[target_port] = outputs[source_port]
        if sends:
            update["inbox"] = sends
        if scope.emit is not None:
            fields: dict[str, Any] = {"duration_ms": _ms(started),
                                      "outputs": {k: summarize(v) for k, v in outputs.items()}}
            if branch is not None:
                fields["branch"] = branch
            if "outputs" in update:
                fields["graph_outputs"] = {k: summarize(v) for k, v in update["outputs"].items()}
            await ctx.event("node_finished", **fields)
        return Command(update=update, goto=goto) if goto else update

    run.__name__ = f"node_{node.id}"
    return run


def _subgraph_runner(scope: RunScope, node_id: str) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def runner(graph_id: str, version: int | None, inputs: dict[str, Any]) -> dict[str, Any]:
        return await run_subgraph(scope, node_id, graph_id, inputs)

    return runner


async def run_subgraph(scope: RunScope, node_id: str, graph_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Run the exported graph ``graph_id`` with ``inputs`` inside the current run and return its outputs."""
    from app.subgraphs import SUBGRAPHS

    if scope.depth >= MAX_SUBGRAPH_DEPTH:
        raise NodeError(f"subgraph: nested deeper than {MAX_SUBGRAPH_DEPTH} levels")
    if graph_id in scope.graph_chain:
        raise NodeError("subgraph: graph calls itself: " + " -> ".join([*scope.graph_chain, graph_id]))
    module = SUBGRAPHS.get(graph_id)
    if module is None:
        raise NodeError(f"subgraph: graph '{graph_id}' was not found")
    values, problems = check_inputs(module.INPUT_FIELDS, inputs)
    if problems:
        raise NodeError(f"subgraph '{graph_id}': " + "; ".join(problems))
    child = RunScope(emit=scope.emit, secret=scope.secret, tools=scope.tools, services=scope.services,
                     depth=scope.depth + 1, graph_chain=(*scope.graph_chain, graph_id), node_prefix=f"{scope.node_prefix}{node_id}/")
    try:
        state = await module.get_graph().ainvoke(initial_state(values), context=child)
    except NodeFailed as exc:
        raise NodeError(f"subgraph '{graph_id}': {exc}") from exc
    return collect_outputs(module.OUTPUT_NAMES, module.OUTPUT_DEFAULTS, state.get("outputs") or {})
