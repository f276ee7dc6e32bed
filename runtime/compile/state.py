"""The run state: four JSON-serialisable channels, checkpoint-friendly by construction.

- ``inputs``: the graph's inputs, written once at the start.
- ``inbox``: ``{node_id: {port: value}}``, the latest value that arrived on each input port. A node
  that finishes writes its outputs into the inboxes of the nodes its (taken) edges lead to.
- ``outputs``: ``{name: value}``, written by output nodes.
- ``memory``: ``{node_id: {...}}``, what a node keeps between its own runs (a loop's iteration count,
  a supervisor's rounds, the scripted provider's position).

Channel names contain a dot so they can never clash with a node id (ids are identifiers).
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

INPUTS = "run.inputs"
INBOX = "run.inbox"
OUTPUTS = "run.outputs"
MEMORY = "run.memory"


def merge_inbox(current: dict[str, dict[str, Any]] | None, update: dict[str, dict[str, Any]] | None) -> dict:
    """Merge port values per node: a new value on a port replaces the old one."""
    if not update:
        return current or {}
    merged = dict(current or {})
    for node_id, ports in update.items():
        previous = merged.get(node_id)
        merged[node_id] = {**previous, **ports} if previous else dict(ports)
    return merged


def merge_dict(current: dict[str, Any] | None, update: dict[str, Any] | None) -> dict[str, Any]:
    """Shallow merge: later keys win."""
    if not update:
        return current or {}
    return {**(current or {}), **update}


def _last(current: Any, update: Any) -> Any:
    return update


RunState = TypedDict(  # noqa: UP013 - the channel names are not identifiers
    "RunState",
    {
        INPUTS: Annotated[dict[str, Any], _last],  # type: ignore[misc]  # names with a dot are fine at run time
        INBOX: Annotated[dict[str, dict[str, Any]], merge_inbox],
        OUTPUTS: Annotated[dict[str, Any], merge_dict],
        MEMORY: Annotated[dict[str, dict[str, Any]], merge_dict],
    },
    total=False,
)


def initial_state(inputs: dict[str, Any]) -> dict[str, Any]:
    return {INPUTS: dict(inputs), INBOX: {}, OUTPUTS: {}, MEMORY: {}}
