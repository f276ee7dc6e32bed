"""Workspace tools in an exported project: an agent (scripted provider) and a tool node calling an HTTP tool and
a SQL tool of the workspace give the platform runtime's outcome, node events and HTTP requests when the project
exported through the API is served under uvicorn, configured only by environment variables.

The platform side is the platform's own: the tools are created through its API, the run gets its services from
``build_run_services`` (tools loaded from the DB, the SQL URL decrypted from its secret) and the project is the
zip that ``GET /api/workflow/graphs/{id}/project`` answers. The served process refuses to import the platform.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from builder.settings import Settings
from runtime.spec import parse_graph
from tests.codegen.platform_side import export_project, run_on_platform
from tests.codegen.test_service_kinds import run_served, served
from tests.runtime.nodes.http_server import Recorder, serve

pytestmark = pytest.mark.slow

KEY = "k-" + uuid.uuid4().hex[:8]
SQL = "SELECT id, total FROM orders WHERE customer = :customer ORDER BY id"


def _graph() -> dict[str, Any]:
    script = [
        {"content": "", "tool_calls": [
            {"name": "http.lookup", "arguments": {"city": "Paris 12"}},
            {"name": "sql.shop", "arguments": {"query": SQL, "params": {"customer": "Ann"}}},
        ]},
        {"content": "", "tool_calls": [{"name": "sql.shop", "arguments": {"query": "DELETE FROM orders"}}]},
        {"content": "Paris is fine and Ann ordered twice."},
    ]
    return {
        "id": "ws_tools", "name": "Workspace tools",
        "nodes": [
            {"id": "in", "kind": "input", "config": {"name": "question"}},
            {"id": "agent", "kind": "llm", "config": {
                "provider": "scripted", "prompt": "{{ prompt }}", "tools": ["http.lookup", "sql.shop"],
                "max_steps": 4, "script": script}},
            {"id": "answer", "kind": "output", "config": {"name": "answer"}},
            {"id": "talk", "kind": "output", "config": {"name": "conversation"}},
            {"id": "wrap", "kind": "transform", "config": {"template": '{"city": "{{ data }}"}', "output": "json"}},
            {"id": "direct", "kind": "tool", "config": {"tool": "http.lookup"}},
            {"id": "looked_up", "kind": "output", "config": {"name": "looked_up"}},
        ],
        "edges": [
            {"source": {"node": "in", "port": "value"}, "target": {"node": "agent", "port": "prompt"}},
            {"source": {"node": "agent", "port": "text"}, "target": {"node": "answer", "port": "value"}},
            {"source": {"node": "agent", "port": "messages"}, "target": {"node": "talk", "port": "value"}},
            {"source": {"node": "in", "port": "value"}, "target": {"node": "wrap", "port": "data"}},
            {"source": {"node": "wrap", "port": "value"}, "target": {"node": "direct", "port": "args"}},
            {"source": {"node": "direct", "port": "result"}, "target": {"node": "looked_up", "port": "value"}},
        ],
        "inputs": [{"name": "question"}],
        "outputs": [{"name": "answer"}, {"name": "conversation", "type": "messages"},
                    {"name": "looked_up", "type": "json"}],
    }


@pytest.fixture(scope="module")
def echo() -> Iterator[tuple[str, Recorder]]:
    with serve() as (base, recorder):
        yield base, recorder


@pytest.fixture
def platform(tmp_path: Path, echo: tuple[str, Recorder], shop_url: str) -> Iterator[TestClient]:
    """The platform (SQLite) with the workspace's HTTP tool, its token secret and the SQL connection 'shop'."""
    from builder.app import create_app

    base, _recorder = echo
    settings = Settings(data_dir=tmp_path / "data", database_url="", ssrf_allowlist=["127.0.0.1"])
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/gateway/secrets", json={"name": "echo-key", "value": KEY}).status_code == 201
        tool = {"name": "lookup", "description": "Looks a city up.", "url": base + "/echo?city={{ city }}",
                "headers": {"X-City": "{{ city }}"}, "auth_secret": "echo-key",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
        assert client.post("/api/tools/http", json=tool).status_code == 201
        assert client.post("/api/sqltool/connections", json={"name": "shop", "url": shop_url}).status_code == 201
        assert client.post("/api/workflow/graphs", json=_graph()).status_code == 201
        yield client


def test_an_exported_agent_calls_the_workspace_tools_like_the_platform(
        platform: TestClient, echo: tuple[str, Recorder], shop_url: str, tmp_path: Path) -> None:
    _base, recorder = echo
    inputs = {"question": "Paris 12"}
    recorder.requests.clear()
    on_platform = run_on_platform(platform, parse_graph(_graph()), inputs)
    platform_requests = list(recorder.requests)
    assert on_platform["status"] == "succeeded", on_platform["error"]
    # The tools really ran: the HTTP tool's answer, the SQL rows and the refused write are in the conversation.
    tool_results = [m["content"] for m in on_platform["outputs"]["conversation"] if m["role"] == "tool"]
    assert '"city": ["Paris 12"]' in tool_results[0] and f"Bearer {KEY}" in tool_results[0]
    assert '"total": 12.5' in tool_results[1] and "read-only" in tool_results[2]
    assert on_platform["outputs"]["looked_up"]["query"] == {"city": ["Paris 12"]}
    assert len(platform_requests) == 2 and platform_requests[0]["headers"]["X-City"] == "Paris 12"

    folder = export_project(platform, "ws_tools", tmp_path, "ws-tools")
    assert KEY not in (folder / "app" / "tools.py").read_text()  # the token is a secret name in the project
    recorder.requests.clear()
    with served(folder, SSRF_ALLOWLIST='["127.0.0.1"]', SQL_URL_SHOP=shop_url, SECRET_ECHO_KEY=KEY) as base:
        generated = run_served(base, inputs)
    assert generated == on_platform
    strip = [{k: v for k, v in r.items() if k != "headers"} | {"auth": r["headers"].get("Authorization")}
             for r in recorder.requests]
    assert strip == [{k: v for k, v in r.items() if k != "headers"} | {"auth": r["headers"].get("Authorization")}
                     for r in platform_requests]

    # Without the SSRF allowance and the SQL URL the tools fail inside the agent as they do on the platform.
    with served(folder, SECRET_ECHO_KEY=KEY) as base:
        refused = run_served(base, inputs)
    assert refused["status"] == "failed" and "loopback" in refused["error"]
