"""Turning observability on for a platform process: tracing, the span and log stores, JSON logs."""

from __future__ import annotations

import logging

from builder import __version__
from builder.observability.store import LogStoreHandler, SpanStore
from builder.settings import Settings
from runtime.telemetry import setup_logging, setup_tracing
from runtime.telemetry.metrics import count_dropped

_store: SpanStore | None = None
_log_handler: LogStoreHandler | None = None


def setup_observability(settings: Settings, service: str) -> None:
    """Install tracing with the DB span store (plus OTLP when configured) and JSON logs; repeat calls retarget."""
    global _store, _log_handler
    url = settings.resolved_database_url
    if _store is None:
        _store = SpanStore(url, service=service, retention_hours=settings.span_retention_hours,
                           max_rows=settings.span_store_max_rows)
        exporters = [_store] if settings.span_store_enabled else []
        setup_tracing(service, version=__version__, exporters=exporters, on_drop=count_dropped)
        _log_handler = LogStoreHandler(url, service=service)
        if settings.log_json:
            setup_logging(service, settings.log_level)
        logging.getLogger().addHandler(_log_handler)
    else:
        _store.database_url = url
        if _log_handler is not None:
            _log_handler.database_url = url


def release_observability() -> None:
    """Write what is pending, then stop storing: the app that owned the database is shutting down."""
    flush_observability()
    if _store is not None:
        _store.database_url = ""
    if _log_handler is not None:
        _log_handler.database_url = ""


def flush_observability() -> None:
    """Write pending spans and log lines now (tests, shutdown)."""
    from opentelemetry import trace

    provider = trace.get_tracer_provider()
    flush = getattr(provider, "force_flush", None)
    if flush is not None:
        flush()
    if _log_handler is not None:
        _log_handler.flush()
