"""The pinned dependencies of generated projects.

Pins match the versions the platform itself is tested with, so a generated project behaves as the
platform does; ``tests/codegen/test_deps.py`` fails when they drift from the installed ones.
"""

from __future__ import annotations

VERSIONS: dict[str, str] = {
    "fastapi": "0.165.0",
    "uvicorn[standard]": "0.54.0",
    "pydantic": "2.14.4",
    "pydantic-settings": "2.16.3",
    "langgraph": "1.2.24",
    "prometheus-client": "0.26.0",
    "opentelemetry-sdk": "1.45.2",
    "opentelemetry-exporter-otlp-proto-http": "1.45.2",
    "httpx": "0.28.1",
    "pytest": "9.2.0",
    "ruff": "0.17.6",
}
# Always needed by the service itself.
BASE = (
    "fastapi",
    "uvicorn[standard]",
    "pydantic",
    "pydantic-settings",
    "langgraph",
    "prometheus-client",
    "opentelemetry-sdk",
    "opentelemetry-exporter-otlp-proto-http",
)
# Third-party modules the carried node modules import at module level -> the distribution to pin.
BY_IMPORT: dict[str, str] = {"httpx": "httpx", "pydantic": "pydantic"}
DEV = ("pytest", "httpx", "ruff")


def pinned(names: list[str] | tuple[str, ...]) -> list[str]:
    """``name==version`` for each distribution, sorted, without duplicates."""
    return [f"{name}=={VERSIONS[name]}" for name in sorted(set(names))]
