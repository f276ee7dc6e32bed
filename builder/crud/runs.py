"""Runs: rows written before a run is enqueued, status changes guarded by the status they expect."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from builder.context import RequestContext
from builder.db.models import Run, new_id, utcnow
from builder.errors import ApiError, Conflict, NotFound
from builder.observability.worker import setup_worker_observability
from builder.settings import Settings
from builder.tools.worker_services import worker_services_factory
from runtime.spec import GraphSpec
from runtime.telemetry import current_carrier
from runtime.worker.config import WorkerConfig
from runtime.worker.rows import Rows

STATUSES = ("queued", "running", "waiting", "succeeded", "failed", "cancelled")
TERMINAL = ("succeeded", "failed", "cancelled")

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "text": (str,), "number": (int, float), "boolean": (bool,), "messages": (list,), "documents": (list,),
}


def worker_config(settings: Settings, **overrides: Any) -> WorkerConfig:
    """The queue settings the platform and its workers share, from the platform Settings."""
    values: dict[str, Any] = {"database_url": settings.resolved_database_url, "redis_url": settings.redis_url,
                              "namespace": settings.queue_namespace,
                              "data_dir": settings.data_dir, "trace_content": settings.trace_content,
                              "checkpoint_synchronous_commit": settings.checkpoint_synchronous_commit,
                              "services_factory": worker_services_factory(settings),
                              "process_init": partial(setup_worker_observability, settings)}
    return WorkerConfig(**(values | overrides))


def check_inputs(spec: GraphSpec, inputs: dict[str, Any]) -> dict[str, Any]:
    """The run's inputs with defaults filled; 422 naming the input that is unknown, missing or mistyped."""
    declared = {field.name: field for field in spec.inputs}
    errors = [{"loc": ["body", "inputs", name], "msg": f"'{name}' is not an input of graph '{spec.id}'",
               "type": "unknown_input"} for name in inputs if name not in declared]
    resolved: dict[str, Any] = {}
    for name, field in declared.items():
        if name not in inputs:
            if field.required and field.default is None:
                errors.append({"loc": ["body", "inputs", name], "msg": f"input '{name}' is required",
                               "type": "missing"})
            elif field.default is not None:
                resolved[name] = field.default
            continue
        value = inputs[name]
        allowed = _PY_TYPES.get(field.type)
        wrong_bool = field.type == "number" and isinstance(value, bool)
        if allowed is not None and (not isinstance(value, allowed) or wrong_bool):
            errors.append({"loc": ["body", "inputs", name], "msg": f"input '{name}' must be {field.type}",
                           "type": "type_error"})
        resolved[name] = value
    if errors:
        raise ApiError(422, errors[0]["msg"], errors)
    return resolved


_RUN_COLUMNS = ("id", "task_id", "workspace_id", "graph_id", "graph_version", "spec", "status", "inputs", "attempts",
                "created_by", "created_at", "lease_until", "trace_context")
_INSERT_RUN = insert(Run.__table__).values({name: bindparam(f"new_{name}", type_=Run.__table__.c[name].type)
                                            for name in _RUN_COLUMNS})


async def create_run(
    rows: Rows, *, ctx: RequestContext, graph_id: str, graph_version: int, spec: GraphSpec,
    inputs: dict[str, Any], requeue_after_s: float, spec_json: dict[str, Any] | None = None,
) -> Run:
    """Insert and commit a queued run (the caller enqueues it only after this returns): one statement.

    ``spec_json`` is ``spec`` as JSON when the caller has it already (``builder.run_specs``)."""
    now = utcnow()
    run_id = new_id()
    values = {"id": run_id, "task_id": f"{run_id}-1", "workspace_id": ctx.workspace_id, "graph_id": graph_id,
              "graph_version": graph_version,
              "spec": spec_json if spec_json is not None else spec.model_dump(mode="json"), "status": "queued",
              "inputs": inputs, "attempts": 0, "created_by": ctx.user_id, "created_at": now,
              "lease_until": now + timedelta(seconds=requeue_after_s), "trace_context": current_carrier() or None}
    await rows.count(_INSERT_RUN, {f"new_{name}": value for name, value in values.items()})
    return Run(**values)


async def get_run(session: AsyncSession, *, workspace_id: str, run_id: str) -> Run:
    run = await session.get(Run, run_id, populate_existing=True)
    if run is None or run.workspace_id != workspace_id:
        raise NotFound(f"run '{run_id}'")
    return run


async def list_runs(
    session: AsyncSession, *, workspace_id: str, graph_id: str | None, status: str | None, limit: int, offset: int,
) -> tuple[list[Run], int]:
    where = [Run.workspace_id == workspace_id]
    if graph_id:
        where.append(Run.graph_id == graph_id)
    if status:
        where.append(Run.status == status)
    total = await session.scalar(select(func.count()).select_from(Run).where(*where))
    rows = await session.execute(
        select(Run).where(*where).order_by(Run.created_at.desc(), Run.id).limit(limit).offset(offset)
    )
    return list(rows.scalars()), int(total or 0)


async def cancel_run(session: AsyncSession, *, workspace_id: str, run_id: str) -> Run:
    """Mark a queued, running or waiting run cancelled; 409 when it already ended."""
    run = await get_run(session, workspace_id=workspace_id, run_id=run_id)
    result = await session.execute(
        update(Run).where(Run.id == run_id, Run.status.in_(("queued", "running", "waiting")))
        .values(status="cancelled", finished_at=utcnow(), lease_until=None, error="cancelled by a user")
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    run = await get_run(session, workspace_id=workspace_id, run_id=run_id)
    if result.rowcount != 1:
        raise Conflict(f"run '{run_id}' already ended ({run.status})")
    return run


async def resume_run(
    session: AsyncSession, *, workspace_id: str, run_id: str, answer: dict[str, Any], requeue_after_s: float,
) -> Run:
    """Give a waiting run the person's answer and queue it again; 409 unless it is waiting."""
    await get_run(session, workspace_id=workspace_id, run_id=run_id)
    now = utcnow()
    result = await session.execute(
        update(Run).where(Run.id == run_id, Run.status == "waiting")
        .values(status="queued", resume=answer, lease_until=now + timedelta(seconds=requeue_after_s),
                task_id=f"{run_id}-{uuid.uuid4().hex[:8]}")
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    run = await get_run(session, workspace_id=workspace_id, run_id=run_id)
    if result.rowcount != 1:
        raise Conflict(f"run '{run_id}' is not waiting for an answer (it is {run.status})")
    return run
