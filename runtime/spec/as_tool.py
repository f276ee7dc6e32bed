"""Tools in the graph model: the tool ids a node names, and a saved graph seen as a tool (``graph.<id>``).

The platform's runs, its catalogue and MCP server, and codegen read nodes and describe graphs the same way.
"""

from __future__ import annotations

from typing import Any

from runtime.spec.models import GraphSpec, NodeSpec

TOOL_PREFIX = "graph."
_JSON_TYPES = {"text": "string", "number": "number", "boolean": "boolean", "json": None, "messages": "array",
               "documents": "array", "any": None}


def tool_refs(node: NodeSpec) -> list[tuple[str, str]]:
    """(config field, tool id) of every tool the node names: an agent's ``tools`` list, a tool node's ``tool``."""
    tools = node.config.get("tools")
    refs = [("tools", tool) for tool in tools if isinstance(tool, str)] if isinstance(tools, list) else []
    if node.kind == "tool" and isinstance(node.config.get("tool"), str):
        refs.append(("tool", node.config["tool"]))
    return refs


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
