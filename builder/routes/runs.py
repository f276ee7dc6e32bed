"""The runs API (role orchestrator): start, wait, read, list, cancel, resume, and events over SSE."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from builder.crud import runs as run_store
from builder.db.models import Run
from builder.deps import ContextDep, RowsDep, SessionDep
from builder.errors import ApiError
from runtime.events import EventStream, StoredEvent
from runtime.spec.models import IDENT_PATTERN
from runtime.worker.app import create_celery, enqueue, revoke
from runtime.worker.config import WorkerConfig
from runtime.worker.publish import RedisRunPublisher
from runtime.worker.store import RECORD_KEY

log = logging.getLogger("lcnc.runs")
router = APIRouter(prefix="/api/orchestrator/runs", tags=["runs"])

RunStatus = Literal["queued", "running", "waiting", "succeeded", "failed", "cancelled"]
RunId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="Run id.")]
_ENDED = {"succeeded", "failed", "cancelled", "waiting"}  # the run will not move without someone acting


class RunCreate(BaseModel):
    graph_id: str = Field(pattern=IDENT_PATTERN)
    version: int | None = Field(default=None, ge=1, le=2_147_483_647, description="Saved version to run; the latest when omitted.")
    inputs: dict[str, Any] = Field(default_factory=dict)


class RunResume(BaseModel):
    approved: bool
    comment: str | None = Field(default=None, max_length=10_000)


class RunPublic(BaseModel):
    id: str
    graph_id: str
    graph_version: int
    status: RunStatus
    inputs: dict[str, Any]
    outputs: dict[str, Any] | None
    error: str | None
    interrupt: dict[str, Any] | None = Field(default=None, description="What a waiting run asks a person.")
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RunPage(BaseModel):
    items: list[RunPublic]
    total: int
    limit: int
    offset: int


class RunQueue:
    """The platform's handle on the queue and the event stream (one per app, opened on first use)."""

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self._celery: Any = None
        self._events: EventStream | None = None
        self._publisher: RedisRunPublisher | None = None

    @property
    def celery(self) -> Any:
        if self._celery is None:
            self._celery = create_celery(self.config)
        return self._celery

    @property
    def events(self) -> EventStream:
        if self._events is None:
            self._events = self.config.open_events()
        return self._events

    async def enqueue(self, run_id: str, task_id: str) -> None:
        if self.config.redis_url:  # one LPUSH on the event loop's own Redis client
            if self._publisher is None:
                self._publisher = RedisRunPublisher(self.celery, self.config)
            await self._publisher.send(run_id, task_id)
        else:  # the SQLite broker file may be locked for a moment: keep the event loop free
            await asyncio.to_thread(enqueue, self.celery, self.config, run_id, task_id)

    async def close(self) -> None:
        if self._publisher is not None:
            await self._publisher.close()
        if self._events is not None:
            await self._events.close()
        if self._celery is not None:
            self._celery.close()  # its broker connections (the embedded broker's SQLite engine)

    async def revoke(self, task_id: str) -> None:
        if self.config.redis_url:  # the embedded broker has no broadcast; the worker sees the row instead
            await asyncio.to_thread(revoke, self.celery, task_id)


def run_queue(request: Request) -> RunQueue:
    queue = getattr(request.app.state, "run_queue", None)
    if queue is None:
        queue = request.app.state.run_queue = RunQueue(run_store.worker_config(request.app.state.settings))
    return queue


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time this API returns is UTC with its offset."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _public(run: Run) -> RunPublic:
    return RunPublic(id=run.id, graph_id=run.graph_id, graph_version=run.graph_version, status=run.status,
                     inputs=run.inputs or {}, outputs=run.outputs, error=run.error, interrupt=run.interrupt,
                     attempts=run.attempts, created_at=_utc(run.created_at), started_at=_utc(run.started_at),
                     finished_at=_utc(run.finished_at))


async def _enqueue(queue: RunQueue, run: Run) -> None:
    try:
        await queue.enqueue(run.id, run.task_id or run.id)
    except Exception:  # noqa: BLE001 - the row is committed; the worker's sweep sends it once the broker is back
        log.warning("run %s: enqueue failed; the sweep will retry", run.id, exc_info=True)


async def _wait(request: Request, queue: RunQueue, run: Run, seconds: float) -> RunPublic:
    """Wait until the run ends or waits for a person, at most ``seconds``; the run then.

    Wakes on the event that ends the run's segment, not on every event; once a second it also reads the row, for
    a run that ended without one (its worker was lost for good)."""
    deadline = time.monotonic() + seconds
    after = None
    while (left := deadline - time.monotonic()) > 0:
        ended, after = await queue.events.wait_end(run.id, timeout=min(1.0, max(left, 0.05)), after=after)
        if ended is None:
            fresh = await _read_run(request, run)
            if fresh.status in _ENDED:
                return _public(fresh)
            continue
        if ended.type in ("run_finished", "run_failed") and isinstance(ended.event.get(RECORD_KEY), dict):
            return _ended(run, ended.event)  # published once the row said the same: no need to read it
        break
    return _public(await _read_run(request, run))


async def _read_run(request: Request, run: Run) -> Run:
    """The run's row now (a session of its own: a waiting request holds no connection between reads)."""
    async with request.app.state.sessionmaker() as session:
        return await run_store.get_run(session, workspace_id=run.workspace_id, run_id=run.id)


def _ended(run: Run, event: dict[str, Any]) -> RunPublic:
    """The run as its final event tells it (the worker adds the row's delivery count and times)."""
    record = event[RECORD_KEY]
    return RunPublic(id=run.id, graph_id=run.graph_id, graph_version=run.graph_version, status=event["status"],
                     inputs=run.inputs or {}, outputs=event.get("outputs"), error=event.get("error"),
                     attempts=record["attempts"], created_at=_utc(run.created_at), started_at=record["started_at"],
                     finished_at=record["finished_at"])


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RunPublic, summary="Start a run",
             responses={200: {"description": "With ?wait: the run ended (or waits for a person) in time."},
                        422: {"description": "The graph cannot run, or the inputs do not match its inputs."}})
async def start_run(
    body: RunCreate, request: Request, response: Response, rows: RowsDep, ctx: ContextDep,
    wait: Annotated[float | None, Query(ge=0, le=300, description="Wait up to this many seconds for the end.")] = None,
) -> RunPublic:
    queue = run_queue(request)
    run = await run_store.start_run_row(rows, ctx=ctx, graph_id=body.graph_id, version=body.version,
                                        inputs=body.inputs, requeue_after_s=queue.config.requeue_queued_s)
    await _enqueue(queue, run)  # only now: the row is committed, a worker can find it
    if wait:
        ended = await _wait(request, queue, run, wait)
        if ended.status in _ENDED:
            response.status_code = status.HTTP_200_OK
        return ended
    return _public(run)


@router.get("", response_model=RunPage, summary="List runs")
async def list_runs(
    session: SessionDep, ctx: ContextDep,
    graph_id: Annotated[str | None, Query(pattern=IDENT_PATTERN)] = None,
    status_: Annotated[RunStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> RunPage:
    rows, total = await run_store.list_runs(session, workspace_id=ctx.workspace_id, graph_id=graph_id,
                                            status=status_, limit=limit, offset=offset)
    return RunPage(items=[_public(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/{run_id}", response_model=RunPublic, summary="Get a run")
async def get_run(run_id: RunId, session: SessionDep, ctx: ContextDep) -> RunPublic:
    return _public(await run_store.get_run(session, workspace_id=ctx.workspace_id, run_id=run_id))


@router.post("/{run_id}/cancel", response_model=RunPublic, summary="Cancel a run",
             responses={409: {"description": "The run already ended."}})
async def cancel_run(run_id: RunId, request: Request, session: SessionDep, ctx: ContextDep) -> RunPublic:
    run = await run_store.cancel_run(session, workspace_id=ctx.workspace_id, run_id=run_id)
    queue = run_queue(request)
    await queue.events.publish(run_id, {"type": "run_cancelled", "run_id": run_id, "ts": time.time(),
                                         "status": "cancelled", "error": run.error})
    if run.task_id:
        with contextlib.suppress(Exception):
            await queue.revoke(run.task_id)
    return _public(run)


@router.post("/{run_id}/resume", response_model=RunPublic, status_code=status.HTTP_202_ACCEPTED,
             summary="Answer a waiting human approval and continue the run",
             responses={409: {"description": "The run is not waiting for an answer."}})
async def resume_run(
    run_id: RunId, body: RunResume, request: Request, session: SessionDep, ctx: ContextDep,
) -> RunPublic:
    queue = run_queue(request)
    run = await run_store.resume_run(session, workspace_id=ctx.workspace_id, run_id=run_id,
                                     answer=body.model_dump(), requeue_after_s=queue.config.requeue_queued_s)
    await _enqueue(queue, run)
    return _public(run)


def _sse(item: StoredEvent) -> str:
    return f"id: {item.id}\nevent: {item.type}\ndata: {json.dumps(item.event, default=str)}\n\n"


@router.get("/{run_id}/events", summary="The run's events as Server-Sent Events (replay, then follow)",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def run_events(
    run_id: RunId, request: Request, session: SessionDep, ctx: ContextDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
    after: Annotated[str | None, Query(max_length=64, description="Same as the Last-Event-ID header.")] = None,
) -> StreamingResponse:
    await run_store.get_run(session, workspace_id=ctx.workspace_id, run_id=run_id)
    return run_event_stream(request, run_id=run_id, workspace_id=ctx.workspace_id, resume_from=last_event_id or after)


def run_event_stream(request: Request, *, run_id: str, workspace_id: str, resume_from: str | None) -> StreamingResponse:
    """A run's events as SSE: replay from ``resume_from`` (a Last-Event-ID), then follow until the run ends."""
    queue = run_queue(request)
    if resume_from is not None:
        try:
            queue.events.check_id(resume_from)
        except ValueError as exc:
            raise ApiError(422, f"Last-Event-ID: {exc}",
                           [{"loc": ["header", "Last-Event-ID"], "msg": str(exc)}]) from exc
    sessionmaker = request.app.state.sessionmaker

    async def stream() -> AsyncIterator[str]:
        async for item in queue.events.subscribe(run_id, resume_from, heartbeat=10.0):
            if item is not None:
                yield _sse(item)
                if item.type in ("run_finished", "run_failed", "run_cancelled"):
                    return
                continue
            if await request.is_disconnected():
                return
            async with sessionmaker() as fresh:  # events may have expired: stop once the row says it ended
                run = await run_store.get_run(fresh, workspace_id=workspace_id, run_id=run_id)
            if run.status in ("succeeded", "failed", "cancelled"):
                return
            yield ": keep-alive\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
