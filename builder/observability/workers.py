"""The workers the platform knows of: rows of the `workers` table (runtime.worker.presence), judged by their age.

A worker heard from within the staleness window is "ok"; an older one is "stale" (killed, or cut off from the DB);
one not heard from for ``LISTED_FOR_S`` is no longer listed. A worker that stopped cleanly deleted its own row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from builder.db.models import utcnow
from builder.observability.models import WorkerRow

LISTED_FOR_S = 3600.0  # a stale worker stays in view this long, then it is omitted


class WorkerPublic(BaseModel):
    id: str
    host: str
    pid: int
    namespace: str
    queue: str
    version: str
    concurrency: int
    metrics_port: int | None
    started_at: datetime
    last_seen: datetime
    seen_s_ago: float
    status: Literal["ok", "stale"]


def stale_after(row: WorkerRow, stale_after_s: float) -> float:
    """Seconds of silence after which ``row``'s worker is stale: the window, and never under two heartbeats."""
    return max(stale_after_s, 2 * row.heartbeat_s)


async def list_workers(session: AsyncSession, *, stale_after_s: float, now: datetime | None = None) -> list[WorkerPublic]:
    """Workers seen within ``LISTED_FOR_S`` (or the window, if longer): live ones first, then by name."""
    now = now or utcnow()
    listed_since = now - timedelta(seconds=max(LISTED_FOR_S, stale_after_s))
    rows = (await session.execute(select(WorkerRow).where(WorkerRow.last_seen >= listed_since))).scalars()
    workers = []
    for row in rows:
        age = max(0.0, (now - row.last_seen).total_seconds())
        workers.append(WorkerPublic(
            id=row.id, host=row.host, pid=row.pid, namespace=row.namespace, queue=row.queue, version=row.version,
            concurrency=row.concurrency, metrics_port=row.metrics_port, started_at=row.started_at,
            last_seen=row.last_seen, seen_s_ago=round(age, 3),
            status="ok" if age <= stale_after(row, stale_after_s) else "stale",
        ))
    return sorted(workers, key=lambda worker: (worker.status != "ok", worker.id))
