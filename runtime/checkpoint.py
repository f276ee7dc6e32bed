"""The LangGraph checkpointer of durable runs, in the platform DB (PostgreSQL, or the SQLite file).

Checkpoints hold only data: the serializer refuses pickle, refuses to revive objects from JSON, and
encodes or decodes only plain JSON-like values plus the few types LangGraph itself needs
(`SAFE_MSGPACK_TYPES`: its Send/Interrupt/Command, messages, datetimes...). A checkpoint row that names
any other class cannot make the worker import or construct it.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import ormsgpack
from langgraph.checkpoint.serde._msgpack import SAFE_MSGPACK_TYPES
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from runtime.checkpoint_queue import (
    EVENTS_KEY,
    CheckpointQueue,
    DurableGate,
    QueuedCheckpoint,
    ThreadProgress,
    is_inline,
)

log = logging.getLogger(__name__)

_PLAIN = (str, int, float, bool, type(None), bytes, datetime, date, time, timedelta, UUID, Decimal)
_MAX_DEPTH = 200


class StrictSerializer(JsonPlusSerializer):
    """JsonPlusSerializer without pickle and with an allow-list on both ways."""

    def __init__(self) -> None:
        super().__init__(pickle_fallback=False, allowed_json_modules=None, allowed_msgpack_modules=None)

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        if obj is not None and not isinstance(obj, bytes | bytearray):
            try:  # plain data (the common case) is encoded in one pass, with no Python-level walk
                return "msgpack", ormsgpack.packb(obj, default=_refuse, option=_MSGPACK_OPTIONS)
            except ormsgpack.MsgpackEncodeError:
                pass  # something else in it: check it, then let LangGraph encode what is allowed
        _check_value(obj, 0)
        return super().dumps_typed(obj)

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        if data[0] not in ("null", "bytes", "bytearray", "msgpack", "json"):
            raise ValueError(f"refusing checkpoint data of type '{data[0]}' (only JSON-like data is stored)")
        return super().loads_typed(data)


_PLAIN_TYPES = frozenset(_PLAIN)
# LangGraph's own msgpack options: dataclasses, datetimes, enums and UUIDs go to ``default`` (here: refused,
# so that only the natively encoded types, str/int/float/bool/None/bytes/list/tuple/dict, pass this way).
_MSGPACK_OPTIONS = (ormsgpack.OPT_NON_STR_KEYS | ormsgpack.OPT_PASSTHROUGH_DATACLASS | ormsgpack.OPT_PASSTHROUGH_DATETIME
                    | ormsgpack.OPT_PASSTHROUGH_ENUM | ormsgpack.OPT_PASSTHROUGH_UUID | ormsgpack.OPT_REPLACE_SURROGATES)


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def _check_value(value: Any, depth: int) -> None:
    if type(value) in _PLAIN_TYPES:  # the common case first, without isinstance chains
        return
    if depth > _MAX_DEPTH:
        raise TypeError("checkpoint value is nested too deeply")
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if type(key) not in _PLAIN_TYPES:
                _check_value(key, depth + 1)
            if type(item) not in _PLAIN_TYPES:
                _check_value(item, depth + 1)
        return
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            if type(item) not in _PLAIN_TYPES:
                _check_value(item, depth + 1)
        return
    cls = type(value)
    if any((klass.__module__, klass.__qualname__) in SAFE_MSGPACK_TYPES for klass in cls.__mro__):
        return
    raise TypeError(f"refusing to checkpoint a {cls.__module__}.{cls.__qualname__}: run state must be JSON-like data")


_WRITES_SQL = """
    INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob)
    SELECT %s, %s, %s, %s, %s, w.idx, w.channel, w.type, w.blob
    FROM unnest(%s::int[], %s::text[], %s::text[], %s::bytea[]) AS w(idx, channel, type, blob)
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO {on_conflict}
"""
_UPSERT_WRITES_SQL = _WRITES_SQL.format(on_conflict="UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, "
                                                    "blob = EXCLUDED.blob")
_INSERT_WRITES_SQL = _WRITES_SQL.format(on_conflict="NOTHING")


class HeldWrites:
    """A saver's task writes held in memory until the step's checkpoint is stored (used by both platform savers).

    The checkpoint holds the writes' effect, so the writes it supersedes are never stored. Writes of a step that
    does not finish here (an interrupt, a failure) are stored by ``aflush``, which ``runtime.engine.run_graph``
    calls when ``ainvoke`` returns, and before any read. A lost worker loses at most the writes of the step in
    flight, which then runs again: a node whose writes were stored without the step's checkpoint would never run
    again, and never be reported finished (see ``runtime.checkpoint_queue``).
    """

    def _hold_writes(self) -> None:
        # (thread, namespace, checkpoint id) -> [(task id, task path, writes)] not yet stored
        self._held: dict[tuple[str, str, str], list[tuple[str, str, Any]]] = {}

    async def aput_writes(self, config: Any, writes: Any, task_id: str, task_path: str = "") -> None:
        configurable = config["configurable"]
        key = (configurable["thread_id"], configurable["checkpoint_ns"], configurable["checkpoint_id"])
        self._held.setdefault(key, []).append((task_id, task_path, list(writes)))

    # LangGraph asks for this method's signature at the start of every run (does it take ``task_path``?): given,
    # inspect returns it without building it again each time.
    aput_writes.__signature__ = inspect.signature(aput_writes)  # type: ignore[attr-defined]

    def _stored_checkpoint(self, config: Any) -> None:
        """The checkpoint of the step that ran from ``config``'s checkpoint is stored: its writes are not needed."""
        configurable = config["configurable"]
        self._held.pop((configurable["thread_id"], configurable["checkpoint_ns"], configurable.get("checkpoint_id")),
                       None)

    def _drop_held(self, thread_id: str) -> None:
        for key in [key for key in self._held if key[0] == thread_id]:
            del self._held[key]

    async def _store_held(self) -> None:
        while self._held:
            key, batches = self._held.popitem()
            for task_id, task_path, writes in batches:
                try:
                    await self._store_writes(key, task_id, task_path, writes)
                except TypeError as exc:  # a failed node's error object: the run's record carries it
                    log.debug("not storing the writes of task %s: %s", task_id, exc)

    async def _store_writes(self, key: tuple[str, str, str], task_id: str, task_path: str, writes: Any) -> None:
        raise NotImplementedError

    async def aflush(self, thread_id: str | None = None) -> None:
        await self._store_held()

    async def aget_tuple(self, config: Any) -> Any:
        await self.aflush()
        return await super().aget_tuple(config)  # type: ignore[misc]

    async def alist(self, config: Any, **kwargs: Any) -> Any:
        await self.aflush()
        async for item in super().alist(config, **kwargs):  # type: ignore[misc]
            yield item


def _platform_saver_class() -> type:
    """AsyncPostgresSaver whose checkpoints go through a ``CheckpointQueue``: serialized in place, stored by
    one writer task many per statement; a step waits for its own only when a node with an effect ran in it
    (see ``runtime.checkpoint_queue``).

    A finished task's writes wait in memory until the step's checkpoint is written (``HeldWrites``). The
    tables, rows and reads are LangGraph's own.
    """
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from langgraph.checkpoint.postgres.base import WRITES_IDX_MAP

    class PlatformPostgresSaver(HeldWrites, AsyncPostgresSaver):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._hold_writes()
            self.queue = CheckpointQueue(self.conn.connection)
            self._fresh: set[str] = set()

        def mark_effect(self, thread_id: str) -> None:
            """A node with an effect runs in ``thread_id``: its step is stored before the next step starts."""
            self.queue.mark_effect(thread_id)

        def gate(self, thread_id: str) -> DurableGate:
            """What a run's event sink waits on (see ``runtime.events.StreamSink``)."""
            return self.queue.gate(thread_id)

        def release(self, thread_id: str) -> None:
            """The run's segment is over: drop what the queue kept about it."""
            self.queue.forget(thread_id)
            self._fresh.discard(thread_id)

        def discard(self, thread_id: str) -> None:
            """The run's outcome is recorded (it succeeded): what is still queued or held for it is not stored."""
            self.queue.discard(thread_id)
            self._drop_held(thread_id)
            self.release(thread_id)

        async def aflush(self, thread_id: str | None = None) -> None:
            """Store every queued checkpoint, then every held write (a step that ended without its next checkpoint).

            With ``thread_id`` (the end of a run's segment) a failed write of that run is raised here.
            """
            await self.queue.settle(thread_id)
            await self._store_held()

        def expect_fresh(self, thread_id: str) -> None:
            """``thread_id`` has no checkpoint yet (a run's first delivery): its first lookup needs no query."""
            self._fresh.add(thread_id)

        async def aget_tuple(self, config: Any) -> Any:
            configurable = config["configurable"]
            if (configurable["thread_id"] in self._fresh and not configurable.get("checkpoint_ns")
                    and not configurable.get("checkpoint_id")):
                self._fresh.discard(configurable["thread_id"])
                return None
            return await super().aget_tuple(config)

        async def adelete_thread(self, thread_id: str) -> None:
            await self.queue.settle()
            self._drop_held(thread_id)
            await super().adelete_thread(thread_id)

        async def _store_writes(self, key: tuple[str, str, str], task_id: str, task_path: str, writes: Any) -> None:
            rows = self._dump_writes(*key, task_id, task_path, writes)
            if not rows:
                return
            query = _UPSERT_WRITES_SQL if all(w[0] in WRITES_IDX_MAP for w in writes) else _INSERT_WRITES_SQL
            async with self._cursor() as cur:
                await cur.execute(query, (*rows[0][:5], [row[5] for row in rows], [row[6] for row in rows],
                                          [row[7] for row in rows], [row[8] for row in rows]))

        async def aput(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
            configurable = config["configurable"]
            thread_id, ns = configurable["thread_id"], configurable["checkpoint_ns"]
            values = checkpoint["channel_values"]
            dumps = self.serde.dumps_typed
            blobs = []  # the values new in this step that are not stored inline: serialized now, as they are now
            for key, version in new_versions.items():
                if key in values and not is_inline(values[key]):
                    blobs.append((key, str(version), *dumps(values[key])))
            queued = QueuedCheckpoint(
                thread_id=thread_id, ns=ns, checkpoint_id=checkpoint["id"], parent_id=configurable.get("checkpoint_id"),
                checkpoint=checkpoint, config=config, metadata=dict(metadata), blobs=blobs,
                events=self.queue.take_events(thread_id),  # what the step's nodes reported, published once stored
            )
            self._stored_checkpoint(config)  # the new checkpoint holds the effect of the step's writes
            await self.queue.put(queued)
            return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint["id"]}}

    return PlatformPostgresSaver


def postgres_conninfo(database_url: str) -> str:
    """A libpq connection string for the platform's PostgreSQL URL (whichever SQLAlchemy driver it names)."""
    for prefix in ("postgresql+asyncpg://", "postgresql+psycopg://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql://" + database_url[len(prefix):]
    return database_url


def _sqlite_path(database_url: str) -> str:
    return database_url.split(":///", 1)[1] if ":///" in database_url else ":memory:"


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgresql", "postgres://"))


@asynccontextmanager
async def open_checkpointer(database_url: str, *, pool_size: int = 4,
                            synchronous_commit: bool = False) -> AsyncIterator[Any]:
    """An async checkpointer on the platform DB for the life of the context (tables must exist: see setup).

    On PostgreSQL, checkpoint writes by default do not wait for the server's WAL flush
    (``synchronous_commit=off`` on these connections only). A lost *worker* loses nothing: every
    checkpoint it wrote is already in the server. Only a crash of the PostgreSQL server itself can drop
    the last fraction of a second of checkpoints; a run then resumes from an earlier one and repeats
    those steps, as after a lost worker. ``synchronous_commit=True`` waits for the flush of every write.
    """
    if is_postgres(database_url):
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool

        options = {} if synchronous_commit else {"options": "-c synchronous_commit=off"}
        pool = AsyncConnectionPool(
            postgres_conninfo(database_url), min_size=1, max_size=pool_size, open=False,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row, **options},
        )
        await pool.open()
        try:
            yield _platform_saver_class()(pool, serde=StrictSerializer())
        finally:
            await pool.close()
        return
    import aiosqlite

    async with aiosqlite.connect(_sqlite_path(database_url), timeout=30) as conn:
        await conn.execute("PRAGMA busy_timeout=30000")
        saver = _sqlite_saver_class()(conn, serde=StrictSerializer())
        await saver.setup()
        yield saver


def _sqlite_saver_class() -> type:
    """AsyncSqliteSaver (the embedded store) that gates a run's events on its checkpoints, and can end the
    transaction a cancelled write leaves open on its connection.

    Each step's checkpoint is stored before the next step starts. A run's event sink asks ``gate``: a
    ``node_finished`` event goes out only once the checkpoint holding the node's result is stored, and that
    checkpoint's metadata carries the event (``EVENTS_KEY``), so a worker lost between the two leaves it for the
    next delivery to publish (``runtime.worker.recover``), as on PostgreSQL. A node is reported finished exactly
    once, whenever the worker is lost.

    LangGraph's saver writes, then commits, on one connection. A run cancelled between the two (its lease was
    lost, or a person cancelled it) leaves the write uncommitted: the connection then holds SQLite's write lock,
    and every other process (the API, the next run) waits for it until its busy timeout. ``aend_segment``,
    which the worker calls when a run's segment ends, commits such a write (a complete checkpoint row).
    """
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    class PlatformSqliteSaver(HeldWrites, AsyncSqliteSaver):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._hold_writes()
            self._progress: dict[str, ThreadProgress] = {}  # runs whose event sink waits on their checkpoints

        def gate(self, thread_id: str) -> DurableGate:
            """What a run's event sink waits on (see ``runtime.events.StreamSink``)."""
            return DurableGate(self._progress.setdefault(thread_id, ThreadProgress()), thread_id)

        def release(self, thread_id: str) -> None:
            """The run's segment is over: drop what was kept about it."""
            self._progress.pop(thread_id, None)

        async def _store_writes(self, key: tuple[str, str, str], task_id: str, task_path: str, writes: Any) -> None:
            config = {"configurable": {"thread_id": key[0], "checkpoint_ns": key[1], "checkpoint_id": key[2]}}
            await AsyncSqliteSaver.aput_writes(self, config, writes, task_id, task_path)

        async def adelete_thread(self, thread_id: str) -> None:
            self._drop_held(thread_id)
            await super().adelete_thread(thread_id)

        async def aput(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
            progress = self._progress.get(config["configurable"]["thread_id"])
            if progress is not None:
                progress.queued += 1
                events = progress.noted.pop(progress.queued, [])
                if events:  # the metadata is stored as JSON: what the event stream writes as text is text here too
                    metadata = {**metadata, EVENTS_KEY: json.loads(json.dumps(events, default=str))}
            stored = await super().aput(config, checkpoint, metadata, new_versions)
            self._stored_checkpoint(config)  # the new checkpoint holds the effect of the step's writes
            if progress is not None:
                progress.stored += 1
                progress.wake()
            return stored

        async def aend_segment(self) -> None:
            async with self.lock:
                if self.conn.in_transaction:
                    await self.conn.commit()

    return PlatformSqliteSaver


def setup_checkpointer(database_url: str) -> None:
    """Create the checkpoint tables (idempotent); run once per deployment before workers execute runs."""
    if is_postgres(database_url):
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row

        with psycopg.connect(postgres_conninfo(database_url), autocommit=True, row_factory=dict_row) as conn:
            conn.execute("SELECT pg_advisory_lock(74210001)")  # two workers starting together
            try:
                PostgresSaver(conn).setup()
            finally:
                conn.execute("SELECT pg_advisory_unlock(74210001)")
        return
    import sqlite3

    from langgraph.checkpoint.sqlite import SqliteSaver

    path = _sqlite_path(database_url)
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
    try:
        SqliteSaver(conn).setup()
    finally:
        conn.close()
