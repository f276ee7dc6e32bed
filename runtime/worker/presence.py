"""A worker's presence in the platform DB: one `workers` row per worker, refreshed by a heartbeat thread.

Celery's remote control (inspect, ping, broadcast) does not work on the embedded SQLite broker, so the platform
lists its workers from this table instead, whatever the transport. A worker writes its row before its pool starts,
refreshes ``last_seen`` every heartbeat once it consumes, and deletes the row on a clean shutdown. A worker killed
without one leaves its row behind: its ``last_seen`` ages until the platform lists it as stale, and any live worker
deletes rows not refreshed for ``FORGET_AFTER_S``.

The table is defined by the platform (builder.observability.models.WorkerRow); it is named here by its columns only.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta
from importlib import metadata
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from runtime.worker.config import WorkerConfig

log = logging.getLogger("lcnc.worker.presence")

_TS = sa.DateTime(timezone=True)

workers = sa.table(
    "workers",
    sa.column("id", sa.String),
    sa.column("host", sa.String),
    sa.column("pid", sa.Integer),
    sa.column("namespace", sa.String),
    sa.column("queue", sa.String),
    sa.column("version", sa.String),
    sa.column("concurrency", sa.Integer),
    sa.column("heartbeat_s", sa.Float),
    sa.column("metrics_port", sa.Integer),
    sa.column("started_at", _TS),
    sa.column("last_seen", _TS),
)

FORGET_AFTER_S = 86_400.0  # a row not refreshed for a day is garbage: its worker is long gone

_current: Presence | None = None  # this process's worker (inherited by its prefork children)


def worker_version() -> str:
    """The installed lcnc version (what the platform reports for its roles too)."""
    try:
        return metadata.version("lcnc")
    except metadata.PackageNotFoundError:
        return "unknown"


def heartbeat_interval(config: WorkerConfig) -> float:
    """As often as a run lease is renewed (a third of the lease), at most every 5 s."""
    return min(5.0, max(0.2, config.lease_s / 3))


def _now() -> datetime:
    return datetime.now(UTC)


def _engine(config: WorkerConfig) -> sa.Engine:
    # NullPool: no connection outlives a call, so nothing is shared with the pool processes forked later.
    url = config.sync_database_url
    connect_args: dict[str, Any] = {"timeout": 30} if url.startswith("sqlite") else {}
    return sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)


class Presence(threading.Thread):
    """The `workers` row of one worker process: ``register()`` it, ``start()`` the heartbeat, ``stop()`` at exit."""

    def __init__(self, config: WorkerConfig, *, name: str, concurrency: int, every_s: float | None = None) -> None:
        super().__init__(name="lcnc-presence", daemon=True)
        self.config = config
        self.worker_id = name
        self.concurrency = concurrency
        self.every_s = every_s or heartbeat_interval(config)
        self.stopped = threading.Event()
        self.engine = _engine(config)

    def _row(self, t: datetime) -> dict[str, Any]:
        return {"id": self.worker_id, "host": socket.gethostname(), "pid": os.getpid(),
                "namespace": self.config.namespace, "queue": self.config.queue, "version": worker_version(),
                "concurrency": self.concurrency, "heartbeat_s": self.every_s, "metrics_port": None,
                "started_at": t, "last_seen": t}

    def register(self) -> bool:
        """Make this worker current and write its row (replacing one of an earlier worker of the same name).

        A failure is logged, not raised: presence is for the operator's view, and the heartbeat writes the row
        as soon as the DB takes it.
        """
        global _current
        _current = self
        try:
            self._write()
        except Exception:  # noqa: BLE001 - a worker that runs without being listed beats one that does not run
            log.warning("could not register this worker in the platform DB; retrying at each heartbeat", exc_info=True)
            return False
        return True

    def _write(self) -> None:
        t = _now()
        with self.engine.begin() as conn:
            conn.execute(sa.delete(workers).where(workers.c.id == self.worker_id))
            conn.execute(sa.insert(workers).values(**self._row(t)))
            conn.execute(sa.delete(workers).where(workers.c.last_seen < t - timedelta(seconds=FORGET_AFTER_S)))

    def beat(self) -> None:
        """Refresh ``last_seen``; write the row again if it is gone (never written, or deleted meanwhile)."""
        with self.engine.begin() as conn:
            found = conn.execute(sa.update(workers).where(workers.c.id == self.worker_id).values(last_seen=_now()))
        if found.rowcount == 0:
            self._write()

    def run(self) -> None:
        while not self.stopped.wait(self.every_s):
            try:
                self.beat()
            except Exception:  # noqa: BLE001 - keep beating; the DB may be back next time
                log.warning("presence heartbeat failed", exc_info=True)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the heartbeat and delete the row: a worker that stopped cleanly is not listed at all."""
        global _current
        self.stopped.set()
        if self.is_alive():
            self.join(timeout)
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.delete(workers).where(workers.c.id == self.worker_id, workers.c.pid == os.getpid()))
        except Exception:  # noqa: BLE001 - shutting down anyway; the row turns stale on its own
            log.warning("could not remove this worker's presence row", exc_info=True)
        finally:
            self.engine.dispose()
            if _current is self:
                _current = None


def note_metrics_port(port: int) -> None:
    """Called in a pool process that serves /metrics: the row keeps the lowest such port of its worker.

    Each pool process serves its own port (counting up from WORKER_METRICS_PORT); outside a worker this does nothing.
    """
    presence = _current
    if presence is None:
        return
    engine = _engine(presence.config)  # this process's own: never a connection of the process it was forked from
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(workers)
                         .where(workers.c.id == presence.worker_id)
                         .where(sa.or_(workers.c.metrics_port.is_(None), workers.c.metrics_port > port))
                         .values(metrics_port=port))
    except Exception:  # noqa: BLE001 - the port is informative; metrics are served either way
        log.warning("could not record the metrics port %d", port, exc_info=True)
    finally:
        engine.dispose()
