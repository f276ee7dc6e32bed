"""Events kept in this process's memory: for in-process runs (`lcnc run`) and tests."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from runtime.events.base import EventStream, StoredEvent

_POLL_S = 0.005


class MemoryEventStream(EventStream):
    def __init__(self) -> None:
        self._runs: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    async def publish(self, run_id: str, event: dict[str, Any]) -> str:
        with self._lock:
            events = self._runs.setdefault(run_id, [])
            events.append(dict(event))
            return str(len(events))

    def check_id(self, event_id: str) -> None:
        if not event_id.isdigit() or len(event_id) > 18:
            raise ValueError(f"'{event_id[:40]}' is not an event id of this stream")

    async def read(self, run_id: str, after: str | None = None, limit: int = 500) -> list[StoredEvent]:
        start = 0
        if after is not None:
            self.check_id(after)
            start = int(after)
        with self._lock:
            events = self._runs.get(run_id, [])[start:start + limit]
        return [StoredEvent(str(start + i + 1), event) for i, event in enumerate(events)]

    async def wait(self, run_id: str, after: str | None = None, timeout: float = 15.0) -> list[StoredEvent]:
        deadline = time.monotonic() + timeout
        while True:
            batch = await self.read(run_id, after)
            if batch or time.monotonic() >= deadline:
                return batch
            await asyncio.sleep(_POLL_S)
