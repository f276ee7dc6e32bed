"""Upgrades of saved graph documents, one step per schema version.

A document is upgraded step by step from its ``schema_version`` to the current one, so a graph
saved by any earlier release keeps loading. Add a step by writing ``_vN_to_vN1`` and one line in
``_STEPS``; never edit an old step.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from runtime.spec.limits import DocumentError
from runtime.spec.models import SCHEMA_VERSION

Document = dict[str, Any]


def _v1_to_v2(doc: Document) -> Document:
    """Version 1 named a node's kind ``type``, wrote edge ends as ``"node.port"`` strings and
    called the branch label ``label``; version 2 uses ``kind`` and ``{node, port}`` objects."""
    out = {key: value for key, value in doc.items() if key not in {"nodes", "edges"}}
    out["nodes"] = []
    for node in doc.get("nodes", []):
        if not isinstance(node, dict):
            raise DocumentError("nodes: every node must be an object", "nodes")
        node = dict(node)
        if "type" in node and "kind" not in node:
            node["kind"] = node.pop("type")
        out["nodes"].append(node)
    out["edges"] = []
    for index, edge in enumerate(doc.get("edges", [])):
        if not isinstance(edge, dict):
            raise DocumentError("edges: every edge must be an object", f"edges[{index}]")
        new_edge: Document = {}
        for end in ("source", "target"):
            value = edge.get(end)
            if isinstance(value, str):
                node, _, port = value.partition(".")
                if not node or not port:
                    raise DocumentError(f"edges[{index}].{end}: expected 'node.port', got {value!r}", f"edges[{index}].{end}")
                value = {"node": node, "port": port}
            new_edge[end] = value
        label = edge.get("condition", edge.get("label"))
        if label is not None:
            new_edge["condition"] = label
        out["edges"].append(new_edge)
    out["schema_version"] = 2
    return out


_STEPS: dict[int, Callable[[Document], Document]] = {1: _v1_to_v2}


def upgrade(doc: Any) -> Document:
    """Return a copy of ``doc`` upgraded to the current schema version (the input is not changed)."""
    if not isinstance(doc, dict):
        raise DocumentError("a graph document must be a JSON object")
    version = doc.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise DocumentError("schema_version must be an integer", "schema_version")
    if version > SCHEMA_VERSION:
        raise DocumentError(
            f"schema_version {version} is newer than this lcnc supports ({SCHEMA_VERSION})", "schema_version"
        )
    if version < 1:
        raise DocumentError(f"schema_version {version} is not a known version", "schema_version")
    doc = copy.deepcopy(doc)
    while version < SCHEMA_VERSION:
        doc = _STEPS[version](doc)
        version = doc["schema_version"]
    return doc
