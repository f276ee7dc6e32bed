"""Event sinks the checkpoint tests share: what ran, next to what people see."""

from __future__ import annotations

from typing import Any

from runtime.engine import ListSink
from runtime.events import StreamSink


class BothSinks:
    """Every event to a list at once (what ran) and through the run's stream sink (what people see)."""

    def __init__(self, sink: StreamSink) -> None:
        self.raw = ListSink()
        self.sink = sink

    async def emit(self, event: dict[str, Any]) -> None:
        await self.raw.emit(event)
        await self.sink.emit(event)


def finished_nodes(events: list[dict[str, Any]]) -> list[str]:
    """The nodes ``events`` report finished, in order."""
    return [event["node_id"] for event in events if event["type"] == "node_finished"]
