"""Reading a graph document of any schema version into a GraphSpec."""

from __future__ import annotations

from pathlib import Path
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


def load_graph_folder(folder: Path) -> dict[str, GraphSpec]:
    """Every graph file (``*.json``) of ``folder`` by its graph id: the saved graphs that subgraph nodes and graph
    tools of an exported or deployed graph refer to. DocumentError or ValidationError for a file that is not one."""
    return {spec.id: spec for spec in (load_graph(path.read_bytes()) for path in sorted(folder.glob("*.json")))}
