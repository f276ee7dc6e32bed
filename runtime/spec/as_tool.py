"""A saved graph seen as a tool (catalogue id ``graph.<id>``): what the model is told and what the call returns.

The platform's graph tools, its MCP server and the tools of an exported project describe a graph the same way.
"""

from __future__ import annotations

from typing import Any

from runtime.spec.models import GraphSpec

TOOL_PREFIX = "graph."
_JSON_TYPES = {"text": "string", "number": "number", "boolean": "boolean", "json": None, "messages": "array",
               "documents": "array", "any": None}


def graph_tool_id(graph_id: str) -> str:
    return TOOL_PREFIX + graph_id


def graph_description(spec: GraphSpec) -> str:
    return spec.description or spec.name


def graph_parameters(spec: GraphSpec) -> dict[str, Any]:
    """JSON Schema of a graph's inputs: the arguments of the graph as a tool."""
    properties: dict[str, Any] = {}
    for field in spec.inputs:
        prop: dict[str, Any] = {"description": field.description} if field.description else {}
        if _JSON_TYPES.get(field.type):
            prop["type"] = _JSON_TYPES[field.type]
        properties[field.name] = prop
    required = [field.name for field in spec.inputs if field.required and field.default is None]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
