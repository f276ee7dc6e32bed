"""The span store and log store: finished spans and trace-correlated log lines written to the platform DB.

Both write from background threads through bounded queues (runtime.telemetry.BoundedSpanProcessor for spans,
a queue handler for logs), so a slow or locked database never slows a request or a run. Retention keeps the
newest rows only.
"""

from __future__ import annotations

import collections
import json
import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import StatusCode
from sqlalchemy import JSON, Table, create_engine, delete, insert, select
from sqlalchemy.engine import Engine

from builder.observability.models import LogRecordRow, SpanRecord
from builder.settings import sync_url
from runtime.telemetry.logs import JsonFormatter

log = logging.getLogger(__name__)

_engines: dict[str, Engine] = {}
# How long the log store waits after a line for more lines to write with it (the log view lags by this much).
BATCH_WINDOW_S = 0.25
# How often a process applies retention: with its first write, then at most once in this many seconds (retention
# is counted in hours and in hundreds of thousands of rows; each pass costs three statements).
PRUNE_EVERY_S = 60.0


def _engine(database_url: str) -> Engine:
    url = sync_url(database_url)
    if url not in _engines:
        _engines[url] = create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2) if not url.startswith(
            "sqlite") else create_engine(url, connect_args={"timeout": 30})
    return _engines[url]


def _append_rows(connection: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """Add ``rows`` (dicts with the same keys) to ``table`` in the connection's transaction.

    On PostgreSQL one ``COPY``: the rows stream in as text, with no statement executed per row (an executemany
    costs the writing process and the server a bind and an execute for each). Elsewhere one INSERT."""
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([json.dumps(row[name], default=str) if name in as_json else row[name] for name in columns])


def _attr(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def span_row(span: ReadableSpan, service: str) -> dict[str, Any]:
    attributes = {key: _attr(value) for key, value in (span.attributes or {}).items()}
    status = {StatusCode.OK: "ok", StatusCode.ERROR: "error"}.get(span.status.status_code, "unset")
    start = span.start_time or 0
    end = span.end_time or start
    return {
        "span_id": format(span.context.span_id, "016x"),
        "trace_id": format(span.context.trace_id, "032x"),
        "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
        "name": span.name[:300],
        "service": service,
        "start_time": datetime.fromtimestamp(start / 1e9, UTC),
        "duration_ms": (end - start) / 1e6,
        "status": status,
        "status_message": span.status.description or "",
        "run_id": attributes.get("lcnc.run.id") or None,
        "graph_id": attributes.get("lcnc.graph.id") or None,
        "workspace_id": attributes.get("lcnc.workspace.id") or None,
        "attributes": attributes,
        "events": [
            {"name": event.name, "attributes": {k: _attr(v) for k, v in (event.attributes or {}).items()}}
            for event in span.events
        ],
    }


class SpanStore(SpanExporter):
    """Writes spans to the platform DB; the target database can be switched (one provider per process)."""

    def __init__(self, database_url: str, *, service: str, retention_hours: float = 72, max_rows: int = 200_000):
        self.database_url = database_url
        self.service = service
        self.retention_hours = retention_hours
        self.max_rows = max_rows
        self._pruned_at: float | None = None  # monotonic time of this process's last retention pass

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        rows = [span_row(span, span.resource.attributes.get("service.name", self.service)) for span in spans]
        if not rows or not self.database_url:  # no app is running: nowhere to keep them
            return SpanExportResult.SUCCESS
        try:
            with _engine(self.database_url).begin() as connection:
                _append_rows(connection, SpanRecord.__table__, rows)
                now = time.monotonic()
                if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY_S:
                    self._pruned_at = now
                    self._prune(connection)
        except Exception:
            log.warning("span store write failed", exc_info=True)
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def _prune(self, connection: Any) -> None:
        cutoff = datetime.now(UTC) - timedelta(hours=self.retention_hours)
        connection.execute(delete(SpanRecord).where(SpanRecord.start_time < cutoff))
        oldest_kept = connection.execute(
            select(SpanRecord.start_time).order_by(SpanRecord.start_time.desc()).offset(self.max_rows).limit(1)
        ).scalar()
        if oldest_kept is not None:
            connection.execute(delete(SpanRecord).where(SpanRecord.start_time <= oldest_kept))
        connection.execute(delete(LogRecordRow).where(LogRecordRow.ts < cutoff))

    def shutdown(self) -> None:
        return None


class LogStoreHandler(logging.Handler):
    """Keeps log lines that belong to a trace (or a run) in the platform DB, written by a daemon thread."""

    def __init__(self, database_url: str, *, service: str, max_queue: int = 5000) -> None:
        super().__init__(level=logging.INFO)
        self.database_url = database_url
        self.service = service
        self._queue: collections.deque[dict[str, Any]] = collections.deque(maxlen=max_queue)
        self._wake = threading.Event()
        self._formatter = JsonFormatter(service)
        threading.Thread(target=self._work, name="lcnc-log-store", daemon=True).start()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("sqlalchemy", "builder.observability")):
            return
        try:
            line = self._formatter.fields(record)
        except Exception:  # a log line that cannot be formatted is not worth failing for
            return
        if not (line.get("trace_id") or line.get("run_id")):
            return
        self._queue.append(
            {
                "ts": datetime.fromtimestamp(record.created, UTC),
                "level": line["level"],
                "service": self.service,
                "logger": record.name[:200],
                "message": str(line["message"])[:10_000],
                "trace_id": line.get("trace_id"),
                "span_id": line.get("span_id"),
                "run_id": str(line["run_id"]) if line.get("run_id") else None,
            }
        )
        if not self._wake.is_set():  # set() takes the event's lock and notifies: once per batch is enough
            self._wake.set()

    def flush(self) -> None:
        self._write()

    def _work(self) -> None:
        while True:
            self._wake.wait(1.0)
            time.sleep(BATCH_WINDOW_S)  # gather the lines that follow: one insert for them all
            self._wake.clear()
            self._write()

    def _write(self) -> None:
        if not self.database_url:
            self._queue.clear()
            return
        rows = []
        while self._queue and len(rows) < 500:
            rows.append(self._queue.popleft())
        if not rows:
            return
        try:
            with _engine(self.database_url).begin() as connection:
                _append_rows(connection, LogRecordRow.__table__, rows)
        except Exception:  # noqa: S110 - logging about a failing log store would loop
            pass
