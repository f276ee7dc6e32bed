"""The node-kind reference in docs/, generated from the registry so it cannot drift."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runtime.nodes import KINDS

REFERENCE_PATH = Path(__file__).resolve().parent.parent / "docs" / "reference" / "node-kinds.md"
_CATEGORIES = {"io": "Inputs and outputs", "agents": "Agents", "tools": "Tools", "data": "Data", "control": "Control"}


def _type_of(schema: dict[str, Any], definitions: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type_of(option, definitions) for option in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(f"`{value}`" for value in schema["enum"])
    if schema.get("type") == "array":
        return f"list of {_type_of(schema.get('items', {}), definitions)}"
    return str(schema.get("type", "any"))


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_node_reference() -> str:
    """The Markdown text of docs/reference/node-kinds.md."""
    lines = [
        "# Node kinds",
        "",
        "Generated from `runtime/nodes/` by `lcnc docs --write`; a test fails when this page is stale.",
        "",
    ]
    for category, title in _CATEGORIES.items():
        kinds = [kind for kind in KINDS.values() if kind.category == category]
        if not kinds:
            continue
        lines += [f"## {title}", ""]
        for kind in kinds:
            lines += [f"### `{kind.name}` — {kind.title}", "", kind.description, ""]
            ports = [("input", p) for p in kind.inputs] + [("output", p) for p in kind.outputs]
            if ports:
                lines += ["| port | direction | type | required | meaning |", "| --- | --- | --- | --- | --- |"]
                lines += [
                    f"| `{p.name}` | {d} | {p.type} | {'yes' if p.required else 'no'} | {_cell(p.description)} |"
                    for d, p in ports
                ]
                lines.append("")
            if kind.branches is not None:
                branches = "from its config" if callable(kind.branches) else ", ".join(f"`{b}`" for b in kind.branches)
                lines += [f"Branches (the `condition` of its outgoing edges): {branches}.", ""]
            schema = kind.config.model_json_schema()
            properties = schema.get("properties", {})
            required = set(schema.get("required", []))
            if properties:
                lines += ["| config field | type | default | meaning |", "| --- | --- | --- | --- |"]
                for name, prop in properties.items():
                    default = "required" if name in required else f"`{prop.get('default')!r}`"
                    lines.append(f"| `{name}` | {_cell(_type_of(prop, schema.get('$defs', {})))} | {_cell(default)} | "
                                 f"{_cell(prop.get('description', ''))} |")
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_node_reference(path: Path = REFERENCE_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_node_reference(), encoding="utf-8")
    return path
