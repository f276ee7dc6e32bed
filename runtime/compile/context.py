"""What one run hands to its compiled graph (LangGraph's run-scoped ``context``; never checkpointed)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from runtime.compile.services import RunServices

log = logging.getLogger(__name__)

Emit = Callable[[dict[str, Any]], Awaitable[None]]
SUMMARY_CHARS = 300
_SCALARS = (bool, int, float)


@dataclass
class RunContext:
    services: RunServices = field(default_factory=RunServices)
    emit: Emit | None = None  # None: nobody listens, so no events are built at all
    run_id: str | None = None
    depth: int = 0  # subgraph nesting
    graph_chain: tuple[str, ...] = ()  # ids of the graphs above, to refuse a subgraph cycle
    compiled: dict[tuple[str, int | None], Any] = field(default_factory=dict)  # subgraphs compiled in this run
    node_prefix: str = ""  # 'outer/' inside a subgraph node: events and approvals name nodes by path
    # Called before a node of a kind that is not pure runs: its step is then stored before the next one starts.
    mark_effect: Callable[[], None] | None = None


def summarize(value: Any, limit: int = SUMMARY_CHARS) -> Any:
    """A short, JSON-safe picture of a value for events: small values as they are, big ones cut as text."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + f"... ({len(value)} chars)"
    if value is None or isinstance(value, _SCALARS):  # a tuple: isinstance with a union is twice as slow
        return value
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) <= limit:
        return value
    return text[:limit] + f"... ({len(text)} chars)"


def safe_emitter(sink: Any, run_id: str | None) -> Emit | None:
    """Wrap a sink's ``emit`` so events carry the run id and a failing sink never fails the run."""
    if sink is None:
        return None

    async def emit(event: dict[str, Any]) -> None:
        if run_id is not None:
            event.setdefault("run_id", run_id)
        try:
            await sink.emit(event)
        except Exception:  # the run matters more than one lost event
            log.warning("event sink failed on a %s event", event.get("type"), exc_info=True)

    return emit
