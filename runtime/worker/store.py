"""The worker's reads and writes of the `runs` table (defined in builder.db.models; columns named here only).

Every write is guarded by the status it expects, so a cancelled or finished run is never overwritten and two
deliveries of one run never execute it at the same time: a run is owned by whoever holds its lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_TS = sa.DateTime(timezone=True)

runs = sa.table(
    "runs",
    sa.column("id", sa.String),
    sa.column("workspace_id", sa.String),
    sa.column("status", sa.String),
    sa.column("spec", _JSON),
    sa.column("inputs", _JSON),
    sa.column("outputs", _JSON),
    sa.column("error", sa.Text),
    sa.column("interrupt", _JSON),
    sa.column("resume", _JSON),
    sa.column("trace_context", _JSON),
    sa.column("attempts", sa.Integer),
    sa.column("task_id", sa.String),
    sa.column("lease_until", _TS),
    sa.column("started_at", _TS),
    sa.column("finished_at", _TS),
)

graphs = sa.table("graphs", sa.column("workspace_id", sa.String), sa.column("id", sa.String),
                  sa.column("spec", _JSON))
graph_versions = sa.table("graph_versions", sa.column("workspace_id", sa.String), sa.column("graph_id", sa.String),
                          sa.column("version", sa.Integer), sa.column("spec", _JSON))

ACTIVE = ("queued", "running")
# The final event of a run carries its row's delivery count and times under this key, so whoever waits for
# the run can answer from the event alone.
RECORD_KEY = "record"
TERMINAL = ("succeeded", "failed", "cancelled")
BUSY = "busy"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Claim:
    workspace_id: str
    attempts: int
    spec: dict[str, Any]
    inputs: dict[str, Any]
    resume: Any
    trace_context: dict[str, Any] | None = None


async def claim(conn: AsyncConnection, *, run_id: str, task_id: str | None, lease_s: float) -> Claim | str | None:
    """Take the run's lease: a Claim, BUSY when another live worker holds it, None when there is nothing to do."""
    t = now()
    row = (await conn.execute(
        sa.update(runs)
        .where(runs.c.id == run_id)
        .where(sa.or_(runs.c.status == "queued",
                      sa.and_(runs.c.status == "running",
                              sa.or_(runs.c.lease_until.is_(None), runs.c.lease_until < t))))
        .values(status="running", attempts=runs.c.attempts + 1, task_id=task_id,
                lease_until=t + timedelta(seconds=lease_s),
                started_at=sa.func.coalesce(runs.c.started_at, t))
        .returning(runs.c.workspace_id, runs.c.attempts, runs.c.spec, runs.c.inputs, runs.c.resume,
                   runs.c.trace_context)
    )).first()
    await conn.commit()
    if row is not None:
        return Claim(workspace_id=row.workspace_id, attempts=row.attempts, spec=row.spec, inputs=row.inputs or {},
                     resume=row.resume, trace_context=row.trace_context)
    status = (await conn.execute(sa.select(runs.c.status).where(runs.c.id == run_id))).scalar_one_or_none()
    await conn.commit()
    return BUSY if status == "running" else None


async def renew(conn: AsyncConnection, *, run_id: str, lease_s: float) -> bool:
    """Extend the lease; False when the run is no longer running here (cancelled, or taken over)."""
    result = await conn.execute(
        sa.update(runs).where(runs.c.id == run_id, runs.c.status == "running")
        .values(lease_until=now() + timedelta(seconds=lease_s))
    )
    await conn.commit()
    return result.rowcount == 1


def renew_sync(conn: sa.Connection, *, run_id: str, lease_s: float) -> bool:
    """`renew` for the heartbeat thread."""
    result = conn.execute(
        sa.update(runs).where(runs.c.id == run_id, runs.c.status == "running")
        .values(lease_until=now() + timedelta(seconds=lease_s))
    )
    conn.commit()
    return result.rowcount == 1


async def finish(
    conn: AsyncConnection, *, run_id: str, status: str, outputs: dict[str, Any] | None = None,
    error: str | None = None, interrupt: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Record the outcome of this segment; None when the run had left `running` (e.g. was cancelled).

    Returns the row's delivery count and times as JSON values, for the final event (``RECORD_KEY``)."""
    values: dict[str, Any] = {"status": status, "lease_until": None, "resume": None, "interrupt": interrupt}
    if status in TERMINAL:
        values |= {"finished_at": now(), "outputs": outputs, "error": error}
    row = (await conn.execute(
        sa.update(runs).where(runs.c.id == run_id, runs.c.status == "running").values(**values)
        .returning(runs.c.attempts, runs.c.started_at, runs.c.finished_at)
    )).first()
    await conn.commit()
    if row is None:
        return None
    return {"attempts": row.attempts, "started_at": _iso(row.started_at), "finished_at": _iso(row.finished_at)}


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


async def release(conn: AsyncConnection, *, run_id: str, retry_in_s: float) -> None:
    """Give the lease back until a retry (transient error) is due."""
    await conn.execute(
        sa.update(runs).where(runs.c.id == run_id, runs.c.status == "running")
        .values(lease_until=now() + timedelta(seconds=retry_in_s))
    )
    await conn.commit()


def stale_runs(conn: sa.Connection, *, requeue_queued_s: float) -> list[str]:
    """Runs to enqueue again: running ones whose worker stopped renewing its lease (it died) go back to
    `queued`; queued ones whose message may be lost (embedded broker, crash before enqueue) are re-sent.
    Each returned run gets a fresh `requeue_queued_s` lease so concurrent sweepers send it once."""
    t = now()
    ids = list(conn.execute(
        sa.select(runs.c.id).where(runs.c.status.in_(ACTIVE), runs.c.lease_until < t).limit(500)
    ).scalars())
    taken = []
    for run_id in ids:
        result = conn.execute(
            sa.update(runs).where(runs.c.id == run_id, runs.c.status.in_(ACTIVE), runs.c.lease_until < t)
            .values(status="queued", lease_until=t + timedelta(seconds=requeue_queued_s))
        )
        if result.rowcount == 1:
            taken.append(run_id)
    conn.commit()
    return taken


async def saved_graph(conn: AsyncConnection, *, workspace_id: str, graph_id: str, version: int | None) -> Any:
    """A saved graph's spec (latest, or one version) of the run's workspace, for subgraph nodes; None if absent."""
    if version is None:
        query = sa.select(graphs.c.spec).where(graphs.c.workspace_id == workspace_id, graphs.c.id == graph_id)
    else:
        query = sa.select(graph_versions.c.spec).where(graph_versions.c.workspace_id == workspace_id,
                                                       graph_versions.c.graph_id == graph_id,
                                                       graph_versions.c.version == version)
    spec = (await conn.execute(query)).scalar_one_or_none()
    await conn.commit()
    return spec
