"""The HTTP node and its SSRF guard against a real local server: allowed, refused, limits, retries."""

from __future__ import annotations

import asyncio
import copy
import ipaddress

import pytest

from runtime.nodes import http_request
from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes._http import BlockedAddress, HttpError, HttpPolicy, ResponseTooLarge, check_url, fetch, refusal
from runtime.nodes._http.tool import http_tool
from tests.runtime.nodes.http_server import serve

LOCAL = HttpPolicy.of(["127.0.0.1"])


@pytest.fixture
def server():
    with serve() as (base, recorder):
        yield base, recorder


def ctx_with(policy: HttpPolicy | None, secrets: dict[str, str] | None = None) -> NodeContext:
    class Services:
        http = policy

    return NodeContext(node_id="fetch", kind="http", services=Services(), secret=(secrets or {}).get)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "100.64.0.1",
                                     "2002:7f00:1::1", "224.0.0.1"])
def test_non_public_addresses_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


async def test_local_server_is_refused_by_default_and_never_contacted(server) -> None:
    base, recorder = server
    with pytest.raises(BlockedAddress, match="loopback"):
        await fetch("GET", f"{base}/echo", policy=HttpPolicy())
    assert recorder.requests == []


async def test_metadata_address_is_refused_before_any_connection() -> None:
    with pytest.raises(BlockedAddress, match="metadata"):
        await fetch("GET", "http://169.254.169.254/latest/meta-data/", policy=LOCAL)


async def test_host_name_is_resolved_and_every_address_checked(server) -> None:
    base, recorder = server
    port = base.rsplit(":", 1)[1]
    with pytest.raises(BlockedAddress, match=r"localhost \("):
        await fetch("GET", f"http://localhost:{port}/echo", policy=HttpPolicy())
    assert recorder.requests == []
    # allow-listing the name lets it through; the Host header keeps the name
    response = await fetch("GET", f"http://localhost:{port}/echo", policy=HttpPolicy.of(["localhost"]))
    assert response.status == 200
    assert response.body()["host"] == f"localhost:{port}"


async def test_allow_listed_address_is_reached(server) -> None:
    base, recorder = server
    response = await fetch("GET", f"{base}/echo?a=1", policy=HttpPolicy.of(["127.0.0.0/8"]))
    assert response.status == 200
    assert response.body()["query"] == {"a": ["1"]}
    assert len(recorder.requests) == 1


async def test_redirect_to_a_refused_address_is_not_followed(server) -> None:
    base, recorder = server
    with pytest.raises(BlockedAddress, match="metadata"):
        await fetch("GET", f"{base}/redirect?to=http://169.254.169.254/latest", policy=LOCAL)
    assert [r["path"] for r in recorder.requests] == ["/redirect"]
    # a redirect to an allowed place is followed
    response = await fetch("GET", f"{base}/redirect?to=/echo", policy=LOCAL)
    assert response.status == 200 and response.url.endswith("/echo")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://127.0.0.1:70/", "http://"])
async def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(BlockedAddress):
        await check_url(url, LOCAL)


async def test_response_size_limit_declared_and_streamed(server) -> None:
    base, _ = server
    with pytest.raises(ResponseTooLarge, match="limit"):
        await fetch("GET", f"{base}/big", policy=LOCAL, max_bytes=1000)
    with pytest.raises(ResponseTooLarge, match="limit"):
        await fetch("GET", f"{base}/chunked", policy=LOCAL, max_bytes=100_000)
    response = await fetch("GET", f"{base}/chunked", policy=LOCAL, max_bytes=600_000)
    assert len(response.content) == 500_000


async def test_timeout(server) -> None:
    base, _ = server
    started = asyncio.get_running_loop().time()
    with pytest.raises(HttpError, match="timed out"):
        await fetch("GET", f"{base}/slow?s=2", policy=LOCAL, timeout_s=0.3, retries=0)
    assert asyncio.get_running_loop().time() - started < 1.5


async def test_retries_transient_statuses_for_idempotent_methods_only(server) -> None:
    base, recorder = server
    recorder.flaky_left = 2
    response = await fetch("GET", f"{base}/flaky", policy=LOCAL, retries=2)
    assert response.status == 200
    assert len(recorder.requests) == 3
    recorder.requests.clear()
    recorder.flaky_left = 1
    response = await fetch("POST", f"{base}/flaky", policy=LOCAL, retries=3, content=b"{}")
    assert response.status == 503
    assert len(recorder.requests) == 1  # a POST the server may have acted on is not sent twice


async def test_connection_refused_is_a_readable_error() -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(HttpError, match="cannot connect"):
        await fetch("GET", f"http://127.0.0.1:{port}/", policy=LOCAL, retries=1)


async def test_node_fills_templates_encodes_values_and_sends_secret(server) -> None:
    base, recorder = server
    config = http_request.Config(method="POST", url=base + "/echo?q={{ data.q }}", auth_secret="API_TOKEN",
                                 body='{"text": "{{ data.q }}", "n": "{{ data.n }}"}', retries=0)
    out = await http_request.execute(config, {"data": {"q": "a&admin=1 /x", "n": 3}},
                                     ctx_with(LOCAL, {"API_TOKEN": "s3cret"}))
    response = out["response"]
    assert response["status"] == 200 and response["ok"] is True
    assert response["body"]["query"] == {"q": ["a&admin=1 /x"]}
    assert response["body"]["auth"] == "Bearer s3cret"
    assert recorder.requests[0]["body"] == '{"text": "a&admin=1 /x", "n": 3}'


async def test_node_refuses_metadata_and_missing_secret(server) -> None:
    base, _ = server
    config = http_request.Config(url="http://169.254.169.254/latest/meta-data/iam", retries=0)
    with pytest.raises(NodeError, match="metadata"):
        await http_request.execute(config, {}, ctx_with(None))
    config = http_request.Config(url=base + "/echo", auth_secret="MISSING", retries=0)
    with pytest.raises(NodeError, match="MISSING"):
        await http_request.execute(config, {}, ctx_with(LOCAL))
    # without services the node allows public addresses only
    config = http_request.Config(url=base + "/echo", retries=0)
    with pytest.raises(NodeError, match="loopback"):
        await http_request.execute(config, {}, NodeContext(node_id="n", kind="http"))


async def test_http_tool_checks_arguments_and_calls(server) -> None:
    base, _ = server
    tool = http_tool("http.echo", "Echo", method="GET", url=base + "/echo?city={{ city }}", policy=LOCAL,
                     parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
    result = await tool.invoke({"city": "Paris"})
    assert result["query"] == {"city": ["Paris"]}
    with pytest.raises(NodeError, match="missing argument 'city'"):
        await tool.invoke({})
    with pytest.raises(NodeError, match="must be string"):
        await tool.invoke({"city": 3})


async def test_fixture_graph_runs_end_to_end(server) -> None:
    from runtime.compile import RunServices
    from runtime.engine import run_graph
    from runtime.spec import parse_graph
    from tests.conftest import fixture_graph

    base, _ = server
    raw = copy.deepcopy(fixture_graph("http"))
    fetch_node = next(node for node in raw["nodes"] if node["kind"] == "http")
    fetch_node["config"]["url"] = fetch_node["config"]["url"].replace("http://127.0.0.1:8765", base)
    spec = parse_graph(raw)
    outcome = await run_graph(spec, {"query": "hello world"}, thread_id="t-http", services=RunServices(http=LOCAL))
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs["response"]["body"]["query"] == {"q": ["hello world"]}
    refused = await run_graph(spec, {"query": "x"}, thread_id="t-http2", services=RunServices())
    assert refused.status == "failed"
    assert "loopback" in refused.error and "fetch" in refused.error
