"""What a node kind declares: its config model, its typed ports, its branches and how it runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from runtime.spec.models import IDENT_PATTERN, PortType

Category = str  # "io", "agents", "tools", "data", "control"

SecretRef = Annotated[
    str,
    Field(
        pattern=IDENT_PATTERN,
        description="Name of a secret stored in the platform; the value never appears in the graph.",
        json_schema_extra={"x-lcnc-widget": "secret"},
    ),
]
Template = Annotated[
    str,
    Field(
        max_length=100_000,
        description="Text with {{ name }} placeholders filled from the node's inputs; nothing in it is executed.",
        json_schema_extra={"x-lcnc-widget": "template"},
    ),
]


class NodeConfig(BaseModel):
    """Base of every kind's Config: unknown fields are refused so typos surface at save time."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Port:
    name: str
    type: PortType
    required: bool = True
    description: str = ""


# How a kind runs: (config, inputs by port, run context) -> outputs by port. The context type is
# the runtime's; kinds receive it opaquely so this package stays free of runtime machinery.
Execute = Callable[[Any, dict[str, Any], Any], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class NodeKind:
    name: str
    title: str
    category: Category
    description: str
    config: type[NodeConfig]
    inputs: Sequence[Port] = ()
    outputs: Sequence[Port] = ()
    # Labels of the branches a branching kind routes between; edges leaving it carry one as their
    # condition. A callable derives them from the node's config (router routes, supervisor members).
    branches: Sequence[str] | Callable[[Any], list[str]] | None = None
    # Whether a cycle through a node of this kind is bounded by the kind itself.
    bounds_cycles: bool = False
    # Whether the kind computes its outputs from its inputs alone: no call outside the process, no side
    # effect. A durable run does not wait for the checkpoint of a step made only of pure kinds (computing it
    # again after a lost worker gives the same result); any other step is stored before the next one starts.
    pure: bool = False
    execute: Execute | None = field(default=None, compare=False)

    def input_port(self, name: str) -> Port | None:
        return next((port for port in self.inputs if port.name == name), None)

    def output_port(self, name: str) -> Port | None:
        return next((port for port in self.outputs if port.name == name), None)

    def branch_labels(self, config: NodeConfig | None) -> list[str] | None:
        """The branch labels for this node, or None for a kind that does not branch."""
        if self.branches is None:
            return None
        if callable(self.branches):
            return self.branches(config) if config is not None else []
        return list(self.branches)

    def describe(self) -> dict[str, Any]:
        """The kind as the editor's palette and inspector need it."""
        return {
            "name": self.name,
            "title": self.title,
            "category": self.category,
            "description": self.description,
            "config_schema": self.config.model_json_schema(),
            "inputs": [_port_dict(port) for port in self.inputs],
            "outputs": [_port_dict(port) for port in self.outputs],
            "branches": None if self.branches is None or callable(self.branches) else list(self.branches),
            "dynamic_branches": callable(self.branches),
            "bounds_cycles": self.bounds_cycles,
        }


def _port_dict(port: Port) -> dict[str, Any]:
    return {"name": port.name, "type": port.type, "required": port.required, "description": port.description}
