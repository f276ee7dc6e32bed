"""The SQL node on real databases: SQLite, PostgreSQL and MariaDB; bound values, read-only, limits, timeouts."""

from __future__ import annotations

import socket
import sqlite3
import uuid
from pathlib import Path

import pytest

from runtime.nodes import sql_query
from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes._sql import SqlConnection, SqlConnections, SqlError, StatementError, check_statement, scan
from runtime.nodes._sql.drivers import parse_target, run_sqlite
from runtime.nodes._sql.statements import bind
from runtime.nodes._sql.tool import sql_tool

ROWS = [("ada", 10.5), ("ada", 20), ("bob", 7), ("eve'; DROP TABLE orders; --", 1)]


def read_only_ok(sql: str, dialect: str = "postgresql") -> None:
    check_statement(scan(sql, dialect), writable=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("sql", [
    "SELECT 1", "  select * from t where a = :a", "WITH x AS (SELECT 1) SELECT * FROM x", "VALUES (1)",
    "SELECT 'insert into t values (1)' AS text", "SELECT \"update\" FROM t", "EXPLAIN SELECT 1",
    "SELECT comment, start FROM t ORDER BY id DESC", "SELECT 1;",
])
def test_reads_pass_the_statement_check(sql: str) -> None:
    read_only_ok(sql)


@pytest.mark.parametrize("sql", [
    "INSERT INTO t VALUES (1)", "update t set a = 1", "DELETE FROM t", "DROP TABLE t", "CREATE TABLE x (a int)",
    "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "SELECT * INTO new_table FROM t",
    "SELECT 1; DROP TABLE t", "EXPLAIN ANALYZE DELETE FROM t", "COPY t TO '/tmp/x'", "PRAGMA journal_mode=WAL",
    "SELECT * FROM t FOR UPDATE", "BEGIN", "", "   ;  ",
])
def test_writes_and_tricks_are_refused(sql: str) -> None:
    with pytest.raises(StatementError):
        read_only_ok(sql)


def test_mysql_executable_comment_and_replace_into_are_refused() -> None:
    with pytest.raises(StatementError, match="executable"):
        read_only_ok("SELECT 1 /*!50000 , sleep(1) */", "mysql")
    with pytest.raises(StatementError, match="REPLACE|INTO"):
        read_only_ok("REPLACE INTO t VALUES (1)", "mysql")
    read_only_ok("SELECT REPLACE(name, 'a', 'b') FROM t", "mysql")


def test_placeholders_skip_strings_comments_and_casts() -> None:
    scanned = scan("SELECT a::int, ':x', $$ :y $$ FROM t /* :z */ WHERE b = :b AND c = :c -- :w\n OR d = :b",
                   "postgresql")
    assert scanned.names == ["b", "c"]
    text, values = bind(scanned, {"b": 1, "c": "two", "unused": 3}, "postgresql")
    assert "$1" in text and "$2" in text and ":x" in text and values == [1, "two"]
    with pytest.raises(StatementError, match=":c"):
        bind(scanned, {"b": 1}, "postgresql")
    text, values = bind(scan("SELECT * FROM t WHERE a LIKE 'x%' AND b = :b", "mysql"), {"b": 1}, "mysql")
    assert text == "SELECT * FROM t WHERE a LIKE 'x%%' AND b = %(b)s" and values == {"b": 1}


def test_url_parsing_never_leaks_the_url() -> None:
    with pytest.raises(SqlError) as caught:
        parse_target("oracle://scott:tiger@db/x")
    assert "tiger" not in str(caught.value)
    assert "tiger" not in repr(SqlConnection("x", "postgresql://scott:tiger@db/x"))
    target = parse_target("postgresql+asyncpg://u:p%40ss@h:5433/db")
    assert (target.dialect, target.host, target.port, target.password, target.database) == (
        "postgresql", "h", 5433, "p@ss", "db")


# --- SQLite --------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, total REAL)")
        conn.executemany("INSERT INTO orders (customer, total) VALUES (?, ?)", ROWS)
    return f"sqlite:///{path}"


def ctx(connections: SqlConnections) -> NodeContext:
    class Services:
        sql = connections

    return NodeContext(node_id="q", kind="sql_query", services=Services())


async def test_sqlite_query_binds_values(sqlite_url: str) -> None:
    shop = SqlConnections({"shop": SqlConnection("shop", sqlite_url)})
    config = sql_query.Config(connection="shop", query="SELECT id, total FROM orders WHERE customer = :c ORDER BY id")
    out = await sql_query.execute(config, {"params": {"c": "ada"}}, ctx(shop))
    assert out["rows"] == [{"id": 1, "total": 10.5}, {"id": 2, "total": 20.0}]
    # a value that looks like SQL is only a value
    out = await sql_query.execute(config, {"params": {"c": "eve'; DROP TABLE orders; --"}}, ctx(shop))
    assert out["rows"] == [{"id": 4, "total": 1.0}]
    out = await sql_query.execute(config, {"params": {"c": "x' OR '1'='1"}}, ctx(shop))
    assert out["rows"] == []


async def test_sqlite_read_only_refuses_writes_twice(sqlite_url: str) -> None:
    shop = SqlConnections({"shop": SqlConnection("shop", sqlite_url)})
    config = sql_query.Config(connection="shop", query="DELETE FROM orders")
    with pytest.raises(NodeError, match="read-only"):
        await sql_query.execute(config, {}, ctx(shop))
    # the second lock: even past the statement check the database refuses to write
    target = parse_target(sqlite_url)
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only"):
        run_sqlite(target, "DELETE FROM orders", {}, writable=False, row_limit=10, timeout_s=5)
    result = await shop.query("shop", "SELECT count(*) AS n FROM orders")
    assert result.rows == [{"n": 4}]  # nothing stored is lost


async def test_sqlite_writable_connection_writes(sqlite_url: str) -> None:
    admin = SqlConnections({"shop": SqlConnection("shop", sqlite_url, writable=True)})
    await admin.query("shop", "INSERT INTO orders (customer, total) VALUES (:c, :t)", {"c": "zed", "t": 3})
    result = await admin.query("shop", "SELECT total FROM orders WHERE customer = :c", {"c": "zed"})
    assert result.rows == [{"total": 3.0}]


async def test_sqlite_row_limit_and_timeout(sqlite_url: str) -> None:
    shop = SqlConnections({"shop": SqlConnection("shop", sqlite_url)})
    result = await shop.query("shop", "SELECT id FROM orders ORDER BY id", row_limit=2)
    assert result.rows == [{"id": 1}, {"id": 2}] and result.truncated
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    with pytest.raises(SqlError, match="longer than 0.5 s"):
        await shop.query("shop", endless, timeout_s=0.5)


async def test_sqlite_describe_and_unknown_connection(sqlite_url: str) -> None:
    shop = SqlConnections({"shop": SqlConnection("shop", sqlite_url)})
    tables = await shop.describe("shop")
    assert tables == [{"schema": "main", "table": "orders", "columns": [
        {"name": "id", "type": "INTEGER", "nullable": True},
        {"name": "customer", "type": "TEXT", "nullable": False},
        {"name": "total", "type": "REAL", "nullable": True}]}]
    with pytest.raises(NodeError, match="no SQL connection named 'nope'"):
        await sql_query.execute(sql_query.Config(connection="nope", query="SELECT 1"), {}, ctx(shop))
    with pytest.raises(NodeError, match="no SQL connections"):
        await sql_query.execute(sql_query.Config(connection="nope", query="SELECT 1"), {},
                                NodeContext(node_id="q", kind="sql_query"))


async def test_sql_tool_for_agents(sqlite_url: str) -> None:
    shop = SqlConnections({"shop": SqlConnection("shop", sqlite_url)})
    tool = sql_tool(shop, "shop")
    result = await tool.invoke({"query": "SELECT customer FROM orders WHERE id = :id", "params": {"id": 2}})
    assert result["rows"] == [{"customer": "ada"}]
    with pytest.raises(NodeError, match="read-only"):
        await tool.invoke({"query": "DROP TABLE orders"})
    with pytest.raises(NodeError, match="must be string"):
        await tool.invoke({"query": 5})


async def test_fixture_graph_and_an_agent_querying_sql(sqlite_url: str) -> None:
    from runtime.compile import RunServices
    from runtime.engine import run_graph
    from runtime.nodes._tools import BUILTIN_TOOLS
    from runtime.spec import parse_graph
    from tests.conftest import fixture_graph

    shop = SqlConnections({"shop": SqlConnection("shop", sqlite_url)})
    services = RunServices(sql=shop, tools={**BUILTIN_TOOLS, "sql.shop": sql_tool(shop, "shop")})
    outcome = await run_graph(parse_graph(fixture_graph("sql_query")), {"customer": "ada"}, thread_id="sql1",
                              services=services)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs["rows"] == [{"id": 1, "total": 10.5}, {"id": 2, "total": 20.0}]

    agent = {
        "schema_version": 2, "id": "sql_agent", "name": "SQL agent",
        "nodes": [
            {"id": "in", "kind": "input", "config": {"name": "question"}, "position": {"x": 0, "y": 0}},
            {"id": "agent", "kind": "llm", "position": {"x": 200, "y": 0}, "config": {
                "provider": "scripted", "tools": ["sql.shop"], "script": [
                    {"tool_calls": [{"name": "sql.shop", "arguments": {
                        "query": "SELECT sum(total) AS spent FROM orders WHERE customer = :c", "params": {"c": "ada"}}}]},
                    {"content": "Ada spent 30.5."}]}},
            {"id": "out", "kind": "output", "config": {"name": "answer"}, "position": {"x": 400, "y": 0}},
        ],
        "edges": [{"source": {"node": "in", "port": "value"}, "target": {"node": "agent", "port": "prompt"}},
                  {"source": {"node": "agent", "port": "text"}, "target": {"node": "out", "port": "value"}}],
        "inputs": [{"name": "question", "type": "text"}], "outputs": [{"name": "answer", "type": "text"}],
    }
    from runtime.engine import ListSink

    sink = ListSink()
    outcome = await run_graph(parse_graph(agent), {"question": "How much did Ada spend?"}, thread_id="sql2",
                              services=services, sink=sink)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs["answer"] == "Ada spent 30.5."
    call = next(event for event in sink.events if event["type"] == "tool_call")
    assert call["result"]["rows"] == [{"spent": 30.5}]


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
def pg_shop(fresh_postgres_url: str) -> str:
    import psycopg

    with psycopg.connect(fresh_postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL, total numeric(10,2), "
                     "placed timestamptz DEFAULT '2026-01-02T03:04:05Z')")
        for customer, total in ROWS:
            conn.execute("INSERT INTO orders (customer, total) VALUES (%s, %s)", (customer, total))
    return fresh_postgres_url


async def test_postgres_query_read_only_limit_timeout(pg_shop: str) -> None:
    shop = SqlConnections({"shop": SqlConnection("shop", pg_shop)})
    result = await shop.query("shop", "SELECT id, total, placed FROM orders WHERE customer = :c ORDER BY id",
                              {"c": "ada"})
    assert result.rows == [{"id": 1, "total": 10.5, "placed": "2026-01-02T03:04:05+00:00"},
                           {"id": 2, "total": 20, "placed": "2026-01-02T03:04:05+00:00"}]
    result = await shop.query("shop", "SELECT id FROM orders WHERE customer = :c", {"c": "x' OR '1'='1"})
    assert result.rows == []
    result = await shop.query("shop", "SELECT id FROM orders ORDER BY id", row_limit=3)
    assert len(result.rows) == 3 and result.truncated
    with pytest.raises(SqlError, match="read-only"):
        await shop.query("shop", "UPDATE orders SET total = 0")
    with pytest.raises(SqlError, match="longer than 0.5 s"):
        await shop.query("shop", "SELECT pg_sleep(5)", timeout_s=0.5)
    with pytest.raises(SqlError, match="shop: .*nope"):
        await shop.query("shop", "SELECT nope FROM orders")


async def test_postgres_read_only_transaction_is_the_second_lock(pg_shop: str) -> None:
    from runtime.nodes._sql.drivers import run_postgres

    target = parse_target(pg_shop)
    with pytest.raises(Exception, match="read-only transaction"):
        await run_postgres(target, "DELETE FROM orders", [], writable=False, row_limit=10, timeout_s=5)
    with pytest.raises(Exception, match="read-only transaction"):
        await run_postgres(target, "SELECT nextval('orders_id_seq')", [], writable=False, row_limit=10, timeout_s=5)
    shop = SqlConnections({"shop": SqlConnection("shop", pg_shop)})
    assert (await shop.query("shop", "SELECT count(*) AS n FROM orders")).rows == [{"n": 4}]


async def test_postgres_writable_and_describe(pg_shop: str) -> None:
    admin = SqlConnections({"shop": SqlConnection("shop", pg_shop, writable=True)})
    await admin.query("shop", "INSERT INTO orders (customer, total) VALUES (:c, :t)", {"c": "zed", "t": 3})
    assert (await admin.query("shop", "SELECT count(*) AS n FROM orders")).rows == [{"n": 5}]
    tables = await admin.describe("shop")
    assert [t["table"] for t in tables] == ["orders"]
    assert [c["name"] for c in tables[0]["columns"]] == ["id", "customer", "total", "placed"]
    assert tables[0]["columns"][1] == {"name": "customer", "type": "text", "nullable": False}


async def test_postgres_bad_password_is_not_echoed(pg_shop: str) -> None:
    base = pg_shop.replace("postgresql://postgres@", "postgresql://nobody_x:hunter2@")
    shop = SqlConnections({"shop": SqlConnection("shop", base)})
    try:
        await shop.query("shop", "SELECT 1")
    except SqlError as exc:
        assert "hunter2" not in str(exc)


# --- MariaDB -------------------------------------------------------------------------------------


def _mariadb_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 3306), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def mariadb_url():
    if not _mariadb_up():
        pytest.skip("MariaDB is not listening on 127.0.0.1:3306 on this machine")
    import pymysql

    name = f"lcnc_test_{uuid.uuid4().hex[:10]}"
    try:
        conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)
    except pymysql.MySQLError as exc:
        pytest.skip(f"MariaDB refused root without a password: {exc}")
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}`")
            cur.execute(f"CREATE TABLE `{name}`.orders (id INT AUTO_INCREMENT PRIMARY KEY, "
                        "customer VARCHAR(100) NOT NULL, total DECIMAL(10,2))")
            cur.executemany(f"INSERT INTO `{name}`.orders (customer, total) VALUES (%s, %s)", ROWS)
        yield f"mysql://root@127.0.0.1:3306/{name}"
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


async def test_mariadb_query_read_only_and_describe(mariadb_url: str) -> None:
    shop = SqlConnections({"shop": SqlConnection("shop", mariadb_url)})
    result = await shop.query("shop", "SELECT id, total FROM orders WHERE customer = :c AND customer LIKE 'a%' "
                              "ORDER BY id", {"c": "ada"})
    assert result.rows == [{"id": 1, "total": 10.5}, {"id": 2, "total": 20}]
    result = await shop.query("shop", "SELECT id FROM orders WHERE customer = :c", {"c": "eve'; DROP TABLE orders; --"})
    assert result.rows == [{"id": 4}]
    with pytest.raises(SqlError, match="read-only"):
        await shop.query("shop", "DELETE FROM orders")
    from runtime.nodes._sql.drivers import run_mysql

    with pytest.raises(Exception, match="(?i)read.only"):
        run_mysql(parse_target(mariadb_url), "DELETE FROM orders", {}, writable=False, row_limit=5, timeout_s=5)
    assert (await shop.query("shop", "SELECT count(*) AS n FROM orders")).rows == [{"n": 4}]
    tables = await shop.describe("shop")
    assert [c["name"] for c in tables[0]["columns"]] == ["id", "customer", "total"]
    with pytest.raises(SqlError, match="longer than"):
        await shop.query("shop", "SELECT sleep(5)", timeout_s=0.5)
