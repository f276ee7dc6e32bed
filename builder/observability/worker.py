"""Observability of a worker process: the same tracing, span store and JSON logs as the API, plus /metrics.

Celery's prefork pool runs tasks in child processes, so this is called in each child when it starts: threads
(span export, log store) do not survive a fork. Each child serves Prometheus metrics on WORKER_METRICS_PORT,
or the next free port above it when several children share a host.
"""

from __future__ import annotations

import logging

from builder.observability.setup import setup_observability
from builder.settings import Settings
from runtime.worker.presence import note_metrics_port

log = logging.getLogger(__name__)


def setup_worker_observability(settings: Settings, *, tries: int = 8) -> int | None:
    """Turn on tracing and logs for this worker process and serve /metrics; returns the metrics port."""
    setup_observability(settings, service="lcnc-worker")
    if not settings.worker_metrics_port:
        return None
    from prometheus_client import start_http_server

    for port in range(settings.worker_metrics_port, settings.worker_metrics_port + tries):
        try:
            start_http_server(port, addr=settings.worker_metrics_host)
        except OSError:
            continue
        log.info("worker metrics on port %d", port)
        note_metrics_port(port)  # the services view shows where this worker's metrics are
        return port
    log.warning("no free port for worker metrics from %d", settings.worker_metrics_port)
    return None
