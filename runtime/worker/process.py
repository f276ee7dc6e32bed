"""Per worker process resources, opened once and reused by every run the process executes.

A prefork child gets its own (created lazily after the fork): one event loop, one DB pool, one event
stream connection and one checkpointer, so a run pays no connection set-up.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import AsyncExitStack
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from runtime.checkpoint import open_checkpointer
from runtime.events import EventStream
from runtime.worker.config import WorkerConfig
from runtime.worker.lease import LeaseKeeper
from runtime.worker.rows import Rows, open_rows


class ProcessState:
    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self.runner = asyncio.Runner(loop_factory=event_loop_factory())
        self._stack: AsyncExitStack | None = None
        self.engine: AsyncEngine = None  # type: ignore[assignment]
        self.rows: Rows = None  # type: ignore[assignment]
        self.events: EventStream = None  # type: ignore[assignment]
        self.checkpointer: Any = None
        self._sync_engine: Any = None
        self._leases: LeaseKeeper | None = None
        self.heap_frozen = False  # see runtime.heap

    @property
    def sync_engine(self) -> Any:
        """A small synchronous pool for the lease heartbeat threads."""
        if self._sync_engine is None:
            import sqlalchemy as sa

            # Single guarded statements: no transaction around them (on SQLite, no lock held between two).
            self._sync_engine = sa.create_engine(self.config.sync_database_url, pool_size=2, max_overflow=8,
                                                 pool_pre_ping=True, isolation_level="AUTOCOMMIT")
        return self._sync_engine

    @property
    def leases(self) -> LeaseKeeper:
        """The thread that renews the leases of this process's runs (started with the first run)."""
        if self._leases is None:
            self._leases = LeaseKeeper(lambda: self.sync_engine.connect(), self.config.lease_s)
        return self._leases

    async def open(self) -> None:
        if self._stack is not None:
            return
        stack = AsyncExitStack()
        self.engine = make_async_engine(self.config.database_url)
        stack.push_async_callback(self.engine.dispose)
        # The run row's reads and writes: single statements, straight on the driver where it is PostgreSQL.
        self.rows = open_rows(self.config.database_url, self.engine, max_size=2,
                              synchronous_commit=self.config.synchronous_commit)
        stack.push_async_callback(self.rows.close)
        self.events = self.config.open_events()
        stack.push_async_callback(self.events.close)
        self.checkpointer = await stack.enter_async_context(open_checkpointer(
            self.config.database_url, synchronous_commit=self.config.synchronous_commit))
        self._stack = stack

    async def aclose(self) -> None:
        if self._leases is not None:
            self._leases.stopped.set()
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)


def event_loop_factory() -> Any:
    """uvloop's event loop where it is installed (it comes with uvicorn[standard], as the API server's loop)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - not on every platform
        return None
    return uvloop.new_event_loop


def make_async_engine(database_url: str) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No ping per checkout (a round trip per run): a dropped connection fails that delivery with a
    # transient error, the pool drops it, and the retry gets a fresh one.
    return create_async_engine(database_url, pool_size=4, max_overflow=4, pool_recycle=1800)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


_STATES: dict[tuple[int, int], ProcessState] = {}


def process_state(config: WorkerConfig) -> ProcessState:
    """This process's state for ``config`` (a fresh one after a fork)."""
    key = (os.getpid(), id(config))
    state = _STATES.get(key)
    if state is None:
        if config.process_init is not None:
            config.process_init()
        state = _STATES[key] = ProcessState(config)
    return state
