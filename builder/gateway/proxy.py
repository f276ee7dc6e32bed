"""Reverse proxy of the gateway role.

A process that serves the gateway role and has upstream URLs configured (GATEWAY_UPSTREAMS, a JSON object
`{role: base URL}`) answers `/api/<role>/...` for every role it does not serve itself by relaying the request to
that role's process: bodies are streamed both ways (Server-Sent Events pass through as they are produced),
end-to-end headers are kept (Authorization, W3C trace context, X-Request-ID, cookies), hop-by-hop headers are not.

Failures are answered, never waited on: an upstream that refuses or drops the connection gives 502, one that
sends no response headers within GATEWAY_TIMEOUT seconds gives 504; both bodies name the role. Once a response
is streaming, GATEWAY_STREAM_IDLE_TIMEOUT bounds the silence between two chunks.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from fastapi import APIRouter, Depends, FastAPI
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from builder.context import current_context
from builder.lifecycle import close_on_shutdown
from builder.settings import SERVICE_ROLES, Settings

log = logging.getLogger("lcnc.gateway")

# RFC 9110 section 7.6.1: meaningful for one connection only, never relayed. Host is set by the client.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade", "host",
})
# Relayed like every other end-to-end header; listed because the platform relies on them.
FORWARDED_REQUEST_HEADERS = ("authorization", "traceparent", "tracestate", "baggage", "x-request-id")
PROXIED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
REQUEST_ID = "x-request-id"


def remote_upstreams(settings: Settings) -> dict[str, str]:
    """The roles this process proxies: configured upstreams of roles it does not serve, when it serves the gateway."""
    if "gateway" not in settings.services:
        return {}
    return {
        role: url.rstrip("/")
        for role, url in settings.gateway_upstreams.items()
        if role in SERVICE_ROLES and role != "gateway" and role not in settings.services
    }


class RoleProxy:
    """Relays requests to the processes serving other roles over one pooled HTTP client."""

    def __init__(self, upstreams: dict[str, str], *, timeout: float, stream_idle_timeout: float) -> None:
        self.upstreams = dict(upstreams)
        self.timeout = timeout
        self.stream_idle_timeout = stream_idle_timeout
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                # Read bounds the wait between two chunks of a streamed body; the wait for the response
                # headers is bounded separately by `timeout` (see `forward`).
                timeout=httpx.Timeout(self.timeout, read=max(self.timeout, self.stream_idle_timeout)),
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
                follow_redirects=False,
                trust_env=False,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def routes(self) -> list[Route]:
        routes: list[Route] = []
        for role in self.upstreams:
            endpoint = self._endpoint(role)
            routes.append(Route(f"/api/{role}", endpoint, methods=PROXIED_METHODS, include_in_schema=False))
            routes.append(Route(f"/api/{role}/{{path:path}}", endpoint, methods=PROXIED_METHODS,
                                include_in_schema=False))
        return routes

    def _endpoint(self, role: str) -> Callable[[Request], Awaitable[Response]]:
        async def proxy(request: Request) -> Response:
            return await self.forward(role, request)

        proxy.__name__ = f"proxy_{role}"
        return proxy

    async def forward(self, role: str, request: Request) -> Response:
        base = self.upstreams[role]
        request_id = request.headers.get(REQUEST_ID) or uuid.uuid4().hex
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        url = base + raw_path.decode("latin-1")
        if request.scope.get("query_string"):
            url += "?" + request.scope["query_string"].decode("latin-1")
        has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
        upstream_request = self.client.build_request(
            request.method,
            url,
            headers=_request_headers(request, request_id),
            content=request.stream() if has_body else None,
        )
        try:
            async with asyncio.timeout(self.timeout):
                upstream = await self.client.send(upstream_request, stream=True)
        except (TimeoutError, httpx.TimeoutException):
            log.warning("gateway: role %s at %s sent no response within %ss", role, base, self.timeout)
            return _error(504, role, "timeout", f"the {role} service did not answer within {self.timeout:g}s",
                          request_id)
        except httpx.TransportError as exc:
            log.warning("gateway: role %s at %s is unreachable: %r", role, base, exc)
            return _error(502, role, "unreachable", f"the {role} service is unreachable", request_id)

        response = StreamingResponse(_relay(upstream, role), status_code=upstream.status_code,
                                     background=BackgroundTask(upstream.aclose))
        response.raw_headers = [
            (name, value) for name, value in upstream.headers.raw if name.lower().decode() not in HOP_BY_HOP
        ]
        if REQUEST_ID not in upstream.headers:
            response.raw_headers.append((REQUEST_ID.encode(), request_id.encode("latin-1")))
        return response

    async def upstream_health(self) -> dict[str, dict[str, Any]]:
        """Each proxied role's own health answer, asked concurrently with the gateway timeout."""

        async def one(role: str, base: str) -> tuple[str, dict[str, Any]]:
            try:
                async with asyncio.timeout(self.timeout):
                    answer = await self.client.get(f"{base}/api/{role}/health")
                if answer.status_code == 200:
                    return role, {"status": "ok", **answer.json()}
                return role, {"status": "error", "http_status": answer.status_code}
            except (TimeoutError, httpx.TimeoutException):
                return role, {"status": "timeout"}
            except (httpx.HTTPError, ValueError):
                return role, {"status": "unreachable"}

        return dict(await asyncio.gather(*(one(role, base) for role, base in self.upstreams.items())))


def _request_headers(request: Request, request_id: str) -> list[tuple[str, str]]:
    connection_tokens = {t.strip().lower() for t in request.headers.get("connection", "").split(",") if t.strip()}
    headers = [
        (name, value)
        for name, value in request.headers.items()
        if name not in HOP_BY_HOP and name not in connection_tokens and name != REQUEST_ID
    ]
    headers.append((REQUEST_ID, request_id))
    # The caller's address as this server resolved it (uvicorn applies FORWARDED_ALLOW_IPS): replaced, not
    # appended, so a client cannot slip an address of its choosing in front of it and into the upstream's
    # rate limits.
    headers = [(n, v) for n, v in headers if n != "x-forwarded-for"]
    if request.client and request.client.host:
        headers.append(("x-forwarded-for", request.client.host))
    if "x-forwarded-proto" not in request.headers:
        headers.append(("x-forwarded-proto", request.url.scheme))
    if "x-forwarded-host" not in request.headers and "host" in request.headers:
        headers.append(("x-forwarded-host", request.headers["host"]))
    return _with_trace_context(headers)


def _with_trace_context(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """When this process traces requests, the upstream's parent is the gateway's span; otherwise the caller's
    traceparent/tracestate pass through unchanged (the propagator injects nothing without a valid span)."""
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    if not carrier:
        return headers
    injected = {name.lower() for name in carrier}
    return [(n, v) for n, v in headers if n not in injected] + [(n.lower(), v) for n, v in carrier.items()]


async def _relay(upstream: httpx.Response, role: str) -> AsyncIterator[bytes]:
    try:
        async for chunk in upstream.aiter_raw():
            yield chunk
    except httpx.HTTPError as exc:
        # The status line is already sent: all a proxy can do is end the body where the upstream stopped.
        log.warning("gateway: stream from role %s ended early: %r", role, exc)
    finally:
        await upstream.aclose()


def _error(status: int, role: str, reason: str, detail: str, request_id: str) -> JSONResponse:
    return JSONResponse(
        {"detail": detail, "errors": [{"role": role, "reason": reason}]},
        status_code=status,
        headers={REQUEST_ID: request_id},
    )


def install_gateway(app: FastAPI, settings: Settings) -> RoleProxy | None:
    """Route the roles this process does not serve to their upstreams (no-op unless it serves the gateway)."""
    upstreams = remote_upstreams(settings)
    if not upstreams:
        return None
    proxy = RoleProxy(upstreams, timeout=settings.gateway_timeout,
                      stream_idle_timeout=settings.gateway_stream_idle_timeout)
    status = APIRouter(prefix="/api/gateway", tags=["gateway"])

    @status.get("/upstreams", summary="Health of every role this gateway routes to")
    async def upstreams_health() -> dict[str, dict[str, Any]]:
        return await proxy.upstream_health()

    app.include_router(status, dependencies=[Depends(current_context)])
    # First, so that no catch-all route (the web app's fallback) shadows a proxied role.
    app.router.routes[0:0] = proxy.routes()
    close_on_shutdown(app, proxy.aclose)
    app.state.gateway = proxy
    return proxy
