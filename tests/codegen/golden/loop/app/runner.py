"""One run of the graph: start or resume it, report its events and outcome, as the lcnc runtime does."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from langgraph.errors import GraphRecursionError
from langgraph.types import Command

from app.engine import NodeFailed, RunScope, collect_outputs, describe_error, initial_state
from app.graph import OUTPUT_DEFAULTS, OUTPUT_NAMES, RECURSION_LIMIT, build_graph
from app.services import RunServices, build_services
from app.settings import Settings, get_settings

log = logging.getLogger("app.runner")
Status = Literal["succeeded", "waiting", "failed", "cancelled"]


@dataclass
class RunOutcome:
    status: Status
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    interrupt: dict[str, Any] | None = None  # what the waiting approval step asks


@functools.cache
def get_graph() -> Any:
    """The compiled graph, built once per process."""
    return build_graph()


async def run_graph(
    inputs: dict[str, Any],
    *,
    thread_id: str,
    sink: Any = None,
    resume: dict[str, Any] | None = None,
    settings: Settings | None = None,
    services: RunServices | None = None,
) -> RunOutcome:
    """Run the graph with validated ``inputs`` (or resume a waiting run); never raises for a failed run.

    ``services`` are the app's (built once from its settings); without them they are built from ``settings``.
    """
    settings = settings or get_settings()
    services = services if services is not None else build_services(settings)
    started = time.perf_counter()

    async def emit(event: dict[str, Any]) -> None:
        event.setdefault("run_id", thread_id)
        try:
            await sink.emit(event)
        except Exception:  # the run matters more than one lost event
            log.warning("event sink failed on a %s event", event.get("type"), exc_info=True)

    async def finish(outcome: RunOutcome, **fields: Any) -> RunOutcome:
        event = {"failed": "run_failed", "succeeded": "run_finished", "cancelled": "run_cancelled"}.get(outcome.status)
        if sink is not None and event is not None:
            await emit({"type": event, "ts": time.time(), "status": outcome.status, "error": outcome.error,
                        "outputs": outcome.outputs, "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                        **fields})
        return outcome

    if sink is not None:
        await emit({"type": "run_started", "ts": time.time(), "graph_id": 'loop',
                    "resumed": resume is not None})
    scope = RunScope(
        emit=emit if sink is not None else None,
        secret=settings.secret,
        services=services,
    )
    graph = get_graph()
    # No checkpointer: LangGraph needs no thread id (a config without one is also cheaper to merge per step).
    config: dict[str, Any] = {"recursion_limit": RECURSION_LIMIT}
    try:
        if resume is not None:
            snapshot = await graph.aget_state(config)
            if not snapshot.interrupts:
                return await finish(RunOutcome("failed", error=f"run '{thread_id}' is not waiting for an answer"))
            payload: Any = Command(resume=resume)
        else:
            payload = initial_state(inputs)
        result = await graph.ainvoke(payload, config, context=scope)
    except asyncio.CancelledError:
        await finish(RunOutcome("cancelled", error="the run was cancelled"))
        raise
    except NodeFailed as exc:
        log.warning("run failed: %s", exc, extra={"run_id": thread_id})
        return await finish(RunOutcome("failed", error=str(exc)), node_id=exc.node_id)
    except GraphRecursionError:
        return await finish(RunOutcome("failed", error="the run took more steps than the graph's bounds allow"))
    except Exception as exc:  # never crash the caller: the outcome carries the error
        log.exception("run failed", extra={"run_id": thread_id})
        return await finish(RunOutcome("failed", error=f"the run failed: {describe_error(exc)}"))

    outputs = collect_outputs(OUTPUT_NAMES, OUTPUT_DEFAULTS, result.get("outputs") or {})
    pending = result.get("__interrupt__")
    if pending:
        first = pending[0]
        question = dict(first.value) if isinstance(first.value, dict) else {"value": first.value}
        question["interrupt_id"] = first.id
        if sink is not None:
            await emit({"type": "interrupt", "ts": time.time(), "node_id": question.get("node_id"),
                        "kind": "human_approval", **{k: v for k, v in question.items() if k != "node_id"}})
        return RunOutcome("waiting", outputs=outputs, interrupt=question)
    return await finish(RunOutcome("succeeded", outputs=outputs))
