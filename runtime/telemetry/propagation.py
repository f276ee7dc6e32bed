"""W3C trace context carried across process boundaries (HTTP headers, Celery message headers)."""

from __future__ import annotations

from opentelemetry import context as otel_context
from opentelemetry.propagate import extract, inject


def current_carrier() -> dict[str, str]:
    """The current trace context as headers (traceparent, tracestate) to put on a message."""
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier


def attach_carrier(carrier: dict[str, str] | None) -> object | None:
    """Make the trace context of ``carrier`` current; returns a token for ``detach``."""
    if not carrier:
        return None
    return otel_context.attach(extract(carrier))


def detach(token: object | None) -> None:
    if token is not None:
        otel_context.detach(token)  # type: ignore[arg-type]
