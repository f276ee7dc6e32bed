"""HTTP helpers shared by the remote providers: one POST with readable errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from runtime.nodes._providers.base import ProviderError

TIMEOUT = httpx.Timeout(120.0, connect=10.0)


def _error_text(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:300]
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error)[:300]
    if error:
        return str(error)[:300]
    return json.dumps(data)[:300]


def _status_error(name: str, url: str, status: int, body: bytes) -> ProviderError:
    retryable = status == 429 or status >= 500
    return ProviderError(f"{name}: HTTP {status} from {url}: {_error_text(body)}", retryable=retryable)


async def post_json(name: str, url: str, headers: dict[str, str], payload: dict[str, Any]) -> dict[str, Any]:
    """POST ``payload`` and return the JSON answer; ProviderError on any failure."""
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            response = await client.post(url, headers=headers, json=payload)
    except httpx.TimeoutException as exc:
        raise ProviderError(f"{name}: {url} did not answer in time", retryable=True) from exc
    except httpx.HTTPError as exc:
        raise ProviderError(f"{name}: cannot reach {url}: {exc}", retryable=True) from exc
    if response.status_code >= 400:
        raise _status_error(name, url, response.status_code, response.content)
    try:
        data = response.json()
    except ValueError as exc:
        raise ProviderError(f"{name}: {url} answered with something that is not JSON") from exc
    if not isinstance(data, dict):
        raise ProviderError(f"{name}: {url} answered with unexpected JSON")
    return data


@asynccontextmanager
async def post_stream(name: str, url: str, headers: dict[str, str], payload: dict[str, Any]) -> AsyncIterator[Any]:
    """POST ``payload`` and yield an iterator over the server-sent ``data:`` payloads (parsed JSON)."""
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            async with client.stream("POST", url, headers=headers, json=payload) as response:
                if response.status_code >= 400:
                    raise _status_error(name, url, response.status_code, await response.aread())
                yield _events(name, url, response)
    except httpx.TimeoutException as exc:
        raise ProviderError(f"{name}: {url} did not answer in time", retryable=True) from exc
    except httpx.HTTPError as exc:
        raise ProviderError(f"{name}: cannot reach {url}: {exc}", retryable=True) from exc


async def _events(name: str, url: str, response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    async for line in response.aiter_lines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if not data or data == "[DONE]":
            continue
        try:
            yield json.loads(data)
        except ValueError as exc:
            raise ProviderError(f"{name}: {url} sent a stream event that is not JSON") from exc
