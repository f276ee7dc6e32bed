"""The run services built from the settings, checked offline (no server needed): what the graph's nodes get."""

from __future__ import annotations

import asyncio

import pytest

from app.lcnc_nodes._http import BlockedAddress, check_url
from app.lcnc_nodes._mcp import McpError
from app.services import build_services
from app.settings import MCP_TOKEN_ENV, Settings


def test_private_addresses_are_refused_unless_allow_listed() -> None:
    refused = build_services(Settings(ssrf_allowlist=[])).http
    with pytest.raises(BlockedAddress, match="loopback"):
        asyncio.run(check_url("http://127.0.0.1:9/", refused))
    allowed = build_services(Settings(ssrf_allowlist=["127.0.0.1"])).http
    _parts, address = asyncio.run(check_url("http://127.0.0.1:9/", allowed))
    assert str(address) == "127.0.0.1"


def test_mcp_servers_come_only_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MCP_SERVERS", raising=False)  # a deployment's servers would be merged in
    name = next(iter(MCP_TOKEN_ENV))
    with pytest.raises(McpError, match="MCP_SERVERS"):
        build_services(Settings(mcp_servers={})).mcp.get(name)
    with pytest.raises(ValueError, match="exact argv"):
        build_services(Settings(mcp_servers={name: {"command": "sh -c 'echo hi'"}}))
    servers = {name: {"command": ["mcp-server", "--stdio"]}, "not_in_the_graph": {"url": "http://127.0.0.1:9/mcp"}}
    registry = build_services(Settings(mcp_servers=servers)).mcp
    assert set(registry.servers) == {name}  # only the servers the graph names
    assert registry.get(name).command == ("mcp-server", "--stdio")
    remote = {name: {"url": "https://mcp.example.com/mcp"}}
    with_token = build_services(Settings(mcp_servers=remote, mcp_tokens={name: "t0ken"})).mcp
    assert with_token.get(name).headers == {"Authorization": "Bearer t0ken"}
