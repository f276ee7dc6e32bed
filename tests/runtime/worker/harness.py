"""A whole platform for worker tests: the API in-process, real `lcnc worker` processes, real brokers.

Two setups: "redis" (PostgreSQL + Redis, the production shape) and "embedded" (SQLite file + the
SQLite broker, no servers). Every setup uses its own database or data folder and its own Redis key
prefix, so parallel test runs never meet.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.cli_worker import WORKER_COMMAND
from builder.crud.runs import worker_config
from builder.settings import Settings
from runtime.worker.config import WorkerConfig

REDIS_URL = os.environ.get("LCNC_TEST_REDIS", "redis://127.0.0.1:6379/0")
RUNS = "/api/orchestrator/runs"
GRAPHS = "/api/workflow/graphs"
LEASE_S = 2.0


def chain_graph(length: int, graph_id: str = "chain", stepwise: bool = False) -> dict[str, Any]:
    """input -> `length` transforms each appending '.' -> output: deterministic.

    The runtime runs such a line of pure nodes 16 to a step. ``stepwise`` puts a pass-through router after
    each transform (node `r<i>`), so every transform ends a step: a run with one checkpoint per transform, slow
    enough for tests that stop it midway.
    """
    nodes: list[dict[str, Any]] = [{"id": "in", "kind": "input", "config": {"name": "text"}}]
    edges = []
    previous, port, condition = "in", "value", None

    def link(target: str, target_port: str) -> None:
        edge: dict[str, Any] = {"source": {"node": previous, "port": port}, "target": {"node": target, "port": target_port}}
        if condition is not None:
            edge["condition"] = condition
        edges.append(edge)

    for index in range(length):
        node_id = f"t{index:03d}"
        nodes.append({"id": node_id, "kind": "transform", "config": {"template": "{{ data }}."}})
        link(node_id, "data")
        previous, port, condition = node_id, "value", None
        if stepwise:
            router_id = f"r{index:03d}"
            nodes.append({"id": router_id, "kind": "router", "config": {}})
            link(router_id, "value")
            previous, condition = router_id, "default"
    nodes.append({"id": "out", "kind": "output", "config": {"name": "text"}})
    link("out", "value")
    return {"schema_version": 2, "id": graph_id, "name": f"Chain of {length}", "nodes": nodes, "edges": edges,
            "inputs": [{"name": "text", "type": "text"}], "outputs": [{"name": "text", "type": "text"}]}


@dataclass
class Platform:
    backend: str
    settings: Settings
    config: WorkerConfig
    database_url: str
    tmp: Path
    client: Any = None
    workers: list[subprocess.Popen] = field(default_factory=list)

    # -- workers -------------------------------------------------------------------------------
    def worker_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "SERVICES"))}
        env.update({"DATA_DIR": str(self.settings.data_dir), "DATABASE_URL": self.database_url,
                    "REDIS_URL": self.config.redis_url, "LOCAL_MODE": "true", "AUTO_MIGRATE": "false",
                    "ENVIRONMENT": "development", "PYTHONUNBUFFERED": "1"})
        return env

    def start_worker(self, concurrency: int = 1, ready_timeout: float = 60.0) -> subprocess.Popen:
        index = len(self.workers)
        log_path = self.tmp / f"worker-{index}.log"
        log = log_path.open("wb")
        command = [*WORKER_COMMAND, "--namespace", self.config.namespace, "--lease-s", str(self.config.lease_s),
                   "--requeue-queued-s", str(self.config.requeue_queued_s), "--max-attempts",
                   str(self.config.max_attempts), "--run-timeout-s", str(self.config.run_timeout_s),
                   "--concurrency", str(concurrency), "--hostname", f"w{index}-{uuid.uuid4().hex[:6]}@%h"]
        proc = subprocess.Popen(command, env=self.worker_env(), stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                start_new_session=True, cwd=self.tmp)
        proc.log_path = log_path  # type: ignore[attr-defined]
        self.workers.append(proc)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if b" ready." in log_path.read_bytes():
                return proc
            if proc.poll() is not None:
                raise RuntimeError(f"worker exited {proc.returncode}:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready in {ready_timeout}s:\n{log_path.read_text(errors='replace')}")

    def kill_worker(self, proc: subprocess.Popen) -> None:
        """kill -9 the worker and its pool processes, as a lost machine would."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_worker(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)  # warm shutdown: the main process stops its pool
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            except ProcessLookupError:
                pass

    def stop_all(self) -> None:
        for proc in self.workers:
            self.stop_worker(proc)

    def logs(self) -> str:
        return "\n".join(p.log_path.read_text(errors="replace")[-4000:] for p in self.workers)  # type: ignore

    # -- API -----------------------------------------------------------------------------------
    def create_graph(self, spec: dict[str, Any]) -> None:
        response = self.client.post(GRAPHS, json=spec)
        assert response.status_code == 201, response.text

    def start_run(self, graph_id: str, inputs: dict[str, Any], **params: Any) -> dict[str, Any]:
        response = self.client.post(RUNS, json={"graph_id": graph_id, "inputs": inputs}, params=params)
        assert response.status_code in (200, 202), response.text
        return response.json()

    def get_run(self, run_id: str) -> dict[str, Any]:
        response = self.client.get(f"{RUNS}/{run_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def wait_for(self, run_id: str, statuses: set[str], timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        run = self.get_run(run_id)
        while run["status"] not in statuses:
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id} is {run['status']} after {timeout}s\n{self.logs()}")
            time.sleep(0.05)
            run = self.get_run(run_id)
        return run

    def events(self, run_id: str) -> list[dict[str, Any]]:
        async def read() -> list[dict[str, Any]]:
            stream = self.config.open_events()
            try:
                out, after = [], None
                while True:
                    batch = await stream.read(run_id, after)
                    if not batch:
                        return out
                    out += [item.event for item in batch]
                    after = batch[-1].id
            finally:
                await stream.close()

        return asyncio.run(read())


def make_platform(backend: str, tmp: Path, postgres_url: str | None = None, **config: Any) -> Platform:
    namespace = f"lcnc-test-{uuid.uuid4().hex[:10]}"
    database_url = postgres_url or ""
    redis_url = REDIS_URL if backend == "redis" else ""
    settings = Settings(data_dir=tmp / "data", database_url=database_url, redis_url=redis_url)
    values: dict[str, Any] = {"namespace": namespace, "lease_s": LEASE_S, "requeue_queued_s": 4.0,
                              "max_attempts": 3, "run_timeout_s": 120.0}
    values.update(config)
    return Platform(backend=backend, settings=settings, config=worker_config(settings, **values),
                    database_url=database_url, tmp=tmp)


def cleanup_redis(namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{namespace}*"))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start:start + 500])
    client.close()
