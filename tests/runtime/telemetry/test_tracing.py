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
