"""The run services built from the settings, checked offline (no server needed): what the graph's nodes get."""

from __future__ import annotations

import asyncio

import pytest

from app.lcnc_nodes._http import BlockedAddress, check_url
from app.services import build_services
from app.settings import Settings


def test_private_addresses_are_refused_unless_allow_listed() -> None:
    refused = build_services(Settings(ssrf_allowlist=[])).http
    with pytest.raises(BlockedAddress, match="loopback"):
        asyncio.run(check_url("http://127.0.0.1:9/", refused))
    allowed = build_services(Settings(ssrf_allowlist=["127.0.0.1"])).http
    _parts, address = asyncio.run(check_url("http://127.0.0.1:9/", allowed))
    assert str(address) == "127.0.0.1"
