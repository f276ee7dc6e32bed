"""Tracing, metrics and JSON logs: set up once per process, shared by platform, workers and generated projects."""

from runtime.telemetry.logs import JsonFormatter, setup_logging
from runtime.telemetry.propagation import attach_carrier, current_carrier, detach
from runtime.telemetry.tracing import BoundedSpanProcessor, setup_tracing, tracer

__all__ = [
    "BoundedSpanProcessor",
    "JsonFormatter",
    "attach_carrier",
    "current_carrier",
    "detach",
    "setup_logging",
    "setup_tracing",
    "tracer",
]
