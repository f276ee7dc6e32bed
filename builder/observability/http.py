"""Server spans and Prometheus request metrics for every HTTP request, as plain ASGI middleware."""

from __future__ import annotations

import time

from opentelemetry.propagate import extract
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime.telemetry import metrics, tracer

_QUIET = ("/metrics", "/favicon.ico")


def _service_of(path: str) -> str:
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "api" else "web"


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.tracer = tracer("lcnc.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        if path in _QUIET or path.endswith("/health"):
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope.get("headers", [])}
        status_code = 500
        started = time.perf_counter()
        with self.tracer.start_as_current_span(
            f"{method} {path}", context=extract(headers), kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path},
        ) as span:
            trace_id = format(span.get_span_context().trace_id, "032x")

            async def send_with_trace(message: Message) -> None:
                nonlocal status_code
                if message["type"] == "http.response.start":
                    status_code = message["status"]
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], (b"x-trace-id", trace_id.encode())]
                await send(message)

            try:
                await self.app(scope, receive, send_with_trace)
            finally:
                route = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                span.update_name(f"{method} {template}")
                span.set_attribute("http.route", template)
                span.set_attribute("http.response.status_code", status_code)
                if status_code >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                service = _service_of(path)
                metrics.HTTP_REQUESTS.labels(service, method, template, f"{status_code // 100}xx").inc()
                metrics.HTTP_LATENCY.labels(service, method, template).observe(time.perf_counter() - started)
