"""run_graph: run a GraphSpec in-process, start to end or up to a human approval, emitting events.

The durable runtime (Celery worker) and the CLI both call this; it never raises for a failed run:
the outcome says what happened and the error names the node.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from langgraph.errors import GraphRecursionError
from langgraph.types import Command

from runtime.compile import (
    OUTPUTS,
    GraphCompileError,
    NodeFailed,
    RunContext,
    RunServices,
    check_inputs,
    collect_outputs,
    describe_error,
    initial_state,
    safe_checkpointer,
    safe_emitter,
)
from runtime.compile.cache import cached_compile, cached_issues, spec_digest
from runtime.spec.models import GraphSpec

Status = Literal["succeeded", "waiting", "failed", "cancelled"]


class EventSink(Protocol):
    async def emit(self, event: dict[str, Any]) -> None: ...


@dataclass
class RunOutcome:
    status: Status
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    interrupt: dict[str, Any] | None = None  # what the waiting human approval asks

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ListSink:
    """A sink that keeps every event in a list (tests, the CLI)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def emit(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def types(self) -> list[str]:
        return [event["type"] for event in self.events]


async def run_graph(
    spec: GraphSpec,
    inputs: dict[str, Any],
    *,
    thread_id: str,
    checkpointer: Any = None,
    sink: EventSink | None = None,
    resume: dict[str, Any] | None = None,
    services: RunServices | None = None,
    run_id: str | None = None,
    fresh: bool = False,
    record_first: bool = False,
) -> RunOutcome:
    """Run ``spec`` with ``inputs`` (or resume a waiting run with ``resume``) and report the outcome.

    ``thread_id`` names the run's checkpoints; resuming needs the same ``checkpointer`` and thread.
    Without a checkpointer a graph with a human approval gets an in-memory one (its waiting run
    cannot be resumed by a later call). ``run_id`` (default: the thread id) is stamped on events.
    ``fresh`` says the thread has no checkpoints yet (a run's first delivery), which saves looking.
    ``record_first`` (the worker, with a checkpointer that can ``discard``): when the run succeeds, the
    checkpoints still queued behind it are left to the caller, who records the outcome first; once the run's
    row says it succeeded nothing resumes it, so they need not be stored (``runtime.worker.execute``).
    Otherwise every queued checkpoint is stored before this returns.
    """
    emit = safe_emitter(sink, run_id or thread_id)
    started = time.perf_counter()

    async def finish(outcome: RunOutcome, **fields: Any) -> RunOutcome:
        if emit is not None:
            event = {"failed": "run_failed", "succeeded": "run_finished", "cancelled": "run_cancelled"}.get(
                outcome.status)
            if event is not None:
                await emit({"type": event, "ts": time.time(), "status": outcome.status, "error": outcome.error,
                            "outputs": outcome.outputs, "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                            **fields})
        return outcome

    if emit is not None:
        await emit({"type": "run_started", "ts": time.time(), "graph_id": spec.id, "resumed": resume is not None})
    digest = spec_digest(spec)
    issues = cached_issues(spec, digest)
    if issues:
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        return await finish(RunOutcome("failed", error=f"the graph cannot run: {issues[0]}{more}"))
    values, problems = check_inputs(spec, inputs or {})
    if problems and resume is None:
        return await finish(RunOutcome("failed", error="; ".join(problems)))
    durable = checkpointer is not None
    if checkpointer is None:
        if resume is not None:
            return await finish(RunOutcome("failed", error="resuming needs the checkpointer the run started with"))
        if any(node.kind in ("human_approval", "subgraph") for node in spec.nodes):  # interrupt() needs one
            checkpointer = safe_checkpointer()
    try:
        graph = cached_compile(spec, digest, checkpointer)
    except GraphCompileError as exc:
        return await finish(RunOutcome("failed", error=str(exc)))

    config = {"configurable": {"thread_id": thread_id}}
    mark = getattr(checkpointer, "mark_effect", None) if durable else None
    context = RunContext(services=services or RunServices(), emit=emit, run_id=run_id or thread_id,
                         mark_effect=(lambda: mark(thread_id)) if mark is not None else None)
    try:
        if resume is not None:
            snapshot = await graph.aget_state(config)
            if snapshot.interrupts:
                payload: Any = Command(resume=resume)
            elif snapshot.next or snapshot.tasks:
                payload = None  # answered already, then its worker was lost: continue from the checkpoint
            else:
                return await finish(RunOutcome("failed", error=f"run '{thread_id}' is not waiting for an answer"))
        elif durable and not fresh and _unfinished(earlier := await graph.aget_state(config)):
            payload = None  # the run stopped mid-graph (its worker was lost): continue from its last checkpoint
        elif durable and not fresh and earlier.metadata is not None:
            # It ran to its end in an earlier delivery, whose outcome was not recorded: that end is the outcome
            # (running it again would report every node a second time).
            return await finish(RunOutcome("succeeded", outputs=collect_outputs(spec, earlier.values.get(OUTPUTS) or {})))
        else:
            payload = initial_state(values)
            expect_fresh = getattr(checkpointer, "expect_fresh", None) if fresh else None
            if expect_fresh is not None:
                expect_fresh(thread_id)  # LangGraph looks for the thread's checkpoint: there is none yet
        # A caller's checkpointer is the durable kind: each step's checkpoint is handed to it before the next
        # step starts (the platform's stores pure steps behind the run, and any other step before going on).
        extra = {"durability": "sync" if durable else "async"} if checkpointer is not None else {}
        try:
            result = await graph.ainvoke(payload, config, context=context, **extra)
        except BaseException:
            await _store_queued(checkpointer, thread_id)
            raise
        if not record_first or result.get("__interrupt__"):
            await _store_queued(checkpointer, thread_id)
    except asyncio.CancelledError:
        await finish(RunOutcome("cancelled", error="the run was cancelled"))
        raise
    except NodeFailed as exc:
        return await finish(RunOutcome("failed", error=str(exc)), node_id=exc.node_id)
    except GraphRecursionError:
        return await finish(RunOutcome("failed", error="the run took more steps than the graph's bounds allow"))
    except Exception as exc:  # never crash the caller: the outcome carries the error
        return await finish(RunOutcome("failed", error=f"the run failed: {describe_error(exc)}"))

    outputs = collect_outputs(spec, result.get(OUTPUTS) or {})
    pending = result.get("__interrupt__")
    if pending:
        first = pending[0]
        question = dict(first.value) if isinstance(first.value, dict) else {"value": first.value}
        question["interrupt_id"] = first.id
        if emit is not None:
            await emit({"type": "interrupt", "ts": time.time(), "node_id": question.get("node_id"),
                        "kind": "human_approval", **{k: v for k, v in question.items() if k != "node_id"}})
        return RunOutcome("waiting", outputs=outputs, interrupt=question)
    return await finish(RunOutcome("succeeded", outputs=outputs))


async def _store_queued(checkpointer: Any, thread_id: str) -> None:
    """Every queued checkpoint, then the writes of a step that did not finish (an interrupt, a failure)."""
    flush = getattr(checkpointer, "aflush", None)
    if flush is not None:
        await flush(thread_id)


def _unfinished(snapshot: Any) -> bool:
    """Whether the thread stopped mid-graph: steps planned (``next``), or done but not yet checkpointed (``tasks``)."""
    return bool(snapshot.next or snapshot.tasks)


__all__ = ["EventSink", "ListSink", "RunOutcome", "RunServices", "run_graph"]
