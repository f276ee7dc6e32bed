"""Tables of the span store and the log store that serve the trace view without a collector, and worker presence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from builder.db.models import Base, JSONType, UTCDateTime


class SpanRecord(Base):
    __tablename__ = "spans"
    __table_args__ = (
        Index("ix_spans_trace", "trace_id"),
        Index("ix_spans_span", "span_id"),
        Index("ix_spans_run", "run_id"),
        Index("ix_spans_workspace_start", "workspace_id", "start_time"),
    )
    # A surrogate key: span ids are random, and a reseeded generator (property-based tests) may repeat one.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    span_id: Mapped[str] = mapped_column(String(16))
    trace_id: Mapped[str] = mapped_column(String(32))
    parent_span_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    name: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(100), default="")
    start_time: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(10), default="unset")
    status_message: Mapped[str] = mapped_column(Text, default="")
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    graph_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    workspace_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    events: Mapped[list[Any]] = mapped_column(JSONType, default=list)


class LogRecordRow(Base):
    __tablename__ = "log_records"
    __table_args__ = (Index("ix_logs_trace", "trace_id"), Index("ix_logs_run", "run_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    level: Mapped[str] = mapped_column(String(10))
    service: Mapped[str] = mapped_column(String(100), default="")
    logger: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text)
    trace_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    span_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class WorkerRow(Base):
    """One live (or lately live) worker process; written by runtime.worker.presence, read by the services view."""

    __tablename__ = "workers"
    __table_args__ = (Index("ix_workers_last_seen", "last_seen"),)
    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # the Celery node name, e.g. lcnc@host-1234
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    namespace: Mapped[str] = mapped_column(String(100))
    queue: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(50))
    concurrency: Mapped[int] = mapped_column(Integer)
    heartbeat_s: Mapped[float] = mapped_column(Float)
    metrics_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
