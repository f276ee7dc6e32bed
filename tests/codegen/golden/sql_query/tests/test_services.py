"""The run services built from the settings, checked offline (no server needed): what the graph's nodes get."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from app.lcnc_nodes._sql import SqlError
from app.services import build_services
from app.settings import SQL_URL_ENV, Settings


def test_sql_connections_come_from_their_url_variables(tmp_path: Path) -> None:
    database = tmp_path / "shop.db"
    conn = sqlite3.connect(database)
    conn.execute("CREATE TABLE items (name TEXT)")
    conn.execute("INSERT INTO items VALUES ('pen')")
    conn.commit()
    conn.close()
    name = next(iter(SQL_URL_ENV))
    reader = build_services(Settings(sql_urls={name: f"sqlite:///{database}"}, sql_writable=[])).sql
    assert asyncio.run(reader.query(name, "SELECT name FROM items")).rows == [{"name": "pen"}]
    with pytest.raises(SqlError, match="read-only"):
        asyncio.run(reader.query(name, "INSERT INTO items VALUES ('ink')"))
    writer = build_services(Settings(sql_urls={name: f"sqlite:///{database}"}, sql_writable=[name])).sql
    asyncio.run(writer.query(name, "INSERT INTO items VALUES ('ink')"))
    assert len(asyncio.run(reader.query(name, "SELECT name FROM items")).rows) == 2


def test_a_connection_without_its_url_fails_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    name, env = next(iter(SQL_URL_ENV.items()))
    monkeypatch.delenv(env, raising=False)
    connections = build_services(Settings(sql_urls={})).sql
    with pytest.raises(SqlError, match=env):
        asyncio.run(connections.query(name, "SELECT 1"))
