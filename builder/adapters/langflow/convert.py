"""Convert a Langflow 1.x flow export into a GraphSpec and a report of what was mapped and what was not.

The conversion reads the file as data only: component code in the file is never imported, compiled or run,
and nothing is started or fetched. What does not map is listed in the report and left out.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from builder.adapters.langflow.components import COMPONENTS, Mapping
from runtime.nodes import KINDS
from runtime.spec import EdgeSpec, GraphSpec, IOField, NodeSpec, PortRef, Position
from runtime.validate import compatible, validate_graph


class LangflowFormatError(ValueError):
    """The document is not a Langflow 1.x flow export; the message says what was expected."""


class ImportReport(BaseModel):
    source_version: str | None = None
    mapped: list[dict[str, str]] = Field(default_factory=list)
    unmapped: list[dict[str, str]] = Field(default_factory=list)
    dropped_edges: list[dict[str, str]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def _ident(text: str, taken: set[str], fallback: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]", "_", text)[:60] or fallback
    if not re.match(r"[A-Za-z_]", base):
        base = f"n_{base}"[:60]
    name, i = base, 2
    while name in taken:
        name, i = f"{base[:56]}_{i}", i + 1
    taken.add(name)
    return name


def _slug(text: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", text.lower())).strip("_") or "value"


def _check_format(doc: Any) -> tuple[list[dict], list[dict], str | None]:
    if not isinstance(doc, dict):
        raise LangflowFormatError("expected a Langflow flow export: a JSON object with 'data': {nodes, edges}")
    data = doc.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list) or not isinstance(data.get("edges"), list):
        raise LangflowFormatError("expected a Langflow flow export: 'data' must hold 'nodes' and 'edges' lists")
    version = doc.get("last_tested_version")
    if version is not None and not (isinstance(version, str) and version.split(".")[0] == "1"):
        raise LangflowFormatError(f"Langflow version {version!r} is not supported; expected a 1.x export")
    return data["nodes"], data["edges"], version


def _handle(edge: dict, end: str) -> dict:
    data = edge.get("data")
    handle = data.get(f"{end}Handle") if isinstance(data, dict) else None
    return handle if isinstance(handle, dict) else {}


def convert_langflow(doc: Any) -> tuple[GraphSpec, ImportReport]:
    """A GraphSpec drawn from a Langflow export, and the report of the conversion."""
    raw_nodes, raw_edges, version = _check_format(doc)
    report = ImportReport(source_version=version)
    if version is None:
        report.notes.append("the file does not say which Langflow version saved it; read as 1.x")
    taken: set[str] = set()
    nodes: list[NodeSpec] = []
    by_source: dict[str, tuple[NodeSpec, Mapping]] = {}
    inputs: list[IOField] = []
    outputs: list[IOField] = []
    io_names: set[str] = set()

    for raw in raw_nodes[:5000]:
        data = raw.get("data") if isinstance(raw, dict) else None
        node_info = data.get("node") if isinstance(data, dict) else None
        if not isinstance(node_info, dict):
            continue  # notes, groups and other canvas decorations
        component = str(data.get("type", ""))
        source_id = str(raw.get("id", ""))
        title = str(node_info.get("display_name") or component)[:200]
        mapping = COMPONENTS.get(component)
        if mapping is None:
            report.unmapped.append({"id": source_id, "component": component, "title": title,
                                    "reason": "no lcnc node kind does this; left out (its code was not run)"})
            continue
        fields = node_info.get("template") if isinstance(node_info.get("template"), dict) else {}
        node_id = _ident(source_id, taken, mapping.kind)
        config = mapping.config(fields)
        if mapping.kind in ("input", "output"):
            name = _slug(title)
            while name in io_names:
                name = f"{name}_2"
            io_names.add(name)
            config["name"] = name
            (inputs if mapping.kind == "input" else outputs).append(IOField(name=name, type="text"))
        position = raw.get("position") if isinstance(raw.get("position"), dict) else {}
        node = NodeSpec(
            id=node_id, kind=mapping.kind, label=title, config=config,
            position=Position(x=float(position.get("x", 0) or 0), y=float(position.get("y", 0) or 0)),
        )
        nodes.append(node)
        by_source[source_id] = (node, mapping)
        report.mapped.append({"id": source_id, "component": component, "node_id": node_id, "kind": mapping.kind})
        for note in mapping.notes(fields):
            report.notes.append(f"{node_id}: {note}")
        if "code" in fields:
            report.notes.append(f"{node_id}: the component's Python code in the file was ignored, never run")

    edges: list[EdgeSpec] = []
    tool_nodes: set[str] = set()
    for raw in raw_edges[:20000]:
        if not isinstance(raw, dict):
            continue
        source, target = str(raw.get("source", "")), str(raw.get("target", ""))
        out_name = str(_handle(raw, "source").get("name", ""))
        field_name = str(_handle(raw, "target").get("fieldName", ""))
        where = {"source": source, "target": target, "output": out_name, "field": field_name}
        if source not in by_source or target not in by_source:
            report.dropped_edges.append({**where, "reason": "an end was left out"})
            continue
        source_node, source_map = by_source[source]
        target_node, target_map = by_source[target]
        if field_name == "tools" and target_node.kind == "llm" and source_map.tool_id:
            tools = target_node.config.setdefault("tools", [])
            if source_map.tool_id not in tools:
                tools.append(source_map.tool_id)
            tool_nodes.add(source_node.id)
            continue
        mapped_out = source_map.outputs.get(out_name)
        in_port = target_map.inputs.get(field_name) or target_map.inputs.get("*")
        if mapped_out is None or in_port is None:
            report.dropped_edges.append({**where, "reason": "no matching port in lcnc"})
            continue
        out_port, branch = mapped_out
        source_type = KINDS[source_node.kind].output_port(out_port)
        target_type = KINDS[target_node.kind].input_port(in_port)
        if source_type is None or target_type is None or not compatible(source_type.type, target_type.type):
            report.dropped_edges.append({**where, "reason": "the port types do not fit"})
            continue
        edges.append(EdgeSpec(source=PortRef(node=source_node.id, port=out_port),
                              target=PortRef(node=target_node.id, port=in_port), condition=branch))

    # Tools wired into an agent live in its config, not as nodes of their own.
    nodes = [node for node in nodes if node.id not in tool_nodes]
    name = str(doc.get("name") or "Imported from Langflow")[:200]
    spec = GraphSpec(name=name, description=str(doc.get("description") or "")[:10_000], nodes=nodes,
                     edges=edges, inputs=inputs, outputs=outputs)
    remaining = validate_graph(spec)
    if remaining:
        report.notes.append(f"{len(remaining)} thing(s) to finish in the editor before it runs, e.g.: {remaining[0]}")
    return spec, report
