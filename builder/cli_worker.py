"""`lcnc worker` (execute queued runs) and `lcnc up` (the embedded default: the API plus one worker)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Annotated

import typer

from builder.cli import app

# How to start `lcnc worker` with this interpreter (`-m builder.cli` would build a second, empty Typer app).
WORKER_COMMAND = [sys.executable, "-c", "from builder.cli import app; app()", "worker"]


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option("-c", "--concurrency", min=1, help="Runs executed at once.")] = 1,
    hostname: Annotated[str | None, typer.Option(help="Worker name (default: lcnc@host-pid).")] = None,
    namespace: Annotated[str | None, typer.Option(
        help="Queue and Redis key prefix shared with the platform (default: QUEUE_NAMESPACE, lcnc).")] = None,
    lease_s: Annotated[float, typer.Option(help="Seconds without a heartbeat before a run is presumed lost.")] = 30.0,
    requeue_queued_s: Annotated[float, typer.Option(help="Seconds before a queued run is sent again.")] = 600.0,
    max_attempts: Annotated[int, typer.Option(min=1, help="Deliveries of one run before it ends failed.")] = 3,
    run_timeout_s: Annotated[float, typer.Option(help="Longest run segment, in seconds.")] = 3600.0,
    loglevel: Annotated[str, typer.Option(help="Log level.")] = "INFO",
    exit_with_parent: Annotated[int | None, typer.Option(hidden=True, help="Stop when this parent process is gone.")]
    = None,
) -> None:
    """Execute queued runs (Celery). Broker: REDIS_URL, or a SQLite file in DATA_DIR when it is empty.

    Example: `lcnc worker --concurrency 4`
    """
    from builder.crud.runs import worker_config
    from builder.db.migrate import upgrade_database
    from builder.startup import load_settings, startup_problems
    from runtime.worker.app import start_worker

    settings = load_settings()
    problems = startup_problems(settings, worker=True)
    if problems:
        for problem in problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)
    if settings.auto_migrate:
        upgrade_database(settings)
    if exit_with_parent:
        _exit_with_parent(exit_with_parent)
    _setup_worker_logging(settings.log_json, loglevel)
    namespace = namespace or settings.queue_namespace
    config = worker_config(settings, namespace=namespace, lease_s=lease_s, requeue_queued_s=requeue_queued_s,
                           max_attempts=max_attempts, run_timeout_s=run_timeout_s)
    start_worker(config, concurrency=concurrency, hostname=hostname or f"{namespace}@%h-{os.getpid()}",
                 loglevel=loglevel)


def _setup_worker_logging(json_logs: bool, level: str) -> None:
    """The worker's own log lines (Celery's included) in the platform's format: Celery leaves logging alone."""
    import logging

    if json_logs:
        from runtime.telemetry import setup_logging

        setup_logging("lcnc-worker", level)
    else:
        logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s")


EXIT_WITH_PARENT_GRACE_S = 30.0


def _exit_with_parent(parent_pid: int) -> None:
    """`lcnc up` may be killed without a chance to stop its worker: then the worker stops itself (warm shutdown)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)
        # A warm shutdown can hang for good when a pool process died holding a queue lock (billiard). Nobody
        # waits for this worker any more and its runs are durable (their leases lapse and another worker
        # resumes them), so after a grace period it leaves at once.
        time.sleep(EXIT_WITH_PARENT_GRACE_S)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@app.command()
def up(
    host: Annotated[str | None, typer.Option(help="Address to bind (default from HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from PORT, 8000).")] = None,
    concurrency: Annotated[int, typer.Option("-c", "--concurrency", min=1, help="Runs executed at once.")] = 1,
) -> None:
    """Start everything the embedded default needs: the API and one worker process; Ctrl-C stops both.

    Example: `lcnc up` then open http://127.0.0.1:8000
    """
    from builder.db.migrate import upgrade_database
    from builder.startup import load_settings, run_server

    settings = load_settings()
    if settings.auto_migrate:
        upgrade_database(settings)  # once, before two processes race to do it
    keeper = WorkerKeeper([*WORKER_COMMAND, "--concurrency", str(concurrency), "--exit-with-parent", str(os.getpid())])
    keeper.start()
    try:
        run_server(settings, host=host, port=port)
    finally:
        keeper.stop()


class WorkerKeeper(threading.Thread):
    """Keeps the worker of `lcnc up` running: a worker that exits while the API serves is started again, and
    the restart is said on stderr. Runs queued meanwhile wait in the queue; none is lost.

    The first restart comes after ``RESTART_AFTER_S``; a worker that keeps exiting within a minute waits twice
    as long each time, up to ``RESTART_MAX_S``."""

    RESTART_AFTER_S = 1.0
    RESTART_MAX_S = 30.0
    STEADY_S = 60.0

    def __init__(self, command: list[str]) -> None:
        super().__init__(name="lcnc-worker-keeper", daemon=True)
        self.command = command
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.process = self._spawn()

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen(self.command)  # noqa: S603 - our own interpreter and module, fixed arguments

    def run(self) -> None:
        delay = self.RESTART_AFTER_S
        while True:
            started = time.monotonic()
            code = self.process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started > self.STEADY_S:
                delay = self.RESTART_AFTER_S
            typer.echo(f"lcnc up: the worker exited (code {code}); starting it again in {delay:g} s", err=True)
            if self._stopping.wait(delay):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self.process = self._spawn()
            delay = min(delay * 2, self.RESTART_MAX_S)

    def stop(self) -> None:
        """Stop the worker (warm shutdown, then kill after 15 s) and start no other."""
        with self._lock:
            self._stopping.set()
            process = self.process
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
