"""GET /api/observability/services: every role, and workers judged by their last heartbeat (ok, stale, omitted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from builder import __version__
from builder.app import create_app
from builder.observability.workers import LISTED_FOR_S
from builder.settings import sync_url
from runtime.worker.presence import workers

SERVICES = "/api/observability/services"


def _insert(settings: Any, rows: list[dict[str, Any]]) -> None:
    engine = sa.create_engine(sync_url(settings.resolved_database_url))
    with engine.begin() as conn:
        for row in rows:
            defaults = {"host": "node-1", "pid": 100, "namespace": "lcnc", "queue": "lcnc.runs", "version": "9.9.9",
                        "concurrency": 2, "metrics_port": None, "started_at": row["last_seen"] - timedelta(hours=2)}
            conn.execute(sa.insert(workers).values(**(defaults | row)))
    engine.dispose()


def test_roles_and_workers_by_age(backend_settings: Any) -> None:
    settings = backend_settings(worker_stale_after_s=20.0)
    with TestClient(create_app(settings)) as client:
        assert client.get(SERVICES).json()["workers"] == []  # no worker ever started
        now = datetime.now(UTC)
        _insert(settings, [
            {"id": "b-fresh@node-1", "last_seen": now - timedelta(seconds=2), "heartbeat_s": 5.0, "metrics_port": 9464},
            {"id": "a-stale@node-1", "last_seen": now - timedelta(seconds=25), "heartbeat_s": 5.0},
            # beats every 15 s: 25 s of silence is less than two of its heartbeats, so not stale yet
            {"id": "c-slow@node-1", "last_seen": now - timedelta(seconds=25), "heartbeat_s": 15.0},
            {"id": "d-dead@node-1", "last_seen": now - timedelta(seconds=LISTED_FOR_S + 30), "heartbeat_s": 5.0},
        ])
        body = client.get(SERVICES).json()

    assert body["stale_after_s"] == 20.0
    roles = {role["role"]: role for role in body["roles"]}
    assert len(roles) == 8 and roles["rag"] == {"role": "rag", "status": "ok", "version": __version__,
                                                "health": "/api/rag/health"}
    listed = [(w["id"], w["status"]) for w in body["workers"]]
    assert listed == [("b-fresh@node-1", "ok"), ("c-slow@node-1", "ok"), ("a-stale@node-1", "stale")]
    fresh = body["workers"][0]
    assert fresh["version"] == "9.9.9" and fresh["queue"] == "lcnc.runs" and fresh["metrics_port"] == 9464
    assert 1.0 < fresh["seen_s_ago"] < 10.0 and fresh["concurrency"] == 2 and fresh["host"] == "node-1"
    assert 24.0 < body["workers"][2]["seen_s_ago"] < 40.0


def test_only_the_roles_this_process_serves(backend_settings: Any) -> None:
    with TestClient(create_app(backend_settings(services=["observability", "rag"]))) as client:
        body = client.get(SERVICES).json()
    assert [role["role"] for role in body["roles"]] == ["observability", "rag"]
