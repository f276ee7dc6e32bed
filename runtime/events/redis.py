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
# Appends a burst of events in one call (one command to send, one reply to read, instead of one per event).
# KEYS[1]: the run's stream; ARGV: the length bound, the seconds to keep the stream, then the events.
_APPEND_MANY = """
local ids = {}
for index = 3, #ARGV do
    ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[index])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return ids
"""


class RedisEventStream(EventStream):
    def __init__(self, url: str, *, prefix: str = "lcnc", keep_seconds: int = KEEP_SECONDS) -> None:
        self._redis = Redis.from_url(url)
        self._prefix = prefix
        self._keep = keep_seconds
        self._append_many = self._redis.register_script(_APPEND_MANY)

    def key(self, run_id: str) -> str:
        return f"{self._prefix}:run:{run_id}:events"

    async def publish(self, run_id: str, event: dict[str, Any]) -> str:
        return (await self.publish_many(run_id, [event]))[0]

    async def publish_many(self, run_id: str, events: list[dict[str, Any]]) -> list[str]:
        data = [json.dumps(event, default=str) for event in events]
        event_ids = await self._append_many(keys=[self.key(run_id)], args=[MAX_EVENTS_PER_RUN, self._keep, *data])
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
