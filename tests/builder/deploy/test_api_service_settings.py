"""Deploy fills the Secret with what the exported service kinds read from the workspace (SQL connection URLs, MCP
tokens) and the ConfigMap with the rest, against the kmock emulator, on both storage backends; the values never
show in a ConfigMap, a response, a deployment event or a log line."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builder.deploy.emulator import Emulator
from tests.builder.deploy.helpers import ready
from tests.builder.deploy.test_api import CLUSTERS, DEPLOYMENTS, GRAPHS
from tests.conftest import fixture_graph

SQL_PASSWORD = "pa55-Wq7-sql"  # noqa: S105 - a test value, looked for where it must not be
SQL_URL = f"postgresql://shop_user:{SQL_PASSWORD}@db.shop.internal:5432/shop"
MCP_TOKEN = "mcp-T0ken-9x"  # noqa: S105


def _register(api: TestClient, emulator: Emulator) -> None:
    body = {"name": "emu", "kubeconfig": emulator.kubeconfig(), "default_namespace": "apps"}
    assert api.post(CLUSTERS, json=body).status_code == 201


def _deploy(api: TestClient, emulator: Emulator, graph_id: str, name: str) -> dict[str, Any]:
    ready(emulator, "apps", name)
    deployed = api.post(DEPLOYMENTS, params={"wait": 20}, json={"graph_id": graph_id, "cluster": "emu"})
    assert deployed.status_code in (200, 202), deployed.text
    assert deployed.json()["status"] == "ready", deployed.json()
    return deployed.json()


def _secret_data(emulator: Emulator, name: str) -> dict[str, str]:
    secret = emulator.objects("apps")[("Secret", f"{name}-secrets")]
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


def _configmaps(emulator: Emulator) -> list[dict[str, Any]]:
    return [obj for (kind, _name), obj in emulator.objects("apps").items() if kind == "ConfigMap"]


def _everything_said(api: TestClient, deployed: dict[str, Any]) -> str:
    """The deployment as the API shows it, with its events."""
    one = api.get(f"{DEPLOYMENTS}/{deployed['id']}").text
    events = api.get(f"{DEPLOYMENTS}/{deployed['id']}/events").text
    return json.dumps(deployed) + one + events + api.get(DEPLOYMENTS).text


def test_a_sql_connection_url_goes_into_the_secret_and_nowhere_else(
        api: TestClient, emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _register(api, emulator)
    assert api.post(GRAPHS, json=fixture_graph("sql_query")).status_code == 201

    # No such connection in the workspace: a 422 naming the node and the connection, and nothing applied.
    missing = api.post(DEPLOYMENTS, json={"graph_id": "sql_query", "cluster": "emu"})
    assert missing.status_code == 422, missing.text
    assert "node 'query'" in missing.json()["detail"] and "SQL connection 'shop'" in missing.json()["detail"]
    assert missing.json()["errors"][0]["code"] == "setting_missing"
    assert missing.json()["errors"][0]["node_ids"] == ["query"]
    assert emulator.objects("apps") == {}

    created = api.post("/api/sqltool/connections", json={"name": "shop", "url": SQL_URL})
    assert created.status_code == 201, created.text
    deployed = _deploy(api, emulator, "sql_query", "sql-query")

    assert _secret_data(emulator, "sql-query") == {"SQL_URL_SHOP": SQL_URL}
    configmaps = _configmaps(emulator)
    assert configmaps and all(SQL_PASSWORD not in json.dumps(cm) for cm in configmaps)
    config = emulator.objects("apps")[("ConfigMap", "sql-query-config")]
    assert config["data"]["SQL_WRITABLE"] == "[]"
    container = emulator.objects("apps")[("Deployment", "sql-query")]["spec"]["template"]["spec"]["containers"][0]
    from_secret = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
    assert from_secret["SQL_URL_SHOP"]["name"] == "sql-query-secrets"
    assert SQL_PASSWORD not in _everything_said(api, deployed)
    assert SQL_PASSWORD not in caplog.text


def test_a_connection_whose_secret_is_gone_is_named_before_anything_is_applied(
        api: TestClient, emulator: Emulator) -> None:
    _register(api, emulator)
    assert api.post(GRAPHS, json=fixture_graph("sql_query")).status_code == 201
    assert api.post("/api/sqltool/connections", json={"name": "shop", "url": SQL_URL}).status_code == 201
    assert api.delete("/api/gateway/secrets/sqlconn.shop").status_code == 204
    response = api.post(DEPLOYMENTS, json={"graph_id": "sql_query", "cluster": "emu"})
    assert response.status_code == 422, response.text
    assert "secret 'sqlconn.shop'" in response.json()["detail"] and "'shop'" in response.json()["detail"]
    assert emulator.objects("apps") == {}


def test_an_mcp_server_token_goes_into_the_secret_and_its_url_into_the_configmap(
        api: TestClient, emulator: Emulator) -> None:
    _register(api, emulator)
    assert api.post(GRAPHS, json=fixture_graph("mcp_tool")).status_code == 201
    missing = api.post(DEPLOYMENTS, json={"graph_id": "mcp_tool", "cluster": "emu"})
    assert missing.status_code == 422 and "node 'call'" in missing.json()["detail"]
    assert "MCP server 'math'" in missing.json()["detail"]

    assert api.post("/api/gateway/secrets", json={"name": "math-token", "value": MCP_TOKEN}).status_code == 201
    server = {"name": "math", "url": "https://mcp.example.com/mcp", "token_secret": "math-token", "timeout_s": 12}
    assert api.post("/api/tools/mcp-servers", json=server).status_code == 201
    deployed = _deploy(api, emulator, "mcp_tool", "mcp-tool")

    assert _secret_data(emulator, "mcp-tool") == {"MCP_TOKEN_MATH": MCP_TOKEN}
    config = emulator.objects("apps")[("ConfigMap", "mcp-tool-config")]
    assert json.loads(config["data"]["MCP_SERVERS"]) == {
        "math": {"url": "https://mcp.example.com/mcp", "timeout_s": 12.0, "description": ""}}
    assert all(MCP_TOKEN not in json.dumps(cm) for cm in _configmaps(emulator))
    assert MCP_TOKEN not in _everything_said(api, deployed)


def _agent_graph(tools: list[str]) -> dict[str, Any]:
    graph = fixture_graph("agent_tools")
    graph["id"] = "agent_ws"
    next(n for n in graph["nodes"] if n["id"] == "agent")["config"]["tools"] = tools
    return graph


def test_an_agent_with_workspace_tools_deploys_with_their_settings(api: TestClient, emulator: Emulator) -> None:
    _register(api, emulator)
    assert api.post(GRAPHS, json=_agent_graph(["builtin.calculator", "http.weather", "sql.shop"])).status_code == 201

    unknown = api.post(DEPLOYMENTS, json={"graph_id": "agent_ws", "cluster": "emu"})
    assert unknown.status_code == 422, unknown.text
    errors = unknown.json()["errors"]
    assert {(e["node_id"], e["field"]) for e in errors} == {("agent", "config.tools")}
    assert {e["message"].split("'")[1] for e in errors} == {"http.weather", "sql.shop"}
    assert emulator.objects("apps") == {}

    assert api.post("/api/gateway/secrets", json={"name": "weather-key", "value": "w-key-1"}).status_code == 201
    tool = {"name": "weather", "url": "https://weather.example.com/v1?city={{ city }}", "auth_secret": "weather-key",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
    assert api.post("/api/tools/http", json=tool).status_code == 201
    assert api.post("/api/sqltool/connections", json={"name": "shop", "url": SQL_URL}).status_code == 201
    _deploy(api, emulator, "agent_ws", "agent-ws")

    assert _secret_data(emulator, "agent-ws") == {"SECRET_WEATHER_KEY": "w-key-1", "SQL_URL_SHOP": SQL_URL}
    assert all(SQL_PASSWORD not in json.dumps(cm) for cm in _configmaps(emulator))
    code = "".join(value for cm in _configmaps(emulator) for value in (cm.get("data") or {}).values())
    assert "https://weather.example.com/v1?city={{ city }}" in code  # the tool's definition, carried as data
