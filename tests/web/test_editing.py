"""Editing in the browser: palette, drag and drop, typed connections, inspector, save and reload."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import fixture_graph
from tests.web.editor_page import connect, drop_kind, edge_count, node, open_graph, open_new, wait_saved
from tests.web.harness import import_graph


def test_palette_is_grouped_and_searchable(page: Any) -> None:
    open_new(page)
    groups = page.locator(".palette__group h3").all_inner_texts()
    assert [g.lower() for g in groups[:2]] == ["input / output", "agents"]
    page.fill(".palette__search", "approv")
    items = page.locator(".palette__item").all()
    assert [i.get_attribute("data-testid") for i in items] == ["palette-human_approval"]


def test_build_a_graph_by_drag_connect_and_inspector_then_save_and_reload(page: Any, base_url: str) -> None:
    open_new(page)
    drop_kind(page, "input", 120, 200)
    drop_kind(page, "transform", 420, 200)
    drop_kind(page, "output", 720, 200)
    for node_id in ("input_1", "transform_1", "output_1"):
        node(page, node_id).wait_for()
    assert page.locator('.react-flow__node[data-id="transform_1"] [data-kind=transform]').count() == 1

    connect(page, "input_1", "value", "transform_1", "data")
    connect(page, "transform_1", "value", "output_1", "value")
    page.wait_for_function("document.querySelectorAll('.react-flow__edge').length === 2")

    node(page, "transform_1").click()
    template = page.locator("#root_template")
    template.fill("Hello {{ data }}!")
    page.fill("[data-testid=graph-name]", "Greeter from the browser")
    page.click("[data-testid=save]")
    wait_saved(page)
    graph_id = page.evaluate("location.hash").split("/")[-1]  # the URL names the saved graph
    listed = httpx.get(f"{base_url}/api/workflow/graphs", timeout=10).json()["items"]
    assert next(g for g in listed if g["name"] == "Greeter from the browser")["id"] == graph_id
    spec = httpx.get(f"{base_url}/api/workflow/graphs/{graph_id}", timeout=10).json()["spec"]
    transform = next(n for n in spec["nodes"] if n["id"] == "transform_1")
    assert transform["config"] == {"template": "Hello {{ data }}!"}
    assert {(e["source"]["node"], e["target"]["node"]) for e in spec["edges"]} == {
        ("input_1", "transform_1"), ("transform_1", "output_1")}
    assert [f["name"] for f in spec["inputs"]] == ["input"]

    page.reload()
    page.wait_for_selector('.react-flow__node[data-id="transform_1"]')
    wait_saved(page)
    assert edge_count(page) == 2
    node(page, "transform_1").click()
    assert page.locator("#root_template").input_value() == "Hello {{ data }}!"
    assert page.input_value("[data-testid=graph-name]") == "Greeter from the browser"


def test_incompatible_connection_is_refused_with_a_reason(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("rag"))
    open_graph(page, graph["id"], wait_for="search")
    before = edge_count(page)
    connect(page, "search", "documents", "answer", "prompt")  # documents -> text
    notice = page.locator("[data-testid=notice]")
    notice.wait_for()
    assert "documents" in notice.inner_text() and "text input accepts" in notice.inner_text()
    assert edge_count(page) == before
    # a compatible one still works: documents -> output.value (any)
    drop_kind(page, "output", 700, 420)
    node(page, "output_1").wait_for()
    connect(page, "search", "documents", "output_1", "value")
    page.wait_for_function(f"document.querySelectorAll('.react-flow__edge').length === {before + 1}")


def test_edges_leaving_a_router_take_a_branch_label(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("router"))
    open_graph(page, graph["id"], wait_for="route")
    drop_kind(page, "transform", 500, 480)
    node(page, "transform_1").wait_for()
    connect(page, "route", "value", "transform_1", "data")
    picker = page.locator("[data-testid=branch-picker]")
    picker.wait_for()
    assert set(picker.locator(".branch-list button").all_inner_texts()) == {"billing", "general"}
    picker.locator("[data-testid=branch-billing]").click()
    label = page.locator('.react-flow__edge[data-id="route.value->transform_1.data?billing"]')
    label.wait_for()
    assert page.locator(".react-flow__edge-text", has_text="billing").count() == 2


def test_undo_redo_copy_paste_delete(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("linear_transform"))
    open_graph(page, graph["id"])
    count = page.locator(".react-flow__node").count()
    first = page.locator(".react-flow__node").first
    first.click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    page.wait_for_function(f"document.querySelectorAll('.react-flow__node').length === {count + 1}")
    page.keyboard.press("Control+z")
    page.wait_for_function(f"document.querySelectorAll('.react-flow__node').length === {count}")
    page.keyboard.press("Control+Shift+z")
    page.wait_for_function(f"document.querySelectorAll('.react-flow__node').length === {count + 1}")
    # multi-select with ctrl-click, then delete both
    page.locator(".react-flow__node").nth(0).click()
    page.locator(".react-flow__node").nth(1).click(modifiers=["Control"])
    assert page.locator("[data-testid=multi-inspector]").count() == 1
    page.keyboard.press("Delete")
    page.wait_for_function(f"document.querySelectorAll('.react-flow__node').length === {count - 1}")
    page.click("[data-testid=undo]")
    page.wait_for_function(f"document.querySelectorAll('.react-flow__node').length === {count + 1}")
    page.click("[data-testid=layout]")
    assert page.locator(".react-flow__minimap").count() == 1


def test_secret_fields_take_a_name_not_a_value(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("agent_tools"))
    open_graph(page, graph["id"], wait_for="agent")
    node(page, "agent").click()
    secret = page.locator("#root_api_key_secret")
    assert secret.get_attribute("data-widget") == "secret"
    assert secret.get_attribute("type") == "text"
    secret.fill("OPENAI_API_KEY")
    page.click("[data-testid=save]")
    wait_saved(page)
    spec = httpx.get(f"{base_url}/api/workflow/graphs/{graph['id']}", timeout=10).json()["spec"]
    agent = next(n for n in spec["nodes"] if n["id"] == "agent")
    assert agent["config"]["api_key_secret"] == "OPENAI_API_KEY"


def test_handle_positions_given_up_front_match_the_drawn_nodes(page: Any, base_url: str) -> None:
    """Big graphs rely on handle positions computed from the kind (web/src/graph/geometry.ts) instead of
    measuring every node: they must match where the node view really draws its handles."""
    graph = import_graph(base_url, fixture_graph("rag"))
    open_graph(page, graph["id"], wait_for="answer")
    kinds = {k["name"]: k for k in httpx.get(f"{base_url}/api/workflow/node-kinds", timeout=10).json()}
    measured = page.evaluate("""() => {
      const out = [];
      const zoom = new DOMMatrixReadOnly(getComputedStyle(document.querySelector('.react-flow__viewport')).transform).a;
      for (const node of document.querySelectorAll('.react-flow__node')) {
        const nr = node.getBoundingClientRect();
        for (const h of node.querySelectorAll('.react-flow__handle')) {
          const hr = h.getBoundingClientRect();
          out.push({ node: node.dataset.id, port: h.dataset.handleid, type: h.classList.contains('source') ? 'source' : 'target',
                     x: (hr.left - nr.left) / zoom, y: (hr.top - nr.top) / zoom, w: nr.width / zoom });
        }
      }
      return out;
    }""")
    kind_of = {n["id"]: n["kind"] for n in graph["spec"]["nodes"]}
    assert measured
    for h in measured:
        kind = kinds[kind_of[h["node"]]]
        ports = kind["inputs"] if h["type"] == "target" else kind["outputs"]
        index = [p["name"] for p in ports].index(h["port"])
        expected_x = 0 if h["type"] == "target" else 194
        expected_y = 1 + 44 + index * 22 + 11 - 5
        assert abs(h["w"] - 200) < 0.6, h
        assert abs(h["x"] - expected_x) < 0.6 and abs(h["y"] - expected_y) < 0.6, (h, expected_x, expected_y)
