"""http: one HTTP request with timeouts, size limits, retries and an SSRF guard."""

import json
from typing import Any, Literal

from pydantic import Field

from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes.base import NodeConfig, NodeKind, Port, SecretRef, Template


class Config(NodeConfig):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: Template = Field(default="https://example.com", min_length=1, max_length=4000)
    headers: dict[str, str] = Field(default_factory=dict)
    auth_secret: SecretRef | None = Field(default=None, description="Secret sent as a Bearer token.")
    body: Template | None = None
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    max_response_bytes: int = Field(default=1_000_000, ge=1, le=50_000_000)
    retries: int = Field(default=2, ge=0, le=5)


async def execute(config: Config, inputs: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    """Fill the URL and body templates, send the request through the SSRF guard, return the response."""
    from runtime.nodes._http import BlockedAddress, HttpError, HttpPolicy, fetch, render_url
    from runtime.nodes._template import TemplateError, render_json, render_text

    policy = getattr(ctx.services, "http", None) or HttpPolicy()
    url = render_url(config.url, inputs)
    headers = {name: render_text(value, inputs) for name, value in config.headers.items()}
    if config.auth_secret:
        token = ctx.secret(config.auth_secret)
        if not token:
            raise NodeError(f"http: secret '{config.auth_secret}' is not set")
        headers["Authorization"] = f"Bearer {token}"
    content: bytes | None = None
    if config.body is not None and config.method != "GET":
        try:
            body = render_json(config.body, inputs)
            content = json.dumps(body, ensure_ascii=False).encode()
            headers.setdefault("Content-Type", "application/json")
        except TemplateError:
            content = render_text(config.body, inputs).encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
    try:
        response = await fetch(
            config.method, url, policy=policy, headers=headers, content=content, timeout_s=config.timeout_s,
            max_bytes=config.max_response_bytes, retries=config.retries,
        )
    except (BlockedAddress, HttpError) as exc:
        raise NodeError(f"http: {exc}") from exc
    return {"response": response.to_dict()}


KIND = NodeKind(
    name="http",
    title="HTTP request",
    category="tools",
    description="Sends an HTTP request; private and metadata addresses are refused unless allow-listed.",
    config=Config,
    inputs=(Port("data", "json", required=False, description="Values for the URL and body templates."),),
    outputs=(Port("response", "json", description="Status, headers and body of the response."),),
    execute=execute,
)
