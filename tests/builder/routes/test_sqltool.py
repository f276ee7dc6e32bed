"""The sqltool API on both platform backends, querying a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

API = "/api/sqltool/connections"


@pytest.fixture
def shop_file(tmp_path: Path) -> str:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, total REAL)")
        conn.executemany("INSERT INTO orders (customer, total) VALUES (?, ?)", [("ada", 10), ("bob", 7)])
    return f"sqlite:///{path}"


def test_connection_lifecycle_never_returns_the_url(client, shop_file: str) -> None:
    created = client.post(API, json={"name": "shop", "url": shop_file, "description": "orders"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["dialect"] == "sqlite" and body["writable"] is False
    assert shop_file not in created.text
    listed = client.get(API)
    assert [c["name"] for c in listed.json()] == ["shop"] and shop_file not in listed.text
    assert shop_file not in client.get(f"{API}/shop").text
    secret = client.get(f"/api/gateway/secrets/{body['secret_name']}")
    assert secret.status_code == 200 and shop_file not in secret.text
    assert client.post(API, json={"name": "shop", "url": shop_file}).status_code == 409

    schema = client.get(f"{API}/shop/schema")
    assert schema.status_code == 200
    assert schema.json()["tables"][0]["table"] == "orders"

    rows = client.post(f"{API}/shop/query", json={"query": "SELECT id, total FROM orders WHERE customer = :c",
                                                  "params": {"c": "ada"}})
    assert rows.status_code == 200 and rows.json()["rows"] == [{"id": 1, "total": 10.0}]

    refused = client.post(f"{API}/shop/query", json={"query": "DELETE FROM orders"})
    assert refused.status_code == 422 and "read-only" in refused.json()["detail"]
    missing = client.post(f"{API}/shop/query", json={"query": "SELECT * FROM orders WHERE id = :id"})
    assert missing.status_code == 422 and ":id" in missing.json()["detail"]
    count = client.post(f"{API}/shop/query", json={"query": "SELECT count(*) AS n FROM orders"})
    assert count.json()["rows"] == [{"n": 2}]  # nothing stored was lost

    assert client.delete(f"{API}/shop").status_code == 204
    assert client.get(f"{API}/shop").status_code == 404
    assert client.get(f"/api/gateway/secrets/{body['secret_name']}").status_code == 404


def test_bad_connections_are_refused(client, tmp_path: Path) -> None:
    bad = client.post(API, json={"name": "x", "url": "oracle://scott:tiger@db/x"})
    assert bad.status_code == 422 and "tiger" not in bad.text
    assert client.post(API, json={"name": "x"}).status_code == 422
    assert client.post(API, json={"name": "bad name", "url": "sqlite:///x.db"}).status_code == 422
    assert client.get(f"{API}/nope/schema").status_code == 404
    assert client.post(f"{API}/nope/query", json={"query": "SELECT 1"}).status_code == 404


def test_writable_connection_writes(client, shop_file: str) -> None:
    # the local user is the workspace owner, so it may mark a connection writable
    created = client.post(API, json={"name": "admin_shop", "url": shop_file, "writable": True})
    assert created.status_code == 201 and created.json()["writable"] is True
    written = client.post(f"{API}/admin_shop/query", json={"query": "INSERT INTO orders (customer, total) "
                                                          "VALUES (:c, :t)", "params": {"c": "zed", "t": 1}})
    assert written.status_code == 200, written.text
    count = client.post(f"{API}/admin_shop/query", json={"query": "SELECT count(*) AS n FROM orders"})
    assert count.json()["rows"] == [{"n": 3}]


@pytest.fixture
def items_db():
    """A PostgreSQL database of its own (not the platform's), dropped at the end."""
    import uuid

    import psycopg

    from tests.conftest import POSTGRES_ADMIN_URL

    name = f"lcnc_sqltool_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgres_connection(client, items_db: str) -> None:
    import psycopg

    fresh_postgres_url = items_db
    with psycopg.connect(fresh_postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id serial PRIMARY KEY, name text)")
        conn.execute("INSERT INTO items (name) VALUES ('a'), ('b'), ('c')")
    created = client.post(API, json={"name": "pg", "url": fresh_postgres_url})
    assert created.status_code == 201, created.text
    rows = client.post(f"{API}/pg/query", json={"query": "SELECT name FROM items ORDER BY id", "row_limit": 2})
    assert rows.json() == {"columns": ["name"], "rows": [{"name": "a"}, {"name": "b"}], "truncated": True}
    schema = client.get(f"{API}/pg/schema").json()
    assert schema["tables"][0]["table"] == "items"
    refused = client.post(f"{API}/pg/query", json={"query": "DROP TABLE items"})
    assert refused.status_code == 422
