"""Checkpoints stored behind the run (PostgreSQL): pure steps do not wait, steps with an effect do, and a
node is reported finished only once its result is stored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
import pytest

from bench.p1_runtime import chain_spec
from runtime.checkpoint import open_checkpointer, setup_checkpointer
from runtime.engine import ListSink, run_graph
from runtime.events import MemoryEventStream, StreamSink
from runtime.spec import parse_graph
from runtime.worker.recover import republish_lost_events
from tests.runtime.run_sinks import BothSinks, finished_nodes


@asynccontextmanager
async def _locked_checkpoints(url: str) -> AsyncIterator[None]:
    """Another session holds the checkpoints table: no checkpoint can be stored until it lets go (reads can)."""
    async with await psycopg.AsyncConnection.connect(url) as conn:
        await conn.execute("LOCK TABLE checkpoints IN EXCLUSIVE MODE")
        yield
        await conn.rollback()


async def _published(stream: MemoryEventStream, run_id: str) -> list[dict[str, Any]]:
    return [item.event for item in await stream.read(run_id)]


async def _until(predicate: Any, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.01)


@pytest.fixture
def url(fresh_postgres_url: str) -> str:
    setup_checkpointer(fresh_postgres_url)
    return fresh_postgres_url


def test_pure_steps_go_on_while_their_checkpoints_wait_and_are_reported_once_stored(url: str) -> None:
    spec = chain_spec(5)
    nodes = ["in", "t0", "t1", "t2", "t3", "t4", "out"]

    async def body() -> None:
        stream = MemoryEventStream()
        async with open_checkpointer(url) as saver:
            both = BothSinks(StreamSink(stream, "r1", gate=saver.gate("r1")))
            async with _locked_checkpoints(url):
                run = asyncio.create_task(run_graph(spec, {"text": "go"}, thread_id="r1", checkpointer=saver,
                                                    sink=both, fresh=True))
                # Every node ran although no checkpoint could be stored...
                await _until(lambda: finished_nodes(both.raw.events) == nodes)
                assert not run.done()  # ...and the run ends only once they are stored
                # Nobody was told a node finished: its result is not stored yet.
                assert finished_nodes(await _published(stream, "r1")) == []
            outcome = await run
            assert outcome.status == "succeeded" and outcome.outputs == {"text": "go....."}
            await both.sink.flush()
            assert finished_nodes(await _published(stream, "r1")) == nodes
            saver.release("r1")
            state = await (await _compiled(spec, saver)).aget_state({"configurable": {"thread_id": "r1"}})
            assert not state.next  # the last checkpoint is the finished run

    asyncio.run(body())


async def _compiled(spec: Any, saver: Any) -> Any:
    from runtime.compile.cache import cached_compile, spec_digest

    return cached_compile(spec, spec_digest(spec), saver)


def test_a_step_with_an_effect_is_stored_before_the_next_step_starts(url: str) -> None:
    spec = parse_graph({
        "id": "effect", "inputs": [{"name": "args", "type": "json"}], "outputs": [{"name": "text"}],
        "nodes": [{"id": "in", "kind": "input", "config": {"name": "args"}},
                  {"id": "calc", "kind": "tool", "config": {"tool": "builtin.calculator",
                                                             "arguments": {"expression": "6*7"}}},
                  {"id": "fmt", "kind": "transform", "config": {"template": "{{ data }}"}},
                  {"id": "out", "kind": "output", "config": {"name": "text"}}],
        "edges": [{"source": {"node": "in", "port": "value"}, "target": {"node": "calc", "port": "args"}},
                  {"source": {"node": "calc", "port": "result"}, "target": {"node": "fmt", "port": "data"}},
                  {"source": {"node": "fmt", "port": "value"}, "target": {"node": "out", "port": "value"}}],
    })

    async def body() -> None:
        async with open_checkpointer(url) as saver:
            raw = ListSink()
            async with _locked_checkpoints(url):
                run = asyncio.create_task(run_graph(spec, {"args": {}}, thread_id="r2", checkpointer=saver,
                                                    sink=raw, fresh=True))
                await _until(lambda: "calc" in finished_nodes(raw.events))
                await asyncio.sleep(0.3)
                # The tool's step waits for its checkpoint: the step after it has not started.
                assert "fmt" not in [e.get("node_id") for e in raw.events if e["type"] == "node_started"]
            outcome = await run
            assert outcome.status == "succeeded", outcome
            assert finished_nodes(raw.events) == ["in", "calc", "fmt", "out"]

    asyncio.run(body())


def test_a_later_delivery_publishes_the_events_a_lost_worker_stored_but_did_not_publish(url: str) -> None:
    spec = chain_spec(3)

    async def body() -> None:
        async with open_checkpointer(url) as saver:
            first = MemoryEventStream()
            sink = StreamSink(first, "r3", gate=saver.gate("r3"))
            outcome = await run_graph(spec, {"text": "go"}, thread_id="r3", checkpointer=saver, sink=sink, fresh=True)
            assert outcome.status == "succeeded"
            await sink.flush()
            reported = [e for e in await _published(first, "r3") if e["type"] == "node_finished"]
            # A stream that lost the last two reports (the worker died between storing and publishing):
            partial = MemoryEventStream()
            await partial.publish_many("r3", reported[:-2])
            assert await republish_lost_events(partial, saver, "r3") == 2
            assert [e for e in await _published(partial, "r3")] == reported  # in order, each once
            assert await republish_lost_events(partial, saver, "r3") == 0

    asyncio.run(body())


def test_a_checkpoint_that_cannot_be_stored_fails_the_run_with_a_readable_error(url: str) -> None:
    spec = chain_spec(3)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE checkpoint_blobs RENAME TO checkpoint_blobs_gone")

    async def body() -> None:
        async with open_checkpointer(url) as saver:
            outcome = await run_graph(spec, {"text": "go"}, thread_id="r4", checkpointer=saver, fresh=True)
            assert outcome.status == "failed"
            assert "checkpoint_blobs" in (outcome.error or "")

    asyncio.run(body())


def test_each_run_waits_its_own_window_and_a_run_recorded_within_it_stores_nothing(
        url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from runtime import checkpoint_queue

    monkeypatch.setattr(checkpoint_queue, "WRITE_WINDOW_S", 2.0)
    spec = chain_spec(2)

    async def stored_threads() -> set[str]:
        async with await psycopg.AsyncConnection.connect(url) as conn:
            rows = await (await conn.execute("SELECT DISTINCT thread_id FROM checkpoints")).fetchall()
        return {row[0] for row in rows}

    async def run(saver: Any, thread_id: str) -> float:
        """Run to the end, leaving its checkpoints queued (as the worker does before it records the outcome)."""
        started = asyncio.get_running_loop().time()
        outcome = await run_graph(spec, {"text": "go"}, thread_id=thread_id, checkpointer=saver, fresh=True,
                                  record_first=True)
        assert outcome.status == "succeeded"
        return started

    async def body() -> None:
        async with open_checkpointer(url) as saver:
            clock = asyncio.get_running_loop().time
            a = await run(saver, "a")
            await asyncio.sleep(1.2)
            b = await run(saver, "b")  # queued 1.2 s after a: due 1.2 s after a is
            await run(saver, "gone")
            saver.discard("gone")  # recorded within its window: none of its checkpoints is stored
            while "a" not in await stored_threads():
                assert clock() < a + 10
                await asyncio.sleep(0.05)
            if clock() < b + 1.9:  # a's window is over, b's is not (on a machine slow enough to miss it, no claim)
                assert "b" not in await stored_threads()
            while "b" not in await stored_threads():
                assert clock() < b + 10
                await asyncio.sleep(0.05)
            assert clock() >= b + 1.9  # b waited its own window, not a's
            await asyncio.sleep(0.3)
            assert await stored_threads() == {"a", "b"}
            for thread_id in ("a", "b"):
                saver.release(thread_id)

    asyncio.run(body())
