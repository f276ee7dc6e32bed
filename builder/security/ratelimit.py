"""Rate limiting by counted windows: in memory for one process (the embedded default), Redis when REDIS_URL is set.

A limiter counts hits of a key ("ip:1.2.3.4", "user:<id>", "login:email:<hash>") in a window of ``window``
seconds that opens with the key's first hit, and says whether the caller is still within ``limit`` and, if not,
how many seconds to wait. The window is the key's own, not a slice of the clock: a burst that straddles a
minute's turn is not counted as two fresh windows (double the limit), and a count never restarts half way.
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
    async def reset(self, key: str) -> None: ...
    async def aclose(self) -> None: ...


def _seconds_left(remaining: float) -> int:
    """Whole seconds to wait (at least 1) for a window with ``remaining`` seconds to go."""
    return max(1, math.ceil(remaining))


class MemoryLimiter:
    """Counters in this process's memory (one event loop: no awaits between read and write)."""

    MAX_KEYS = 100_000

    def __init__(self, clock: Any = time.time) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (hits, when its window opened)

    def _current(self, key: str, window: int) -> tuple[int, float, float]:
        """The key's hits in its open window, when that window opened (now, for a new one), and now."""
        now = self._clock()
        count, opened = self._counts.get(key, (0, now))
        if now - opened >= window:
            return 0, now, now
        return count, opened, now

    async def hit(self, key: str, limit: int, window: int) -> Decision:
        count, opened, now = self._current(key, window)
        count += 1
        if len(self._counts) >= self.MAX_KEYS:
            self._prune(window)
        self._counts[key] = (count, opened)
        return Decision(count <= limit, count, _seconds_left(opened + window - now))

    async def peek(self, key: str, limit: int, window: int) -> Decision:
        count, opened, now = self._current(key, window)
        return Decision(count < limit, count, _seconds_left(opened + window - now))

    async def reset(self, key: str) -> None:
        self._counts.pop(key, None)

    def _prune(self, window: int) -> None:
        oldest = self._clock() - window
        self._counts = {k: v for k, v in self._counts.items() if v[1] > oldest}
        if len(self._counts) >= self.MAX_KEYS:
            self._counts.clear()

    async def aclose(self) -> None:
        self._counts.clear()


class RedisLimiter:
    """Counters shared by every process: INCR of `<prefix><key>`, which expires ``window`` seconds after its first
    hit (EXPIRE NX: later hits do not push the end back)."""

    def __init__(self, url: str, *, prefix: str = "lcnc:rl:", max_connections: int = 50):
        import redis.asyncio as redis

        self._redis = redis.from_url(url, max_connections=max_connections, socket_timeout=2,
                                     socket_connect_timeout=2)
        self.prefix = prefix

    @staticmethod
    def _wait(pttl: int, window: int) -> int:
        return _seconds_left(pttl / 1000 if pttl > 0 else window)

    async def hit(self, key: str, limit: int, window: int) -> Decision:
        name = f"{self.prefix}{key}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, window, nx=True)
                pipe.pttl(name)
                count, _, pttl = await pipe.execute()
        except Exception as exc:  # noqa: BLE001 - fail open, loudly
            log.warning("rate limiter: Redis unavailable (%s); request allowed", type(exc).__name__)
            return Decision(True, 0, window)
        return Decision(int(count) <= limit, int(count), self._wait(int(pttl), window))

    async def peek(self, key: str, limit: int, window: int) -> Decision:
        name = f"{self.prefix}{key}"
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(name)
                pipe.pttl(name)
                raw, pttl = await pipe.execute()
        except Exception as exc:  # noqa: BLE001
            log.warning("rate limiter: Redis unavailable (%s); request allowed", type(exc).__name__)
            return Decision(True, 0, window)
        count = int(raw or 0)
        return Decision(count < limit, count, self._wait(int(pttl), window))

    async def reset(self, key: str) -> None:
        try:
            await self._redis.delete(f"{self.prefix}{key}")
        except Exception as exc:  # noqa: BLE001
            log.warning("rate limiter: Redis unavailable (%s); counter not reset", type(exc).__name__)

    async def aclose(self) -> None:
        await self._redis.aclose()


def make_limiter(redis_url: str, *, prefix: str = "lcnc:rl:", max_connections: int = 50) -> Limiter:
    """Redis-backed when ``redis_url`` is set, otherwise in memory."""
    if redis_url.strip():
        return RedisLimiter(redis_url, prefix=prefix, max_connections=max_connections)
    return MemoryLimiter()
