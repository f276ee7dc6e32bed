"""The gateway role relays requests to real upstream servers: headers, bodies, streams, 502 and 504."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from builder.app import create_app
from builder.gateway import remote_upstreams
from builder.settings import Settings
from tests.builder.gateway.gateway_servers import ThreadServer, free_port

TIMEOUT = 1.5


async def echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse({
        "method": request.method,
        "path": request.url.path,
        "raw_path": request.scope["raw_path"].decode(),
        "query": request.url.query,
        "headers": [[k, v] for k, v in request.headers.items()],
        "body_len": len(body),
        "body_head": body[:64].decode(errors="replace"),
    }, headers={"x-upstream": "tools"})


async def slow(request: Request) -> Response:
    await asyncio.sleep(TIMEOUT * 4)
    return JSONResponse({"late": True})


async def events(request: Request) -> Response:
    async def produce() -> Iterator[bytes]:
        for i in range(3):
            yield f"id: {i}\nevent: tick\ndata: {json.dumps({'i': i})}\n\n".encode()
            await asyncio.sleep(0.5)

    return StreamingResponse(produce(), media_type="text/event-stream")


async def cookies(request: Request) -> Response:
    response = Response(status_code=204)
    response.raw_headers.append((b"set-cookie", b"a=1; Path=/"))
    response.raw_headers.append((b"set-cookie", b"b=2; Path=/"))
    return response


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "service": "tools", "version": "upstream"})


async def teapot(request: Request) -> Response:
    return JSONResponse({"detail": "not here", "errors": []}, status_code=418)


UPSTREAM = Starlette(routes=[
    Route("/api/tools/health", health),
    Route("/api/tools/echo/{rest:path}", echo, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
    Route("/api/tools", echo),
    Route("/api/tools/slow", slow),
    Route("/api/tools/events", events),
    Route("/api/tools/cookies", cookies),
    Route("/api/tools/teapot", teapot),
])


@pytest.fixture(scope="module")
def upstream() -> Iterator[ThreadServer]:
    with ThreadServer(UPSTREAM) as server:
        yield server


@pytest.fixture(scope="module")
def gateway(upstream: ThreadServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = Settings(
        _env_file=None, services=["gateway", "workflow"], data_dir=Path(tmp_path_factory.mktemp("gw")),
        gateway_upstreams={"tools": upstream.url, "rag": dead, "workflow": dead},
        gateway_timeout=TIMEOUT,
    )
    with ThreadServer(create_app(settings)) as server:
        yield server


def test_only_roles_not_served_locally_are_proxied() -> None:
    settings = Settings(_env_file=None, services=["gateway", "workflow"],
                        gateway_upstreams={"tools": "http://t:1/", "workflow": "http://w:1", "gateway": "http://g:1"})
    assert remote_upstreams(settings) == {"tools": "http://t:1"}
    no_gateway = Settings(_env_file=None, services=["workflow"], gateway_upstreams={"tools": "http://t:1"})
    assert remote_upstreams(no_gateway) == {}


def test_relays_method_path_query_body_and_end_to_end_headers(gateway: ThreadServer) -> None:
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    body = b"x" * (2 * 1024 * 1024 + 7)  # more than one chunk, streamed through
    answer = httpx.post(
        f"{gateway.url}/api/tools/echo/a%20b/c?q=1&q=2&name=caf%C3%A9", content=body,
        headers={"Authorization": "Bearer t0ken", "traceparent": traceparent, "tracestate": "vendor=1",
                 "X-Request-ID": "req-123", "Connection": "keep-alive, X-Private", "X-Private": "hop",
                 "X-Forwarded-For": "6.6.6.6",
                 "Content-Type": "application/octet-stream"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    seen = answer.json()
    headers = dict(seen["headers"])
    assert seen["method"] == "POST"
    assert seen["raw_path"] == "/api/tools/echo/a%20b/c"
    assert seen["query"] == "q=1&q=2&name=caf%C3%A9"
    assert seen["body_len"] == len(body)
    assert headers["authorization"] == "Bearer t0ken"
    # Same trace; the parent is the caller's span, or the gateway's own server span when this process traces.
    version, trace_id, parent_id, flags = headers["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", "0af7651916cd43dd8448eb211c80319c", "01")
    assert len(parent_id) == 16 and int(parent_id, 16) != 0
    assert headers["tracestate"] == "vendor=1"
    assert headers["x-request-id"] == "req-123"
    # Loopback is a trusted proxy (FORWARDED_ALLOW_IPS' default), so the gateway resolved the caller to 6.6.6.6
    # and sends exactly the one address it resolved, not a chain the caller could prefix.
    assert headers["x-forwarded-for"] == "6.6.6.6"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == f"127.0.0.1:{gateway.port}"
    assert "x-private" not in headers  # named in Connection: hop-by-hop
    assert headers["host"] != f"127.0.0.1:{gateway.port}"  # the upstream's own host
    assert answer.headers["x-upstream"] == "tools"
    assert answer.headers["x-request-id"] == "req-123"


def test_request_id_is_made_when_missing_and_returned(gateway: ThreadServer) -> None:
    answer = httpx.get(f"{gateway.url}/api/tools/echo/x", timeout=10)
    sent = dict(answer.json()["headers"])["x-request-id"]
    assert len(sent) == 32
    assert answer.headers["x-request-id"] == sent


def test_role_root_path_and_upstream_statuses_pass_through(gateway: ThreadServer) -> None:
    assert httpx.get(f"{gateway.url}/api/tools", timeout=10).json()["path"] == "/api/tools"
    teapot = httpx.get(f"{gateway.url}/api/tools/teapot", timeout=10)
    assert teapot.status_code == 418
    assert teapot.json() == {"detail": "not here", "errors": []}


def test_repeated_response_headers_are_kept(gateway: ThreadServer) -> None:
    answer = httpx.get(f"{gateway.url}/api/tools/cookies", timeout=10)
    assert answer.status_code == 204
    assert answer.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]


def test_server_sent_events_stream_through_as_produced(gateway: ThreadServer) -> None:
    started = time.monotonic()
    arrivals: list[float] = []
    text = ""
    with httpx.stream("GET", f"{gateway.url}/api/tools/events", timeout=10) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        for chunk in answer.iter_text():
            if chunk:
                arrivals.append(time.monotonic() - started)
                text += chunk
    assert text.count("event: tick") == 3
    assert "id: 2" in text
    # The first event arrives long before the stream ends: the gateway does not buffer.
    assert arrivals[0] < 0.8 <= arrivals[-1]


def test_unreachable_upstream_answers_502_naming_the_role(gateway: ThreadServer) -> None:
    started = time.monotonic()
    answer = httpx.get(f"{gateway.url}/api/rag/collections", headers={"X-Request-ID": "r-502"}, timeout=10)
    assert answer.status_code == 502
    body = answer.json()
    assert body["errors"] == [{"role": "rag", "reason": "unreachable"}]
    assert "rag" in body["detail"]
    assert answer.headers["x-request-id"] == "r-502"
    assert time.monotonic() - started < TIMEOUT


def test_slow_upstream_answers_504_after_the_timeout(gateway: ThreadServer) -> None:
    started = time.monotonic()
    answer = httpx.get(f"{gateway.url}/api/tools/slow", timeout=10)
    elapsed = time.monotonic() - started
    assert answer.status_code == 504
    assert answer.json()["errors"] == [{"role": "tools", "reason": "timeout"}]
    assert "tools" in answer.json()["detail"]
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 1.5


def test_local_roles_are_never_proxied(gateway: ThreadServer) -> None:
    # workflow has an upstream configured (a dead one) but is served here, so it answers locally.
    assert httpx.get(f"{gateway.url}/api/workflow/health", timeout=10).json()["service"] == "workflow"
    assert httpx.get(f"{gateway.url}/api/workflow/node-kinds", timeout=10).status_code == 200
    assert httpx.get(f"{gateway.url}/api/gateway/health", timeout=10).json()["service"] == "gateway"
    # A role with neither a local router nor an upstream is simply not found.
    assert httpx.get(f"{gateway.url}/api/sqltool/health", timeout=10).status_code == 404


def test_upstreams_report(gateway: ThreadServer) -> None:
    report = httpx.get(f"{gateway.url}/api/gateway/upstreams", timeout=10).json()
    assert report["tools"]["status"] == "ok"
    assert report["tools"]["service"] == "tools"
    assert report["rag"] == {"status": "unreachable"}
    assert "workflow" not in report
