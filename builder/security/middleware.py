"""ASGI middleware: security headers on every response, a path guard, and the per-IP rate limit."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from builder.security.ratelimit import Limiter

# The web editor is one module script and one stylesheet from 'self'. Inline style attributes are used by the
# graph canvas; 'unsafe-eval' is needed by the config forms' JSON Schema validator (ajv compiles validators with
# Function()); drop it once the editor ships precompiled validators.
SPA_CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
           "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# FastAPI's /docs and /redoc pages load their bundles from jsDelivr and start them with an inline script.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
DOCS_PATHS = ("/docs", "/redoc")
BASE_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = b"max-age=63072000; includeSubDomains"

_DOT_SEGMENT = re.compile(r"(^|/)\.{1,2}(/|$)")
_ENCODED_SEPARATOR = re.compile(rb"%(2f|5c|2e)", re.IGNORECASE)


def _send_json(status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> list[Message]:
    body = json.dumps({"detail": detail, "errors": []}).encode()
    return [
        {"type": "http.response.start", "status": status,
         "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                     *(headers or [])]},
        {"type": "http.response.body", "body": body},
    ]


def _csp_for(path: str, content_type: bytes) -> bytes:
    if path in DOCS_PATHS or path.startswith(("/docs/", "/redoc/")):
        return DOCS_CSP.encode()
    if content_type.startswith(b"text/html"):
        return SPA_CSP.encode()
    return API_CSP.encode()


class SecurityHeaders:
    """Adds X-Content-Type-Options, X-Frame-Options, Referrer-Policy, a CSP (and HSTS in production)
    to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                extra = dict(BASE_HEADERS)
                extra[b"content-security-policy"] = _csp_for(path, content_type.lower())
                if self.hsts:
                    extra[b"strict-transport-security"] = HSTS
                headers.extend((name, value) for name, value in extra.items() if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class PathGuard:
    """Refuses request paths that could be read two ways: `.`/`..` segments, percent-encoded `/`, `\\` or `.`,
    and any case variant of `/api/` (routing is case-sensitive; nothing under a different case is ours)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path: str = scope.get("path", "")
            raw: bytes = scope.get("raw_path") or path.encode("utf-8", "surrogateescape")
            raw = raw.split(b"?", 1)[0]
            lowered = path.lower()
            ambiguous = (
                bool(_DOT_SEGMENT.search(path))
                or bool(_ENCODED_SEPARATOR.search(raw))
                or "\\" in path
                or "//" in path
                or ((lowered == "/api" or lowered.startswith("/api/")) and not (path == "/api" or path.startswith("/api/")))
            )
            if ambiguous:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                for message in _send_json(404, "not found"):
                    await send(message)
                return
        await self.app(scope, receive, send)


class IpRateLimit:
    """RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW seconds per client address on /api/ (health excluded)."""

    def __init__(self, app: ASGIApp, *, limiter: Limiter, limit: int, window: int) -> None:
        self.app = app
        self.limiter = limiter
        self.limit = limit
        self.window = window

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path.endswith("/health"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        decision = await self.limiter.hit(f"ip:{address}", self.limit, self.window)
        if not decision.allowed:
            detail = f"too many requests from this address; retry in {decision.retry_after}s"
            for message in _send_json(429, detail, [(b"retry-after", str(decision.retry_after).encode())]):
                await send(message)
            return
        await self.app(scope, receive, send)
