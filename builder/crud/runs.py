"""Runs: rows written before a run is enqueued, status changes guarded by the status they expect."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from builder import run_specs
from builder.context import RequestContext
from builder.crud import graphs as graph_store
from builder.db.models import Graph, GraphVersion, Run, new_id, utcnow
from builder.errors import ApiError, Conflict, NotFound
from builder.observability.worker import setup_worker_observability
from builder.run_specs import SavedSpec
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
                              "synchronous_commit": settings.worker_synchronous_commit,
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


def _run_param(name: str) -> Any:
    return bindparam(f"new_{name}", type_=Run.__table__.c[name].type)


_INSERT_RUN = insert(Run.__table__).values({name: _run_param(name) for name in _RUN_COLUMNS})


def _insert_run_copying(spec: Any, *where: Any) -> Any:
    """INSERT INTO runs ... SELECT the given values and the saved ``spec`` WHERE ``where`` (one row or none)."""
    names = [name for name in _RUN_COLUMNS if name != "spec"]
    return insert(Run.__table__).from_select([*names, "spec"], select(*map(_run_param, names), spec).where(*where))


_saved, _saved_versions = Graph.__table__.c, GraphVersion.__table__.c
_SAVED_AT = bindparam("saved_at", type_=Graph.__table__.c.updated_at.type)
_INSERT_RUN_OF_LATEST = _insert_run_copying(
    _saved.spec, _saved.workspace_id == bindparam("new_workspace_id"), _saved.id == bindparam("new_graph_id"),
    _saved.version == bindparam("new_graph_version"), _saved.updated_at == _SAVED_AT)
_INSERT_RUN_OF_VERSION = _insert_run_copying(
    _saved_versions.spec, _saved_versions.workspace_id == bindparam("new_workspace_id"),
    _saved_versions.graph_id == bindparam("new_graph_id"), _saved_versions.version == bindparam("new_graph_version"),
    _saved_versions.created_at == _SAVED_AT)


def _run_values(ctx: RequestContext, graph_id: str, graph_version: int, inputs: dict[str, Any],
                requeue_after_s: float) -> dict[str, Any]:
    now = utcnow()
    run_id = new_id()
    return {"id": run_id, "task_id": f"{run_id}-1", "workspace_id": ctx.workspace_id, "graph_id": graph_id,
            "graph_version": graph_version, "status": "queued", "inputs": inputs, "attempts": 0,
            "created_by": ctx.user_id, "created_at": now, "lease_until": now + timedelta(seconds=requeue_after_s),
            "trace_context": current_carrier() or None}


async def start_run_row(rows: Rows, *, ctx: RequestContext, graph_id: str, version: int | None,
                        inputs: dict[str, Any], requeue_after_s: float) -> Run:
    """The queued row of a new run of a saved graph (the latest version, or ``version``); 404 for an unknown
    graph or version, 422 for a graph that cannot run or inputs that do not match it.

    One statement when this process started the same graph version before (``builder.run_specs``): the inputs
    are checked against that spec and the row copies the stored spec. Otherwise, or when the graph changed
    since, the saved graph is read first."""
    saved = run_specs.known(ctx.workspace_id, graph_id, version)
    if saved is not None:
        try:
            checked: dict[str, Any] | None = check_inputs(saved.spec, inputs)
        except ApiError:
            checked = None  # the graph may have changed since: the answer comes from the saved graph, below
        if checked is not None:
            run = await create_run_of_saved(rows, ctx=ctx, graph_id=graph_id, saved=saved, pinned=version is not None,
                                            inputs=checked, requeue_after_s=requeue_after_s)
            if run is not None:
                return run
        run_specs.forget(ctx.workspace_id, graph_id, version)
    saved_version, raw, saved_at = await graph_store.spec_to_run(rows, workspace_id=ctx.workspace_id,
                                                                 graph_id=graph_id, version=version)
    spec, spec_json = run_specs.remember(ctx.workspace_id, graph_id, version, saved_version=saved_version,
                                         saved_at=saved_at, raw=raw)
    return await create_run(rows, ctx=ctx, graph_id=graph_id, graph_version=saved_version, spec=spec,
                            spec_json=spec_json, inputs=check_inputs(spec, inputs), requeue_after_s=requeue_after_s)


async def create_run_of_saved(
    rows: Rows, *, ctx: RequestContext, graph_id: str, saved: SavedSpec, pinned: bool, inputs: dict[str, Any],
    requeue_after_s: float,
) -> Run | None:
    """Insert and commit a queued run whose spec the statement copies from the saved graph: one statement.

    ``saved`` is what an earlier start read (``builder.run_specs.known``); ``pinned``: it is a version asked for
    by number (else the latest). None, and no row, when that graph version is no longer what was read."""
    values = _run_values(ctx, graph_id, saved.version, inputs, requeue_after_s)
    statement = _INSERT_RUN_OF_VERSION if pinned else _INSERT_RUN_OF_LATEST
    params = {f"new_{name}": value for name, value in values.items()} | {"saved_at": saved.saved_at}
    if await rows.count(statement, params) != 1:
        return None
    return Run(**values, spec=saved.spec_json)


async def create_run(
    rows: Rows, *, ctx: RequestContext, graph_id: str, graph_version: int, spec: GraphSpec,
    inputs: dict[str, Any], requeue_after_s: float, spec_json: dict[str, Any] | None = None,
) -> Run:
    """Insert and commit a queued run (the caller enqueues it only after this returns): one statement.

    ``spec_json`` is ``spec`` as JSON when the caller has it already (``builder.run_specs``)."""
    values = _run_values(ctx, graph_id, graph_version, inputs, requeue_after_s)
    values["spec"] = spec_json if spec_json is not None else spec.model_dump(mode="json")
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
