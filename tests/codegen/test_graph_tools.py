"""Saved graphs as tools (``graph.<id>``) in an exported project: an agent (scripted provider) and a tool node that
call a saved graph give the platform runtime's outcome and node events when the project, exported through the
API, is served under uvicorn; a graph tool the workspace does not have is a 422 naming the node and the tool.

The platform side is the platform's own: the graphs are saved through its API and the run gets its tools from
``build_run_services``, which loads ``graph.shout`` from the DB.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from builder.settings import Settings
from codegen import ExportError, ProjectOptions, render_project, write_folder
from runtime.spec import parse_graph
from tests.codegen.platform_side import export_project, run_on_platform
from tests.codegen.test_service_kinds import run_served, served

SHOUT = {
    "id": "shout", "name": "Shout", "description": "Says the text loudly.",
    "nodes": [
        {"id": "in", "kind": "input", "config": {"name": "text"}},
        {"id": "loud", "kind": "transform", "config": {"template": "<<{{ data }}>>"}},
        {"id": "out", "kind": "output", "config": {"name": "loud"}},
    ],
    "edges": [
        {"source": {"node": "in", "port": "value"}, "target": {"node": "loud", "port": "data"}},
        {"source": {"node": "loud", "port": "value"}, "target": {"node": "out", "port": "value"}},
    ],
    "inputs": [{"name": "text", "description": "What to say."}],
    "outputs": [{"name": "loud"}],
}


def _asker(tools: list[str] | None = None) -> dict[str, Any]:
    """An agent that calls graph.shout twice (once without its required input) and a tool node that calls it."""
    script = [
        {"content": "", "tool_calls": [{"name": "graph.shout", "arguments": {"text": "hello"}}]},
        {"content": "", "tool_calls": [{"name": "graph.shout", "arguments": {}}]},
        {"content": "It said hello loudly."},
    ]
    return {
        "id": "asker", "name": "Asker",
        "nodes": [
            {"id": "in", "kind": "input", "config": {"name": "question"}},
            {"id": "agent", "kind": "llm", "config": {
                "provider": "scripted", "prompt": "{{ prompt }}", "tools": tools or ["graph.shout"],
                "max_steps": 4, "script": script}},
            {"id": "answer", "kind": "output", "config": {"name": "answer"}},
            {"id": "talk", "kind": "output", "config": {"name": "conversation"}},
            {"id": "wrap", "kind": "transform", "config": {"template": '{"text": "{{ data }}"}', "output": "json"}},
            {"id": "direct", "kind": "tool", "config": {"tool": "graph.shout"}},
            {"id": "shouted", "kind": "output", "config": {"name": "shouted"}},
        ],
        "edges": [
            {"source": {"node": "in", "port": "value"}, "target": {"node": "agent", "port": "prompt"}},
            {"source": {"node": "agent", "port": "text"}, "target": {"node": "answer", "port": "value"}},
            {"source": {"node": "agent", "port": "messages"}, "target": {"node": "talk", "port": "value"}},
            {"source": {"node": "in", "port": "value"}, "target": {"node": "wrap", "port": "data"}},
            {"source": {"node": "wrap", "port": "value"}, "target": {"node": "direct", "port": "args"}},
            {"source": {"node": "direct", "port": "result"}, "target": {"node": "shouted", "port": "value"}},
        ],
        "inputs": [{"name": "question"}],
        "outputs": [{"name": "answer"}, {"name": "conversation", "type": "messages"}, {"name": "shouted"}],
    }


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[TestClient]:
    """The platform (SQLite) with the saved graphs 'shout' and 'asker'."""
    from builder.app import create_app

    with TestClient(create_app(Settings(data_dir=tmp_path / "data", database_url=""))) as client:
        for graph in (SHOUT, _asker()):
            assert client.post("/api/workflow/graphs", json=graph).status_code == 201
        yield client


@pytest.mark.slow
def test_an_exported_agent_calls_a_saved_graph_like_the_platform(platform: TestClient, tmp_path: Path) -> None:
    inputs = {"question": "hi there"}
    on_platform = run_on_platform(platform, parse_graph(_asker()), inputs)
    assert on_platform["status"] == "succeeded", on_platform["error"]
    # The saved graph really ran: its output is the tool's result; a call without its input is refused, readably.
    tool_results = [m["content"] for m in on_platform["outputs"]["conversation"] if m["role"] == "tool"]
    assert "<<hello>>" in tool_results[0]
    assert "tool 'graph.shout'" in tool_results[1] and "text" in tool_results[1]
    assert on_platform["outputs"]["shouted"] == "<<hi there>>"

    folder = export_project(platform, "asker", tmp_path, "asker")
    assert (folder / "app" / "subgraphs" / "g_shout.py").is_file()
    assert "'graph.shout'" in (folder / "app" / "tools.py").read_text()
    with served(folder) as base:
        generated = run_served(base, inputs)
    assert generated == on_platform


def test_a_graph_tool_the_workspace_does_not_have_is_refused_naming_the_node(platform: TestClient) -> None:
    graph = _asker(["graph.shout", "graph.nowhere"]) | {"id": "lost"}
    assert platform.post("/api/workflow/graphs", json=graph).status_code == 201
    response = platform.get("/api/workflow/graphs/lost/project")
    assert response.status_code == 422, response.text
    body = response.json()
    assert "graph.nowhere" in body["detail"] and "node 'agent'" in body["detail"]
    # Nothing else was wrong: only that tool is named.
    assert ["graph.nowhere" in str(error) for error in body["errors"]] == [True]


@pytest.mark.parametrize("tools", [["graph.shout", "graph.asker"], ["graph.shout", "mcp.math.add", "sql.shop"]])
def test_graph_tools_render_the_graph_they_run_and_a_graph_may_call_itself(tools: list[str], tmp_path: Path) -> None:
    spec = parse_graph(_asker(tools))
    files = render_project(spec, ProjectOptions(subgraphs={"shout": parse_graph(SHOUT)}))
    assert "app/subgraphs/g_shout.py" in files
    assert ("app/subgraphs/g_asker.py" in files) == ("graph.asker" in tools)
    text = files["app/tools.py"]
    assert all(f"'{tool}': {{" in text for tool in tools if tool.startswith("graph."))
    assert "'Says the text loudly.'" in text and "MAX_GRAPH_TOOL_DEPTH" in text
    # Beside MCP tools, a graph's agents get the MCP tools too; every file is ruff-clean under the project's rules.
    assert ("run_tools(replace(services, tools=tools))" in text) == ("mcp.math.add" in tools)
    write_folder(files, tmp_path / "project")
    lint = subprocess.run([str(Path(sys.executable).with_name("ruff")), "check", "--no-cache", "."],
                          cwd=tmp_path / "project", capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0, lint.stdout
    # Without the saved graph, the export names the node and the tool.
    with pytest.raises(ExportError) as caught:
        render_project(spec)
    assert [(i.node_id, i.field) for i in caught.value.issues] == [("agent", "config.tools"),
                                                                   ("direct", "config.tool")]
    assert "graph.shout" in str(caught.value) and "was not given to the export" in str(caught.value)
