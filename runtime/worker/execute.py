"""What one delivery of a run does: claim the lease, run the graph with the checkpointer, record the outcome.

Runs in a worker process on that process's event loop (see `process.py`); knows nothing about Celery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from runtime.events import StreamSink
from runtime.telemetry import attach_carrier, detach
from runtime.telemetry.sink import TelemetrySink
from runtime.worker import store
from runtime.worker.process import ProcessState

log = logging.getLogger("lcnc.worker")

# Events the engine ends a segment with: published only once the run row says the same thing, so a
# subscriber that sees them can read the final row.
HELD_TYPES = frozenset({"run_finished", "run_failed", "run_cancelled", "interrupt"})
_FINAL_EVENT = {"succeeded": "run_finished", "failed": "run_failed", "cancelled": "run_cancelled",
                "waiting": "interrupt"}


@dataclass(frozen=True)
class Retry:
    """The delivery hit a transient error; try again after ``countdown`` seconds."""

    countdown: float
    error: str


class _HoldingSink:
    def __init__(self, sink: StreamSink) -> None:
        self.inner = sink
        self.held: list[dict[str, Any]] = []

    async def emit(self, event: dict[str, Any]) -> None:
        if event.get("type") in HELD_TYPES:
            self.held.append(event)
        else:
            await self.inner.emit(event)


def _services(state: ProcessState, workspace_id: str) -> Any:
    """What the run may use: the built-in tools, and the saved graphs of its workspace for subgraph nodes."""
    from runtime.compile import RunServices
    from runtime.spec import GraphSpec

    async def resolve(graph_id: str, version: int | None) -> GraphSpec | None:
        raw = await store.saved_graph(state.rows, workspace_id=workspace_id, graph_id=graph_id, version=version)
        return None if raw is None else GraphSpec.model_validate(raw)

    return RunServices(resolve_graph=resolve)


def is_transient(exc: BaseException) -> bool:
    """Errors worth retrying with backoff: lost connections and timeouts of providers or infrastructure."""
    if getattr(exc, "transient", False):
        return True
    import redis.exceptions
    import sqlalchemy.exc

    return isinstance(exc, ConnectionError | TimeoutError | sqlalchemy.exc.OperationalError
                      | sqlalchemy.exc.InterfaceError | redis.exceptions.ConnectionError
                      | redis.exceptions.TimeoutError)


async def execute_run(state: ProcessState, run_id: str, *, task_id: str | None) -> str | Retry:
    """One delivery of ``run_id``. Returns what happened: skip, busy, a final status, or Retry."""
    config = state.config
    began = time.perf_counter()
    await state.open()
    try:
        claimed = await store.claim(state.rows, run_id=run_id, task_id=task_id, lease_s=config.lease_s)
    except Exception as exc:
        if not is_transient(exc):
            raise
        # The DB is unreachable or dropped the pooled connection: the run is untouched, deliver it again soon.
        log.warning("run %s: could not claim it (%s: %s); trying again", run_id, type(exc).__name__, exc)
        return Retry(config.retry_backoff_s, f"{type(exc).__name__}: {exc}")
    if claimed is None or claimed == store.BUSY:
        return "skip" if claimed is None else "busy"
    assert isinstance(claimed, store.Claim)
    gate = getattr(state.checkpointer, "gate", None)
    sink = StreamSink(state.events, run_id, gate=gate(run_id) if gate is not None else None)
    if claimed.attempts > config.max_attempts:
        error = (f"the run was delivered {claimed.attempts} times without finishing (its worker was lost or it kept "
                 f"hitting transient errors); giving up after {config.max_attempts}")
        await _record(state, sink, run_id, "failed", error=error)
        return "failed"
    holding = _HoldingSink(sink)
    ran = False  # run_graph returned: the outcome is recorded below, and its final event goes out with the rest
    # A checkpointer that can drop a run's queued checkpoints: a run that succeeds is recorded before them.
    record_first = hasattr(state.checkpointer, "discard")
    deferred = False  # the run succeeded with checkpoints still queued: see _record_succeeded
    trace_token = attach_carrier(claimed.trace_context)  # the run's spans join the trace of the request
    lease = state.leases.hold(run_id, asyncio.current_task())
    deadline: asyncio.Timeout | None = None
    try:
        from runtime.compile.cache import spec_from_json
        from runtime.engine import run_graph

        spec = spec_from_json(claimed.spec)
        if claimed.attempts > 1 and gate is not None:
            await _recover_events(state, run_id)
        services = (await config.services_factory(state, claimed.workspace_id, spec)
                    if config.services_factory is not None else _services(state, claimed.workspace_id))
        traced = TelemetrySink(holding, graph_id=spec.id, workspace_id=claimed.workspace_id,
                               record_content=config.trace_content)
        # One line per run at INFO, when it ends; its start is worth a line of its own on a later delivery only.
        log.log(logging.INFO if claimed.attempts > 1 else logging.DEBUG, "run %s of graph %s started (delivery %d)",
                run_id, spec.id, claimed.attempts, extra={"run_id": run_id})
        async with asyncio.timeout(config.run_timeout_s) as deadline:
            outcome = await run_graph(spec, claimed.inputs, thread_id=run_id, checkpointer=state.checkpointer,
                                      sink=traced, resume=claimed.resume, run_id=run_id, services=services,
                                      fresh=claimed.attempts == 1 and claimed.resume is None,
                                      record_first=record_first)
        ran = True
        deferred = record_first and outcome.status == "succeeded"
        # In the run's trace, as the rest of its lines (the trace view shows them with its spans).
        log.info("run %s ended: %s (graph %s, delivery %d, %.1f ms)", run_id, outcome.status, spec.id,
                 claimed.attempts, (time.perf_counter() - began) * 1000, extra={"run_id": run_id})
    except asyncio.CancelledError:
        if not lease.lost.is_set():
            raise
        log.info("run %s left 'running' elsewhere (cancelled); stopped", run_id)
        return "cancelled"
    except Exception as exc:
        if deadline is not None and deadline.expired():
            await _record(state, sink, run_id, "failed", error=f"the run took longer than {config.run_timeout_s:g} s")
            return "failed"
        if is_transient(exc) and claimed.attempts < config.max_attempts:
            return await _retry(state, run_id, claimed.attempts, f"{type(exc).__name__}: {exc}")
        log.exception("run %s failed", run_id)
        await _record(state, sink, run_id, "failed", error=f"{type(exc).__name__}: {exc}")
        return "failed"
    finally:
        lease.release()
        detach(trace_token)
        if deferred:
            pass  # its node reports wait for the row (or for their checkpoints): _record_succeeded
        elif ran:
            sink.release()  # everything emitted may go out now; _record's flush waits for it, with the final event
        else:
            with contextlib.suppress(Exception):
                await sink.flush()  # the events of a segment that ends here without a recorded outcome
        release = getattr(state.checkpointer, "release", None)
        if release is not None and not deferred:
            release(run_id)
        end_segment = getattr(state.checkpointer, "aend_segment", None)
        if end_segment is not None:  # the embedded store: no write of a cancelled run may keep the lock
            await end_segment()
    status = getattr(outcome, "status", "failed")
    if status == "failed" and getattr(outcome, "retryable", False) and claimed.attempts < config.max_attempts:
        # A transient provider error the engine marked retryable: run again later from the last checkpoint.
        with contextlib.suppress(Exception):
            await sink.flush()
        return await _retry(state, run_id, claimed.attempts, getattr(outcome, "error", None) or "transient error")
    if deferred:
        await _record_succeeded(state, sink, run_id, outputs=outcome.outputs or {}, held=holding.held)
        return status
    await _record(state, sink, run_id, status, outputs=getattr(outcome, "outputs", None) or {},
                  error=getattr(outcome, "error", None), interrupt=getattr(outcome, "interrupt", None),
                  held=holding.held)
    return status


async def _recover_events(state: ProcessState, run_id: str) -> None:
    """A later delivery: publish what the lost worker stored but did not get to publish."""
    from runtime.worker.recover import republish_lost_events

    try:
        recovered = await republish_lost_events(state.events, state.checkpointer, run_id)
    except Exception:  # noqa: BLE001 - the run itself can go on; its stream may miss a node_finished
        log.warning("run %s: could not check for events a lost worker did not publish", run_id, exc_info=True)
        return
    if recovered:
        log.info("run %s: published %d event(s) a lost worker had stored", run_id, recovered, extra={"run_id": run_id})


async def _retry(state: ProcessState, run_id: str, attempts: int, error: str) -> Retry:
    """Hand the run back until the retry is due (exponential backoff, bounded by max_attempts)."""
    config = state.config
    countdown = min(config.retry_backoff_max_s, config.retry_backoff_s * 2 ** (attempts - 1))
    await store.release(state.rows, run_id=run_id, retry_in_s=countdown)
    log.warning("run %s: transient error, retry in %.1f s: %s", run_id, countdown, error)
    return Retry(countdown + 0.25, error)  # the lease has lapsed when the retry arrives


async def _record(
    state: ProcessState, sink: StreamSink, run_id: str, status: str, *, outputs: dict[str, Any] | None = None,
    error: str | None = None, interrupt: dict[str, Any] | None = None, held: list[dict[str, Any]] | None = None,
) -> None:
    """Write the outcome to the row, then publish the segment's final event (the engine's, or one made here)."""
    recorded = await store.finish(state.rows, run_id=run_id, status=status, outputs=outputs, error=error,
                                  interrupt=interrupt)
    if recorded is None:
        log.warning("run %s left 'running' before its outcome (%s) was recorded; dropped", run_id, status)
        with contextlib.suppress(Exception):
            await sink.flush()  # the segment's own events still go out
        return  # cancelled meanwhile (the canceller published run_cancelled), or taken over
    await _publish_final(sink, status, recorded, outputs=outputs, error=error, interrupt=interrupt, held=held)


async def _record_succeeded(state: ProcessState, sink: StreamSink, run_id: str, *, outputs: dict[str, Any],
                            held: list[dict[str, Any]]) -> None:
    """Record a run that succeeded before storing the checkpoints still queued behind it.

    Once the row says succeeded nothing resumes the run, so those checkpoints are dropped unstored (a short run
    then stores none), and the node reports they held go out with the final event, in one append. When the row
    cannot be written, or has left `running` (cancelled, or taken over), the checkpoints are stored first, as
    for any other outcome: a later delivery resumes after them and no node is reported finished twice.
    """
    saver = state.checkpointer
    try:
        try:
            recorded = await store.finish(state.rows, run_id=run_id, status="succeeded", outputs=outputs)
        except Exception:
            await _store_then_publish(saver, sink, run_id)  # the run will be delivered again
            raise
        if recorded is None:
            log.warning("run %s left 'running' before its outcome (succeeded) was recorded; dropped", run_id)
            await _store_then_publish(saver, sink, run_id)
            return
        await _publish_final(sink, "succeeded", recorded, outputs=outputs, held=held)
    finally:
        saver.discard(run_id)


async def _store_then_publish(saver: Any, sink: StreamSink, run_id: str) -> None:
    """Store the run's queued checkpoints, then publish the reports they hold; reports of steps that cannot be
    stored never go out (those steps run again)."""
    try:
        await saver.aflush(run_id)
    except Exception:  # noqa: BLE001 - the caller goes on with what it was doing (raising, or dropping the run)
        log.warning("run %s: could not store its last checkpoints", run_id, exc_info=True)
        sink.drop()
        return
    with contextlib.suppress(Exception):
        await sink.flush()


async def _publish_final(
    sink: StreamSink, status: str, recorded: dict[str, Any], *, outputs: dict[str, Any] | None = None,
    error: str | None = None, interrupt: dict[str, Any] | None = None, held: list[dict[str, Any]] | None = None,
) -> None:
    """Publish the segment's final event (the engine's, or one made here) with the row's record, after the rest."""
    final_type = _FINAL_EVENT.get(status, "run_failed")
    final = [e for e in held or [] if e.get("type") == final_type]
    if not final:
        final = [{"type": final_type, "status": status, "outputs": outputs, "error": error, "interrupt": interrupt}]
    for event in final:
        event.setdefault("ts", time.time())
        event[store.RECORD_KEY] = recorded
        await sink.emit(event)
    await sink.flush()
