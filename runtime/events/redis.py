"""Events in Redis streams (production): one stream per run, XREAD BLOCK to follow, kept for a while."""

from __future__ import annotations

import json
import re
from typing import Any

from redis.asyncio import Redis

from runtime.events.base import ENDING_TYPES, EventStream, StoredEvent

_ID_RE = re.compile(r"^\d{1,20}-\d{1,20}$")
MAX_EVENTS_PER_RUN = 100_000
KEEP_SECONDS = 7 * 24 * 3600
# Appends a burst of events in one call (one command to send, one reply to read, instead of one per event).
# KEYS[1]: the run's stream, KEYS[2]: the stream of its segment ends; ARGV: the length bound, the seconds to keep
# the streams, the position (from 1) of the first event that ends a segment (0: none), then the events. That
# event also goes to the ends stream (with its id), so whoever waits for the end wakes once, not per event.
_APPEND_MANY = """
local ids = {}
local ending = tonumber(ARGV[3])
for index = 4, #ARGV do
    local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[index])
    ids[#ids + 1] = id
    if index - 3 == ending then
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', 100, '*', 'e', ARGV[index], 'i', id)
        redis.call('EXPIRE', KEYS[2], ARGV[2])
    end
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

    def ends_key(self, run_id: str) -> str:
        return f"{self._prefix}:run:{run_id}:ends"

    async def publish(self, run_id: str, event: dict[str, Any]) -> str:
        return (await self.publish_many(run_id, [event]))[0]

    async def publish_many(self, run_id: str, events: list[dict[str, Any]]) -> list[str]:
        data = [json.dumps(event, default=str) for event in events]
        ending = next((index for index, event in enumerate(events, 1) if event.get("type") in ENDING_TYPES), 0)
        event_ids = await self._append_many(keys=[self.key(run_id), self.ends_key(run_id)],
                                            args=[MAX_EVENTS_PER_RUN, self._keep, ending, *data])
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

    async def wait_end(self, run_id: str, timeout: float, after: str | None = None) -> tuple[StoredEvent | None, str | None]:
        reply = await self._redis.xread({self.ends_key(run_id): "0-0"}, count=1, block=max(1, int(timeout * 1000)))
        if not reply:
            return None, after
        _end_id, fields = reply[0][1][0]
        event_id = fields.get(b"i") if b"i" in fields else fields.get("i")
        raw = fields.get(b"e") if b"e" in fields else fields.get("e")
        event_id = event_id.decode() if isinstance(event_id, bytes) else event_id
        return StoredEvent(event_id, json.loads(raw)), event_id

    async def close(self) -> None:
        await self._redis.aclose()
