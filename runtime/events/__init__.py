"""Run events: one interface (`EventStream`), Redis streams in production, SQLite or memory when embedded."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from runtime.events.base import TERMINAL_TYPES, EventStream, StoredEvent
from runtime.events.memory import MemoryEventStream

__all__ = [
    "TERMINAL_TYPES",
    "EventStream",
    "Gate",
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


# Event-loop turns an append waits before it takes what has queued. They cost microseconds and no time passes
# (nothing is held back while the process waits on anything); a node's start then usually goes out with the
# events around it instead of in an append of its own.
_GATHER_TURNS = 4
# How long a run's first append waits for the events that follow, unless its segment ends first. A short run
# (most runs of a workflow) then appends all its events once, at its end, instead of twice; a long one shows its
# start this much later, which nobody watching can tell.
FIRST_APPEND_WINDOW_S = 0.02


class Gate(Protocol):
    """How far a run's checkpoints are stored (``runtime.checkpoint_queue.DurableGate``)."""

    def hold(self, event: dict[str, Any]) -> int: ...

    def stored(self) -> int: ...

    def watch(self, event: asyncio.Event) -> Callable[[], None]: ...


class StreamSink:
    """The engine's event sink for one run: stamps the run id and appends to the stream.

    ``emit`` never waits for the stream: events queue in order and one background task appends
    whatever has queued in a single round trip, so a run does not pay a write per event. ``flush``
    waits until everything emitted so far is stored (and raises what the stream raised).

    With a ``gate`` (a durable run whose checkpoints are stored behind it, see
    ``runtime.checkpoint_queue``) a ``node_finished`` event, and everything after it, waits until the
    checkpoint that holds the node's result is stored: a node reported finished never runs again.
    ``flush`` (the end of the run's segment) publishes everything.
    """

    def __init__(self, stream: EventStream, run_id: str, gate: Gate | None = None) -> None:
        self.stream = stream
        self.run_id = run_id
        self._gate = gate
        self._queued: list[tuple[int, dict[str, Any]]] = []  # (checkpoint it waits for, or 0; event)
        self._drain: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self._open = gate is None  # nothing to wait for
        self._wake = asyncio.Event()
        self._unwatch = gate.watch(self._wake) if gate is not None else None
        self._first = True  # no append yet: the first waits (FIRST_APPEND_WINDOW_S) for the events after it
        self._ending = asyncio.Event()  # the segment is over: no append waits any longer

    async def emit(self, event: dict[str, Any]) -> None:
        event = {**event, "run_id": self.run_id}
        gate = None if self._open else self._gate
        need = gate.hold(event) if gate is not None and event.get("type") == "node_finished" else 0
        self._queued.append((need, event))
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._append_queued())

    def _ready(self) -> int:
        """How many queued events may go out now (in order)."""
        if self._open or self._gate is None:
            return len(self._queued)
        stored = self._gate.stored()
        for index, (need, _) in enumerate(self._queued):
            if need > stored:
                return index
        return len(self._queued)

    async def _append_queued(self) -> None:
        if self._first:
            self._first = False
            with contextlib.suppress(TimeoutError):  # a timeout scope, not wait_for's task per call
                async with asyncio.timeout(FIRST_APPEND_WINDOW_S):
                    await self._ending.wait()
        while self._queued:
            for _ in range(_GATHER_TURNS):  # let the run go on to its next wait first: its events join this append
                await asyncio.sleep(0)
            ready = self._ready()
            if not ready:
                self._wake.clear()
                if not self._ready():
                    await self._wake.wait()
                continue
            batch = [event for _, event in self._queued[:ready]]
            del self._queued[:ready]
            try:
                await self.stream.publish_many(self.run_id, batch)
            except Exception as exc:  # kept for flush(); later events still get their chance
                self._error = exc

    def release(self) -> None:
        """Stop holding events back for checkpoints (the run's segment is over): all may go out, in order."""
        self._ending.set()
        if not self._open:
            self._open = True
            if self._unwatch is not None:
                self._unwatch()
            self._wake.set()

    def drop(self) -> None:
        """Forget every event not yet appended: the steps they report were not stored and will run again."""
        self._queued.clear()
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        if self._drain is not None:
            self._drain.cancel()
            self._drain = None

    async def flush(self) -> None:
        self.release()
        while self._drain is not None and not self._drain.done():
            await asyncio.shield(self._drain)
        if self._error is not None:
            error, self._error = self._error, None
            raise error
