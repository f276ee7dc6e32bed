"""The Celery app of durable runs: one task per run, safe delivery settings, a sweeper for lost runs."""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery, signals

from runtime.worker.config import WorkerConfig

log = logging.getLogger("lcnc.worker")

RUN_TASK = "lcnc.run"


def create_celery(config: WorkerConfig) -> Celery:
    """A Celery app for ``config``: the same one enqueues (API) and executes (worker)."""
    app = Celery(f"lcnc-{config.namespace}", broker=config.broker_url, set_as_current=False)
    transport: dict[str, Any]
    if config.redis_url:
        from runtime.worker.transport import Transport

        app.conf.broker_transport = Transport  # kombu's, keeping one client per channel (see its module)
        transport = {"visibility_timeout": config.visibility_timeout_s, "global_keyprefix": config.broker_key_prefix}
    else:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        transport = {"connect_args": {"timeout": 30}}
    app.conf.update(
        task_default_queue=config.queue,
        task_acks_late=True,  # a message is acknowledged after the run segment, not before
        task_reject_on_worker_lost=True,  # a worker that dies mid-run gives the message back
        worker_prefetch_multiplier=1,  # runs are long: do not hoard messages other workers could take
        task_time_limit=config.run_timeout_s + 300,  # backstop; the run timeout itself is enforced in-loop
        task_ignore_result=True,  # the run row is the result
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options=transport,
        broker_connection_retry_on_startup=True,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        # Logging is the process's own (JSON lines with trace ids): Celery adds no handler of its own and does
        # not turn stdout/stderr into a logger, which would write every line twice.
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )
    _register(app, config)
    return app


def _register(app: Celery, config: WorkerConfig) -> None:
    @app.task(name=RUN_TASK, bind=True, max_retries=None)
    def run(self: Any, run_id: str) -> str:
        from runtime.heap import freeze_setup_objects
        from runtime.worker.execute import Retry, execute_run
        from runtime.worker.process import process_state

        state = process_state(config)
        result = state.run(execute_run(state, run_id, task_id=self.request.id))
        if not state.heap_frozen:  # this process's own set-up (after the fork) and first run are done
            state.heap_frozen = True
            freeze_setup_objects()
        if result == "busy":
            # Another live worker holds the lease (a duplicate delivery): look again once it could have expired.
            raise self.retry(countdown=config.lease_s)
        if isinstance(result, Retry):
            raise self.retry(countdown=result.countdown)
        return str(result)


def enqueue(app: Celery, config: WorkerConfig, run_id: str, task_id: str | None = None) -> str:
    """Send one delivery of ``run_id``; returns the task id. Call only after the run row is committed."""
    return app.send_task(RUN_TASK, args=[run_id], queue=config.queue, task_id=task_id).id


def revoke(app: Celery, task_id: str) -> None:
    """Drop a queued delivery (a running one stops at its next heartbeat, seeing the row cancelled)."""
    app.control.revoke(task_id)


class Sweeper(threading.Thread):
    """Re-enqueues runs whose worker died (expired lease) or whose message was lost. One per worker."""

    def __init__(self, app: Celery, config: WorkerConfig, every_s: float | None = None) -> None:
        super().__init__(name="lcnc-sweeper", daemon=True)
        self.app = app
        self.config = config
        self.every_s = every_s or max(0.5, config.lease_s / 2)
        self.stopped = threading.Event()

    def sweep(self) -> list[str]:
        import sqlalchemy as sa

        from runtime.worker import store

        engine = getattr(self, "_engine", None)
        if engine is None:
            # Each re-queue is one guarded UPDATE: no transaction spans the select and the updates.
            engine = self._engine = sa.create_engine(self.config.sync_database_url, pool_pre_ping=True,
                                                     isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            run_ids = store.stale_runs(conn, requeue_queued_s=self.config.requeue_queued_s)
        for run_id in run_ids:
            enqueue(self.app, self.config, run_id)
        if run_ids:
            log.info("re-enqueued %d run(s) whose worker or message was lost: %s", len(run_ids), run_ids)
        return run_ids

    def run(self) -> None:
        while not self.stopped.wait(self.every_s):
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - keep sweeping; the DB may be back next time
                log.warning("sweep failed", exc_info=True)


def _preload() -> None:
    """Import what runs need before the pool forks, so no run pays for it (and no lease lapses meanwhile)."""
    import runtime.checkpoint
    import runtime.engine
    import runtime.worker.execute
    import runtime.worker.process  # noqa: F401


def start_worker(config: WorkerConfig, *, concurrency: int = 1, hostname: str | None = None,
                 loglevel: str = "INFO", pool: str = "prefork") -> None:
    """Run a worker in this process until it is stopped (Ctrl-C / SIGTERM): the body of `lcnc worker`."""
    from celery.utils.nodenames import default_nodename, host_format

    from runtime.checkpoint import setup_checkpointer
    from runtime.heap import freeze_setup_objects
    from runtime.worker.presence import Presence

    _preload()
    setup_checkpointer(config.database_url)
    app = create_celery(config)
    sweeper = Sweeper(app, config)
    presence = Presence(config, name=host_format(default_nodename(hostname)), concurrency=concurrency)
    presence.register()  # before the pool forks, so its processes can note their metrics port in the row

    def _ready(sender: Any = None, **_: Any) -> None:
        if not sweeper.is_alive():
            sweeper.start()
        if not presence.is_alive():
            presence.start()

    signals.worker_ready.connect(_ready, weak=False)
    if logging.getLevelName(loglevel.upper()) != logging.DEBUG:
        # Celery logs each task as received and as succeeded; the run's own lines (started, ended, with its id)
        # say the same, so at INFO a worker writes two lines per run instead of four. Failures still show.
        for name in ("celery.worker.strategy", "celery.app.trace"):
            logging.getLogger(name).setLevel(logging.WARNING)
    freeze_setup_objects()  # before the pool forks: the children share these pages and never scan them
    argv = ["worker", "-Q", config.queue, "-c", str(concurrency), "-P", pool, "--loglevel", loglevel,
            "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if hostname:
        argv += ["-n", hostname]
    try:
        app.worker_main(argv)
    finally:
        sweeper.stopped.set()
        presence.stop()
