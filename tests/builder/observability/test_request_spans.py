"""A request makes one server span (the platform's), not a second one plus spans per dependency from FastAPI."""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import SpanKind


def test_a_request_is_one_server_span_with_the_route(client: Any, span_exporter: Any) -> None:
    response = client.get("/api/workflow/graphs")
    assert response.status_code == 200
    trace_id = int(response.headers["x-trace-id"], 16)
    spans = [span for span in span_exporter.get_finished_spans() if span.context.trace_id == trace_id]
    assert [(span.name, span.kind) for span in spans] == [("GET /api/workflow/graphs", SpanKind.SERVER)]
    assert spans[0].attributes["http.response.status_code"] == 200
