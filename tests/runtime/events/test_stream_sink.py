"""The run's event sink: how its events are batched into appends of a real Redis stream."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from runtime import events
from runtime.events import StreamSink
from runtime.events.redis import RedisEventStream

REDIS_URL = "redis://127.0.0.1:6379/0"


class CountingStream(RedisEventStream):
    """A Redis event stream that keeps the size of every append."""

    def __init__(self, prefix: str) -> None:
        super().__init__(REDIS_URL, prefix=prefix)
        self.appends: list[int] = []

    async def publish_many(self, run_id: str, batch: list[dict[str, Any]]) -> list[str]:
        self.appends.append(len(batch))
        return await super().publish_many(run_id, batch)


@pytest.fixture
def prefix() -> Iterator[str]:
    import redis

    name = f"lcnc-test-{uuid.uuid4().hex[:8]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def _events(*kinds: str) -> list[dict[str, Any]]:
    return [{"type": kind, "ts": 1.0, "node_id": f"n{index}"} for index, kind in enumerate(kinds)]


def test_a_run_that_ends_within_the_first_window_appends_its_events_once(prefix: str) -> None:
    async def body() -> None:
        stream = CountingStream(prefix)
        sink = StreamSink(stream, "r1")
        for event in _events("run_started", "node_started", "node_finished", "node_started", "node_finished"):
            await sink.emit(event)
            await asyncio.sleep(0)  # the run goes on between its events
        await sink.emit({"type": "run_finished", "ts": 1.0, "status": "succeeded"})
        await sink.flush()
        stored = await stream.read("r1")
        await stream.close()
        assert stream.appends == [6]
        assert [item.type for item in stored] == ["run_started", "node_started", "node_finished", "node_started",
                                                  "node_finished", "run_finished"]
        assert {item.event["run_id"] for item in stored} == {"r1"}

    asyncio.run(body())


def test_a_longer_run_shows_its_start_after_the_first_window_without_waiting_for_its_end(
        prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "FIRST_APPEND_WINDOW_S", 0.05)

    async def body() -> None:
        stream = CountingStream(prefix)
        reader = RedisEventStream(REDIS_URL, prefix=prefix)
        sink = StreamSink(stream, "r2")
        for event in _events("run_started", "node_started"):
            await sink.emit(event)
        await asyncio.sleep(0.01)
        early = await reader.read("r2")  # inside the window: nothing appended yet
        seen = await reader.wait("r2", timeout=5.0)  # a subscriber sees the start while the run goes on
        await sink.emit({"type": "node_finished", "ts": 1.0, "node_id": "n1"})
        await sink.flush()
        stored = await reader.read("r2")
        await stream.close()
        await reader.close()
        assert early == []
        assert [item.type for item in seen] == ["run_started", "node_started"]
        assert stream.appends == [2, 1]  # later events are not held: they go out as they come
        assert [item.type for item in stored] == ["run_started", "node_started", "node_finished"]

    asyncio.run(body())
