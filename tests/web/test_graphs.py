"""Graphs in the browser: conflicts on save, validation marks, history, import and export."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import fixture_graph
from tests.web.editor_page import node, open_graph, wait_saved
from tests.web.harness import import_graph


def test_conflict_409_is_shown_and_edits_are_kept(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("linear_transform"))
    open_graph(page, graph["id"])
    # someone else saves a newer version meanwhile
    theirs = dict(graph["spec"], description="edited elsewhere")
    response = httpx.put(f"{base_url}/api/workflow/graphs/{graph['id']}",
                         json={"spec": theirs, "base_version": graph["version"], "message": "other tab"}, timeout=10)
    assert response.status_code == 200
    page.fill("[data-testid=graph-name]", "My local name")
    page.click("[data-testid=save]")
    conflict = page.locator("[data-testid=conflict]")
    conflict.wait_for()
    assert "saved this graph meanwhile" in conflict.inner_text()
    assert page.input_value("[data-testid=graph-name]") == "My local name"
    assert "unsaved" in page.inner_text("[data-testid=save-state]")
    # the edit survives a reload of the page (kept in the browser until saved)
    page.wait_for_function(
        f"!!localStorage.getItem('lcnc:draft:{graph['id']}')"
        f" && localStorage.getItem('lcnc:draft:{graph['id']}').includes('My local name')")
    page.click("[data-testid=conflict-overwrite]")
    wait_saved(page)
    saved = httpx.get(f"{base_url}/api/workflow/graphs/{graph['id']}", timeout=10).json()
    assert saved["version"] == graph["version"] + 2
    assert saved["name"] == "My local name"


def test_conflict_reload_takes_their_version(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("echo"))
    open_graph(page, graph["id"])
    theirs = dict(graph["spec"], name="Their name")
    httpx.put(f"{base_url}/api/workflow/graphs/{graph['id']}",
              json={"spec": theirs, "base_version": graph["version"], "message": ""}, timeout=10).raise_for_status()
    page.fill("[data-testid=graph-name]", "Mine")
    page.keyboard.press("Control+s")
    page.locator("[data-testid=conflict]").wait_for()
    page.click("[data-testid=conflict-reload]")
    page.wait_for_function("document.querySelector('[data-testid=graph-name]').value === 'Their name'")
    wait_saved(page)


def test_validation_issues_mark_the_node(page: Any, base_url: str) -> None:
    doc = fixture_graph("echo")
    doc["inputs"] = []  # the input node now reads an undeclared input: saved, but marked
    graph = import_graph(base_url, doc)
    assert any(w["node_id"] == "in" for w in graph["warnings"])
    open_graph(page, graph["id"])
    marked = page.locator('[data-testid=node-in][data-issues="1"]')
    marked.wait_for()
    assert "has-warning" in (marked.get_attribute("class") or "")
    assert page.locator('[data-testid=node-out][data-issues="0"]').count() == 1
    # the validator lists it too, and clicking the issue selects the node
    page.click("[data-testid=validate]")
    notice = page.locator("[data-testid=notice]")
    notice.wait_for()
    assert "problem" in notice.inner_text()
    page.locator("[data-testid=issues] button", has_text="in").first.click()
    page.locator("[data-testid=inspector]").wait_for()
    # the inspector marks the very field the issue names (config.name)
    field_error = page.locator("#root_name__error")
    field_error.wait_for()
    assert "declared" in field_error.inner_text()


def test_a_refused_save_names_the_node_and_keeps_edits(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("echo"))
    open_graph(page, graph["id"])
    # make the output node's config invalid through the inspector: a name that is not an identifier
    node(page, "out").click()
    page.fill("#root_name", "not valid!")
    page.click("[data-testid=save]")
    notice = page.locator("[data-testid=notice]")
    notice.wait_for()
    assert "Save failed" in notice.inner_text()
    page.locator('[data-testid=node-out].has-error').wait_for()
    assert "unsaved" in page.inner_text("[data-testid=save-state]")
    assert page.locator("#root_name").input_value() == "not valid!"


def test_history_restore(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("echo"))
    open_graph(page, graph["id"])
    page.fill("[data-testid=graph-name]", "Second name")
    page.click("[data-testid=save]")
    wait_saved(page)
    page.click("[data-testid=tab-history]")
    page.locator("[data-testid=restore-1]").click()
    page.wait_for_function(f"document.querySelector('[data-testid=graph-name]').value === {json.dumps(graph['name'])}")
    versions = httpx.get(f"{base_url}/api/workflow/graphs/{graph['id']}/versions", timeout=10).json()
    assert [v["version"] for v in versions][-1] == 3 or max(v["version"] for v in versions) == 3


def test_graph_list_opens_a_graph_and_import_export_json(page: Any, base_url: str, tmp_path: Any) -> None:
    graph = import_graph(base_url, fixture_graph("tool"))
    page.goto("/")
    page.click("[data-testid=tab-graphs]")
    page.click(f"[data-testid=open-{graph['id']}]")
    page.wait_for_function(f"document.querySelector('[data-testid=graph-name]').value === {json.dumps(graph['name'])}")
    with page.expect_download() as info:
        page.click("[data-testid=export-json]")
    exported = json.loads(open(info.value.path()).read())
    assert exported["id"] == graph["id"] and len(exported["nodes"]) == len(graph["spec"]["nodes"])
    # import an old (v1) document: the platform upgrades it
    old = tmp_path / "old.json"
    old.write_text(json.dumps(fixture_graph("v1/greeting_v1")))
    page.set_input_files("[data-testid=import-file]", str(old))
    page.locator("[data-testid=notice]", has_text="Imported").wait_for()
    assert page.locator(".react-flow__node").count() >= 2


def test_unsaved_work_survives_a_reload(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("echo"))
    open_graph(page, graph["id"])
    page.fill("[data-testid=graph-name]", "Not saved yet")
    page.wait_for_function(f"(localStorage.getItem('lcnc:draft:{graph['id']}') || '').includes('Not saved yet')")
    page.reload()
    page.locator("[data-testid=notice]", has_text="Restored unsaved changes").wait_for()
    assert page.input_value("[data-testid=graph-name]") == "Not saved yet"
    assert "unsaved" in page.inner_text("[data-testid=save-state]")
    page.click("[data-testid=save]")
    wait_saved(page)
    assert page.evaluate(f"localStorage.getItem('lcnc:draft:{graph['id']}')") is None
