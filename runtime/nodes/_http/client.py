"""One guarded HTTP request: SSRF check on every hop, timeouts, a response size cap and retries."""

from __future__ import annotations

import asyncio
import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx

from runtime.nodes._http.guard import BlockedAddress, HttpPolicy, IPAddress, check_url

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
BACKOFF_S = 0.25
MAX_BACKOFF_S = 5.0


class HttpError(Exception):
    """The request could not be completed; the message says why, for the user."""


class ResponseTooLarge(HttpError):
    pass


@dataclass
class HttpResponse:
    status: int
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def body(self) -> Any:
        """JSON when the response says so (and parses), text otherwise."""
        kind = self.headers.get("content-type", "")
        if "json" in kind:
            try:
                return json.loads(self.content)
            except ValueError:
                pass
        return self.text

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "ok": 200 <= self.status < 400, "url": self.url, "headers": self.headers,
                "body": self.body()}


def _pinned(parts: Any, address: IPAddress) -> tuple[str, str, dict[str, Any]]:
    """(URL with the checked address as host, Host header, request extensions)."""
    host = parts.hostname or ""
    literal = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    url = parts._replace(netloc=netloc).geturl()
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if parts.port is None else f"[{host}]:{parts.port}"
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return url, host_header, extensions


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"the response is {declared} bytes; the limit is {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(f"the response is larger than the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _send_once(
    client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], content: bytes | None,
    policy: HttpPolicy, max_bytes: int,
) -> HttpResponse:
    """One attempt, following redirects by hand so every hop is checked by the guard."""
    for _hop in range(policy.max_redirects + 1):
        parts, address = await check_url(url, policy)
        pinned, host_header, extensions = _pinned(parts, address)
        request = client.build_request(
            method, pinned, headers={**headers, "Host": host_header}, content=content, extensions=extensions
        )
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            location = response.headers.get("location")
            if response.status_code in REDIRECT_STATUSES and location:
                url = urljoin(url, location)
                if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                    method, content = "GET", None
                continue
            body = await _read_capped(response, max_bytes)
            return HttpResponse(response.status_code, url, dict(response.headers), body)
        finally:
            await response.aclose()
    raise HttpError(f"more than {policy.max_redirects} redirects")


async def fetch(
    method: str,
    url: str,
    *,
    policy: HttpPolicy,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    timeout_s: float = 10.0,
    max_bytes: int = 1_000_000,
    retries: int = 0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> HttpResponse:
    """Send one request under ``policy``; retries transient failures with exponential backoff.

    Non-idempotent methods (POST, PATCH) are retried only when the connection could not be opened,
    so a request the server may have acted on is never sent twice.
    """
    method = method.upper()
    timeout = httpx.Timeout(timeout_s)
    attempt = 0
    async with httpx.AsyncClient(timeout=timeout, transport=transport, trust_env=False) as client:
        while True:
            try:
                response = await asyncio.wait_for(
                    _send_once(client, method, url, dict(headers or {}), content, policy, max_bytes),
                    timeout=timeout_s * 3,
                )
            except BlockedAddress:
                raise
            except ResponseTooLarge:
                raise
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt >= retries:
                    raise HttpError(f"cannot connect to {url[:300]}: {exc or type(exc).__name__}") from exc
            except (httpx.TimeoutException, TimeoutError) as exc:
                if attempt >= retries or method not in IDEMPOTENT:
                    raise HttpError(f"the request to {url[:300]} timed out after {timeout_s:g} s") from exc
            except httpx.HTTPError as exc:
                if attempt >= retries or method not in IDEMPOTENT:
                    raise HttpError(f"the request to {url[:300]} failed: {exc or type(exc).__name__}") from exc
            else:
                if response.status not in RETRY_STATUSES or attempt >= retries or method not in IDEMPOTENT:
                    return response
            attempt += 1
            await asyncio.sleep(min(MAX_BACKOFF_S, BACKOFF_S * 2 ** (attempt - 1)))
