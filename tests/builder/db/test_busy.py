"""The embedded SQLite database held by another writer: the API answers 503 with Retry-After, loses nothing."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from builder.app import create_app
from builder.settings import Settings
from tests.conftest import fixture_graph

GRAPHS = "/api/workflow/graphs"


def _graph(graph_id: str) -> dict:
    spec = fixture_graph("linear_transform")
    spec["id"] = graph_id
    return spec


def test_a_write_blocked_by_another_writer_gets_503_and_nothing_saved_is_lost(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url="", database_busy_timeout=0.3)
    with TestClient(create_app(settings)) as client:
        assert client.post(GRAPHS, json=_graph("kept")).status_code == 201
        other = sqlite3.connect(tmp_path / "data" / "lcnc.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process (a worker, the CLI) holds the write lock
        try:
            started = time.monotonic()
            blocked = client.post(GRAPHS, json=_graph("blocked"))
            waited = time.monotonic() - started
            assert blocked.status_code == 503, blocked.text
            assert blocked.headers["Retry-After"] == "1"
            assert "busy" in blocked.json()["detail"]
            assert waited >= 0.25  # it waited for the other writer first (the busy timeout), then gave up
            assert client.get(f"{GRAPHS}/kept").status_code == 200  # reads go on meanwhile
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert client.get(f"{GRAPHS}/blocked").status_code == 404  # the refused write left nothing behind
        assert client.post(GRAPHS, json=_graph("blocked")).status_code == 201  # the retry the 503 asks for works
        ids = {item["id"] for item in client.get(GRAPHS).json()["items"]}
        assert ids == {"kept", "blocked"}


def test_a_write_waits_for_a_short_lock_instead_of_failing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url="", database_busy_timeout=5)
    with TestClient(create_app(settings)) as client:
        other = sqlite3.connect(tmp_path / "data" / "lcnc.db", isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
        release.start()
        try:
            assert client.post(GRAPHS, json=_graph("waited")).status_code == 201
        finally:
            release.join()
            other.close()
