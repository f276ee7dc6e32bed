"""The run event stream interface every backend implements, and the subscription loop they share."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

# After one of these nothing more is published for the run.
TERMINAL_TYPES = frozenset({"run_finished", "run_failed", "run_cancelled"})
# One of these ends a segment of the run: it finished, failed, was cancelled, or waits for a person.
ENDING_TYPES = TERMINAL_TYPES | {"interrupt"}


@dataclass(frozen=True)
class StoredEvent:
    """An event as a subscriber sees it: its id in the run's stream (opaque, increasing) and the event dict."""

    id: str
    event: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.event.get("type", "message"))


class EventStream(ABC):
    """An append-only stream of events per run: late subscribers replay from the start, ids resume."""

    @abstractmethod
    async def publish(self, run_id: str, event: dict[str, Any]) -> str:
        """Append ``event`` to the run's stream; returns its id."""

    async def publish_many(self, run_id: str, events: list[dict[str, Any]]) -> list[str]:
        """Append ``events`` in order; backends override this to do it in one round trip."""
        return [await self.publish(run_id, event) for event in events]

    @abstractmethod
    async def read(self, run_id: str, after: str | None = None, limit: int = 500) -> list[StoredEvent]:
        """Events after the id ``after`` (from the start when None), oldest first, at most ``limit``."""

    @abstractmethod
    async def wait(self, run_id: str, after: str | None = None, timeout: float = 15.0) -> list[StoredEvent]:
        """Like ``read`` but waits up to ``timeout`` seconds for at least one event; [] when none came."""

    @abstractmethod
    def check_id(self, event_id: str) -> None:
        """Raise ValueError when ``event_id`` cannot be an id of this backend (bad Last-Event-ID)."""

    async def wait_end(self, run_id: str, timeout: float, after: str | None = None) -> tuple[StoredEvent | None, str | None]:
        """Wait up to ``timeout`` seconds for the first event that ends a segment of the run (``ENDING_TYPES``).

        Returns it (or None) and where the next call may look from (pass it as ``after``), so that waiting again
        reads no event twice. Backends override this to wake on that event alone."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            for item in await self.wait(run_id, after, timeout=left):
                after = item.id
                if item.type in ENDING_TYPES:
                    return item, after
        return None, after

    async def close(self) -> None:  # noqa: B027 - optional for backends without resources
        """Release connections."""

    async def subscribe(
        self, run_id: str, last_id: str | None = None, *, heartbeat: float = 15.0, stop_on_terminal: bool = True,
        timeout: float | None = None,
    ) -> AsyncIterator[StoredEvent | None]:
        """Replay the run's events after ``last_id``, then follow new ones.

        Yields None every ``heartbeat`` seconds without events (for keep-alives); stops after a terminal
        event when ``stop_on_terminal``, or after ``timeout`` seconds in total.
        """
        if last_id is not None:
            self.check_id(last_id)
        deadline = None if timeout is None else time.monotonic() + timeout
        after = last_id
        while True:
            wait_for = heartbeat
            if deadline is not None:
                wait_for = min(wait_for, deadline - time.monotonic())
                if wait_for <= 0:
                    return
            batch = await self.wait(run_id, after, timeout=wait_for)
            if not batch:
                yield None
                continue
            for item in batch:
                after = item.id
                yield item
                if stop_on_terminal and item.type in TERMINAL_TYPES:
                    return
