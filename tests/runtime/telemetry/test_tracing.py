import logging
import threading

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from runtime.telemetry import BoundedSpanProcessor, JsonFormatter, tracer


class BlockedExporter(SpanExporter):
    def __init__(self) -> None:
        self.release = threading.Event()
        self.exported = 0

    def export(self, spans):
        self.release.wait(10)
        self.exported += len(spans)
        return SpanExportResult.SUCCESS


def test_a_stuck_collector_drops_and_counts_instead_of_blocking() -> None:
    exporter = BlockedExporter()
    dropped = []
    processor = BoundedSpanProcessor(exporter, max_queue=10, batch_size=5, interval_s=0.01, on_drop=dropped.append)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    test_tracer = provider.get_tracer("t")
    for i in range(100):
        test_tracer.start_span(f"s{i}").end()
    assert processor.dropped >= 100 - 10 - 5
    assert sum(dropped) == processor.dropped
    exporter.release.set()
    processor.force_flush(5000)
    assert exporter.exported + processor.dropped == 100
    processor.shutdown()


def test_json_log_lines_carry_the_trace_and_span_ids(span_exporter) -> None:
    record = logging.LogRecord("lcnc.test", logging.INFO, __file__, 1, "hello %s", ("run",), None)
    record.run_id = "r1"
    with tracer().start_as_current_span("work") as span:
        line = __import__("json").loads(JsonFormatter("svc").format(record))
    assert line["message"] == "hello run" and line["run_id"] == "r1" and line["service"] == "svc"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["span_id"] == format(span.get_span_context().span_id, "016x")


def test_finished_spans_are_the_readable_spans_the_sdk_would_make() -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Status, StatusCode

    from runtime.telemetry.tracing import FinishedSpans, span_context

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    finished = FinishedSpans("lcnc.runtime", provider)
    parent = provider.get_tracer("t").start_span("run").get_span_context()
    error = Status(StatusCode.ERROR, "boom")
    events = (Event("exception", {"exception.message": "boom"}, 15),)
    finished.record_all(parent, [("node transform a", 0, 10, 20, {"lcnc.node.id": "a"}, error, events)])
    (span,) = exporter.get_finished_spans()
    assert span.context.span_id != 0 and span.context.trace_id == parent.trace_id
    expected = ReadableSpan("node transform a", context=trace.SpanContext(parent.trace_id, span.context.span_id, False,
                                                                          parent.trace_flags, parent.trace_state),
                            parent=parent, resource=provider.resource, attributes={"lcnc.node.id": "a"}, events=events,
                            status=error, start_time=10, end_time=20,
                            instrumentation_scope=provider.get_tracer("lcnc.runtime")._instrumentation_scope)
    assert span.context == expected.context and span.context.is_valid
    assert span_context(parent.trace_id, 7, parent.trace_flags, parent.trace_state) == trace.SpanContext(
        parent.trace_id, 7, False, parent.trace_flags, parent.trace_state)
    # Every field the SDK's constructor sets is there (an SDK upgrade that adds one fails here), same JSON.
    assert set(vars(expected)) <= set(vars(span)) | {"_kind", "_links", "_instrumentation_info"}
    assert all(hasattr(span, name) for name in vars(expected))
    assert span.to_json() == expected.to_json()


def test_observe_all_counts_like_observe_one_by_one() -> None:
    from prometheus_client import CollectorRegistry, Histogram

    from runtime.telemetry.metrics import LATENCY_BUCKETS, observe_all

    amounts = [0.0, 0.0005, 0.001, 0.0010001, 0.0025, 0.3, 59.9, 60.0, 61.0, 1e9]
    samples = []
    for batched in (False, True):
        registry = CollectorRegistry()
        child = Histogram("h", "h", ["kind"], buckets=LATENCY_BUCKETS, registry=registry).labels("k")
        if batched:
            observe_all(child, amounts)
        else:
            for amount in amounts:
                child.observe(amount)
        samples.append([(s.name, s.labels.get("le"), s.value) for m in registry.collect() for s in m.samples
                        if not s.name.endswith("_created")])
    assert samples[0] == samples[1]
    assert ("h_count", None, len(amounts)) in samples[1]


def test_a_full_queue_drops_and_counts_a_batch_too() -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import ReadableSpan

    exporter = BlockedExporter()
    dropped = []
    processor = BoundedSpanProcessor(exporter, max_queue=10, batch_size=5, interval_s=0.01, on_drop=dropped.append)
    sampled = trace.TraceFlags(trace.TraceFlags.SAMPLED)
    spans = [ReadableSpan(f"s{i}", context=trace.SpanContext(1, i + 1, False, sampled)) for i in range(30)]
    unsampled = ReadableSpan("u", context=trace.SpanContext(1, 99, False, trace.TraceFlags(0)))
    processor.on_end_all([*spans[:15], unsampled])
    processor.on_end_all(spans[15:])
    assert processor.dropped >= 30 - 10 - 5
    assert sum(dropped) == processor.dropped
    exporter.release.set()
    processor.force_flush(5000)
    assert exporter.exported + processor.dropped == 30  # the unsampled span is neither exported nor counted
    processor.shutdown()


class SlowExporter(SpanExporter):
    """An exporter whose every call takes a while (a transaction, a round trip), recording each batch's size."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def export(self, spans):
        import time

        time.sleep(0.005)
        self.batches.append(len(spans))
        return SpanExportResult.SUCCESS


def test_a_steady_stream_of_spans_is_exported_in_full_batches_not_one_or_two_at_a_time() -> None:
    import time

    exporter = SlowExporter()
    processor = BoundedSpanProcessor(exporter, max_queue=1000, batch_size=50, interval_s=5)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    test_tracer = provider.get_tracer("t")
    for i in range(300):  # a span every 0.5 ms: several end during each export
        test_tracer.start_span(f"s{i}").end()
        time.sleep(0.0005)
    assert exporter.batches and all(size == 50 for size in exporter.batches), exporter.batches
    assert processor.force_flush(5000)
    assert sum(exporter.batches) == 300  # the rest went out with the flush
    processor.shutdown()
