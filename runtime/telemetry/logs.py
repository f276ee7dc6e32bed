"""Structured JSON logs with the trace and span id of the current span on every line."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(self.fields(record), default=str)

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The line as a dict (what ``format`` writes as JSON)."""
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "service": self.service,
            "message": record.getMessage(),
        }
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            line["trace_id"] = format(context.trace_id, "032x")
            line["span_id"] = format(context.span_id, "016x")
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return line


def setup_logging(service: str, level: str = "INFO") -> None:
    """Add a JSON handler on stderr to the root logger (once per process).

    It writes to the process's real stderr (``sys.__stderr__``): a Celery pool process replaces
    ``sys.stderr`` with a proxy that would log every line a second time, in Celery's own format.
    """
    root = logging.getLogger()
    if any(getattr(h, "_lcnc_json", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.__stderr__ or sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    handler._lcnc_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
