"""Run events: one interface (`EventStream`), Redis streams in production, SQLite or memory when embedded."""

from __future__ import annotations

import asyncio
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
    """The engine's event sink for one run: stamps the run id and appends to the stream.

    ``emit`` never waits for the stream: events queue in order and one background task appends
    whatever has queued in a single round trip, so a run does not pay a write per event. ``flush``
    waits until everything emitted so far is stored (and raises what the stream raised).
    """

    def __init__(self, stream: EventStream, run_id: str) -> None:
        self.stream = stream
        self.run_id = run_id
        self._queued: list[dict[str, Any]] = []
        self._drain: asyncio.Task[None] | None = None
        self._error: BaseException | None = None

    async def emit(self, event: dict[str, Any]) -> None:
        self._queued.append({**event, "run_id": self.run_id})
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._append_queued())

    async def _append_queued(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            try:
                await self.stream.publish_many(self.run_id, batch)
            except Exception as exc:  # kept for flush(); later events still get their chance
                self._error = exc

    async def flush(self) -> None:
        while self._drain is not None and not self._drain.done():
            await asyncio.shield(self._drain)
        if self._error is not None:
            error, self._error = self._error, None
            raise error
