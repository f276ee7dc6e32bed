"""Run events: one interface (`EventStream`), Redis streams in production, SQLite or memory when embedded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runtime.events.base import TERMINAL_TYPES, EventStream, StoredEvent
from runtime.events.memory import MemoryEventStream

__all__ = [
    "TERMINAL_TYPES",
    "EventStream",
    "MemoryEventStream",
    "StreamSink",
    "StoredEvent",
    "open_event_stream",
]


def open_event_stream(*, redis_url: str = "", sqlite_path: Path | None = None, prefix: str = "lcnc") -> EventStream:
    """Redis streams when ``redis_url`` is set, else a SQLite file (shared across processes), else memory."""
    if redis_url:
        from runtime.events.redis import RedisEventStream

        return RedisEventStream(redis_url, prefix=prefix)
    if sqlite_path is not None:
        from runtime.events.sqlite import SQLiteEventStream

        return SQLiteEventStream(sqlite_path)
    return MemoryEventStream()


class StreamSink:
    """The engine's event sink for one run: stamps the run id and appends to the stream."""

    def __init__(self, stream: EventStream, run_id: str) -> None:
        self.stream = stream
        self.run_id = run_id

    async def emit(self, event: dict[str, Any]) -> None:
        await self.stream.publish(self.run_id, {**event, "run_id": self.run_id})
