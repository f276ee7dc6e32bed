"""The JSON Schema of GraphSpec, as committed in ``graph.schema.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runtime.spec.models import GraphSpec

SCHEMA_PATH = Path(__file__).with_name("graph.schema.json")


def graph_json_schema() -> dict[str, Any]:
    """The JSON Schema of a graph document."""
    schema = GraphSpec.model_json_schema()
    schema["$id"] = "https://lcnc.dev/schema/graph.schema.json"
    return schema


def render_schema() -> str:
    """The schema file's exact text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(graph_json_schema(), indent=2, sort_keys=True) + "\n"


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    """Write the schema file; used by ``lcnc schema --write``."""
    path.write_text(render_schema(), encoding="utf-8")
    return path
