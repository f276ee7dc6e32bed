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


def _run(base_url: str, slug: str, key: str, wait: int = 60) -> httpx.Response:
    return httpx.post(f"{base_url}/api/agents/{slug}/run", params={"wait": wait} if wait else None, timeout=wait + 30,
                      headers={"X-API-Key": key}, json={"inputs": {"name": "Ada"}})


def _state(page: Any, expected: str) -> None:
    page.locator("[data-testid=lifecycle-state]", has_text=expected).wait_for()


def _create_key(page: Any, name: str) -> str:
    if page.locator("[data-testid=key-done]").count():
        page.click("[data-testid=key-done]")
    page.fill("[data-testid=key-name]", name)
    page.click("[data-testid=create-key]")
    page.locator(f"[data-testid=keys] li[data-name='{name}']").wait_for()
    return page.locator("[data-testid=api-key] pre").inner_text().strip()


def test_keys_rollback_and_unpublish_in_the_panel(page: Any, base_url: str) -> None:
    doc = fixture_graph("linear_transform")
    doc["id"] = "web_useit_life"
    graph = import_graph(base_url, doc)
    slug = "life-web"
    agent_url = f"{base_url}/api/agents/published/{slug}"
    open_graph(page, graph["id"])
    page.click("[data-testid=tab-use]")
    _state(page, "draft")

    # a bad slug: the API's 422 detail inline, the form stays
    page.fill("[data-testid=publish-slug]", "Bad_Slug")
    page.click("[data-testid=publish]")
    error = page.locator("[data-testid=useit-error]")
    error.wait_for()
    assert "slug 'Bad_Slug'" in error.inner_text() and "HTTP 422" in error.inner_text()
    assert page.locator("[data-testid=publish]").is_visible()
    _state(page, "draft")

    page.fill("[data-testid=publish-slug]", slug)
    page.click("[data-testid=publish]")
    _state(page, "published")
    assert page.locator("[data-testid=useit-error]").count() == 0
    assert page.inner_text("[data-testid=serving-version]") == "v1"
    assert page.locator("[data-testid=no-rollback]").is_visible()
    page.locator("[data-testid=keys-empty]").wait_for()

    # a key works; its usage shows; revoked in the panel it gets 401
    first = _create_key(page, "first")
    row = page.locator("[data-testid=keys] li[data-name='first']")
    assert row.get_attribute("data-status") == "active"
    assert row.locator("[data-testid=key-usage]").inner_text().startswith("0 requests · 0 runs · never used")
    ran = _run(base_url, slug, first)
    assert ran.status_code in (200, 202), ran.text
    page.click("[data-testid=keys-refresh]")
    row.locator("[data-testid=key-usage]", has_text="1 request · 1 run · last used").wait_for()
    row.locator("[data-testid=revoke-key]").click()
    row.locator("[data-testid=revoke-key-cancel]").click()  # asking again, then not revoking, changes nothing
    assert row.get_attribute("data-status") == "active"
    row.locator("[data-testid=revoke-key]").click()
    row.locator("[data-testid=revoke-key-confirm]").click()
    page.locator("[data-testid=keys] li[data-name='first'][data-status=revoked]").wait_for()
    assert row.locator("[data-testid=key-status]").inner_text() == "revoked"
    assert row.locator("[data-testid=revoke-key]").count() == 0
    assert page.locator("[data-testid=api-key]").count() == 0  # the revoked key is no longer offered for copying
    denied = _run(base_url, slug, first, wait=0)
    assert denied.status_code == 401, denied.text
    keys = httpx.get(f"{agent_url}/keys", timeout=10).json()
    assert [k["revoked_at"] is not None for k in keys if k["name"] == "first"] == [True]

    # a second saved version, published from the panel, then rolled back to v1 in the panel
    v2 = dict(graph["spec"], nodes=[dict(n, config={"template": "Hi, {{ data }}!"}) if n["id"] == "greet" else n
                                    for n in graph["spec"]["nodes"]])
    httpx.put(f"{base_url}/api/workflow/graphs/{graph['id']}", json={"spec": v2, "base_version": 1, "message": "hi"},
              timeout=10).raise_for_status()
    page.reload()
    page.wait_for_selector(".react-flow__node")
    page.click("[data-testid=tab-use]")
    page.click("[data-testid=republish]")
    page.locator("[data-testid=serving-version]", has_text="v2").wait_for()
    assert httpx.get(agent_url, timeout=10).json()["version"] == 2
    second = _create_key(page, "second")
    ran = _run(base_url, slug, second)
    assert ran.status_code in (200, 202), ran.text
    if ran.status_code == 200:
        assert ran.json()["outputs"]["greeting"].startswith("Hi, Ada!")
    assert page.locator("[data-testid=rollback-version] option").all_inner_texts()[0].startswith("v1")
    page.select_option("[data-testid=rollback-version]", "1")
    page.click("[data-testid=rollback]")
    page.locator("[data-testid=serving-version]", has_text="v1").wait_for()
    _state(page, "published")
    agent = httpx.get(agent_url, timeout=10).json()
    assert agent["version"] == 1 and agent["status"] == "published"
    assert [entry["action"] for entry in agent["history"]] == ["publish", "pin", "rollback"]
    ran = _run(base_url, slug, second)
    assert ran.status_code in (200, 202), ran.text
    if ran.status_code == 200:
        assert ran.json()["outputs"]["greeting"].startswith("Hello, Ada!")
    assert page.locator("[data-testid=republish]", has_text="Publish v2 instead").is_visible()

    # unpublish (confirmed) in the panel: the endpoint answers 404, the panel shows the archived agent
    page.click("[data-testid=unpublish]")
    page.locator("[data-testid=unpublish-ask]", has_text=f"Stop serving {slug}?").wait_for()
    page.click("[data-testid=unpublish-confirm]")
    _state(page, "archived")
    page.locator("[data-testid=archived]").wait_for()
    assert page.locator("[data-testid=published]").count() == 0
    assert httpx.get(f"{base_url}/api/agents/graphs/{graph['id']}/lifecycle", timeout=10).json()["state"] == "archived"
    gone = _run(base_url, slug, second, wait=0)
    assert gone.status_code == 404, gone.text
    # the keys stay listed with the archived agent
    assert page.locator("[data-testid=keys] li[data-name='second'][data-status=active]").is_visible()

    # publish again revives the slug; an unpublish behind the panel's back comes back as an inline 409
    page.click("[data-testid=publish-again]")
    _state(page, "published")
    assert _run(base_url, slug, second, wait=0).status_code == 202
    httpx.post(f"{agent_url}/unpublish", timeout=10).raise_for_status()
    page.click("[data-testid=unpublish]")
    page.click("[data-testid=unpublish-confirm]")
    error.wait_for()
    assert f"agent '{slug}' is already unpublished" in error.inner_text() and "HTTP 409" in error.inner_text()
    _state(page, "archived")  # the panel reloaded the real state after the failed action
