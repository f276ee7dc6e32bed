"""HTTP request tools: a method, a URL template, headers and a JSON Schema for the arguments."""

from __future__ import annotations

import json
from typing import Any

from runtime.nodes._context import NodeError
from runtime.nodes._http.client import HttpError, fetch
from runtime.nodes._http.guard import BlockedAddress, HttpPolicy
from runtime.nodes._http.render import render_url
from runtime.nodes._template import render_json, render_text
from runtime.nodes._tools.base import Tool


def http_tool(
    tool_id: str,
    description: str,
    *,
    method: str,
    url: str,
    parameters: dict[str, Any],
    policy: HttpPolicy,
    headers: dict[str, str] | None = None,
    body: str | None = None,
    bearer_token: str | None = None,
    timeout_s: float = 10.0,
    max_bytes: int = 1_000_000,
    retries: int = 1,
) -> Tool:
    """A Tool that fills ``url`` (and ``body``, else the arguments as JSON) from its checked arguments."""

    async def call(arguments: dict[str, Any]) -> Any:
        sent_headers = {name: render_text(value, arguments) for name, value in (headers or {}).items()}
        if bearer_token:
            sent_headers["Authorization"] = f"Bearer {bearer_token}"
        content = None
        if method.upper() not in ("GET", "HEAD", "DELETE"):
            document = render_json(body, arguments) if body else arguments
            content = json.dumps(document, ensure_ascii=False).encode()
            sent_headers.setdefault("Content-Type", "application/json")
        try:
            response = await fetch(method, render_url(url, arguments), policy=policy, headers=sent_headers,
                                   content=content, timeout_s=timeout_s, max_bytes=max_bytes, retries=retries)
        except (BlockedAddress, HttpError) as exc:
            raise NodeError(f"tool '{tool_id}': {exc}") from exc
        if response.status >= 400:
            raise NodeError(f"tool '{tool_id}': the server answered {response.status}: {response.text[:300]}")
        return response.body()

    return Tool(id=tool_id, description=description, call=call, parameters=parameters)
