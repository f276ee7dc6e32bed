"""OpenTelemetry tracing set up in one place, for the platform, its workers and generated projects.

Sampling follows the standard OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG variables (read by the SDK).
Spans go to OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf or grpc)
and to any extra exporters given (the platform's span store). Export never slows a run: spans wait in a bounded
queue drained by a background thread, and spans that do not fit are dropped and counted.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import Status, StatusCode

log = logging.getLogger(__name__)

_provider: TracerProvider | None = None


class BoundedSpanProcessor(SpanProcessor):
    """Batches finished spans to an exporter from a daemon thread; a full queue drops and counts."""

    def __init__(
        self,
        exporter: SpanExporter,
        *,
        max_queue: int = 2048,
        batch_size: int = 256,
        interval_s: float = 1.0,
        on_drop: Callable[[int], None] | None = None,
    ) -> None:
        self.exporter = exporter
        self.max_queue = max_queue
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.on_drop = on_drop
        self.dropped = 0
        self._queue: collections.deque[ReadableSpan] = collections.deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._flushed = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._work, name="lcnc-span-export", daemon=True)
        self._thread.start()

    def on_start(self, span, parent_context=None) -> None:  # noqa: ANN001 - SDK signature
        return None

    def on_end(self, span: ReadableSpan) -> None:
        if span.context is None or not span.context.trace_flags.sampled:
            return
        with self._lock:
            if len(self._queue) >= self.max_queue:
                self.dropped += 1
                dropped = True
            else:
                self._queue.append(span)
                dropped = False
                full = len(self._queue) >= self.batch_size
        if dropped:
            if self.on_drop:
                self.on_drop(1)
            return
        if full:
            self._wake.set()

    def _take(self) -> list[ReadableSpan]:
        with self._lock:
            batch = [self._queue.popleft() for _ in range(min(self.batch_size, len(self._queue)))]
        return batch

    def _work(self) -> None:
        while True:
            self._wake.wait(self.interval_s)
            self._wake.clear()
            while batch := self._take():
                try:
                    self.exporter.export(batch)
                except Exception:  # an exporter failure must never reach a run
                    log.warning("span export failed; %d spans lost", len(batch), exc_info=True)
            self._flushed.set()
            if self._stopped:
                return

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        self._flushed.clear()
        self._wake.set()
        return self._flushed.wait(timeout_millis / 1000)

    def shutdown(self) -> None:
        self._stopped = True
        self._wake.set()
        self._thread.join(timeout=5)
        self.exporter.shutdown()


def otlp_exporter_from_env() -> SpanExporter | None:
    """An OTLP span exporter when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-specific one) is set."""
    if not (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        return None
    protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

        return GrpcExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

    return HttpExporter()


def setup_tracing(
    service_name: str,
    *,
    version: str = "0",
    exporters: Iterable[SpanExporter] = (),
    on_drop: Callable[[int], None] | None = None,
) -> TracerProvider:
    """Install the process's tracer provider (once; later calls add nothing and return it)."""
    global _provider
    if _provider is not None:
        return _provider
    resource = Resource.create(
        {
            "service.name": os.environ.get("OTEL_SERVICE_NAME", service_name),
            "service.version": version,
            "service.namespace": "lcnc",
        }
    )
    provider = TracerProvider(resource=resource)
    chosen = list(exporters)
    otlp = otlp_exporter_from_env()
    if otlp is not None:
        chosen.append(otlp)
    for exporter in chosen:
        provider.add_span_processor(BoundedSpanProcessor(exporter, on_drop=on_drop))
    trace.set_tracer_provider(provider)
    _provider = provider
    return provider


def tracer(name: str = "lcnc") -> trace.Tracer:
    return trace.get_tracer(name)


class FinishedSpans:
    """Records spans whose start and end are known when they are recorded (node spans, on the hot path of
    every step): the span goes straight to the provider's processors as a finished span, without an SDK
    span object (lock, bounded attributes, sampler call) per span. Sampling follows the parent: a span
    under an unsampled parent is not recorded. With a provider that is not the SDK's it uses the tracer.
    """

    def __init__(self, name: str) -> None:
        self._tracer = trace.get_tracer(name)
        provider = trace.get_tracer_provider()
        sdk = isinstance(provider, TracerProvider)
        self._processor = getattr(provider, "_active_span_processor", None) if sdk else None
        self._resource = provider.resource if sdk else None
        self._scope = getattr(self._tracer, "_instrumentation_scope", None)
        self._ids = getattr(provider, "id_generator", None) or RandomIdGenerator()

    def new_span_id(self) -> int:
        return self._ids.generate_span_id()

    def record(
        self, name: str, parent: trace.SpanContext, span_id: int, start_ns: int, end_ns: int,
        attributes: dict[str, Any], *, status: Status | None = None, events: tuple[Event, ...] = (),
    ) -> None:
        if not parent.trace_flags.sampled:
            return
        if self._processor is None:
            span = self._tracer.start_span(name, context=trace.set_span_in_context(trace.NonRecordingSpan(parent)),
                                           attributes=attributes, start_time=start_ns)
            if status is not None:
                span.set_status(status)
            for event in events:
                span.add_event(event.name, event.attributes, event.timestamp)
            span.end(end_time=end_ns)
            return
        context = trace.SpanContext(parent.trace_id, span_id, is_remote=False, trace_flags=parent.trace_flags,
                                    trace_state=parent.trace_state)
        self._processor.on_end(ReadableSpan(
            name, context=context, parent=parent, resource=self._resource, attributes=attributes, events=events,
            status=status or _UNSET, start_time=start_ns, end_time=end_ns, instrumentation_scope=self._scope,
        ))


_UNSET = Status(StatusCode.UNSET)
