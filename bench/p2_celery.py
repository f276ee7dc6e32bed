"""P2: end-to-end runs/s of the smallest graph through Celery vs a bare no-op Celery task round trip.

Both sides on the same Redis, each with one worker process (prefork, concurrency 1, prefetch 1, late ack)
that the bench starts and stops. Ours: `POST /api/orchestrator/runs?wait=` of the `echo` graph (input ->
output) to a `lcnc serve` process over HTTP (one kept-alive connection): run row committed in PostgreSQL,
enqueued, claimed by the worker, executed by `run_graph` with the PostgreSQL checkpointer, events on the Redis
stream, outcome recorded, the waiting request woken by the run's final event. Baseline: `send_task` + `AsyncResult.get` of a task that
does nothing (Redis broker and Redis result backend). Sequential round trips, interleaved in blocks, median.
A second line gives throughput: 8 clients at once (each its own connection or Celery client), 2 worker processes
a side, in alternating rounds, median. A third says where the cores went in those rounds: CPU per run of each
process on either side, from /proc (the API server, the worker's main and pool processes, PostgreSQL, Redis, the
clients). The machine is CPU-bound then, so the throughput ratio is about the inverse of the CPU ratio.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench._cpu import CpuMeter

NAME = "P2"
TARGET = 0.5
ROUNDS = 6
PER_ROUND = 25
CLIENTS = 8  # the throughput line: callers at once, each with its own connection
PER_CLIENT = 40
THROUGHPUT_ROUNDS = 3  # alternating, median: one round is a few seconds, and this machine's noise is large
CONCURRENCY = 2  # worker processes a side for the throughput line (one per core)


def _measure() -> tuple[float, float]:
    from bench._durable import BareCelery, Platform, postgres_database
    from tests.conftest import fixture_graph

    with tempfile.TemporaryDirectory() as tmp, postgres_database() as database_url, \
            Platform(database_url, Path(tmp) / "platform") as platform, BareCelery(Path(tmp)) as bare:
        platform.create_graph(fixture_graph("echo"))
        for _ in range(5):  # warm both workers (imports, pools)
            assert platform.run("echo", {"text": "warm"})["status"] == "succeeded"
            bare.call()
        ours, base = [], []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for _ in range(PER_ROUND):
                bare.call()
            base.append((time.perf_counter() - started) / PER_ROUND)
            started = time.perf_counter()
            for i in range(PER_ROUND):
                run = platform.run("echo", {"text": f"r{i}"})
                assert run["status"] == "succeeded" and run["outputs"] == {"text": f"r{i}"}, run
            ours.append((time.perf_counter() - started) / PER_ROUND)
        return statistics.median(ours), statistics.median(base)


def _throughput() -> tuple[float, float, CpuMeter, CpuMeter]:
    """Runs/s and tasks/s with CLIENTS callers at once, each side with a worker of CONCURRENCY processes, and
    each side's CPU meter over its rounds."""
    import os
    import threading

    from bench import _cpu
    from bench._cpu import CpuMeter
    from bench._durable import BareCelery, Platform, postgres_database
    from tests.conftest import fixture_graph

    def rate(call_factory: Any, meter: CpuMeter) -> float:
        calls = [call_factory() for _ in range(CLIENTS)]
        for call in calls:
            call(0)
        barrier = threading.Barrier(CLIENTS + 1)

        def client(call: Any) -> None:
            barrier.wait()
            for i in range(PER_CLIENT):
                call(i)

        threads = [threading.Thread(target=client, args=(call,)) for call in calls]
        for thread in threads:
            thread.start()
        barrier.wait()
        meter.start()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        meter.stop()
        return CLIENTS * PER_CLIENT / elapsed

    with tempfile.TemporaryDirectory() as tmp, postgres_database() as database_url, \
            Platform(database_url, Path(tmp) / "platform", concurrency=CONCURRENCY) as platform, \
            BareCelery(Path(tmp), concurrency=CONCURRENCY) as bare:
        platform.create_graph(fixture_graph("echo"))

        def run_caller() -> Any:
            connection = platform.connect()

            def call(i: int) -> None:
                run = platform.run("echo", {"text": f"c{i}"}, connection=connection)
                assert run["status"] == "succeeded" and run["outputs"] == {"text": f"c{i}"}, run

            return call

        def task_caller() -> Any:
            app = bare.new_app()
            return lambda _i: bare.call(app)

        server, worker = (proc.pid for proc in platform.procs)
        client = os.getpid()
        ours_cpu = CpuMeter({"API server": lambda: [server], "worker main": lambda: [worker],
                             "worker pool": lambda: _cpu.children(worker),
                             "PostgreSQL": lambda: _cpu.named("postgres"), "Redis": lambda: _cpu.named("redis-server"),
                             "clients": lambda: [client]})
        base_cpu = CpuMeter({"worker main": lambda: [bare.proc.pid], "worker pool": lambda: _cpu.children(bare.proc.pid),
                             "Redis": lambda: _cpu.named("redis-server"), "clients": lambda: [client]})
        ours, base = [], []
        for _ in range(THROUGHPUT_ROUNDS):
            ours.append(rate(run_caller, ours_cpu))
            base.append(rate(task_caller, base_cpu))
        return statistics.median(ours), statistics.median(base), ours_cpu, base_cpu


def _cpu_line(ours: CpuMeter, base: CpuMeter) -> str:
    """Where the cores went in the throughput rounds: CPU ms per run of each process, ours vs bare."""
    calls = THROUGHPUT_ROUNDS * CLIENTS * PER_CLIENT
    ours_ms, base_ms = ours.per_item_ms(calls), base.per_item_ms(calls)
    ours_total, base_total = sum(ours_ms.values()), sum(base_ms.values())

    def parts(per: dict[str, float]) -> str:
        return ", ".join(f"{name} {ms:.1f}" for name, ms in per.items())

    return (f"P2: {ours_total / base_total:.2f}x CPU per run (target <= {1 / TARGET:.1f}x, what {TARGET} needs while "
            f"the cores are busy) — the throughput rounds: ours {ours_total:.1f} ms ({parts(ours_ms)}) vs bare "
            f"{base_total:.1f} ms ({parts(base_ms)})")


def run() -> list[str]:
    from bench import _cpu

    ours_s, base_s = _measure()
    ratio = (1 / ours_s) / (1 / base_s)
    ours_rate, base_rate, ours_cpu, base_cpu = _throughput()
    lines = [f"P2: {ratio:.2f} (target >= {TARGET}) — runs/s of the echo graph through the API + Celery worker "
             f"vs bare no-op Celery task round trips on the same Redis ({1 / ours_s:.0f} vs {1 / base_s:.0f} per s; "
             f"{ours_s * 1000:.1f} ms vs {base_s * 1000:.1f} ms each)",
             f"P2: {ours_rate / base_rate:.2f} (target >= {TARGET}) — the same with {CLIENTS} clients at once and "
             f"{CONCURRENCY} worker processes a side: {ours_rate:.0f} runs/s vs {base_rate:.0f} tasks/s "
             f"(ten times Langflow's run API, 15.6 runs/s with 8 clients on such a machine, is 156 runs/s)"]
    if _cpu.available():
        lines.append(_cpu_line(ours_cpu, base_cpu))
    return lines


def main() -> list[str]:
    return run()


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    for line in run():
        print(line)
