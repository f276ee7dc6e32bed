"""Events a lost worker stored but never published: the next delivery of the run publishes them.

A ``node_finished`` event goes out only after the checkpoint holding the node's result is stored, and that
checkpoint's metadata carries the event (``runtime.checkpoint_queue``). A worker killed between the two
leaves a node that will not run again and was never reported: this finds such events in the run's
checkpoints and appends the ones its stream lacks, so every finished node is reported exactly once.
"""

from __future__ import annotations

from typing import Any

from runtime.checkpoint_queue import EVENTS_KEY
from runtime.events import EventStream


def _key(event: dict[str, Any]) -> tuple[Any, Any]:
    return event.get("node_id"), event.get("ts")


async def _published_keys(events: EventStream, run_id: str) -> set[tuple[Any, Any]]:
    keys: set[tuple[Any, Any]] = set()
    after: str | None = None
    while True:
        page = await events.read(run_id, after=after, limit=500)
        if not page:
            return keys
        keys.update(_key(item.event) for item in page if item.type == "node_finished")
        after = page[-1].id


async def republish_lost_events(events: EventStream, checkpointer: Any, run_id: str) -> int:
    """Publish the stored-but-unpublished ``node_finished`` events of ``run_id``; returns how many."""
    recorded: list[dict[str, Any]] = []
    async for item in checkpointer.alist({"configurable": {"thread_id": run_id}}):
        recorded[:0] = (item.metadata or {}).get(EVENTS_KEY) or []  # alist gives the newest first
    if not recorded:
        return 0
    published = await _published_keys(events, run_id)
    lost = [event for event in recorded if _key(event) not in published]
    if lost:
        await events.publish_many(run_id, lost)
    return len(lost)
