"""`lcnc run --queue`: the same run, but as a durable run on the platform's queue, executed by a worker."""

from __future__ import annotations

import asyncio
from typing import Any

from runtime.engine import RunOutcome
from runtime.spec import GraphSpec

_SEGMENT_END = {"run_finished", "run_failed", "run_cancelled", "interrupt"}


def run_on_queue(spec: GraphSpec, inputs: dict[str, Any], *, events: bool, approve: bool | None, comment: str,
                 timeout: float) -> RunOutcome:
    """Insert a run row (local workspace), enqueue it, follow its events until it ends; answer approvals."""
    return asyncio.run(_run(spec, inputs, events=events, approve=approve, comment=comment, timeout=timeout))


async def _run(spec: GraphSpec, inputs: dict[str, Any], *, events: bool, approve: bool | None, comment: str,
               timeout: float) -> RunOutcome:
    from builder.cli_run import print_event
    from builder.context import ensure_local_identity
    from builder.crud import runs as run_store
    from builder.db.engine import make_engine, make_sessionmaker
    from builder.db.migrate import upgrade_database
    from builder.errors import ApiError
    from builder.graph_checks import check_runnable
    from builder.startup import load_settings
    from runtime.worker.app import create_celery, enqueue
    from runtime.worker.rows import open_rows

    settings = load_settings()
    if not settings.local_mode:
        return RunOutcome("failed", error="--queue runs in the local workspace: set LOCAL_MODE=true, or start the "
                                          "run through the API (POST /api/orchestrator/runs)")
    try:
        check_runnable(spec)
        values = run_store.check_inputs(spec, inputs)
    except ApiError as exc:
        return RunOutcome("failed", error=exc.detail)
    if settings.auto_migrate:
        await asyncio.to_thread(upgrade_database, settings)
    config = run_store.worker_config(settings)
    celery = create_celery(config)
    stream = config.open_events()
    engine = make_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    try:
        ctx = await ensure_local_identity(sessionmaker)
        rows = open_rows(settings.resolved_database_url, engine, max_size=1)
        try:
            run = await run_store.create_run(rows, ctx=ctx, graph_id=spec.id, graph_version=0, spec=spec,
                                             inputs=values, requeue_after_s=config.requeue_queued_s)
        finally:
            await rows.close()
        await asyncio.to_thread(enqueue, celery, config, run.id, run.task_id)
        last: str | None = None
        while True:
            ended = None
            async for item in stream.subscribe(run.id, last, heartbeat=1.0, timeout=timeout):
                if item is None:
                    continue
                last = item.id
                if events:
                    print_event(item.event)
                if item.type in _SEGMENT_END:
                    ended = item.type
                    break
            async with sessionmaker() as session:
                row = await run_store.get_run(session, workspace_id=ctx.workspace_id, run_id=run.id)
            if ended is None:
                return RunOutcome("failed", error=f"run {run.id} is still {row.status} after {timeout:g} s: is a "
                                                  "worker running? (`lcnc worker`, or `lcnc up`)")
            if row.status == "waiting" and approve is not None:
                async with sessionmaker() as session:
                    row = await run_store.resume_run(session, workspace_id=ctx.workspace_id, run_id=run.id,
                                                     answer={"approved": approve, "comment": comment},
                                                     requeue_after_s=config.requeue_queued_s)
                await asyncio.to_thread(enqueue, celery, config, run.id, row.task_id)
                continue
            return RunOutcome(row.status if row.status != "queued" else "failed", outputs=row.outputs or {},
                              error=row.error, interrupt=row.interrupt)
    finally:
        await stream.close()
        await engine.dispose()
        celery.close()
