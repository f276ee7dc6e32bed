"""The embedded store (SQLite): a worker lost mid-step leaves no node unreported and none reported twice.

The first delivery runs in a process of its own that dies (``os._exit``, as under kill -9) at the moment a
step's nodes have finished and the step's checkpoint is about to be stored; the second delivery runs here.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from runtime.checkpoint import open_checkpointer, setup_checkpointer
from runtime.engine import run_graph
from runtime.events import StreamSink
from runtime.events.sqlite import SQLiteEventStream
from runtime.spec import parse_graph
from runtime.worker.recover import republish_lost_events
from tests.runtime.run_sinks import BothSinks, finished_nodes
from tests.runtime.worker.harness import chain_graph

LENGTH = 4
NODES = ["in", *[f"{kind}{i:03d}" for i in range(LENGTH) for kind in "tr"], "out"]

FIRST_DELIVERY = """
import asyncio, os, sys
from pathlib import Path
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from runtime.checkpoint import open_checkpointer
from runtime.engine import run_graph
from runtime.events import StreamSink
from runtime.events.sqlite import SQLiteEventStream
from runtime.spec import parse_graph
from tests.runtime.worker.harness import chain_graph

database_url, events_path, lost_at, length = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
store = AsyncSqliteSaver.aput
calls = 0

async def aput(self, *args, **kwargs):
    global calls
    calls += 1
    if calls == lost_at:  # the step's nodes finished; its checkpoint is not stored
        await asyncio.sleep(0.2)  # what else the saver was handed meanwhile (the nodes' writes) gets its chance
        os._exit(9)  # the worker is lost
    return await store(self, *args, **kwargs)

AsyncSqliteSaver.aput = aput

async def main():
    stream = SQLiteEventStream(events_path)
    async with open_checkpointer(database_url) as saver:
        sink = StreamSink(stream, "r1", gate=saver.gate("r1"))
        await run_graph(parse_graph(chain_graph(length, stepwise=True)), {"text": "go"}, thread_id="r1",
                        checkpointer=saver, sink=sink, fresh=True)

asyncio.run(main())
"""


# The checkpoints: the input's, step 0's, the step of "in" with the first transform and its router, one per later
# transform and its router, then the output's. The worker is lost before storing checkpoint `lost_at`.
@pytest.mark.parametrize(("lost_at", "first_again"), [(3, "in"), (5, "t002"), (7, "out")])
def test_a_worker_lost_before_a_step_is_stored_runs_that_step_again_and_reports_each_node_once(
    tmp_path: Path, lost_at: int, first_again: str,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'lcnc.db'}"
    events_path = tmp_path / "events.db"
    setup_checkpointer(database_url)
    lost = subprocess.run([sys.executable, "-c", FIRST_DELIVERY, database_url, str(events_path), str(lost_at),
                           str(LENGTH)],  # noqa: S603
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120)
    assert lost.returncode == 9, lost.stderr

    async def second_delivery() -> tuple[list[str], list[str], Any]:
        stream = SQLiteEventStream(events_path)
        async with open_checkpointer(database_url) as saver:
            await republish_lost_events(stream, saver, "r1")
            both = BothSinks(StreamSink(stream, "r1", gate=saver.gate("r1")))
            outcome = await run_graph(parse_graph(chain_graph(LENGTH, stepwise=True)), {"text": "go"},
                                      thread_id="r1", checkpointer=saver, sink=both, fresh=False)
            await both.sink.flush()
            saver.release("r1")
        published = finished_nodes([item.event for item in await stream.read("r1", limit=10_000)])
        await stream.close()
        return finished_nodes(both.raw.events), published, outcome

    ran_again, published, outcome = asyncio.run(second_delivery())
    assert outcome.status == "succeeded" and outcome.outputs == {"text": "go" + "." * LENGTH}, outcome
    assert ran_again == NODES[NODES.index(first_again):]  # the lost step ran again, and nothing stored before it
    # Every node is reported finished exactly once, in order: the lost step's nodes by the delivery that ran them
    # again, the nodes of steps stored but not yet reported by the second delivery's look at the checkpoints.
    assert published == NODES, (published, ran_again)
