"""Events in Redis streams (production): one stream per run, XREAD BLOCK to follow, kept for a while."""

from __future__ import annotations

import json
import re
from typing import Any

from redis.asyncio import Redis

from runtime.events.base import EventStream, StoredEvent

_ID_RE = re.compile(r"^\d{1,20}-\d{1,20}$")
MAX_EVENTS_PER_RUN = 100_000
KEEP_SECONDS = 7 * 24 * 3600


class RedisEventStream(EventStream):
    def __init__(self, url: str, *, prefix: str = "lcnc", keep_seconds: int = KEEP_SECONDS) -> None:
        self._redis = Redis.from_url(url)
        self._prefix = prefix
        self._keep = keep_seconds

    def key(self, run_id: str) -> str:
        return f"{self._prefix}:run:{run_id}:events"

    async def publish(self, run_id: str, event: dict[str, Any]) -> str:
        key = self.key(run_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xadd(key, {"e": json.dumps(event, default=str)}, maxlen=MAX_EVENTS_PER_RUN, approximate=True)
            pipe.expire(key, self._keep)
            event_id, _ = await pipe.execute()
        return event_id.decode() if isinstance(event_id, bytes) else str(event_id)

    async def publish_many(self, run_id: str, events: list[dict[str, Any]]) -> list[str]:
        key = self.key(run_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.xadd(key, {"e": json.dumps(event, default=str)}, maxlen=MAX_EVENTS_PER_RUN, approximate=True)
            pipe.expire(key, self._keep)
            *event_ids, _ = await pipe.execute()
        return [event_id.decode() if isinstance(event_id, bytes) else str(event_id) for event_id in event_ids]

    def check_id(self, event_id: str) -> None:
        if not _ID_RE.match(event_id):
            raise ValueError(f"'{event_id[:40]}' is not an event id of this stream")

    @staticmethod
    def _decode(entries: list[Any]) -> list[StoredEvent]:
        out = []
        for event_id, fields in entries:
            raw = fields.get(b"e") if b"e" in fields else fields.get("e")
            out.append(StoredEvent(event_id.decode() if isinstance(event_id, bytes) else event_id, json.loads(raw)))
        return out

    async def read(self, run_id: str, after: str | None = None, limit: int = 500) -> list[StoredEvent]:
        if after is not None:
            self.check_id(after)
        start = "-" if after is None else f"({after}"
        return self._decode(await self._redis.xrange(self.key(run_id), min=start, max="+", count=limit))

    async def wait(self, run_id: str, after: str | None = None, timeout: float = 15.0) -> list[StoredEvent]:
        if after is not None:
            self.check_id(after)
        block = max(1, int(timeout * 1000))
        reply = await self._redis.xread({self.key(run_id): after or "0-0"}, count=500, block=block)
        return self._decode(reply[0][1]) if reply else []

    async def close(self) -> None:
        await self._redis.aclose()
