"""Keeps the leases of the runs a worker process is executing: one thread per process renews them all.

Renewal runs in a thread, so a busy event loop (a slow node) never loses a lease; when a run's row has
left `running` (cancelled, or taken over after a lost lease) its task on the loop is cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from runtime.worker import store

log = logging.getLogger("lcnc.worker")


class Lease:
    """One run's hold on its lease; ``lost`` is set when the row left `running` under it."""

    def __init__(self, run_id: str, main: asyncio.Task | None, release: Callable[[Lease], None]) -> None:
        self.run_id = run_id
        self.main = main
        self.loop = asyncio.get_running_loop()
        self.lost = threading.Event()
        self._release = release

    def release(self) -> None:
        self._release(self)


class LeaseKeeper(threading.Thread):
    def __init__(self, connect: Callable[[], Any], lease_s: float) -> None:
        super().__init__(name="lcnc-leases", daemon=True)
        self.connect = connect  # a sync SQLAlchemy engine's connect
        self.lease_s = lease_s
        self.every_s = min(2.0, lease_s / 3)
        self._held: dict[str, Lease] = {}
        self._lock = threading.Lock()
        self.stopped = threading.Event()

    def hold(self, run_id: str, main: asyncio.Task | None) -> Lease:
        lease = Lease(run_id, main, self._drop)
        with self._lock:
            self._held[run_id] = lease
            if not self.is_alive() and not self.stopped.is_set():
                self.start()
        return lease

    def _drop(self, lease: Lease) -> None:
        with self._lock:
            if self._held.get(lease.run_id) is lease:
                del self._held[lease.run_id]

    def renew_all(self) -> None:
        with self._lock:
            leases = list(self._held.values())
        for lease in leases:
            try:
                with self.connect() as conn:
                    alive = store.renew_sync(conn, run_id=lease.run_id, lease_s=self.lease_s)
            except Exception:  # noqa: BLE001 - a missed beat is retried; the lease has slack
                log.warning("run %s: lease renewal failed", lease.run_id, exc_info=True)
                continue
            with self._lock:
                still_held = self._held.get(lease.run_id) is lease
            if not alive and still_held:
                self._drop(lease)
                lease.lost.set()
                if lease.main is not None:
                    lease.loop.call_soon_threadsafe(lease.main.cancel)

    def run(self) -> None:
        while not self.stopped.wait(self.every_s):
            self.renew_all()
