"""A tool: an id, a description and JSON Schema of its arguments for the model, and an async call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from runtime.nodes._context import NodeError

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


@dataclass(frozen=True)
class Tool:
    id: str
    description: str
    call: Callable[[dict[str, Any]], Awaitable[Any]] = field(compare=False)
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})

    async def invoke(self, arguments: Any) -> Any:
        """Check the arguments against the schema, then call the tool."""
        return await self.call(check_arguments(self.id, self.parameters, arguments))


def check_arguments(tool_id: str, schema: dict[str, Any], arguments: Any) -> dict[str, Any]:
    """The arguments if they fit the (flat, object) schema; NodeError naming the argument otherwise."""
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise NodeError(f"tool '{tool_id}': arguments must be an object, got {type(arguments).__name__}")
    properties: dict[str, Any] = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in arguments:
            raise NodeError(f"tool '{tool_id}': missing argument '{name}'")
    for name, value in arguments.items():
        if name not in properties:
            if schema.get("additionalProperties", False) is False:
                raise NodeError(f"tool '{tool_id}': unknown argument '{name}'; arguments: {', '.join(properties)}")
            continue
        expected = properties[name].get("type")
        if expected is None:
            continue
        allowed = _JSON_TYPES.get(expected, (object,))
        if not isinstance(value, allowed) or (expected in ("number", "integer") and isinstance(value, bool)):
            raise NodeError(f"tool '{tool_id}': argument '{name}' must be {expected}")
    return arguments
