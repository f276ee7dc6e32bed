"""Shared by the durable-runtime benches (P2, P3, P5): a throwaway PostgreSQL database, a Redis key
namespace, and the platform's server and worker processes, which the bench starts and stops itself."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Platform:
    """The platform as it is deployed: `lcnc serve` (PostgreSQL + Redis) and `lcnc worker` processes, called over
    HTTP with one kept-alive connection, as a client of the run API would."""

    def __init__(self, database_url: str, data_dir: Path, concurrency: int = 1) -> None:
        self.namespace = f"lcnc-bench-{uuid.uuid4().hex[:8]}"
        self.database_url = database_url
        self.data_dir = data_dir
        self.concurrency = concurrency
        self.port = free_port()
        self.procs: list[subprocess.Popen] = []
        self.http: http.client.HTTPConnection | None = None

    def __enter__(self) -> Platform:
        env = {**os.environ, "DATA_DIR": str(self.data_dir), "DATABASE_URL": self.database_url, "REDIS_URL": REDIS_URL,
               "LOCAL_MODE": "true", "QUEUE_NAMESPACE": self.namespace}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cli = [sys.executable, "-c", "from builder.cli import app; app()"]
        try:
            self.procs.append(start_process([*cli, "serve", "--port", str(self.port)], env | {"AUTO_MIGRATE": "true"},
                                            self.data_dir / "server.log", ready=b"Application startup complete"))
            self.procs.append(start_process([*cli, "worker", "--concurrency", str(self.concurrency), "--loglevel",
                                             "INFO"], env | {"AUTO_MIGRATE": "false"}, self.data_dir / "worker.log"))
        except BaseException:
            self.__exit__()
            raise
        self.http = self.connect()
        return self

    def connect(self) -> http.client.HTTPConnection:
        """A kept-alive connection to the server (one per client thread)."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def __exit__(self, *exc: Any) -> None:
        if self.http is not None:
            self.http.close()
        for proc in self.procs:
            stop_process(proc)
        cleanup_redis(self.namespace)

    def call(self, method: str, path: str, body: Any = None,
             connection: http.client.HTTPConnection | None = None) -> tuple[int, Any]:
        connection = connection or self.http
        assert connection is not None
        connection.request(method, path, body=None if body is None else json.dumps(body),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")

    def create_graph(self, spec: dict[str, Any]) -> None:
        status, body = self.call("POST", "/api/workflow/graphs", spec)
        assert status == 201, body

    def run(self, graph_id: str, inputs: dict[str, Any], wait: float = 60,
            connection: http.client.HTTPConnection | None = None) -> dict[str, Any]:
        status, body = self.call("POST", f"/api/orchestrator/runs?wait={wait:g}",
                                 {"graph_id": graph_id, "inputs": inputs}, connection)
        assert status == 200, body
        return body


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

    def new_app(self) -> Any:
        """A Celery client of the bare app (one per client thread)."""
        from celery import Celery

        app = Celery("bare", broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
        app.conf.update(task_serializer="json", accept_content=["json"],
                        broker_transport_options={"global_keyprefix": self.namespace + ":"},
                        result_backend_transport_options={"global_keyprefix": self.namespace + ":"})
        self.apps.append(app)
        return app

    def __enter__(self) -> BareCelery:
        self.apps: list[Any] = []
        self.app = self.new_app()
        self.proc = start_process([sys.executable, "-c", BARE_APP_CODE, self.namespace, REDIS_URL,
                                   str(self.concurrency)], dict(os.environ), self.data_dir / "bare.log")
        return self

    def call(self, app: Any = None) -> None:
        (app or self.app).send_task("bench.noop", queue=self.namespace + ".bare").get(timeout=30)

    def __exit__(self, *exc: Any) -> None:
        stop_process(self.proc)
        for app in self.apps:
            app.close()
        cleanup_redis(self.namespace)
