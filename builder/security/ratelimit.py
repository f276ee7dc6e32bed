"""Fixed-window rate limiting: in memory for one process (the embedded default), Redis when REDIS_URL is set.

A limiter counts hits of a key ("ip:1.2.3.4", "user:<id>", "login:email:<hash>") in the current window of
``window`` seconds and says whether the caller is still within ``limit`` and, if not, how many seconds to wait.
A limiter that cannot reach Redis lets requests through and logs it: an outage of the cache does not take the
platform down with it.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("lcnc.security")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after: int


class Limiter(Protocol):
    async def hit(self, key: str, limit: int, window: int) -> Decision: ...
    async def peek(self, key: str, limit: int, window: int) -> Decision: ...
    async def reset(self, key: str, window: int) -> None: ...
    async def aclose(self) -> None: ...


def _window(window: int, now: float) -> tuple[int, int]:
    start = int(now // window) * window
    return start, max(1, math.ceil(start + window - now))


class MemoryLimiter:
    """Counters in this process's memory (one event loop: no awaits between read and write)."""

    MAX_KEYS = 100_000

    def __init__(self, clock: Any = time.time) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}

    def _current(self, key: str, window: int) -> tuple[int, int, int]:
        start, retry = _window(window, self._clock())
        count, seen_start = self._counts.get(key, (0, start))
        return (count if seen_start == start else 0), start, retry

    async def hit(self, key: str, limit: int, window: int) -> Decision:
        count, start, retry = self._current(key, window)
        count += 1
        if len(self._counts) >= self.MAX_KEYS:
            self._prune(window)
        self._counts[key] = (count, start)
        return Decision(count <= limit, count, retry)

    async def peek(self, key: str, limit: int, window: int) -> Decision:
        count, _start, retry = self._current(key, window)
        return Decision(count < limit, count, retry)

    async def reset(self, key: str, window: int) -> None:
        self._counts.pop(key, None)

    def _prune(self, window: int) -> None:
        oldest = int(self._clock()) - window
        self._counts = {k: v for k, v in self._counts.items() if v[1] >= oldest}
        if len(self._counts) >= self.MAX_KEYS:
            self._counts.clear()

    async def aclose(self) -> None:
        self._counts.clear()


class RedisLimiter:
    """Counters shared by every process: INCR of `<prefix><key>:<window start>`, expiring with the window."""

    def __init__(self, url: str, *, prefix: str = "lcnc:rl:", max_connections: int = 50, clock: Any = time.time):
        import redis.asyncio as redis

        self._redis = redis.from_url(url, max_connections=max_connections, socket_timeout=2,
                                     socket_connect_timeout=2)
        self.prefix = prefix
        self._clock = clock

    async def hit(self, key: str, limit: int, window: int) -> Decision:
        start, retry = _window(window, self._clock())
        name = f"{self.prefix}{key}:{start}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, window + 1)
                count, _ = await pipe.execute()
        except Exception as exc:  # noqa: BLE001 - fail open, loudly
            log.warning("rate limiter: Redis unavailable (%s); request allowed", type(exc).__name__)
            return Decision(True, 0, retry)
        return Decision(int(count) <= limit, int(count), retry)

    async def peek(self, key: str, limit: int, window: int) -> Decision:
        start, retry = _window(window, self._clock())
        try:
            raw = await self._redis.get(f"{self.prefix}{key}:{start}")
        except Exception as exc:  # noqa: BLE001
            log.warning("rate limiter: Redis unavailable (%s); request allowed", type(exc).__name__)
            return Decision(True, 0, retry)
        count = int(raw or 0)
        return Decision(count < limit, count, retry)

    async def reset(self, key: str, window: int) -> None:
        start, _ = _window(window, self._clock())
        try:
            await self._redis.delete(f"{self.prefix}{key}:{start}")
        except Exception as exc:  # noqa: BLE001
            log.warning("rate limiter: Redis unavailable (%s); counter not reset", type(exc).__name__)

    async def aclose(self) -> None:
        await self._redis.aclose()


def make_limiter(redis_url: str, *, prefix: str = "lcnc:rl:", max_connections: int = 50) -> Limiter:
    """Redis-backed when ``redis_url`` is set, otherwise in memory."""
    if redis_url.strip():
        return RedisLimiter(redis_url, prefix=prefix, max_connections=max_connections)
    return MemoryLimiter()
