"""Reading a graph document of any schema version into a GraphSpec."""

from __future__ import annotations

from typing import Any

from runtime.spec.limits import load_json_document
from runtime.spec.migrations import upgrade
from runtime.spec.models import GraphSpec


def parse_graph(data: Any) -> GraphSpec:
    """Upgrade a parsed document to the current version and validate it (pydantic.ValidationError on failure)."""
    return GraphSpec.model_validate(upgrade(data))


def load_graph(raw: bytes | str) -> GraphSpec:
    """Parse raw JSON with size and depth limits, upgrade and validate it."""
    return parse_graph(load_json_document(raw))
