"""Checkpoints written behind the run: queued in order, stored by one writer task, many per statement.

A step made only of pure kinds (a template fill, a route, an input or output: no call outside the
process, no side effect) does not wait for its checkpoint: the next step starts at once, and the writer
stores a run's queued checkpoints once the oldest of them has waited ``WRITE_WINDOW_S``, in one statement (with
every other run's that is due then): the newest checkpoint of the run
with the channel values it names (resuming needs nothing older). A step with any other
kind (an LLM, a tool, HTTP, SQL, MCP, RAG, a subgraph, an approval) is stored before the next step
starts, so its effect is never repeated. A lost worker therefore repeats at most the pure steps whose
checkpoints were still queued, plus the step in flight; a pure step computed again gives the same result.

What people see stays exact: a node's ``node_finished`` event is published only once the checkpoint
that holds its result is stored (``DurableGate``), so no node is ever reported finished twice. The
checkpoint's metadata carries those events (``EVENTS_KEY``): when a worker is lost between storing a
checkpoint and publishing its events, the next delivery publishes them (``runtime.worker.recover``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from langgraph.checkpoint.base import get_serializable_checkpoint_metadata
from langgraph.checkpoint.serde.types import _DeltaSnapshot

# Checkpoint metadata key: the node_finished events whose result the checkpoint holds.
EVENTS_KEY = "lcnc_events"
# The longest a pure step's checkpoint waits in the queue (the most pure work a lost worker can lose).
WRITE_WINDOW_S = 0.05

_BATCH_SQL = """
    WITH cp AS (
        SELECT * FROM jsonb_to_recordset(%s::jsonb) AS c(thread_id text, checkpoint_ns text, checkpoint_id text,
                                                      parent_checkpoint_id text, checkpoint jsonb, metadata jsonb)
    ), blobs AS (
        INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
        SELECT b.thread_id, b.checkpoint_ns, b.channel, b.version, b.type, decode(b.blob, 'base64')
        FROM jsonb_to_recordset(%s::jsonb) AS b(thread_id text, checkpoint_ns text, channel text, version text,
                                                type text, blob text)
        ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
    )
    INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
    SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata FROM cp
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id)
    DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata
"""


def _json_default(value: Any) -> Any:
    return str(value)


def is_inline(value: Any) -> bool:
    """Whether a channel value is stored in the checkpoint row itself (LangGraph's PostgreSQL layout)."""
    return value is None or isinstance(value, str | int | float | bool)


@dataclass
class QueuedCheckpoint:
    thread_id: str
    ns: str
    checkpoint_id: str
    parent_id: str | None
    # LangGraph hands the saver a copy of its checkpoint, which nothing changes later: it is laid out and encoded
    # only if it is written (the newest of its thread in a batch), so a checkpoint superseded in the queue costs
    # nothing more.
    checkpoint: dict[str, Any]
    config: dict[str, Any]  # the step's config and metadata, from which the stored metadata is made, likewise
    metadata: dict[str, Any]
    blobs: list[tuple[str, str, str, bytes | None]]  # (channel, version, type, serialized value) new in this step
    events: list[dict[str, Any]] = field(default_factory=list)  # the node_finished events this step holds
    queued_at: float = 0.0  # time.monotonic() when it was queued

    def versions(self) -> dict[str, str]:
        """channel -> version, as this checkpoint names them."""
        return {key: str(version) for key, version in self.checkpoint["channel_versions"].items()}

    def row(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        """The checkpoint row: plain values inline, the others by version in the blobs table (as LangGraph does)."""
        inline = {}
        for key, value in self.checkpoint["channel_values"].items():
            if isinstance(value, _DeltaSnapshot):
                inline[key] = True
            elif is_inline(value):
                inline[key] = value
        metadata = get_serializable_checkpoint_metadata(self.config, self.metadata)
        if events:
            metadata[EVENTS_KEY] = events
        return {"thread_id": self.thread_id, "checkpoint_ns": self.ns, "checkpoint_id": self.checkpoint_id,
                "parent_checkpoint_id": self.parent_id, "checkpoint": {**self.checkpoint, "channel_values": inline},
                "metadata": metadata}

    def blob_rows(self, versions: dict[str, str]) -> list[dict[str, Any]]:
        """The rows of this step's channel values that ``versions`` (a later checkpoint's) still names."""
        return [{"thread_id": self.thread_id, "checkpoint_ns": self.ns, "channel": channel, "version": version,
                 "type": type_, "blob": None if blob is None else base64.b64encode(blob).decode("ascii")}
                for channel, version, type_, blob in self.blobs if versions.get(channel) == version]


@dataclass
class ThreadProgress:
    """How far the checkpoints of one thread (a run) have got, and the events each one will hold."""

    queued: int = 0  # checkpoints of the thread handed to the queue
    stored: int = 0  # of those, how many are stored (in order)
    effect: bool = False  # a node with an effect runs: store before the next step, until the root step is stored
    error: BaseException | None = None
    advanced: set[asyncio.Event] = field(default_factory=set)
    noted: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # checkpoint number -> its events

    def wake(self) -> None:
        """Tell the run's event sink that more of its checkpoints are stored."""
        for event in self.advanced:
            event.set()


class CheckpointQueue:
    """The queue and its writer for one saver (one per worker process)."""

    def __init__(self, connection: Callable[[], Any], window_s: float | None = None) -> None:
        self._connection = connection  # async context manager giving a psycopg AsyncConnection
        self._window_s = WRITE_WINDOW_S if window_s is None else window_s
        self._urgent = asyncio.Event()  # someone waits: write now, not at the end of the window
        self._pending: list[QueuedCheckpoint] = []
        self._threads: dict[str, ThreadProgress] = {}
        self._writer: asyncio.Task[None] | None = None

    def _thread(self, thread_id: str) -> ThreadProgress:
        state = self._threads.get(thread_id)
        if state is None:
            state = self._threads[thread_id] = ThreadProgress()
        return state

    async def put(self, item: QueuedCheckpoint) -> None:
        """Queue ``item``; wait for it only when a node with an effect ran in this step."""
        state = self._thread(item.thread_id)
        if state.error is not None:
            error, state.error = state.error, None
            raise error
        state.queued += 1
        item.queued_at = time.monotonic()
        self._pending.append(item)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        if state.effect:
            if not item.ns:
                state.effect = False
            await self.settle(item.thread_id)

    def take_events(self, thread_id: str) -> list[dict[str, Any]]:
        """The events noted for the checkpoint of ``thread_id`` about to be queued (stored in its metadata)."""
        state = self._threads.get(thread_id)
        return [] if state is None else state.noted.pop(state.queued + 1, [])

    def mark_effect(self, thread_id: str) -> None:
        """A node with an effect is running in ``thread_id``: its step's checkpoint is stored before the next step."""
        self._thread(thread_id).effect = True

    async def settle(self, thread_id: str | None = None) -> None:
        """Wait until everything queued is stored; raise the error a write of ``thread_id`` hit, if any."""
        self._urgent.set()
        while True:
            if self._writer is not None and not self._writer.done():
                await asyncio.shield(self._writer)
            elif self._pending:
                self._writer = asyncio.create_task(self._write_pending())
            else:
                self._urgent.clear()  # all is stored: the next step's checkpoint waits its window again
                break
        if thread_id is not None:
            state = self._threads.get(thread_id)
            if state is not None and state.error is not None:
                error, state.error = state.error, None
                raise error

    def forget(self, thread_id: str) -> None:
        self._threads.pop(thread_id, None)

    def discard(self, thread_id: str) -> None:
        """Drop what is still queued of ``thread_id`` unstored (its run is recorded as ended: nothing will resume
        it). A batch already being written is stored all the same."""
        self._pending = [item for item in self._pending if item.thread_id != thread_id]

    def gate(self, thread_id: str) -> DurableGate:
        return DurableGate(self._thread(thread_id), thread_id)

    async def _write_pending(self) -> None:
        batch: list[QueuedCheckpoint] = []
        try:
            async with self._connection() as conn:
                while self._pending:
                    wait = self._pending[0].queued_at + self._window_s - time.monotonic()  # the oldest is first
                    if not self._urgent.is_set() and wait > 0:
                        with contextlib.suppress(TimeoutError):  # gather the next steps' checkpoints too
                            async with asyncio.timeout(wait):
                                await self._urgent.wait()
                    urgent = self._urgent.is_set()
                    self._urgent.clear()
                    batch = self._take_due(everything=urgent)
                    if not batch:  # what waited was discarded meanwhile (its run was recorded as ended)
                        continue
                    await self._write(conn, batch)
                    self._advance(batch)
                    batch = []
        except Exception as exc:  # the runs learn it at their next put or settle
            # A later checkpoint may name channel values that only a lost one carried: none of them is written.
            failed, self._pending = batch + self._pending, []
            for item in failed:
                self._thread(item.thread_id).error = exc
            self._advance([])

    def _take_due(self, *, everything: bool) -> list[QueuedCheckpoint]:
        """Take from the queue the checkpoints of every run whose oldest queued one has waited its window (all of
        a run's, in order: its newest stands for them); with ``everything``, all. A run that queued its first
        just now waits its own window, though another run's is over: a run that ends within its window (and is
        recorded) then stores nothing (``discard``)."""
        if everything:
            batch, self._pending = self._pending, []
            return batch
        due_before = time.monotonic() - self._window_s
        due = {item.thread_id for item in self._pending if item.queued_at <= due_before}
        batch = [item for item in self._pending if item.thread_id in due]
        self._pending = [item for item in self._pending if item.thread_id not in due]
        return batch

    @staticmethod
    async def _write(conn: Any, batch: list[QueuedCheckpoint]) -> None:
        """Store the newest checkpoint of each thread in ``batch``, with the channel values it names.

        Resuming needs only the newest checkpoint, so the earlier ones of the batch are not written (their
        events go with the newest): a run's store work grows with its batches, not with its steps.
        """
        latest: dict[tuple[str, str], QueuedCheckpoint] = {}
        events: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for item in batch:
            key = (item.thread_id, item.ns)
            latest[key] = item
            if item.events:
                events.setdefault(key, []).extend(item.events)
        rows = [item.row(events.get(key, [])) for key, item in latest.items()]
        versions = {key: item.versions() for key, item in latest.items()}
        blobs = [row for item in batch for row in item.blob_rows(versions[(item.thread_id, item.ns)])]
        async with conn.cursor() as cur:
            await cur.execute(_BATCH_SQL, (orjson.dumps(rows, default=_json_default, option=orjson.OPT_NON_STR_KEYS)
                                           .decode(), orjson.dumps(blobs).decode()))

    def _advance(self, batch: list[QueuedCheckpoint]) -> None:
        for item in batch:
            state = self._threads.get(item.thread_id)
            if state is not None:
                state.stored += 1
        for state in self._threads.values():
            state.wake()


class DurableGate:
    """What the event sink of one run asks: which checkpoint is next, and how many are stored."""

    def __init__(self, state: ThreadProgress, thread_id: str) -> None:
        self.thread_id = thread_id
        self._state = state

    def hold(self, event: dict[str, Any]) -> int:
        """Note ``event`` for the checkpoint that will hold what happens now; returns that checkpoint's number."""
        number = self._state.queued + 1
        self._state.noted.setdefault(number, []).append(event)
        return number

    def stored(self) -> int:
        return self._state.stored

    def watch(self, event: asyncio.Event) -> Callable[[], None]:
        """Set ``event`` whenever a checkpoint is stored; returns how to stop."""
        self._state.advanced.add(event)
        return lambda: self._state.advanced.discard(event)
