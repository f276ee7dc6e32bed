"""GET /metrics in the Prometheus text format (scraped inside the cluster; METRICS_ENABLED turns it off)."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from sqlalchemy import func, select

from runtime.telemetry import metrics

router = APIRouter()


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


async def _refresh_gauges(request: Request) -> None:
    engine = getattr(request.app.state, "engine", None)
    pool = getattr(engine, "pool", None) if engine is not None else None
    if pool is not None and hasattr(pool, "checkedout"):
        metrics.DB_POOL_IN_USE.set(pool.checkedout())
        metrics.DB_POOL_SIZE.set(pool.size())
    sessionmaker = getattr(request.app.state, "sessionmaker", None)
    if sessionmaker is None:
        return
    try:
        from builder.db.models import Run  # the runs table arrives with the runtime
    except ImportError:
        return
    async with sessionmaker() as session:
        queued = await session.scalar(select(func.count()).select_from(Run).where(Run.status == "queued"))
    metrics.QUEUE_DEPTH.set(queued or 0)


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response:
    await _refresh_gauges(request)
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)
