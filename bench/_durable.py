"""Shared by the durable-runtime benches (P2, P3, P5): a throwaway PostgreSQL database, a Redis key
namespace, the platform app in-process, and worker processes the bench starts and stops itself."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

POSTGRES_ADMIN_URL = os.environ.get("LCNC_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("LCNC_BENCH_REDIS", "redis://127.0.0.1:6379/0")
BENCH_FILE_DIR = Path(__file__).resolve().parent


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    name = f"lcnc_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cleanup_redis(namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{namespace}*"))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start:start + 500])
    client.close()


def start_process(command: list[str], env: dict[str, str], log_path: Path, ready: bytes = b" ready.",
                  timeout: float = 90.0) -> subprocess.Popen:
    log = log_path.open("wb")
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                            start_new_session=True)
    deadline = time.monotonic() + timeout
    while ready not in log_path.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_process(proc)
            raise RuntimeError(f"worker did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)
    return proc


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


class Platform:
    """The platform (PostgreSQL + Redis) in this process and `lcnc worker` processes."""

    def __init__(self, database_url: str, data_dir: Path, concurrency: int = 1) -> None:
        from builder.crud.runs import worker_config
        from builder.settings import Settings

        self.namespace = f"lcnc-bench-{uuid.uuid4().hex[:8]}"
        self.database_url = database_url
        self.data_dir = data_dir
        self.concurrency = concurrency
        self.settings = Settings(data_dir=data_dir, database_url=database_url, redis_url=REDIS_URL)
        self.config = worker_config(self.settings, namespace=self.namespace)
        self.procs: list[subprocess.Popen] = []
        self.client: Any = None
        self._client_cm: Any = None

    def __enter__(self) -> Platform:
        from fastapi.testclient import TestClient

        from builder.app import create_app
        from builder.routes.runs import RunQueue

        app = create_app(self.settings)
        self._client_cm = TestClient(app)
        self.client = self._client_cm.__enter__()
        app.state.run_queue = RunQueue(self.config)
        env = {**os.environ, "DATA_DIR": str(self.data_dir), "DATABASE_URL": self.database_url,
               "REDIS_URL": REDIS_URL, "LOCAL_MODE": "true", "AUTO_MIGRATE": "false"}
        command = [sys.executable, "-c", "from builder.cli import app; app()", "worker", "--namespace",
                   self.namespace, "--concurrency", str(self.concurrency), "--loglevel", "INFO"]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.procs.append(start_process(command, env, self.data_dir / "worker.log"))
        return self

    def __exit__(self, *exc: Any) -> None:
        for proc in self.procs:
            stop_process(proc)
        if self._client_cm is not None:
            self._client_cm.__exit__(None, None, None)
        cleanup_redis(self.namespace)

    def create_graph(self, spec: dict[str, Any]) -> None:
        response = self.client.post("/api/workflow/graphs", json=spec)
        assert response.status_code == 201, response.text

    def run(self, graph_id: str, inputs: dict[str, Any], wait: float = 60) -> dict[str, Any]:
        response = self.client.post("/api/orchestrator/runs", json={"graph_id": graph_id, "inputs": inputs},
                                    params={"wait": wait})
        assert response.status_code == 200, response.text
        return response.json()


BARE_APP_CODE = """
import sys
from celery import Celery
namespace, redis_url = sys.argv[1], sys.argv[2]
app = Celery("bare", broker=redis_url, backend=redis_url, set_as_current=True)
app.conf.update(task_default_queue=namespace + ".bare", task_acks_late=True, task_reject_on_worker_lost=True,
                worker_prefetch_multiplier=1, task_serializer="json", accept_content=["json"],
                broker_transport_options={"global_keyprefix": namespace + ":"},
                result_backend_transport_options={"global_keyprefix": namespace + ":"})
@app.task(name="bench.noop")
def noop():
    return None
app.worker_main(["worker", "-Q", namespace + ".bare", "-c", sys.argv[3], "-P", "prefork", "--loglevel", "INFO",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", namespace + "-bare@%h"])
"""


class BareCelery:
    """A bare Celery app with one no-op task on the same Redis, and its worker process."""

    def __init__(self, data_dir: Path, concurrency: int = 1) -> None:
        self.namespace = f"lcnc-bench-bare-{uuid.uuid4().hex[:8]}"
        self.data_dir = data_dir
        self.concurrency = concurrency

    def __enter__(self) -> BareCelery:
        from celery import Celery

        self.app = Celery("bare", broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
        self.app.conf.update(task_serializer="json", accept_content=["json"],
                             broker_transport_options={"global_keyprefix": self.namespace + ":"},
                             result_backend_transport_options={"global_keyprefix": self.namespace + ":"})
        self.proc = start_process([sys.executable, "-c", BARE_APP_CODE, self.namespace, REDIS_URL,
                                   str(self.concurrency)], dict(os.environ), self.data_dir / "bare.log")
        return self

    def call(self) -> None:
        self.app.send_task("bench.noop", queue=self.namespace + ".bare").get(timeout=30)

    def __exit__(self, *exc: Any) -> None:
        stop_process(self.proc)
        self.app.close()
        cleanup_redis(self.namespace)
