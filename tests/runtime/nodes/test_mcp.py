"""The MCP client against real MCP server processes (mcp 2.x MCPServer), over streamable HTTP and stdio."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runtime.nodes import mcp_tool
from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes._http import HttpPolicy
from runtime.nodes._mcp import McpError, McpRegistry, McpServerConfig

SERVER_SCRIPT = str(Path(__file__).with_name("mcp_math_server.py"))
LOCAL = HttpPolicy.of(["127.0.0.1"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_http_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, SERVER_SCRIPT, "http", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the MCP test server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, f"http://127.0.0.1:{port}/mcp"
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the MCP test server did not start within 90 s")


@pytest.fixture(scope="module")
def http_server_url():
    process, url = start_http_server()
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def registry(http_server_url: str) -> McpRegistry:
    return McpRegistry([McpServerConfig("math", url=http_server_url, timeout_s=30)], policy=LOCAL)


async def test_list_tools_with_input_schemas(registry: McpRegistry) -> None:
    tools = {tool["name"]: tool for tool in await registry.list_tools("math")}
    assert {"add", "greet", "stats", "fail", "slow"} <= set(tools)
    assert tools["add"]["input_schema"]["required"] == ["a", "b"]
    assert tools["add"]["input_schema"]["properties"]["a"]["type"] == "integer"
    assert tools["add"]["description"] == "Adds two integers."


async def test_calls_with_checked_arguments(registry: McpRegistry) -> None:
    assert await registry.call_tool("math", "add", {"a": 2, "b": 40}) == 42
    assert await registry.call_tool("math", "greet", {"name": "Ada"}) == "Hello, Ada!"
    assert await registry.call_tool("math", "stats", {"numbers": [1, 2, 3]}) == {"count": 3, "sum": 6.0, "mean": 2.0}
    with pytest.raises(McpError, match="a: 'two' is not of type 'integer'"):
        await registry.call_tool("math", "add", {"a": "two", "b": 1})
    with pytest.raises(McpError, match="'b' is a required property"):
        await registry.call_tool("math", "add", {"a": 1})
    with pytest.raises(McpError, match="numbers.1: 'x' is not of type 'number'"):
        await registry.call_tool("math", "stats", {"numbers": [1, "x"]})
    with pytest.raises(McpError, match="no tool named 'nope'"):
        await registry.call_tool("math", "nope", {})
    with pytest.raises(McpError, match="no MCP server named 'other'"):
        await registry.call_tool("other", "add", {})
    with pytest.raises(McpError, match="reported an error"):
        await registry.call_tool("math", "fail", {"reason": "boom"})


async def test_a_hanging_tool_times_out(http_server_url: str) -> None:
    registry = McpRegistry([McpServerConfig("math", url=http_server_url, timeout_s=2)], policy=LOCAL)
    await registry.list_tools("math")
    started = time.monotonic()
    with pytest.raises(McpError, match="did not answer within 2 s"):
        await registry.call_tool("math", "slow", {"seconds": 20})
    assert time.monotonic() - started < 10


async def test_loopback_server_is_refused_without_the_allow_list(http_server_url: str) -> None:
    registry = McpRegistry([McpServerConfig("math", url=http_server_url)])
    with pytest.raises(McpError, match="loopback"):
        await registry.list_tools("math")
    metadata = McpRegistry([McpServerConfig("meta", url="http://169.254.169.254/mcp")], policy=LOCAL)
    with pytest.raises(McpError, match="metadata"):
        await metadata.list_tools("meta")


async def test_stdio_server_from_exact_argv() -> None:
    registry = McpRegistry([McpServerConfig("math", command=(sys.executable, SERVER_SCRIPT, "stdio"), timeout_s=60)])
    # listing and calling share one process start when the tools are not listed yet
    assert await registry.call_tool("math", "add", {"a": 1, "b": 2}) == 3
    assert "add" in {tool["name"] for tool in await registry.list_tools("math")}
    with pytest.raises(McpError, match="is not of type 'integer'"):
        await registry.call_tool("math", "add", {"a": 1.5, "b": 2})  # refused before any process starts


async def test_stdio_server_that_crashes_or_hangs() -> None:
    crashing = McpRegistry([McpServerConfig(
        "crashy", command=(sys.executable, "-c", "import sys; sys.stderr.write('no licence key\\n'); sys.exit(3)"),
        timeout_s=30)])
    with pytest.raises(McpError, match="crashy' failed"):
        await crashing.list_tools("crashy")
    hanging = McpRegistry([McpServerConfig("hangs", command=(sys.executable, "-c", "import time; time.sleep(60)"),
                                           timeout_s=2)])
    started = time.monotonic()
    with pytest.raises(McpError, match="did not answer within 2 s"):
        await hanging.list_tools("hangs")
    assert time.monotonic() - started < 15
    with pytest.raises(McpError, match="no such file|failed"):
        await McpRegistry([McpServerConfig("ghost", command=("/nonexistent/mcp-server",), timeout_s=5)]).list_tools(
            "ghost")


def test_server_config_needs_exactly_one_transport() -> None:
    with pytest.raises(ValueError):
        McpServerConfig("x")
    with pytest.raises(ValueError):
        McpServerConfig("x", url="http://a", command=("b",))
    assert "env" not in McpServerConfig("x", command=("b",), env={"TOKEN": "s"}).public()


async def test_loading_and_compiling_a_graph_starts_nothing(tmp_path: Path) -> None:
    from runtime.compile import compile_graph
    from runtime.spec import parse_graph
    from runtime.validate import validate_graph
    from tests.conftest import fixture_graph

    marker = tmp_path / "started"
    McpRegistry([McpServerConfig("math", command=(sys.executable, "-c", f"open({str(marker)!r}, 'w')"))])
    spec = parse_graph(fixture_graph("mcp_tool"))
    assert validate_graph(spec) == []
    compile_graph(spec)
    time.sleep(0.5)
    assert not marker.exists()


async def test_node_fixture_graph_and_agent(registry: McpRegistry) -> None:
    from runtime.compile import RunServices
    from runtime.engine import ListSink, run_graph
    from runtime.nodes._tools import BUILTIN_TOOLS
    from runtime.spec import parse_graph
    from tests.conftest import fixture_graph

    class Services:
        mcp = registry

    out = await mcp_tool.execute(mcp_tool.Config(server="math", tool="add", arguments={"a": 1}), {"args": {"b": 5}},
                                 NodeContext(node_id="n", kind="mcp_tool", services=Services()))
    assert out == {"result": 6}
    with pytest.raises(NodeError, match="no MCP servers"):
        await mcp_tool.execute(mcp_tool.Config(server="math", tool="add"), {}, NodeContext(node_id="n", kind="m"))

    tools = {tool.id: tool for tool in await registry.tools("math")}
    services = RunServices(mcp=registry, tools={**BUILTIN_TOOLS, **tools})
    outcome = await run_graph(parse_graph(fixture_graph("mcp_tool")), {"numbers": {"a": 20, "b": 22}},
                              thread_id="mcp1", services=services)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs["result"] == 42
    bad = await run_graph(parse_graph(fixture_graph("mcp_tool")), {"numbers": {"a": "x", "b": 22}},
                          thread_id="mcp2", services=services)
    assert bad.status == "failed" and "is not of type 'integer'" in bad.error

    agent = {
        "schema_version": 2, "id": "mcp_agent", "name": "MCP agent",
        "nodes": [
            {"id": "in", "kind": "input", "config": {"name": "question"}, "position": {"x": 0, "y": 0}},
            {"id": "agent", "kind": "llm", "position": {"x": 200, "y": 0}, "config": {
                "provider": "scripted", "tools": ["mcp.math.add"], "script": [
                    {"tool_calls": [{"name": "mcp.math.add", "arguments": {"a": "oops", "b": 1}}]},
                    {"tool_calls": [{"name": "mcp.math.add", "arguments": {"a": 19, "b": 23}}]},
                    {"content": "19 + 23 = 42"}]}},
            {"id": "out", "kind": "output", "config": {"name": "answer"}, "position": {"x": 400, "y": 0}},
        ],
        "edges": [{"source": {"node": "in", "port": "value"}, "target": {"node": "agent", "port": "prompt"}},
                  {"source": {"node": "agent", "port": "text"}, "target": {"node": "out", "port": "value"}}],
        "inputs": [{"name": "question", "type": "text"}], "outputs": [{"name": "answer", "type": "text"}],
    }
    sink = ListSink()
    outcome = await run_graph(parse_graph(agent), {"question": "What is 19 + 23?"}, thread_id="mcp3",
                              services=services, sink=sink)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs["answer"] == "19 + 23 = 42"
    calls = [event for event in sink.events if event["type"] == "tool_call"]
    assert "not of type 'integer'" in calls[0]["error"]  # the bad call goes back to the model as an error
    assert calls[1]["result"] == 42
