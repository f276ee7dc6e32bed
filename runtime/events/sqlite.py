"""Events in a SQLite file: the embedded default, shared by the platform process and its worker processes."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from runtime.events.base import EventStream, StoredEvent

_POLL_S = 0.02
_SCHEMA = """
CREATE TABLE IF NOT EXISTS run_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_run_events_run ON run_events (run_id, seq);
"""


class SQLiteEventStream(EventStream):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA busy_timeout=30000")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def _publish(self, run_id: str, data: str) -> str:
        with self._lock:
            cursor = self._conn.execute("INSERT INTO run_events (run_id, data) VALUES (?, ?)", (run_id, data))
            return str(cursor.lastrowid)

    async def publish(self, run_id: str, event: dict[str, Any]) -> str:
        return await asyncio.to_thread(self._publish, run_id, json.dumps(event, default=str))

    def _publish_many(self, run_id: str, data: list[str]) -> list[str]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                ids = [str(self._conn.execute("INSERT INTO run_events (run_id, data) VALUES (?, ?)",
                                              (run_id, item)).lastrowid) for item in data]
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return ids

    async def publish_many(self, run_id: str, events: list[dict[str, Any]]) -> list[str]:
        data = [json.dumps(event, default=str) for event in events]
        return await asyncio.to_thread(self._publish_many, run_id, data)

    def check_id(self, event_id: str) -> None:
        if not event_id.isdigit() or len(event_id) > 18:
            raise ValueError(f"'{event_id[:40]}' is not an event id of this stream")

    def _read(self, run_id: str, after: int, limit: int) -> list[StoredEvent]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, data FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (run_id, after, limit),
            ).fetchall()
        return [StoredEvent(str(seq), json.loads(data)) for seq, data in rows]

    async def read(self, run_id: str, after: str | None = None, limit: int = 500) -> list[StoredEvent]:
        if after is not None:
            self.check_id(after)
        return await asyncio.to_thread(self._read, run_id, int(after or 0), limit)

    async def wait(self, run_id: str, after: str | None = None, timeout: float = 15.0) -> list[StoredEvent]:
        deadline = time.monotonic() + timeout
        while True:
            batch = await self.read(run_id, after)
            if batch or time.monotonic() >= deadline:
                return batch
            await asyncio.sleep(_POLL_S)

    async def close(self) -> None:
        with self._lock:
            self._conn.close()
