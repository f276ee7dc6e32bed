"""The graph model: GraphSpec, its JSON Schema and its version upgrades."""

from runtime.spec.limits import DocumentError, json_depth, load_json_document
from runtime.spec.load import load_graph, load_graph_folder, parse_graph
from runtime.spec.migrations import upgrade
from runtime.spec.models import (
    SCHEMA_VERSION,
    EdgeSpec,
    GraphSpec,
    Ident,
    IOField,
    NodeSpec,
    PortRef,
    PortType,
    Position,
    is_ident,
    new_graph_id,
)

__all__ = [
    "SCHEMA_VERSION",
    "DocumentError",
    "EdgeSpec",
    "GraphSpec",
    "IOField",
    "Ident",
    "NodeSpec",
    "PortRef",
    "PortType",
    "Position",
    "is_ident",
    "json_depth",
    "load_graph",
    "load_graph_folder",
    "load_json_document",
    "new_graph_id",
    "parse_graph",
    "upgrade",
]
