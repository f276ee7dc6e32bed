"""The observability API: traces (list and span tree), a metrics summary, logs by run or trace, services and workers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from sqlalchemy import select

from builder import __version__
from builder.deps import ContextDep, SessionDep, SettingsDep
from builder.errors import NotFound
from builder.observability.models import LogRecordRow, SpanRecord
from builder.observability.setup import flush_observability
from builder.observability.workers import WorkerPublic, list_workers

router = APIRouter(prefix="/api/observability", tags=["observability"])


class SpanPublic(BaseModel):
    span_id: str
    trace_id: str
    parent_span_id: str | None
    name: str
    service: str
    start_time: datetime
    duration_ms: float
    status: str
    status_message: str
    attributes: dict[str, Any]
    events: list[Any]


class TraceSummary(BaseModel):
    trace_id: str
    run_id: str | None
    graph_id: str | None
    name: str
    status: str
    start_time: datetime
    duration_ms: float


class TraceDetail(BaseModel):
    trace_id: str
    spans: list[SpanPublic]


class MetricsSummary(BaseModel):
    window_minutes: int
    runs: int
    failed: int
    error_rate: float
    latency_ms: dict[str, float]
    runs_per_minute: list[dict[str, Any]]


class LogLine(BaseModel):
    ts: datetime
    level: str
    service: str
    logger: str
    message: str
    trace_id: str | None
    span_id: str | None
    run_id: str | None


class ServiceRole(BaseModel):
    role: str
    status: Literal["ok"]
    version: str
    health: str


class ServicesPublic(BaseModel):
    roles: list[ServiceRole]
    workers: list[WorkerPublic]
    stale_after_s: float


def _span(row: SpanRecord) -> SpanPublic:
    return SpanPublic.model_validate(row, from_attributes=True)


@router.get("/traces", response_model=list[TraceSummary], summary="Run traces, newest first")
async def list_traces(
    session: SessionDep,
    ctx: ContextDep,
    graph_id: str | None = None,
    run_id: str | None = None,
    status: Annotated[str | None, Query(pattern="^(ok|error|unset)$")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[TraceSummary]:
    flush_observability()
    query = select(SpanRecord).where(SpanRecord.workspace_id == ctx.workspace_id, SpanRecord.name.like("run %"))
    if graph_id:
        query = query.where(SpanRecord.graph_id == graph_id)
    if run_id:
        query = query.where(SpanRecord.run_id == run_id)
    if status:
        query = query.where(SpanRecord.status == status)
    if since:
        query = query.where(SpanRecord.start_time >= since)
    if until:
        query = query.where(SpanRecord.start_time <= until)
    rows = (await session.execute(query.order_by(SpanRecord.start_time.desc()).limit(limit))).scalars()
    return [
        TraceSummary(trace_id=row.trace_id, run_id=row.run_id, graph_id=row.graph_id, name=row.name,
                     status=row.status, start_time=row.start_time, duration_ms=row.duration_ms)
        for row in rows
    ]


@router.get("/traces/{trace_id}", response_model=TraceDetail, summary="Every span of one trace")
async def get_trace(trace_id: Annotated[str, Path(pattern="^[0-9a-f]{32}$")], session: SessionDep,
                    ctx: ContextDep) -> TraceDetail:
    flush_observability()
    rows = list((await session.execute(
        select(SpanRecord).where(SpanRecord.trace_id == trace_id).order_by(SpanRecord.start_time)
    )).scalars())
    if not any(row.workspace_id == ctx.workspace_id for row in rows):
        raise NotFound(f"trace '{trace_id}'")
    return TraceDetail(trace_id=trace_id, spans=[_span(row) for row in rows])


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return round(ordered[index], 3)


@router.get("/metrics", response_model=MetricsSummary, summary="Runs per minute, latency percentiles, error rate")
async def metrics_summary(
    session: SessionDep, ctx: ContextDep, window_minutes: Annotated[int, Query(ge=1, le=10_080)] = 60
) -> MetricsSummary:
    flush_observability()
    since = datetime.now(UTC) - timedelta(minutes=window_minutes)
    rows = (await session.execute(
        select(SpanRecord.start_time, SpanRecord.duration_ms, SpanRecord.status)
        .where(SpanRecord.workspace_id == ctx.workspace_id, SpanRecord.name.like("run %"),
               SpanRecord.start_time >= since)
        .order_by(SpanRecord.start_time.desc())
        .limit(20_000)
    )).all()
    durations = [row.duration_ms for row in rows]
    failed = sum(1 for row in rows if row.status == "error")
    per_minute: dict[str, int] = {}
    for row in rows:
        start = row.start_time if row.start_time.tzinfo else row.start_time.replace(tzinfo=UTC)
        minute = start.replace(second=0, microsecond=0).isoformat()
        per_minute[minute] = per_minute.get(minute, 0) + 1
    return MetricsSummary(
        window_minutes=window_minutes,
        runs=len(rows),
        failed=failed,
        error_rate=round(failed / len(rows), 4) if rows else 0.0,
        latency_ms={"p50": _percentile(durations, 0.5), "p95": _percentile(durations, 0.95),
                    "p99": _percentile(durations, 0.99)},
        runs_per_minute=[{"minute": minute, "runs": count} for minute, count in sorted(per_minute.items())],
    )


@router.get("/logs", response_model=list[LogLine], summary="Recent log lines of a run or a trace")
async def recent_logs(
    session: SessionDep,
    ctx: ContextDep,
    run_id: str | None = None,
    trace_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[LogLine]:
    flush_observability()
    query = select(LogRecordRow)
    if run_id:
        query = query.where(LogRecordRow.run_id == run_id)
    if trace_id:
        query = query.where(LogRecordRow.trace_id == trace_id)
    allowed_traces = select(SpanRecord.trace_id).where(SpanRecord.workspace_id == ctx.workspace_id)
    allowed_runs = select(SpanRecord.run_id).where(SpanRecord.workspace_id == ctx.workspace_id)
    query = query.where(LogRecordRow.trace_id.in_(allowed_traces) | LogRecordRow.run_id.in_(allowed_runs))
    rows = (await session.execute(query.order_by(LogRecordRow.ts.desc()).limit(limit))).scalars()
    return [LogLine.model_validate(row, from_attributes=True) for row in rows]


@router.get("/services", response_model=ServicesPublic,
            summary="Every service role served here and every worker heard from lately")
async def services(session: SessionDep, settings: SettingsDep, _ctx: ContextDep) -> ServicesPublic:
    roles = [ServiceRole(role=role, status="ok", version=__version__, health=f"/api/{role}/health")
             for role in settings.services]
    workers = await list_workers(session, stale_after_s=settings.worker_stale_after_s)
    return ServicesPublic(roles=roles, workers=workers, stale_after_s=settings.worker_stale_after_s)
