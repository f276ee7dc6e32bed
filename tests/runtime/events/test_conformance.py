"""One conformance suite for every event stream backend: memory, SQLite (embedded) and Redis streams."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from runtime.events import TERMINAL_TYPES, EventStream, MemoryEventStream

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_prefix_cleanup(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make_stream(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Callable[[], EventStream]]:
    """A factory of stream instances that share one store (two instances = two processes' views)."""
    shared_memory = MemoryEventStream()
    prefix = f"lcnc-test-{uuid.uuid4().hex[:8]}"

    def make() -> EventStream:
        if request.param == "memory":
            return shared_memory
        if request.param == "sqlite":
            from runtime.events.sqlite import SQLiteEventStream

            return SQLiteEventStream(tmp_path / "events.db")
        from runtime.events.redis import RedisEventStream

        return RedisEventStream(REDIS_URL, prefix=prefix)

    make.backend = request.param  # type: ignore[attr-defined]
    yield make
    if request.param == "redis":
        _redis_prefix_cleanup(prefix)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def ev(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "ts": "2026-11-27T00:00:00+00:00", **extra}


def test_publish_then_read_in_order(make_stream: Callable[[], EventStream]) -> None:
    async def body() -> None:
        stream = make_stream()
        ids = [await stream.publish("r1", ev("node_started", node_id=f"n{i}", n=i)) for i in range(5)]
        items = await stream.read("r1")
        assert [i.id for i in items] == ids
        assert [i.event["n"] for i in items] == list(range(5))
        assert items[0].event == ev("node_started", node_id="n0", n=0)
        assert len(set(ids)) == 5
        await stream.close()

    run(body())


def test_read_after_an_id_returns_the_rest(make_stream: Callable[[], EventStream]) -> None:
    async def body() -> None:
        stream = make_stream()
        ids = [await stream.publish("r1", ev("token", n=i)) for i in range(4)]
        assert [i.event["n"] for i in await stream.read("r1", after=ids[1])] == [2, 3]
        assert await stream.read("r1", after=ids[-1]) == []
        assert [i.event["n"] for i in await stream.read("r1", limit=2)] == [0, 1]
        await stream.close()

    run(body())


def test_runs_are_separate_streams(make_stream: Callable[[], EventStream]) -> None:
    async def body() -> None:
        stream = make_stream()
        await stream.publish("a", ev("run_started"))
        await stream.publish("b", ev("run_started", which="b"))
        assert [i.event.get("which") for i in await stream.read("b")] == ["b"]
        assert len(await stream.read("a")) == 1
        assert await stream.read("nobody") == []
        await stream.close()

    run(body())


def test_late_subscriber_replays_from_the_start_and_stops_at_the_end(make_stream: Callable[[], EventStream]) -> None:
    async def body() -> None:
        stream = make_stream()
        for kind in ("run_started", "node_started", "node_finished", "run_finished"):
            await stream.publish("r", ev(kind))
        await stream.publish("r", ev("never_seen"))  # after a terminal event: subscribers have stopped
        seen = [item.type async for item in stream.subscribe("r", heartbeat=0.2) if item is not None]
        assert seen == ["run_started", "node_started", "node_finished", "run_finished"]
        await stream.close()

    run(body())


def test_last_event_id_resumes_after_that_event(make_stream: Callable[[], EventStream]) -> None:
    async def body() -> None:
        stream = make_stream()
        ids = [await stream.publish("r", ev(k)) for k in ("run_started", "node_started", "node_finished")]
        await stream.publish("r", ev("run_failed", error="boom"))
        seen = [item async for item in stream.subscribe("r", ids[1], heartbeat=0.2) if item is not None]
        assert [i.type for i in seen] == ["node_finished", "run_failed"]
        assert seen[0].id == ids[2]
        await stream.close()

    run(body())


def test_subscriber_follows_events_published_later_by_another_instance(
    make_stream: Callable[[], EventStream],
) -> None:
    async def body() -> None:
        reader, writer = make_stream(), make_stream()
        await writer.publish("r", ev("run_started"))

        async def produce() -> None:
            for kind in ("node_started", "node_finished", "run_cancelled"):
                await asyncio.sleep(0.05)
                await writer.publish("r", ev(kind))

        producer = asyncio.create_task(produce())
        seen = [item.type async for item in reader.subscribe("r", heartbeat=0.5, timeout=10) if item is not None]
        await producer
        assert seen == ["run_started", "node_started", "node_finished", "run_cancelled"]
        await reader.close()
        if writer is not reader:
            await writer.close()

    run(body())


def test_wait_end_wakes_on_the_event_that_ends_the_segment(make_stream: Callable[[], EventStream]) -> None:
    async def body() -> None:
        reader, writer = make_stream(), make_stream()
        await writer.publish_many("r", [ev("run_started"), ev("node_started", node_id="a")])
        started = time.monotonic()
        ended, after = await reader.wait_end("r", timeout=0.3)
        assert ended is None and 0.25 <= time.monotonic() - started < 3  # no ending event yet

        async def produce() -> None:
            await asyncio.sleep(0.05)
            await writer.publish_many("r", [ev("node_finished", node_id="a"), ev("interrupt", node_id="b"),
                                            ev("note")])

        producer = asyncio.create_task(produce())
        ended, after = await reader.wait_end("r", timeout=10, after=after)
        await producer
        assert ended is not None and ended.type == "interrupt" and ended.event["node_id"] == "b"
        assert [item.id for item in await reader.read("r") if item.type == "interrupt"] == [ended.id]
        # A segment that was over before anyone waited is found at once.
        await writer.publish("done", ev("run_finished", outputs={"x": 1}))
        late, _ = await reader.wait_end("done", timeout=10)
        assert late is not None and late.event["outputs"] == {"x": 1}
        await reader.close()
        if writer is not reader:
            await writer.close()

    run(body())


def test_wait_times_out_with_nothing_and_heartbeats_yield_none(make_stream: Callable[[], EventStream]) -> None:
    async def body() -> None:
        stream = make_stream()
        started = time.monotonic()
        assert await stream.wait("quiet", timeout=0.3) == []
        assert 0.25 <= time.monotonic() - started < 3
        beats = [item async for item in stream.subscribe("quiet", heartbeat=0.1, timeout=0.35)]
        assert beats and all(item is None for item in beats)
        await stream.close()

    run(body())


def test_bad_last_event_id_is_refused(make_stream: Callable[[], EventStream]) -> None:
    async def body() -> None:
        stream = make_stream()
        for bad in ("abc", "1-2-3", "-1", "'; DROP TABLE x", ""):
            with pytest.raises(ValueError):
                stream.check_id(bad)
        with pytest.raises(ValueError):
            async for _ in stream.subscribe("r", "not-an-id"):
                pass
        await stream.close()

    run(body())


def test_events_round_trip_json_values(make_stream: Callable[[], EventStream]) -> None:
    async def body() -> None:
        stream = make_stream()
        payload = ev("node_finished", output={"text": "héllo ✓", "n": 1.5, "ok": True, "none": None, "l": [1, "2"]},
                     duration_ms=3)
        await stream.publish("r", payload)
        assert (await stream.read("r"))[0].event == payload
        await stream.close()

    run(body())


def test_terminal_types_are_the_run_endings() -> None:
    assert {"run_finished", "run_failed", "run_cancelled"} == TERMINAL_TYPES
