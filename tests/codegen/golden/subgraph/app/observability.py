"""JSON logs, Prometheus metrics and OpenTelemetry tracing for the service."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import Counter, Histogram

from app.settings import Settings

RUNS = Counter("graph_runs_total", "Graph runs by final status.", ["status"])
# One child per final status, made once: a run is counted without a labels() lookup, and every status shows from 0.
RUNS_BY_STATUS = {status: RUNS.labels(status=status) for status in ("succeeded", "waiting", "failed", "cancelled")}
RUN_SECONDS = Histogram("graph_run_duration_seconds", "Wall time of a graph run.")
NODE_SECONDS = Histogram("graph_node_duration_seconds", "Wall time of one node execution.", ["node_id"])
NODE_FAILURES = Counter("graph_node_failures_total", "Node executions that raised.", ["node_id"])

tracer = trace.get_tracer("app")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what log collectors parse without configuration."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("run_id", "node_id", "status"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


_tracing_ready = False


def tracing_enabled() -> bool:
    """Whether spans go anywhere; without an exporter the engine skips making them (they cost ~0.1 ms each)."""
    return _tracing_ready


def setup_tracing(settings: Settings) -> None:
    """Export spans over OTLP/HTTP when an endpoint is configured; otherwise make none."""
    global _tracing_ready
    if _tracing_ready or not settings.otel_exporter_otlp_endpoint:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    endpoint = settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    _tracing_ready = True
