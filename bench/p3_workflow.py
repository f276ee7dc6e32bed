"""P3: a 40-node workflow on a worker vs raw LangGraph in-process plus one bare Celery task.

Ours: `POST /api/orchestrator/runs?wait=` of a 40-transform chain (input, 38 transforms, output: 40 nodes)
through a `lcnc serve` process over HTTP and one `lcnc worker` process (a PostgreSQL checkpoint for every step,
every node's events on the Redis stream). Baseline: the same chain as a hand-built LangGraph graph invoked
in this process (no checkpointer, no events) plus one bare no-op Celery task round trip on the same Redis.
Median of interleaved repeats.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

NAME = "P3"
TARGET = 1.3
NODES = 40
REPEATS = 12


def _measure() -> tuple[float, float, float]:
    from bench._durable import BareCelery, Platform, postgres_database
    from bench.p1_runtime import chain_spec, raw_chain

    transforms = NODES - 2
    spec = chain_spec(transforms).model_dump(mode="json")
    spec["id"] = "chain40"
    raw = raw_chain(transforms)
    expected = "go" + "." * transforms

    async def raw_once() -> None:
        state = await raw.ainvoke({"text": "go"})
        assert state["result"] == expected

    with tempfile.TemporaryDirectory() as tmp, postgres_database() as database_url, \
            Platform(database_url, Path(tmp) / "platform") as platform, BareCelery(Path(tmp)) as bare:
        platform.create_graph(spec)
        loop = asyncio.new_event_loop()
        for _ in range(3):
            assert platform.run("chain40", {"text": "go"})["outputs"] == {"text": expected}
            loop.run_until_complete(raw_once())
            bare.call()
        ours, raw_s, bare_s = [], [], []
        for _ in range(REPEATS):
            started = time.perf_counter()
            loop.run_until_complete(raw_once())
            raw_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            bare.call()
            bare_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            run = platform.run("chain40", {"text": "go"})
            ours.append(time.perf_counter() - started)
            assert run["status"] == "succeeded" and run["outputs"] == {"text": expected}, run
        loop.close()
        return statistics.median(ours), statistics.median(raw_s), statistics.median(bare_s)


def run() -> list[str]:
    ours, raw, bare = _measure()
    base = raw + bare
    return [f"P3: {ours / base:.2f}x (target <= {TARGET}x) — {NODES}-node workflow through the API on a worker "
            f"(checkpointed, evented) vs raw LangGraph in-process + one bare Celery task "
            f"({ours * 1e3:.0f} ms vs {raw * 1e3:.0f} + {bare * 1e3:.0f} ms)"]


def main() -> list[str]:
    return run()


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    for line in run():
        print(line)
