"""http: one HTTP request with timeouts, size limits, retries and an SSRF guard."""

from typing import Literal

from pydantic import Field

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


KIND = NodeKind(
    name="http",
    title="HTTP request",
    category="tools",
    description="Sends an HTTP request; private and metadata addresses are refused unless allow-listed.",
    config=Config,
    inputs=(Port("data", "json", required=False, description="Values for the URL and body templates."),),
    outputs=(Port("response", "json", description="Status, headers and body of the response."),),
)
