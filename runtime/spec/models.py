"""The graph model: the one typed shape of a graph that every part of lcnc reads.

This module knows nothing about node kinds; a node's ``config`` is a plain mapping here and is
checked against its kind's ``Config`` model by ``runtime.validate``.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from runtime.spec.limits import MAX_CONFIG_DEPTH, MAX_EDGES, MAX_NODES, MAX_TEXT, json_depth

SCHEMA_VERSION = 2

IDENT_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
_IDENT_RE = re.compile(IDENT_PATTERN)

Ident = Annotated[
    str,
    Field(
        pattern=IDENT_PATTERN,
        description="Letters, digits, '_' and '-', starting with a letter or '_', at most 64 characters.",
    ),
]

PortType = Literal["any", "text", "number", "boolean", "json", "messages", "documents"]


def new_graph_id() -> str:
    """A fresh graph id: ``g_`` and 12 hex digits."""
    return f"g_{uuid.uuid4().hex[:12]}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=MAX_TEXT)


class Position(_Strict):
    x: float = 0.0
    y: float = 0.0


class PortRef(_Strict):
    """One end of an edge: a node and one of its ports."""

    node: Ident
    port: Ident


class NodeSpec(_Strict):
    """A node stores its kind, its config and its position: nothing else."""

    id: Ident
    kind: Ident
    label: str | None = Field(default=None, max_length=200, description="Shown in the editor instead of the id.")
    config: dict[str, Any] = Field(default_factory=dict)
    position: Position = Field(default_factory=Position)

    @field_validator("config")
    @classmethod
    def _bounded_config(cls, value: dict[str, Any]) -> dict[str, Any]:
        depth = json_depth(value, MAX_CONFIG_DEPTH + 1)
        if depth > MAX_CONFIG_DEPTH:
            raise ValueError(f"config is nested deeper than {MAX_CONFIG_DEPTH} levels")
        return value


class EdgeSpec(_Strict):
    """A directed connection from an output port to an input port.

    ``condition`` is set only on edges leaving a branching node (router, loop, human approval,
    supervisor) and names the branch that takes this edge.
    """

    source: PortRef
    target: PortRef
    condition: Ident | None = None


class IOField(_Strict):
    """A declared input or output of the whole graph."""

    name: Ident
    type: PortType = "text"
    description: str = Field(default="", max_length=2000)
    required: bool = True
    default: Any = None


class GraphSpec(_Strict):
    """A graph as the editor saves it, the runtime runs it and codegen exports it."""

    schema_version: Literal[2] = SCHEMA_VERSION
    id: Ident = Field(default_factory=new_graph_id)
    name: str = Field(default="Untitled graph", min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    nodes: list[NodeSpec] = Field(default_factory=list, max_length=MAX_NODES)
    edges: list[EdgeSpec] = Field(default_factory=list, max_length=MAX_EDGES)
    inputs: list[IOField] = Field(default_factory=list, max_length=100)
    outputs: list[IOField] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _unique_io_names(self) -> GraphSpec:
        for label, fields in (("inputs", self.inputs), ("outputs", self.outputs)):
            seen: set[str] = set()
            for index, item in enumerate(fields):
                if item.name in seen:
                    raise ValueError(f"{label}[{index}].name '{item.name}' is declared twice")
                seen.add(item.name)
        return self

    def node(self, node_id: str) -> NodeSpec | None:
        """The node with this id, or None."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        return None


def is_ident(value: str) -> bool:
    """Whether ``value`` is a valid node, port or field identifier."""
    return bool(_IDENT_RE.match(value))
