"""The platform-DB checkpointer: a run stopped mid-graph continues from it on either backend; data only."""

from __future__ import annotations

import asyncio
import pickle
import sqlite3
from datetime import UTC, datetime

import pytest
from langgraph.types import Interrupt

from runtime.checkpoint import StrictSerializer, open_checkpointer, setup_checkpointer
from runtime.engine import ListSink, run_graph
from runtime.spec import parse_graph
from tests.conftest import fixture_graph


class Gadget:
    def __reduce__(self):  # what a malicious pickle would do on load
        return (print, ("owned",))


def test_serializer_round_trips_json_like_state_and_langgraph_types() -> None:
    serde = StrictSerializer()
    value = {"run.inbox": {"a": {"data": ["x", 1, 2.5, None, True]}}, "when": datetime(2026, 1, 1, tzinfo=UTC),
             "ask": Interrupt(value={"prompt": "ok?"}, id="i1")}
    assert serde.loads_typed(serde.dumps_typed(value)) == value


def test_serializer_refuses_to_store_arbitrary_objects() -> None:
    with pytest.raises(TypeError, match="Gadget"):
        StrictSerializer().dumps_typed({"state": [Gadget()]})


def test_serializer_refuses_pickled_data() -> None:
    with pytest.raises(ValueError, match="pickle"):
        StrictSerializer().loads_typed(("pickle", pickle.dumps(Gadget())))


def test_serializer_does_not_construct_unlisted_classes_from_msgpack() -> None:
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    # A permissive serializer would write this class's constructor into the checkpoint...
    blob = JsonPlusSerializer(allowed_msgpack_modules=True).dumps_typed({"x": pytest.param(1)})
    # ...the strict one will not rebuild it on load.
    loaded = StrictSerializer().loads_typed(blob)
    assert not isinstance(loaded["x"], type(pytest.param(1)))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_waiting_run_resumes_with_a_fresh_checkpointer(backend: str, tmp_path, request) -> None:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'lcnc.db'}" if backend == "sqlite"
           else request.getfixturevalue("fresh_postgres_url").replace("postgresql://", "postgresql+asyncpg://"))
    setup_checkpointer(url)
    spec = parse_graph(fixture_graph("human_approval"))

    async def body() -> None:
        async with open_checkpointer(url) as first:  # one worker process...
            waiting = await run_graph(spec, {"request": "refund"}, thread_id="run-1", checkpointer=first)
        assert waiting.status == "waiting"
        sink = ListSink()
        async with open_checkpointer(url) as second:  # ...another one, later
            done = await run_graph(spec, {}, thread_id="run-1", checkpointer=second, sink=sink,
                                   resume={"approved": True, "comment": ""})
        assert done.status == "succeeded" and done.outputs["result"].startswith("SENT: Draft reply to: refund")
        assert "draft" not in [e.get("node_id") for e in sink.events if e["type"] == "node_finished"]

    asyncio.run(body())


def test_the_embedded_store_ends_a_write_that_a_cancelled_run_left_open(tmp_path) -> None:
    """A run cancelled between LangGraph's write and its commit must not keep SQLite's write lock."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'lcnc.db'}"
    setup_checkpointer(url)

    def other_process_can_write() -> bool:
        other = sqlite3.connect(tmp_path / "lcnc.db", timeout=0.1)
        try:
            other.execute("CREATE TABLE IF NOT EXISTS probe (x INTEGER)")
            other.execute("INSERT INTO probe VALUES (1)")
            other.commit()
            return True
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
        finally:
            other.close()

    async def scenario() -> None:
        async with open_checkpointer(url) as saver:
            # What a cancelled `aput` leaves behind: its INSERT ran, its commit did not.
            await saver.conn.execute("INSERT INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, "
                                     "channel, type, value) VALUES ('t', '', 'c', 'k', 0, 'ch', 'json', x'00')")
            assert saver.conn.in_transaction
            assert not await asyncio.to_thread(other_process_can_write)
            await saver.aend_segment()
            assert await asyncio.to_thread(other_process_can_write)
            async with saver.conn.execute("SELECT count(*) FROM writes") as cursor:
                assert (await cursor.fetchone())[0] == 1  # the write was kept, not lost

    asyncio.run(scenario())
