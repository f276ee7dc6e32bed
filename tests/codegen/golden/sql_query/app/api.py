"""The HTTP API: run the graph synchronously or in the background, read runs, follow their events."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app import runner
from app.custom import hooks
from app.observability import RUN_SECONDS, RUNS_BY_STATUS
from app.runs import Run, RunSink, RunStore, follow
from app.schemas import ResumeRequest, RunInputs, RunOutputs, RunPublic, RunResult
from app.services import RunServices
from app.settings import Settings

router = APIRouter()


def _store(request: Request) -> RunStore:
    return request.app.state.runs


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _services(request: Request) -> RunServices:
    return request.app.state.services


async def _execute(
    run: Run, settings: Settings, services: RunServices, resume: dict[str, Any] | None = None, *,
    record_events: bool = True,
) -> None:
    run.status = "running"
    started = time.perf_counter()
    inputs = hooks.before_run(dict(run.inputs)) if resume is None else run.inputs
    # A synchronous /run answers with its outputs: unless the graph can stop for an approval (and be
    # followed after it resumes), nobody reads its events, so none are built.
    sink = RunSink(run) if record_events else None
    try:
        outcome = await runner.run_graph(inputs, thread_id=run.id, sink=sink, resume=resume, settings=settings,
                                         services=services)
    except asyncio.CancelledError:
        run.status, run.finished_at = "cancelled", time.time()
        RUNS_BY_STATUS["cancelled"].inc()
        run.notify()
        raise
    run.status = outcome.status
    run.outputs = hooks.after_run(outcome.outputs) if outcome.status == "succeeded" else outcome.outputs
    run.error, run.interrupt = outcome.error, outcome.interrupt
    if outcome.status != "waiting":
        run.finished_at = time.time()
        RUN_SECONDS.observe(time.perf_counter() - started)
    RUNS_BY_STATUS[outcome.status].inc()
    run.notify()


def _result(run: Run) -> RunResult:
    outputs = RunOutputs.model_validate(run.outputs) if run.outputs is not None else None
    return RunResult(run_id=run.id, status=run.status, outputs=outputs, error=run.error, interrupt=run.interrupt)  # type: ignore[arg-type]


def _public(run: Run) -> RunPublic:
    result = _result(run)
    return RunPublic(id=run.id, status=result.status, inputs=run.inputs, outputs=result.outputs, error=run.error,
                     interrupt=run.interrupt, created_at=run.created_at, finished_at=run.finished_at)


def _inputs(body: RunInputs) -> dict[str, Any]:
    return body.model_dump(by_alias=True)


@router.post("/run", response_model=RunResult, response_model_by_alias=True, tags=["runs"],
             summary="Run the graph and wait for its outputs",
             responses={504: {"description": "The run did not finish within RUN_TIMEOUT_S."}})
async def run_sync(body: RunInputs, request: Request) -> RunResult:
    settings = _settings(request)
    run = _store(request).create(_inputs(body))
    try:
        async with asyncio.timeout(settings.run_timeout_s):
            await _execute(run, settings, _services(request), record_events=False)
    except TimeoutError as exc:
        run.status, run.error, run.finished_at = "failed", "timed out", time.time()
        raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, f"run {run.id} timed out") from exc
    return _result(run)


@router.post("/runs", response_model=RunPublic, status_code=status.HTTP_202_ACCEPTED, tags=["runs"],
             summary="Start a run in the background")
async def start_run(body: RunInputs, request: Request) -> RunPublic:
    run = _store(request).create(_inputs(body))
    run.task = asyncio.create_task(_execute(run, _settings(request), _services(request)))
    return _public(run)


@router.get("/runs", response_model=list[RunPublic], response_model_by_alias=True, tags=["runs"], summary="Recent runs of this process")
async def list_runs(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[RunPublic]:
    return [_public(run) for run in _store(request).list(limit)]


def _get(request: Request, run_id: str) -> Run:
    run = _store(request).get(run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"run {run_id} not found")
    return run


@router.get("/runs/{run_id}", response_model=RunPublic, tags=["runs"], summary="One run")
async def get_run(run_id: str, request: Request,
                  wait: Annotated[float, Query(ge=0, le=300, description="Seconds to wait for the end.")] = 0) -> RunPublic:
    run = _get(request, run_id)
    deadline = time.monotonic() + wait
    while not run.done and run.status != "waiting" and time.monotonic() < deadline:
        await run.changed(timeout=max(0.0, deadline - time.monotonic()))
    return _public(run)


@router.post("/runs/{run_id}/resume", response_model=RunPublic, status_code=status.HTTP_202_ACCEPTED,
             tags=["runs"], summary="Answer a waiting approval step")
async def resume_run(run_id: str, body: ResumeRequest, request: Request) -> RunPublic:
    run = _get(request, run_id)
    if run.status != "waiting":
        raise HTTPException(status.HTTP_409_CONFLICT, f"run {run_id} is {run.status}, not waiting")
    run.task = asyncio.create_task(
        _execute(run, _settings(request), _services(request), resume=body.model_dump()))
    run.status = "running"
    return _public(run)


@router.post("/runs/{run_id}/cancel", response_model=RunPublic, tags=["runs"], summary="Cancel a run")
async def cancel_run(run_id: str, request: Request) -> RunPublic:
    run = _get(request, run_id)
    if not run.done:
        if run.task is not None and not run.task.done():
            run.task.cancel()  # the runner reports run_cancelled
            await asyncio.gather(run.task, return_exceptions=True)
        else:
            await RunSink(run).emit({"type": "run_cancelled", "ts": time.time(), "run_id": run.id})
        run.status, run.finished_at = "cancelled", time.time()
        run.notify()
    return _public(run)


@router.get("/runs/{run_id}/events", tags=["runs"], summary="The run's events as Server-Sent Events",
            response_class=StreamingResponse)
async def run_events(run_id: str, request: Request,
                     last_event_id: Annotated[str | None, Header()] = None) -> StreamingResponse:
    run = _get(request, run_id)
    start = int(last_event_id) + 1 if last_event_id and last_event_id.isdigit() else 0

    async def stream() -> AsyncIterator[str]:
        async for index, event in follow(run, start):
            yield f"id: {index}\nevent: {event['type']}\ndata: {json.dumps(event, default=str)}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get("/health", tags=["ops"], summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", tags=["ops"], summary="Readiness: the graph is compiled and runs are accepted")
async def ready(request: Request) -> Response:
    if not getattr(request.app.state, "ready", False):
        return Response('{"status": "starting"}', status_code=503, media_type="application/json")
    return Response('{"status": "ready"}', media_type="application/json")


@router.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=Response)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
