"""GET /api/workflow/graphs/{id}/project: a saved graph version as a generated project zip."""

from __future__ import annotations

import ast
import io
import json
import zipfile

from tests.conftest import fixture_graph

BASE = "/api/workflow/graphs"


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_export_latest_and_pinned_version(client) -> None:
    assert client.post(BASE, json=fixture_graph("linear_transform")).status_code == 201
    spec = fixture_graph("linear_transform")
    spec["nodes"][1]["config"]["template"] = "Hi, {{ data }}!"
    assert client.put(f"{BASE}/linear_transform", json={"spec": spec, "base_version": 1}).status_code == 200

    latest = client.get(f"{BASE}/linear_transform/project")
    assert latest.status_code == 200, latest.text
    assert latest.headers["content-type"] == "application/zip"
    assert 'filename="linear-transform-v2.zip"' in latest.headers["content-disposition"]
    with _zip(latest) as archive:
        assert "linear-transform/app/graph.py" in archive.namelist()
        assert "Hi, {{ data }}!" in archive.read("linear-transform/app/graph.py").decode()
        manifest = json.loads(archive.read("linear-transform/lcnc-manifest.json"))
        assert manifest["graph_id"] == "linear_transform"

    first = client.get(f"{BASE}/linear_transform/project", params={"version": 1, "name": "greeter"})
    assert first.status_code == 200
    with _zip(first) as archive:
        assert "Hello, {{ data }}!" in archive.read("greeter/app/graph.py").decode()
        assert "name: greeter" in archive.read("greeter/k8s/deployment.yaml").decode()


def test_same_version_same_zip(client) -> None:
    client.post(BASE, json=fixture_graph("router"))
    assert client.get(f"{BASE}/router/project").content == client.get(f"{BASE}/router/project").content


def test_incomplete_graph_is_422_with_the_issues(client) -> None:
    draft = fixture_graph("linear_transform")
    draft["edges"] = draft["edges"][:2]  # 'out' has no input: saved as a draft, not exportable
    saved = client.post(BASE, json=draft)
    assert saved.status_code == 201 and saved.json()["warnings"]
    response = client.get(f"{BASE}/linear_transform/project")
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["node_id"] == "out" and body["errors"][0]["code"] == "missing_input"


def test_unknown_graph_or_version_is_404(client) -> None:
    assert client.get(f"{BASE}/nope/project").status_code == 404
    client.post(BASE, json=fixture_graph("echo"))
    assert client.get(f"{BASE}/echo/project", params={"version": 9}).status_code == 404
    assert client.get(f"{BASE}/echo/project", params={"version": 0}).status_code == 422


def test_subgraph_nodes_get_the_saved_graph(client) -> None:
    client.post(BASE, json=fixture_graph("subgraph"))
    missing = client.get(f"{BASE}/subgraph/project")
    assert missing.status_code == 422 and "linear_transform" in missing.json()["detail"]
    client.post(BASE, json=fixture_graph("linear_transform"))
    response = client.get(f"{BASE}/subgraph/project")
    assert response.status_code == 200, response.text
    with _zip(response) as archive:
        module = archive.read("subgraph/app/subgraphs/g_linear_transform.py").decode()
        assert "Hello, {{ data }}!" in module


def _agent(tools: list[str]) -> dict:
    graph = fixture_graph("agent_tools")
    next(n for n in graph["nodes"] if n["id"] == "agent")["config"]["tools"] = tools
    return graph


def test_workspace_tools_are_exported_and_unknown_ones_are_422_naming_the_node(client) -> None:
    graph = _agent(["builtin.calculator", "http.weather", "sql.shop", "mcp.nowhere.add", "graph.other"])
    assert client.post(BASE, json=graph).status_code == 201
    response = client.get(f"{BASE}/agent_tools/project")
    assert response.status_code == 422, response.text
    errors = {e["message"].split("'")[1]: e for e in response.json()["errors"]}
    assert set(errors) == {"http.weather", "sql.shop", "mcp.nowhere.add", "graph.other"}
    assert all(e["node_id"] == "agent" and e["field"] == "config.tools" for e in errors.values())
    assert "no MCP server named 'nowhere'" in errors["mcp.nowhere.add"]["message"]
    assert "no graph of that name" in errors["graph.other"]["message"]
    assert "node 'agent'" in response.json()["detail"]

    tool = {"name": "weather", "description": "Weather '''\"\\ {{ x }} {% if %}",
            "url": "https://weather.example.com/v1?city={{ city }}", "headers": {"X-City": "{{ city }}"},
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            "auth_secret": "weather-key"}
    assert client.post("/api/tools/http", json=tool).status_code == 201
    assert client.post("/api/sqltool/connections", json={"name": "shop", "url": "sqlite:///shop.db"}).status_code == 201
    graph = _agent(["builtin.calculator", "http.weather", "sql.shop"])
    assert client.put(f"{BASE}/agent_tools", json={"spec": graph, "base_version": 1}).status_code == 200
    response = client.get(f"{BASE}/agent_tools/project")
    assert response.status_code == 200, response.text
    with _zip(response) as archive:
        tools = archive.read("agent-tools/app/tools.py").decode()
        settings = archive.read("agent-tools/app/settings.py").decode()
        names = archive.namelist()
    table = next(node for node in ast.parse(tools).body
                 if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "HTTP_TOOLS")
    definition = ast.literal_eval(table.value)["http.weather"]  # a plain literal: data, not code
    assert definition["description"] == tool["description"] and definition["url"] == tool["url"]
    assert definition["headers"] == tool["headers"] and definition["auth_secret"] == "weather-key"
    assert "'sql.shop': 'shop'" in tools
    assert "'weather-key': 'SECRET_WEATHER_KEY'" in settings and "'shop': 'SQL_URL_SHOP'" in settings
    assert "agent-tools/app/lcnc_nodes/_http/tool.py" in names and "agent-tools/app/lcnc_nodes/_sql/tool.py" in names
