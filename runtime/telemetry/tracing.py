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
from opentelemetry.trace import SpanKind, Status, StatusCode

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
        self._flushes = threading.Condition(self._lock)
        self._flush_asked = 0  # force_flush calls so far (under _lock, like the queue)
        self._flush_done = 0  # of those, how many the thread has drained the queue for
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

    def on_end_all(self, spans: list[ReadableSpan]) -> None:
        """``on_end`` for a batch of ended spans at once (one lock, one wake-up)."""
        sampled = [span for span in spans if span.context is not None and span.context.trace_flags.sampled]
        with self._lock:
            room = max(0, self.max_queue - len(self._queue))
            self._queue.extend(sampled[:room] if len(sampled) > room else sampled)
            dropped = max(0, len(sampled) - room)
            self.dropped += dropped
            full = len(self._queue) >= self.batch_size
        if dropped and self.on_drop:
            self.on_drop(dropped)
        if full:
            self._wake.set()

    def _take(self) -> list[ReadableSpan]:
        with self._lock:
            batch = [self._queue.popleft() for _ in range(min(self.batch_size, len(self._queue)))]
        return batch

    def _work(self) -> None:
        """Export full batches as they fill, and what is left once per interval (or when flushed, or stopped).

        A partial batch waits for the interval even while spans keep coming: an export has a cost of its own
        (a transaction, a round trip), and draining whatever is there after each one would turn a steady stream
        of spans into exports of one or two spans each."""
        while True:
            self._wake.wait(self.interval_s)
            self._wake.clear()
            with self._lock:
                flush_upto = self._flush_asked
                drain = flush_upto > self._flush_done or self._stopped
            while batch := self._take():
                try:
                    self.exporter.export(batch)
                except Exception:  # an exporter failure must never reach a run
                    log.warning("span export failed; %d spans lost", len(batch), exc_info=True)
                if not drain and len(self._queue) < self.batch_size:
                    break  # the rest waits for the next interval or a full batch
            with self._flushes:
                self._flush_done = max(self._flush_done, flush_upto)
                self._flushes.notify_all()
            if self._stopped:
                return

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Export every span that ended before this call; False if that took longer than the timeout."""
        with self._flushes:
            self._flush_asked += 1
            wanted = self._flush_asked
        self._wake.set()
        with self._flushes:
            return self._flushes.wait_for(lambda: self._flush_done >= wanted, timeout_millis / 1000)

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


_TRACERS: dict[str, tuple[trace.TracerProvider, trace.Tracer]] = {}
_FINISHED: dict[str, tuple[trace.TracerProvider, FinishedSpans]] = {}


def _per_provider(cache: dict[str, tuple[trace.TracerProvider, Any]], name: str,
                  make: Callable[[trace.TracerProvider], Any]) -> Any:
    """``make(provider)`` for the current provider, made once per provider and name."""
    provider = trace.get_tracer_provider()
    cached = cache.get(name)
    if cached is None or cached[0] is not provider:
        cached = cache[name] = (provider, make(provider))
    return cached[1]


def tracer(name: str = "lcnc") -> trace.Tracer:
    """The tracer ``name`` of the current provider, made once per provider (the SDK builds a new one per call)."""
    return _per_provider(_TRACERS, name, lambda provider: provider.get_tracer(name))


def finished_spans(name: str = "lcnc") -> FinishedSpans:
    """The ``FinishedSpans`` of tracer ``name`` of the current provider, made once per provider (as ``tracer``)."""
    return _per_provider(_FINISHED, name, lambda provider: FinishedSpans(name, provider))


SpanRecord = tuple[str, int, int, int, dict[str, Any], "Status | None", tuple[Event, ...]]
"""A finished child span: ``(name, span_id or 0 for a new one, start_ns, end_ns, attributes, status, events)``."""


class FinishedSpans:
    """Records spans whose start and end are known when they are recorded (node spans, on the hot path of
    every step): the spans go straight to the provider's processors as finished spans, a batch at a time,
    without an SDK span object (lock, bounded attributes, sampler call) per span. Sampling follows the
    parent: spans under an unsampled parent are not recorded. With a provider that is not the SDK's it
    uses the tracer.
    """

    def __init__(self, name: str, provider: trace.TracerProvider | None = None) -> None:
        provider = provider or trace.get_tracer_provider()
        self._tracer = provider.get_tracer(name)
        sdk = isinstance(provider, TracerProvider)
        self._processor = getattr(provider, "_active_span_processor", None) if sdk else None
        self._resource = provider.resource if isinstance(provider, TracerProvider) else Resource.get_empty()
        self._scope = getattr(self._tracer, "_instrumentation_scope", None)
        self._ids = getattr(provider, "id_generator", None) or RandomIdGenerator()

    def new_span_id(self) -> int:
        return self._ids.generate_span_id()

    def record_all(self, parent: trace.SpanContext, spans: list[SpanRecord]) -> None:
        """Record ``spans`` as children of ``parent``."""
        if not spans or not parent.trace_flags.sampled:
            return
        if self._processor is None:
            context = trace.set_span_in_context(trace.NonRecordingSpan(parent))
            for name, _, start_ns, end_ns, attributes, status, events in spans:
                started = self._tracer.start_span(name, context=context, attributes=attributes, start_time=start_ns)
                if status is not None:
                    started.set_status(status)
                for event in events:
                    started.add_event(event.name, event.attributes, event.timestamp)
                started.end(end_time=end_ns)
            return
        trace_id, flags, state = parent.trace_id, parent.trace_flags, parent.trace_state
        resource, scope, new_id = self._resource, self._scope, self._ids.generate_span_id
        finished = [
            _FinishedSpan(name, span_context(trace_id, span_id or new_id(), flags, state), parent, resource,
                          attributes, events, status or _UNSET, start_ns, end_ns, scope)
            for name, span_id, start_ns, end_ns, attributes, status, events in spans
        ]
        processors = getattr(self._processor, "_span_processors", None)
        if processors is None:  # a multi-processor the SDK may add later: one span at a time
            for span in finished:
                self._processor.on_end(span)
            return
        for processor in processors:
            on_end_all = getattr(processor, "on_end_all", None)
            if on_end_all is not None:
                on_end_all(finished)
            else:
                for span in finished:
                    processor.on_end(span)


def span_context(trace_id: int, span_id: int, flags: trace.TraceFlags, state: trace.TraceState) -> trace.SpanContext:
    """``SpanContext(trace_id, span_id, False, flags, state)`` for ids known to be valid, without re-checking them."""
    return tuple.__new__(trace.SpanContext, (trace_id, span_id, False, flags, state, True))


class _FinishedSpan(ReadableSpan):
    """A ReadableSpan set in one step: ``ReadableSpan.__init__`` with its 13 keyword arguments costs more than
    the rest of recording a node span. A test keeps its fields in step with the SDK's."""

    _kind = SpanKind.INTERNAL
    _links: tuple[Any, ...] = ()
    _instrumentation_info = None

    def __init__(
        self, name: str, context: trace.SpanContext, parent: trace.SpanContext, resource: Resource,
        attributes: dict[str, Any], events: tuple[Event, ...], status: Status, start_ns: int, end_ns: int,
        scope: Any,
    ) -> None:
        self._name = name
        self._context = context
        self._parent = parent
        self._resource = resource
        self._attributes = attributes
        self._events = events
        self._status = status
        self._start_time = start_ns
        self._end_time = end_ns
        self._instrumentation_scope = scope


_UNSET = Status(StatusCode.UNSET)
