"""kombu's Redis transport with one Redis client per channel for the channel's own commands.

kombu builds a new Redis client for every command it sends outside its consume loop: each acknowledgement,
each message it puts on the unacked index, each publish (``Channel._create_client``). A redis-py client is a
thin object over the channel's connection pool, but building one copies its table of response callbacks, and
that was about a sixth of a worker's main process's CPU per run here. The client is kept with the pool it was
built on, so a channel whose pool is replaced (after a fork, after a disconnect) builds a new one.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _sync_client: tuple[Any, Any] | None = None  # (the pool it uses, the client)

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            return super()._create_client(asynchronous=True)
        pool = self.pool
        kept = self._sync_client
        if kept is None or kept[0] is not pool:
            kept = self._sync_client = (pool, super()._create_client())
        return kept[1]


class Transport(kombu_redis.Transport):
    Channel = Channel
