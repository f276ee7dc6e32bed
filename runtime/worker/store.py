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

from runtime.worker.rows import Rows

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
    spec: str  # the run's GraphSpec as JSON text
    inputs: dict[str, Any]
    resume: Any
    trace_context: dict[str, Any] | None = None


# The statements, built once: every call sends the same SQL with its own values.
_CLAIM = (
    sa.update(runs)
    .where(runs.c.id == sa.bindparam("run_id"))
    .where(sa.or_(runs.c.status == "queued",
                  sa.and_(runs.c.status == "running",
                          sa.or_(runs.c.lease_until.is_(None), runs.c.lease_until < sa.bindparam("now", type_=_TS)))))
    .values(status="running", attempts=runs.c.attempts + 1, task_id=sa.bindparam("new_task_id"),
            lease_until=sa.bindparam("until", type_=_TS),
            started_at=sa.func.coalesce(runs.c.started_at, sa.bindparam("now", type_=_TS)))
    # The spec as its JSON text: the worker parses a graph once per distinct text (runtime.compile.cache).
    .returning(runs.c.workspace_id, runs.c.attempts, sa.cast(runs.c.spec, sa.Text).label("spec"), runs.c.inputs,
               runs.c.resume, runs.c.trace_context)
)
_STATUS = sa.select(runs.c.status).where(runs.c.id == sa.bindparam("run_id"))
_RENEW = (sa.update(runs).where(runs.c.id == sa.bindparam("run_id"), runs.c.status == "running")
          .values(lease_until=sa.bindparam("until", type_=_TS)))
_FINISH_VALUES = {"lease_until": None, "resume": sa.null(), "status": sa.bindparam("new_status"),
                  "interrupt": sa.bindparam("new_interrupt", type_=_JSON)}
_FINISHED = {"finished_at": sa.bindparam("now", type_=_TS), "outputs": sa.bindparam("new_outputs", type_=_JSON),
             "error": sa.bindparam("new_error", type_=sa.Text)}


def _finish(values: dict[str, Any]) -> Any:
    return (sa.update(runs).where(runs.c.id == sa.bindparam("run_id"), runs.c.status == "running").values(**values)
            .returning(runs.c.attempts, runs.c.started_at, runs.c.finished_at))


_FINISH_SEGMENT = _finish(_FINISH_VALUES)  # waiting for a person: the run goes on later
_FINISH_RUN = _finish(_FINISH_VALUES | _FINISHED)  # succeeded, failed or cancelled
_SAVED_GRAPH = sa.select(graphs.c.spec).where(graphs.c.workspace_id == sa.bindparam("workspace_id"),
                                              graphs.c.id == sa.bindparam("graph_id"))
_SAVED_VERSION = sa.select(graph_versions.c.spec).where(graph_versions.c.workspace_id == sa.bindparam("workspace_id"),
                                                        graph_versions.c.graph_id == sa.bindparam("graph_id"),
                                                        graph_versions.c.version == sa.bindparam("version"))


async def claim(rows: Rows, *, run_id: str, task_id: str | None, lease_s: float) -> Claim | str | None:
    """Take the run's lease: a Claim, BUSY when another live worker holds it, None when there is nothing to do."""
    t = now()
    row = await rows.one(_CLAIM, {"run_id": run_id, "now": t, "new_task_id": task_id,
                                  "until": t + timedelta(seconds=lease_s)})
    if row is not None:
        return Claim(workspace_id=row["workspace_id"], attempts=row["attempts"], spec=row["spec"],
                     inputs=row["inputs"] or {}, resume=row["resume"], trace_context=row["trace_context"])
    status = await rows.one(_STATUS, {"run_id": run_id})
    return BUSY if status is not None and status["status"] == "running" else None


def renew_sync(conn: sa.Connection, *, run_id: str, lease_s: float) -> bool:
    """Extend the lease (the heartbeat thread); False when the run is no longer running here (cancelled, or
    taken over)."""
    result = conn.execute(_RENEW, {"run_id": run_id, "until": now() + timedelta(seconds=lease_s)})
    conn.commit()
    return result.rowcount == 1


async def finish(
    rows: Rows, *, run_id: str, status: str, outputs: dict[str, Any] | None = None,
    error: str | None = None, interrupt: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Record the outcome of this segment; None when the run had left `running` (e.g. was cancelled).

    Returns the row's delivery count and times as JSON values, for the final event (``RECORD_KEY``)."""
    params = {"run_id": run_id, "new_status": status, "new_interrupt": interrupt}
    if status in TERMINAL:
        row = await rows.one(_FINISH_RUN, params | {"now": now(), "new_outputs": outputs, "new_error": error})
    else:
        row = await rows.one(_FINISH_SEGMENT, params)
    if row is None:
        return None
    return {"attempts": row["attempts"], "started_at": _iso(row["started_at"]),
            "finished_at": _iso(row["finished_at"])}


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


async def release(rows: Rows, *, run_id: str, retry_in_s: float) -> None:
    """Give the lease back until a retry (transient error) is due."""
    await rows.count(_RENEW, {"run_id": run_id, "until": now() + timedelta(seconds=retry_in_s)})


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


async def saved_graph(rows: Rows, *, workspace_id: str, graph_id: str, version: int | None) -> Any:
    """A saved graph's spec (latest, or one version) of the run's workspace, for subgraph nodes; None if absent."""
    params = {"workspace_id": workspace_id, "graph_id": graph_id}
    row = await (rows.one(_SAVED_GRAPH, params) if version is None
                 else rows.one(_SAVED_VERSION, params | {"version": version}))
    return None if row is None else row["spec"]
