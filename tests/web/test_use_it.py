"""The "Use it" panel: publish the graph, create a key shown once, copy the call snippets; the key works."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import fixture_graph
from tests.web.editor_page import open_graph
from tests.web.harness import import_graph


def test_publish_create_a_key_and_copy_the_snippets(page: Any, base_url: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    doc = fixture_graph("linear_transform")
    doc["id"] = "web_useit"
    graph = import_graph(base_url, doc)
    open_graph(page, graph["id"])
    page.click("[data-testid=tab-use]")
    page.locator("[data-testid=publish-slug]").wait_for()
    assert page.input_value("[data-testid=publish-slug]") == "web-useit"
    page.fill("[data-testid=publish-slug]", "greeter-web")
    page.click("[data-testid=publish]")
    published = page.locator("[data-testid=published]")
    published.wait_for()
    assert "greeter-web" in published.inner_text()
    assert "/api/agents/greeter-web/run" in published.inner_text()

    curl = page.locator("[data-testid=snippet-curl] pre").inner_text()
    assert "/api/agents/greeter-web/run" in curl
    assert "greeter-web" in page.locator("[data-testid=snippet-python] pre").inner_text()
    assert "fetch" in page.locator("[data-testid=snippet-javascript] pre").inner_text()
    page.click("[data-testid=copy-snippet-curl]")
    page.locator("[data-testid=copy-snippet-curl]", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == curl

    page.fill("[data-testid=key-name]", "browser test")
    page.click("[data-testid=create-key]")
    key = page.locator("[data-testid=api-key] pre").inner_text().strip()
    assert len(key) > 20
    page.click("[data-testid=copy-api-key]")
    page.locator("[data-testid=copy-api-key]", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == key

    # the key shown once really calls the agent
    assert "X-API-Key: $LCNC_AGENT_KEY" in curl
    url = f"{base_url}/api/agents/greeter-web/run"
    response = httpx.post(url, params={"wait": 60}, timeout=90, headers={"X-API-Key": key}, json={"inputs": {"name": "Ada"}})
    assert response.status_code in (200, 202), response.text
    wrong = httpx.post(url, timeout=30, headers={"X-API-Key": key[:-4] + "xxxx"}, json={"inputs": {"name": "Ada"}})
    assert wrong.status_code == 401, wrong.text
    # reopening the panel finds the published agent and does not show the key again
    page.click("[data-testid=tab-inspect]")
    page.click("[data-testid=tab-use]")
    page.locator("[data-testid=published]").wait_for()
    assert page.locator("[data-testid=api-key]").count() == 0
