"""What a node's ``execute`` receives besides its config and inputs, and the reserved output keys.

This module is plain Python so that a generated project can carry the node modules and build a
``NodeContext`` itself; the platform runtime (``runtime.compile``) builds one per node call.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Reserved keys an ``execute`` may add to its outputs besides its ports.
BRANCH = "__branch__"  # the branch label a branching kind chose
MEMORY = "__memory__"  # the node's new memory (kept in the run state, e.g. a loop's counter)
GRAPH_OUTPUTS = "__graph_outputs__"  # {name: value} written to the graph's outputs (output kind)

Emit = Callable[[dict[str, Any]], Awaitable[None]]
SubgraphRunner = Callable[[str, "int | None", dict[str, Any]], Awaitable[dict[str, Any]]]


class NodeError(Exception):
    """A node could not do its work; the message is shown to the user as is."""


async def _no_emit(event: dict[str, Any]) -> None:
    return None


def _no_secret(name: str) -> str | None:
    return None


@dataclass(slots=True)
class NodeContext:
    """The run as one node sees it."""

    node_id: str
    kind: str
    graph_inputs: Mapping[str, Any] = field(default_factory=dict)
    memory: Mapping[str, Any] = field(default_factory=dict)
    tools: Mapping[str, Any] = field(default_factory=dict)
    secret: Callable[[str], str | None] = _no_secret
    emit: Emit = _no_emit
    run_subgraph: SubgraphRunner | None = None
    streaming: bool = False  # whether anyone listens for token events
    services: Any = None  # the run's RunServices: SSRF policy, MCP servers, RAG store, SQL connections

    async def event(self, type_: str, **fields: Any) -> None:
        """Send one event about this node to the run's event stream."""
        await self.emit({"type": type_, "node_id": self.node_id, "kind": self.kind, "ts": time.time(), **fields})
