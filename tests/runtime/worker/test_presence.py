"""Worker presence: real `lcnc worker` processes appear in GET /api/observability/services while they run,
disappear when stopped with SIGTERM, and turn stale after kill -9; on PostgreSQL + Redis and on the embedded
SQLite default (whose broker has no Celery remote control). The Presence row itself is checked on both DBs too."""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from builder import __version__
from builder.crud.runs import worker_config
from builder.db.migrate import upgrade_database
from builder.settings import Settings
from runtime.worker import presence as presence_module
from runtime.worker.presence import Presence, note_metrics_port, workers
from tests.runtime.worker.harness import Platform, chain_graph

SERVICES = "/api/observability/services"
STALE_AFTER_S = 2.0  # the harness's lease is 2 s, so its workers beat every 2/3 s


@pytest.fixture
def platform_settings() -> dict[str, Any]:
    return {"worker_stale_after_s": STALE_AFTER_S}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listed(platform: Platform) -> dict[int, dict[str, Any]]:
    """The workers the services endpoint lists, by pid."""
    response = platform.client.get(SERVICES)
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["roles"]) == 8 and body["stale_after_s"] == STALE_AFTER_S
    return {worker["pid"]: worker for worker in body["workers"]}


def wait_until(check: Any, timeout: float, what: str, platform: Platform) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {timeout}s\n{platform.logs()}")
        time.sleep(0.2)


@pytest.mark.slow
def test_workers_are_listed_while_they_run_and_not_after_sigterm_stale_after_kill_9(
    platform: Platform, monkeypatch: pytest.MonkeyPatch,
) -> None:
    metrics_port = free_port()
    monkeypatch.setenv("WORKER_METRICS_PORT", str(metrics_port))
    calm = platform.start_worker()
    doomed = platform.start_worker(concurrency=2)

    now = listed(platform)
    assert {calm.pid, doomed.pid} <= set(now), now
    first = now[calm.pid]
    assert first["status"] == "ok" and first["version"] == __version__
    assert first["queue"] == platform.config.queue and first["namespace"] == platform.config.namespace
    assert first["id"].startswith("w0-") and first["concurrency"] == 1 and now[doomed.pid]["concurrency"] == 2
    # The heartbeat refreshes last_seen while the worker runs, long past the staleness window.
    time.sleep(STALE_AFTER_S * 1.5)
    later = listed(platform)[calm.pid]
    assert later["status"] == "ok" and later["last_seen"] > first["last_seen"], (first, later)

    # A pool process that serves /metrics notes its port in its worker's row once it has executed a run.
    platform.create_graph(chain_graph(2))
    run = platform.start_run("chain", {"text": "x"}, wait=60)
    assert platform.wait_for(run["id"], {"succeeded", "failed"})["status"] == "succeeded"
    ports = {w["metrics_port"] for w in listed(platform).values() if w["pid"] in (calm.pid, doomed.pid)}
    port = next(p for p in ports if p is not None)
    assert metrics_port <= port < metrics_port + 8
    assert "lcnc_runs_total" in httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text

    platform.stop_worker(calm)  # SIGTERM: warm shutdown deletes its row
    assert calm.returncode == 0, platform.logs()
    after_stop = listed(platform)
    assert calm.pid not in after_stop and after_stop[doomed.pid]["status"] == "ok"

    platform.kill_worker(doomed)  # kill -9 of the worker and its pool: no chance to say goodbye
    killed_at = time.monotonic()
    stale = wait_until(lambda: listed(platform)[doomed.pid]["status"] == "stale" and listed(platform)[doomed.pid],
                       STALE_AFTER_S + 10, "the killed worker turning stale", platform)
    assert time.monotonic() - killed_at >= STALE_AFTER_S - 1.0  # not before the window (one heartbeat of slack)
    assert stale["seen_s_ago"] > STALE_AFTER_S


# -- the Presence row on each DB, without Celery ---------------------------------------------------------------


@pytest.fixture
def worker_settings(backend_settings: Any) -> Any:
    settings = backend_settings()
    upgrade_database(settings)  # the PostgreSQL one is migrated already; this is a no-op there
    return settings


def _rows(engine: sa.Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(workers).order_by(workers.c.id)))


def test_presence_row_lifecycle(worker_settings: Any) -> None:
    config = worker_config(worker_settings, namespace="ns-presence", lease_s=3.0)
    engine = sa.create_engine(config.sync_database_url)
    # A row of a worker of the same name from an earlier life, and one dead for longer than any is kept.
    old = presence_module._now() - timedelta(seconds=presence_module.FORGET_AFTER_S + 60)
    with engine.begin() as conn:
        for worker_id in ("w@host", "ancient@host"):
            conn.execute(sa.insert(workers).values(
                id=worker_id, host="gone", pid=1, namespace="ns", queue="q", version="0.0.1", concurrency=9,
                heartbeat_s=1.0, metrics_port=None, started_at=old, last_seen=old))

    presence = Presence(config, name="w@host", concurrency=3)
    assert presence.every_s == pytest.approx(1.0)  # a third of the lease
    assert presence.register()
    try:
        (row,) = _rows(engine)  # the earlier life was replaced, the ancient one pruned
        assert (row.id, row.pid, row.concurrency, row.namespace, row.queue) == (
            "w@host", os.getpid(), 3, "ns-presence", "ns-presence.runs")
        assert row.version == __version__ and row.metrics_port is None

        note_metrics_port(9470)
        note_metrics_port(9468)
        note_metrics_port(9469)  # the lowest port of the pool stays
        assert _rows(engine)[0].metrics_port == 9468

        time.sleep(0.05)
        presence.beat()
        assert _rows(engine)[0].last_seen > row.last_seen
        with engine.begin() as conn:  # deleted behind its back: the next heartbeat writes it again
            conn.execute(sa.delete(workers))
        presence.beat()
        assert [r.id for r in _rows(engine)] == ["w@host"]
    finally:
        presence.stop()
    assert _rows(engine) == []
    note_metrics_port(9470)  # no current worker any more: nothing to note, nothing raised
    assert _rows(engine) == []
    engine.dispose()


def test_a_worker_whose_db_lacks_the_table_still_starts_and_registers_once_it_exists(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="")
    config = worker_config(settings, namespace="ns-late")
    presence = Presence(config, name="late@host", concurrency=1)
    assert presence.register() is False  # no `workers` table yet: logged, not raised
    upgrade_database(settings)
    presence.beat()
    engine = sa.create_engine(config.sync_database_url)
    try:
        assert [(r.id, r.namespace) for r in _rows(engine)] == [("late@host", "ns-late")]
        presence.stop()
        assert _rows(engine) == []
    finally:
        engine.dispose()
