"""What a worker and the code that enqueues runs must agree on, built from the platform Settings by the caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.events import EventStream, open_event_stream


@dataclass(frozen=True)
class WorkerConfig:
    """Queue, storage and safety limits of durable runs.

    ``database_url`` is the platform DB (async SQLAlchemy URL); ``redis_url`` empty selects the embedded
    broker (a SQLite file in ``data_dir``) and the SQLite event stream. ``namespace`` prefixes every Redis
    key and names the queue, so several platforms (or test runs) share one Redis without meeting.
    """

    database_url: str
    redis_url: str = ""
    data_dir: Path = field(default_factory=lambda: Path(".lcnc"))
    namespace: str = "lcnc"
    max_attempts: int = 3  # deliveries of one run before it ends failed (a run that kills its worker)
    run_timeout_s: float = 3600.0  # a run segment (start or resume) longer than this fails
    lease_s: float = 30.0  # a worker that stops renewing its lease this long is presumed dead
    requeue_queued_s: float = 600.0  # a queued run not picked up this long is sent again (lost message)
    visibility_timeout_s: float = 7200.0  # Redis: unacked messages come back after this (the sweep is faster)
    retry_backoff_s: float = 2.0
    retry_backoff_max_s: float = 60.0
    trace_content: bool = False  # record prompts and completions on LLM spans
    # The worker's writes of a run (claim, checkpoints, outcome) wait for PostgreSQL's WAL flush. Off by default:
    # a lost worker loses nothing either way (runtime.checkpoint.open_checkpointer, runtime.worker.rows).
    synchronous_commit: bool = False
    # Set by the platform, which knows its storage: what a run may use (secrets, tools, RAG, SQL, MCP) as an
    # async (state, workspace_id, spec) -> RunServices, and what each worker process does first (telemetry).
    services_factory: Callable[..., Any] | None = field(default=None, compare=False)
    process_init: Callable[[], None] | None = field(default=None, compare=False)

    @property
    def queue(self) -> str:
        return f"{self.namespace}.runs"

    @property
    def broker_key_prefix(self) -> str:
        """What kombu's Redis transport puts before every key of this namespace (its ``global_keyprefix``)."""
        return f"{self.namespace}:"

    @property
    def queue_key(self) -> str:
        """The Redis list of the queue: where a delivery is pushed and where a worker's BRPOP takes it."""
        return self.broker_key_prefix + self.queue

    @property
    def broker_url(self) -> str:
        if self.redis_url:
            return self.redis_url
        import runtime.worker.embedded  # noqa: F401 - registers the transport alias

        return f"{runtime.worker.embedded.ALIAS}+sqlite:///{(self.data_dir / 'queue.db').resolve()}"

    @property
    def events_path(self) -> Path:
        return self.data_dir / "events.db"

    def open_events(self) -> EventStream:
        if self.redis_url:
            return open_event_stream(redis_url=self.redis_url, prefix=self.namespace)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return open_event_stream(sqlite_path=self.events_path)

    @property
    def sync_database_url(self) -> str:
        """The synchronous driver URL for the same database (sweeps run in a plain thread)."""
        url = self.database_url
        if url.startswith("postgresql+asyncpg://"):
            return "postgresql+psycopg://" + url[len("postgresql+asyncpg://"):]
        if url.startswith("sqlite+aiosqlite://"):
            return "sqlite://" + url[len("sqlite+aiosqlite://"):]
        return url
