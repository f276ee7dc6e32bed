"""Saved graphs exposed as MCP tools at /api/tools/mcp, called with the real MCP client SDK over HTTP."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from tests.conftest import fixture_graph


@pytest.fixture
def platform_url(backend_settings):
    import uvicorn

    from builder.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(backend_settings()), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started, "the platform did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


async def test_saved_graphs_are_mcp_tools(platform_url: str) -> None:
    from mcp import Client

    async with httpx.AsyncClient(base_url=platform_url) as http:
        created = await http.post("/api/workflow/graphs", json=fixture_graph("linear_transform"))
        assert created.status_code == 201, created.text
        graph_id = created.json()["id"]

    async with Client(f"{platform_url}/api/tools/mcp", cache=None) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert graph_id in tools
        schema = tools[graph_id].input_schema
        assert schema["properties"]["name"]["type"] == "string" and schema["required"] == ["name"]

        result = await client.call_tool(graph_id, {"name": "Ada"})
        assert not result.is_error, result.content
        assert result.structured_content == {"greeting": "Hello, Ada! Welcome aboard."}

        bad = await client.call_tool(graph_id, {"name": 3})
        assert bad.is_error and "is not of type 'string'" in bad.content[0].text
        missing = await client.call_tool("no_such_graph", {})
        assert missing.is_error and "no saved graph named 'no_such_graph'" in missing.content[0].text


def test_the_mcp_endpoint_needs_credentials(tmp_path) -> None:
    from fastapi.testclient import TestClient

    from builder.app import create_app
    from builder.settings import Settings

    with TestClient(create_app(Settings(data_dir=tmp_path, local_mode=False))) as client:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        for path in ("/api/tools/mcp", "/api/tools/MCP", "/api/tools/mcp/", "/api/tools/%6Dcp"):
            response = client.post(path, json=body)
            assert response.status_code in (401, 404, 405), (path, response.status_code)
        assert client.post("/api/tools/mcp", json=body).status_code == 401
        assert client.get("/api/tools/mcp").status_code == 401
