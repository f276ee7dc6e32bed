"""The tools API: catalogue, HTTP tools through the SSRF guard, MCP servers (HTTP and settings stdio), calls."""

from __future__ import annotations

import sys

import pytest
from fastapi.testclient import TestClient

from builder.app import create_app
from tests.runtime.nodes.http_server import serve
from tests.runtime.nodes.test_mcp import SERVER_SCRIPT, start_http_server

API = "/api/tools"


@pytest.fixture
def echo_server():
    with serve() as (base, recorder):
        yield base, recorder


@pytest.fixture(scope="module")
def mcp_url():
    process, url = start_http_server()
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_catalogue_lists_builtin_and_unknown_ids_are_404(client) -> None:
    items = {item["id"]: item for item in client.get(f"{API}/catalogue").json()}
    assert items["builtin.calculator"]["parameters"]["required"] == ["expression"]
    called = client.post(f"{API}/catalogue/builtin.calculator/call", json={"arguments": {"expression": "6*7"}})
    assert called.status_code == 200 and called.json()["result"] == 42
    bad = client.post(f"{API}/catalogue/builtin.calculator/call", json={"arguments": {"expr": "6*7"}})
    assert bad.status_code == 422 and "expression" in bad.json()["detail"]
    assert client.get(f"{API}/catalogue/builtin.nope").status_code == 404
    assert client.post(f"{API}/catalogue/mcp.nowhere.add/call", json={}).status_code == 404
    assert client.get(f"{API}/catalogue/Not-An-Id").status_code == 422


def test_http_tool_is_guarded(backend_settings, echo_server) -> None:
    base, recorder = echo_server
    tool = {"name": "echo", "description": "Echoes a city", "url": base + "/echo?city={{ city }}",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
    with TestClient(create_app(backend_settings())) as client:
        assert client.post(f"{API}/http", json=tool).status_code == 201
        assert client.post(f"{API}/http", json=tool).status_code == 409
        refused = client.post(f"{API}/catalogue/http.echo/call", json={"arguments": {"city": "Paris"}})
        assert refused.status_code == 502 and "loopback" in refused.json()["detail"]
        assert recorder.requests == []
        meta = client.post(f"{API}/http", json={**tool, "name": "meta", "url": "ftp://169.254.169.254/x"})
        assert meta.status_code == 422
        assert any(item["id"] == "http.echo" for item in client.get(f"{API}/catalogue").json())
    with TestClient(create_app(backend_settings(ssrf_allowlist=["127.0.0.1"]))) as client:
        allowed = client.post(f"{API}/catalogue/http.echo/call", json={"arguments": {"city": "Paris"}})
        assert allowed.status_code == 200, allowed.text
        assert allowed.json()["result"]["query"] == {"city": ["Paris"]}
        bad = client.post(f"{API}/catalogue/http.echo/call", json={"arguments": {"city": 5}})
        assert bad.status_code == 422
        assert client.delete(f"{API}/http/echo").status_code == 204
        assert client.get(f"{API}/http/echo").status_code == 404


def test_mcp_servers_http_registered_and_stdio_only_from_settings(backend_settings, mcp_url: str) -> None:
    stdio = {"local_math": {"command": [sys.executable, SERVER_SCRIPT, "stdio"], "timeout_s": 60}}
    with TestClient(create_app(backend_settings(ssrf_allowlist=["127.0.0.1"], mcp_servers=stdio))) as client:
        refused = client.post(f"{API}/mcp-servers", json={"name": "evil", "url": "http://x/mcp",
                                                          "command": ["sh", "-c", "touch /tmp/pwned"]})
        assert refused.status_code == 422
        assert client.post(f"{API}/mcp-servers", json={"name": "f", "url": "file:///etc/passwd"}).status_code == 422
        created = client.post(f"{API}/mcp-servers", json={"name": "math", "url": mcp_url})
        assert created.status_code == 201, created.text
        servers = {s["name"]: s for s in client.get(f"{API}/mcp-servers").json()}
        assert servers["math"]["source"] == "workspace" and servers["local_math"]["transport"] == "stdio"

        tools = client.get(f"{API}/mcp-servers/math/tools")
        assert tools.status_code == 200
        add = next(tool for tool in tools.json() if tool["name"] == "add")
        assert add["id"] == "mcp.math.add" and add["input_schema"]["required"] == ["a", "b"]
        ok = client.post(f"{API}/catalogue/mcp.math.add/call", json={"arguments": {"a": 2, "b": 3}})
        assert ok.status_code == 200 and ok.json()["result"] == 5
        bad = client.post(f"{API}/catalogue/mcp.math.add/call", json={"arguments": {"a": "2", "b": 3}})
        assert bad.status_code == 422 and "is not of type 'integer'" in bad.json()["detail"]
        assert client.post(f"{API}/catalogue/mcp.math.nope/call", json={}).status_code == 404

        catalogue = {item["id"] for item in client.get(f"{API}/catalogue").json()}
        assert {"mcp.math.add", "mcp.local_math.add"} <= catalogue  # the stdio server from the settings

        assert client.delete(f"{API}/mcp-servers/math").status_code == 204
        assert client.get(f"{API}/mcp-servers/math/tools").status_code == 404


def test_unreachable_mcp_server_is_reported_not_fatal(backend_settings) -> None:
    hanging = {"hangs": {"command": [sys.executable, "-c", "import time; time.sleep(60)"], "timeout_s": 2}}
    with TestClient(create_app(backend_settings(mcp_servers=hanging))) as client:
        listed = client.get(f"{API}/mcp-servers/hangs/tools")
        assert listed.status_code == 502 and "did not answer within 2 s" in listed.json()["detail"]
        catalogue = client.get(f"{API}/catalogue").json()
        assert any(item["id"] == "mcp.hangs" and "did not answer" in item["error"] for item in catalogue)
        assert client.get("/api/tools/health").status_code == 200  # the service keeps running


def test_saved_graph_is_a_tool(client) -> None:
    from tests.conftest import fixture_graph

    created = client.post("/api/workflow/graphs", json=fixture_graph("linear_transform"))
    graph_id = created.json()["id"]
    entry = client.get(f"{API}/catalogue/graph.{graph_id}").json()
    assert entry["parameters"]["required"] == ["name"]
    called = client.post(f"{API}/catalogue/graph.{graph_id}/call", json={"arguments": {"name": "Bo"}})
    assert called.status_code == 200 and called.json()["result"] == "Hello, Bo! Welcome aboard."
    bad = client.post(f"{API}/catalogue/graph.{graph_id}/call", json={"arguments": {"who": "Bo"}})
    assert bad.status_code == 422


def test_run_services_of_a_workspace_run_the_library_graphs(client, tmp_path) -> None:
    """What a platform run gets from build_run_services: the workspace's collections, connections and tools."""
    import sqlite3

    from builder.tools.run_services import build_run_services
    from runtime.engine import run_graph
    from runtime.spec import parse_graph
    from tests.conftest import fixture_graph
    from tests.runtime.nodes.rag_docs import DOCS

    assert client.post("/api/rag/collections", json={"name": "docs"}).status_code == 201
    assert client.post("/api/rag/collections/docs/documents",
                       files={"file": ("cats.md", DOCS["cats.md"].encode())}).status_code == 201
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, total REAL)")
        conn.execute("INSERT INTO orders (customer, total) VALUES ('ada', 12.5)")
    assert client.post("/api/sqltool/connections", json={"name": "shop", "url": f"sqlite:///{path}"}).status_code == 201

    app = client.app
    workspace_id = app.state.local_context.workspace_id

    async def run(name: str, inputs: dict):
        spec = parse_graph(fixture_graph(name))
        services = await build_run_services(app.state.sessionmaker, app.state.settings, workspace_id, spec)
        return await run_graph(spec, inputs, thread_id=f"ws-{name}", services=services)

    rag = client.portal.call(run, "rag", {"question": "How long does a cat sleep?"})
    assert rag.status == "succeeded", rag.error
    assert rag.outputs["sources"][0]["source"] == "cats.md"
    sql = client.portal.call(run, "sql_query", {"customer": "ada"})
    assert sql.status == "succeeded", sql.error
    assert sql.outputs["rows"] == [{"id": 1, "total": 12.5}]
