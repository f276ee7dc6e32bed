"""Runs kept in memory: their status, result and event log, and followers of the log (SSE).

One process keeps its own runs; behind several replicas, route a client's GET /runs/{id} to the
pod that started the run (or replace this module with a shared store in ``app/custom``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Run:
    id: str
    inputs: dict[str, Any]
    status: str = "queued"
    outputs: dict[str, Any] | None = None
    error: str | None = None
    interrupt: dict[str, Any] | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    task: asyncio.Task[Any] | None = None
    waiters: list[asyncio.Future[None]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.status in ("succeeded", "failed", "cancelled")

    def notify(self) -> None:
        """Wake everyone waiting for a change (a new event or a new status)."""
        waiters, self.waiters = self.waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def changed(self, timeout: float | None = None) -> None:
        """Wait for the next change, or ``timeout`` seconds."""
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass


class RunSink:
    """Receives the engine's events for one run and wakes the followers of its log."""

    def __init__(self, run: Run) -> None:
        self.run = run

    async def emit(self, event: dict[str, Any]) -> None:
        self.run.events.append(event)
        if self.run.waiters:
            self.run.notify()


class RunStore:
    """The runs of this process, the oldest finished ones forgotten beyond ``max_runs``."""

    def __init__(self, max_runs: int) -> None:
        self.max_runs = max_runs
        self._runs: OrderedDict[str, Run] = OrderedDict()

    def create(self, inputs: dict[str, Any]) -> Run:
        run = Run(id=uuid.uuid4().hex, inputs=inputs)
        self._runs[run.id] = run
        self._trim()
        return run

    def get(self, run_id: str) -> Run | None:
        return self._runs.get(run_id)

    def list(self, limit: int) -> list[Run]:
        return list(reversed(self._runs.values()))[:limit]

    def _trim(self) -> None:
        while len(self._runs) > self.max_runs:
            oldest = next((key for key, run in self._runs.items() if run.done), None)
            if oldest is None:
                return
            del self._runs[oldest]


async def follow(run: Run, start: int = 0) -> Any:
    """Yield (index, event) from ``start`` on until the run ends (or waits for a person)."""
    index = start
    while True:
        while index < len(run.events):
            yield index, run.events[index]
            index += 1
        if run.done or run.status == "waiting":
            return
        await run.changed(timeout=15)
