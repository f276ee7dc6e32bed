"""The span store's retention: spans older than the retention and beyond the row cap are deleted, at most once a
minute per process (a pass costs three statements; retention is counted in hours and hundreds of thousands)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from builder.observability import store as store_module
from builder.observability.models import LogRecordRow, SpanRecord
from builder.observability.store import SpanStore

HOUR_NS = 3600 * 10**9


def _names(url: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = sorted(conn.execute(sa.select(SpanRecord.name)).scalars())
    engine.dispose()
    return names


def _emit(provider: TracerProvider, names: list[str], *, hours_ago: float = 0.0) -> None:
    tracer = provider.get_tracer("test")
    for i, name in enumerate(names):  # later names start later: the newest are the last
        start = time.time_ns() - int(hours_ago * HOUR_NS) + i * 1000
        tracer.start_span(name, start_time=start).end(end_time=start + 500)


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'spans.db'}"
    engine = sa.create_engine(url)
    SpanRecord.__table__.create(engine)
    LogRecordRow.__table__.create(engine)
    engine.dispose()
    return url


def test_retention_keeps_the_newest_rows_within_the_hours_and_runs_once_a_minute(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SpanStore(database, service="test", retention_hours=1, max_rows=3)
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(store))

    _emit(provider, ["ancient"], hours_ago=2)  # the first write applies retention: older than the hour, gone
    assert _names(database) == []
    _emit(provider, ["a", "b", "c", "d"])  # within the minute: kept, though over the cap of 3
    assert _names(database) == ["a", "b", "c", "d"]

    monkeypatch.setattr(store_module, "PRUNE_EVERY_S", 0.0)  # the minute has passed
    _emit(provider, ["e"])
    assert _names(database) == ["c", "d", "e"]  # the 3 newest
