"""The templates gallery: eight starter graphs that validate, draw and run (scripted provider, real services)."""

from __future__ import annotations

import copy
import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from builder.starters import load_spec, preview_svg, templates
from runtime.compile import RunServices, safe_checkpointer
from runtime.engine import ListSink, run_graph
from runtime.spec import parse_graph
from runtime.validate import validate_graph

REQUIRED = {"rag_qa", "sql_analyst", "support_triage", "supervisor_team", "approval_workflow", "mcp_tool_agent",
            "http_api_chain", "document_ingestion"}
SVG = "{http://www.w3.org/2000/svg}"


def scripted(template_id: str, scripts: dict[str, list[dict[str, Any]]]) -> Any:
    """The template with its model nodes switched to the scripted provider, each with its script."""
    raw = load_spec(template_id).model_dump(mode="json")
    for node in raw["nodes"]:
        if node["kind"] in ("llm", "supervisor"):
            node["config"]["provider"] = "scripted"
            node["config"]["script"] = scripts[node["id"]]
    return parse_graph(raw)


def test_the_gallery_covers_the_mission_and_every_template_is_valid() -> None:
    gallery = templates()
    assert len(gallery) >= 8 and REQUIRED <= set(gallery)
    for template_id, template in gallery.items():
        spec = load_spec(template_id)
        assert spec.id == template_id and template.title and len(template.description) > 40
        assert validate_graph(spec) == [], template_id
        defaults = {n.config.get("provider", "local") for n in spec.nodes if n.kind in ("llm", "supervisor")}
        assert defaults <= {"local"}, template_id  # the embedded model by default: runs with no keys


def test_previews_draw_every_node_and_edge_and_escape_text() -> None:
    for template_id in templates():
        spec = load_spec(template_id)
        root = ElementTree.fromstring(preview_svg(spec))
        boxes = [r for r in root.iter(f"{SVG}rect") if r.get("rx")]
        assert len(boxes) == len(spec.nodes)
        assert len(list(root.iter(f"{SVG}path"))) == len(spec.edges)
        assert float(root.get("width")) > 100 and float(root.get("height")) > 50
    raw = load_spec("support_triage").model_dump(mode="json")
    raw["name"] = '</svg><script>alert(1)</script>'
    raw["nodes"][0]["label"] = "<b>&x"
    svg = preview_svg(parse_graph(raw))
    assert "<script>" not in svg and "&lt;b&gt;&amp;x" in svg
    ElementTree.fromstring(svg)


async def test_support_triage_routes_by_the_models_answer() -> None:
    for category, team in (("billing", "billing team"), ("technical", "technical support"), ("other", "general")):
        spec = scripted("support_triage", {"classify": [{"content": category}]})
        outcome = await run_graph(spec, {"ticket": "My invoice is wrong"}, thread_id=f"triage-{category}")
        assert outcome.status == "succeeded", outcome.error
        assert team in outcome.outputs["routing"] and category in outcome.outputs["routing"]


async def test_supervisor_team_hands_off_to_both_specialists() -> None:
    spec = scripted("supervisor_team", {
        "supervisor": [{"content": "researcher"}, {"content": "writer"}, {"content": "done"}],
        "researcher": [{"content": "Facts: water boils at 100 C."}],
        "writer": [{"content": "Water boils at 100 degrees Celsius at sea level."}]})
    sink = ListSink()
    outcome = await run_graph(spec, {"task": "When does water boil?"}, thread_id="team", sink=sink)
    assert outcome.status == "succeeded", outcome.error
    assert "100 degrees" in outcome.outputs["result"]
    started = [e["node_id"] for e in sink.events if e["type"] == "node_started"]
    assert started.index("researcher") < started.index("writer")


async def test_approval_workflow_waits_then_sends_or_drops() -> None:
    for approved, prefix in ((True, "SENT: "), (False, "DROPPED: ")):
        spec = scripted("approval_workflow", {"draft": [{"content": "We will refund you today."}]})
        saver = safe_checkpointer()
        waiting = await run_graph(spec, {"request": "refund please"}, thread_id="ap", checkpointer=saver)
        assert waiting.status == "waiting" and waiting.interrupt["prompt"] == "Send this reply to the customer?"
        done = await run_graph(spec, {}, thread_id="ap", checkpointer=saver, resume={"approved": approved})
        assert done.status == "succeeded", done.error
        assert done.outputs["result"] == prefix + "We will refund you today."


# --- templates that need a service: the node library's own test services ---------------------------------------


@pytest.fixture(scope="module")
def rag_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from runtime.nodes._rag import RagStore

    return RagStore(path=tmp_path_factory.mktemp("chroma"), prefix="tpl_")


async def test_document_ingestion_then_rag_qa_answers_with_citations(rag_store: Any) -> None:
    from tests.runtime.nodes.rag_docs import DOCS

    services = RunServices(rag=rag_store)
    ingest = load_spec("document_ingestion")
    for name in ("cats.md", "rockets.txt"):
        outcome = await run_graph(ingest, {"text": DOCS[name], "source": name}, thread_id=f"ingest-{name}",
                                  services=services)
        assert outcome.status == "succeeded", outcome.error
        assert outcome.outputs["chunks"] >= 1 and "chunk(s) in 'docs'" in outcome.outputs["report"]
    spec = scripted("rag_qa", {"answer": [{"content": "A cat sleeps up to sixteen hours a day [1]."}]})
    sink = ListSink()
    outcome = await run_graph(spec, {"question": "How long does a cat sleep?"}, thread_id="rag", services=services,
                              sink=sink)
    assert outcome.status == "succeeded", outcome.error
    assert "[1]" in outcome.outputs["answer"]
    assert outcome.outputs["sources"][0]["source"] == "cats.md"
    assert "sixteen hours" in outcome.outputs["sources"][0]["text"]


async def test_sql_analyst_queries_the_warehouse(tmp_path: Path) -> None:
    from runtime.nodes._sql import SqlConnection, SqlConnections
    from runtime.nodes._sql.tool import sql_tool
    from runtime.nodes._tools import BUILTIN_TOOLS

    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, total REAL)")
        conn.executemany("INSERT INTO orders (customer, total) VALUES (?, ?)", [("ada", 10.5), ("ada", 20), ("bob", 7)])
    warehouse = SqlConnections({"warehouse": SqlConnection("warehouse", f"sqlite:///{path}")})
    services = RunServices(sql=warehouse, tools={**BUILTIN_TOOLS, "sql.warehouse": sql_tool(warehouse, "warehouse")})
    spec = scripted("sql_analyst", {"analyst": [
        {"tool_calls": [{"name": "sql.warehouse", "arguments": {
            "query": "SELECT sum(total) AS spent FROM orders WHERE customer = :c", "params": {"c": "ada"}}}]},
        {"content": "Ada spent 30.5 in total."}]})
    sink = ListSink()
    outcome = await run_graph(spec, {"question": "How much did Ada spend?"}, thread_id="sql", services=services,
                              sink=sink)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs["answer"] == "Ada spent 30.5 in total."
    call = next(e for e in sink.events if e["type"] == "tool_call")
    assert call["result"]["rows"] == [{"spent": 30.5}]


async def test_http_api_chain_calls_two_apis() -> None:
    from runtime.nodes._http import HttpPolicy
    from tests.runtime.nodes.http_server import serve

    with serve() as (base, recorder):
        raw = copy.deepcopy(load_spec("http_api_chain").model_dump(mode="json"))
        for node in raw["nodes"]:
            if node["kind"] == "http":
                url = node["config"]["url"]
                node["config"]["url"] = url.replace("https://httpbin.org/get", f"{base}/echo").replace(
                    "https://httpbin.org/post", f"{base}/echo")
        outcome = await run_graph(parse_graph(raw), {"query": "lcnc"}, thread_id="http",
                                  services=RunServices(http=HttpPolicy.of(["127.0.0.1"])))
        assert outcome.status == "succeeded", outcome.error
        assert [r["method"] for r in recorder.requests] == ["GET", "POST"]
        assert recorder.requests[0]["query"] == {"q": ["lcnc"]}
        forwarded = json.loads(recorder.requests[1]["body"])
        assert forwarded["status"] == 200 and forwarded["found"]["query"] == {"q": ["lcnc"]}
        assert outcome.outputs["response"]["status"] == 200


async def test_mcp_tool_agent_calls_the_math_server() -> None:
    from runtime.nodes._http import HttpPolicy
    from runtime.nodes._mcp import McpRegistry, McpServerConfig
    from runtime.nodes._tools import BUILTIN_TOOLS
    from tests.runtime.nodes.test_mcp import start_http_server

    process, url = start_http_server()
    try:
        registry = McpRegistry([McpServerConfig("math", url=url, timeout_s=30)],
                               policy=HttpPolicy.of(["127.0.0.1"]))
        tools = {tool.id: tool for tool in await registry.tools("math")}
        assert "mcp.math.add" in tools
        spec = scripted("mcp_tool_agent", {"agent": [
            {"tool_calls": [{"name": "mcp.math.add", "arguments": {"a": 20, "b": 22}}]},
            {"content": "20 + 22 = 42."}]})
        sink = ListSink()
        outcome = await run_graph(spec, {"question": "What is 20 + 22?"}, thread_id="mcp", sink=sink,
                                  services=RunServices(mcp=registry, tools={**BUILTIN_TOOLS, **tools}))
        assert outcome.status == "succeeded", outcome.error
        assert outcome.outputs["answer"] == "20 + 22 = 42."
        call = next(e for e in sink.events if e["type"] == "tool_call")
        assert "42" in json.dumps(call["result"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# --- the gallery over HTTP ----------------------------------------------------------------------------------------


def test_gallery_api_lists_draws_and_uses_templates(client) -> None:
    listed = client.get("/api/agents/templates")
    assert listed.status_code == 200
    items = {t["id"]: t for t in listed.json()}
    assert REQUIRED <= set(items)
    assert items["rag_qa"]["needs"] == ["rag"] and items["rag_qa"]["preview_url"].endswith("/preview.svg")
    preview = client.get(items["rag_qa"]["preview_url"])
    assert preview.status_code == 200 and preview.headers["content-type"].startswith("image/svg+xml")
    ElementTree.fromstring(preview.text)
    assert client.get("/api/agents/templates/nope/preview.svg").status_code == 404
    assert client.get("/api/agents/templates/support_triage").json()["spec"]["id"] == "support_triage"

    first = client.post("/api/agents/templates/support_triage/use")
    assert first.status_code == 201, first.text
    second = client.post("/api/agents/templates/support_triage/use", json={"name": "My triage"})
    assert first.json()["id"] == "support_triage" and second.json()["id"] == "support_triage_2"
    assert second.json()["name"] == "My triage" and second.json()["version"] == 1 and second.json()["warnings"] == []
    named = client.post("/api/agents/templates/rag_qa/use", json={"graph_id": "kb"})
    assert named.status_code == 201 and named.json()["spec"]["id"] == "kb"
    assert client.post("/api/agents/templates/rag_qa/use", json={"graph_id": "kb"}).status_code == 409
    assert client.post("/api/agents/templates/rag_qa/use", json={"graph_id": "no spaces"}).status_code == 422
    assert client.post("/api/agents/templates/nope/use").status_code == 404
    assert client.get("/api/workflow/graphs/support_triage_2").json()["name"] == "My triage"
