"""P5: PostgreSQL checkpoint cost per step vs no checkpointer.

The same 40-transform chain run with `runtime.engine.run_graph` in this process, as the worker runs it
(a first delivery: `fresh=True`, on the worker's event loop): with the platform's PostgreSQL checkpointer
(`runtime.checkpoint.open_checkpointer` with the worker's defaults: a checkpoint per step, pure steps stored
behind the run within 50 ms and many per statement, the run ending only once all are stored; no wait for the
WAL flush) vs with no checkpointer. Each run uses a fresh thread id; runs alternate and the median wall time
per step of each side is compared. A transform step is a tiny template fill, so this is the worst case: the
checkpoint is nearly all of a step's cost.

The figure is per LangGraph step, so the chain is compiled one node per step. The runtime's default runs a
line of pure nodes up to 16 to a step (one checkpoint per 16 nodes); the second line gives that, per node.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid

NAME = "P5"
TARGET = 1.5
CHAIN = 40
REPEATS = 30


async def _measure(database_url: str) -> tuple[float, float]:
    from bench.p1_runtime import chain_spec
    from runtime.checkpoint import open_checkpointer, setup_checkpointer
    from runtime.engine import run_graph
    from runtime.heap import freeze_setup_objects

    spec = chain_spec(CHAIN)
    expected = {"text": "go" + "." * CHAIN}
    await asyncio.to_thread(setup_checkpointer, database_url)
    async with open_checkpointer(database_url) as checkpointer:
        async def with_checkpoints() -> None:
            outcome = await run_graph(spec, {"text": "go"}, thread_id=uuid.uuid4().hex, checkpointer=checkpointer,
                                      fresh=True)
            assert outcome.status == "succeeded" and outcome.outputs == expected, outcome

        async def without() -> None:
            outcome = await run_graph(spec, {"text": "go"}, thread_id=uuid.uuid4().hex)
            assert outcome.status == "succeeded" and outcome.outputs == expected, outcome

        for _ in range(3):
            await with_checkpoints()
            await without()
        freeze_setup_objects()  # as a worker process does after its first run (runtime.heap)
        ours, base = [], []
        for _ in range(REPEATS):
            started = time.perf_counter()
            await without()
            base.append(time.perf_counter() - started)
            started = time.perf_counter()
            await with_checkpoints()
            ours.append(time.perf_counter() - started)
    steps = CHAIN + 2
    return statistics.median(ours) / steps, statistics.median(base) / steps


def run() -> list[str]:
    from bench._durable import postgres_database
    from bench._segments import one_node_per_step
    from runtime.worker.process import event_loop_factory

    def on_worker_loop(url: str) -> tuple[float, float]:  # the event loop a worker process runs its runs on
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            return runner.run(_measure(url))

    with postgres_database() as url:
        with one_node_per_step():
            ours, base = on_worker_loop(url)
        fused, fused_base = on_worker_loop(url)
    return [f"P5: {ours / base:.2f}x (target <= {TARGET}x) — run_graph per step with the PostgreSQL checkpointer "
            f"(a checkpoint per step, all stored when the run ends) vs no checkpointer, {CHAIN}-transform chain "
            f"compiled one node per step ({ours * 1e3:.2f} ms vs {base * 1e3:.2f} ms per step; checkpoint cost "
            f"{(ours - base) * 1e3:.2f} ms per step)",
            f"P5: {fused / fused_base:.2f}x (target <= {TARGET}x) — the same chain as the runtime runs it, 16 nodes "
            f"to a step ({fused * 1e3:.3f} ms vs {fused_base * 1e3:.3f} ms per node; checkpoint cost "
            f"{(fused - fused_base) * 1e3:.3f} ms per node)"]


def main() -> list[str]:
    return run()


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    for line in run():
        print(line)
