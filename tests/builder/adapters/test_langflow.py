"""Langflow 1.x exports become lcnc graphs; what does not map is reported, and nothing in the file runs."""

import json
import os
from pathlib import Path

import pytest

from builder.adapters.langflow import LangflowFormatError, convert_langflow
from builder.adapters.langflow.components import prompt_template
from runtime.validate import validate_graph

LANGFLOW = Path(__file__).parents[2] / "fixtures" / "langflow"
CANARY = Path("/tmp/langflow-canary")


def load(name: str) -> dict:
    return json.loads((LANGFLOW / f"{name}.json").read_text())


def test_basic_prompting_maps_every_component_and_edge() -> None:
    spec, report = convert_langflow(load("basic_prompting"))
    assert [(n.kind, n.label) for n in spec.nodes] == [
        ("input", "Chat Input"), ("transform", "Prompt"), ("llm", "OpenAI"), ("output", "Chat Output")]
    llm = spec.nodes[2].config
    assert llm == {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.2, "system_prompt": "Be brief."}
    assert spec.nodes[1].config["template"] == "Answer like a pirate: {{ data }}"
    assert [(e.source.port, e.target.port) for e in spec.edges] == [("value", "data"), ("value", "prompt"), ("text", "value")]
    assert report.unmapped == [] and report.dropped_edges == []
    assert validate_graph(spec) == []
    assert "sk-should-never-be-copied" not in spec.model_dump_json()
    assert any("API key was not imported" in note for note in report.notes)


def test_agent_tools_become_config_and_unknown_components_are_reported() -> None:
    spec, report = convert_langflow(load("agent_tools"))
    agent = next(n for n in spec.nodes if n.kind == "llm")
    assert agent.config["tools"] == ["builtin.calculator"] and agent.config["max_steps"] == 7
    assert {u["component"] for u in report.unmapped} == {"PythonREPLComponent", "CustomComponent"}
    assert {d["source"] for d in report.dropped_edges} == {"PythonREPLComponent-4", "CustomComponent-5"}
    assert "tool" not in {n.kind for n in spec.nodes}


def test_router_branches_and_missing_version_note() -> None:
    spec, report = convert_langflow(load("router"))
    router = next(n for n in spec.nodes if n.kind == "router")
    assert router.config == {"routes": [{"name": "true", "op": "contains", "value": "invoice"}], "default": "false"}
    assert sorted(e.condition for e in spec.edges if e.condition) == ["false", "true"]
    assert any("does not say which Langflow version" in note for note in report.notes)
    assert validate_graph(spec) == []


def test_multi_variable_prompts_read_fields_of_their_input() -> None:
    assert prompt_template("C: {context} Q: {question} {{literal}}", ["context", "question"]) == (
        "C: {{ data.context }} Q: {{ data.question }} {{literal}}")
    spec, _ = convert_langflow(load("vector_store_rag"))
    assert {n.kind for n in spec.nodes} == {"input", "rag_retrieve", "transform", "llm", "output"}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"nodes": [], "edges": []}, "'data' must hold"),
        ([1, 2], "JSON object"),
        ({"data": {"nodes": [], "edges": []}, "last_tested_version": "2.0.0"}, "not supported"),
    ],
)
def test_files_that_are_not_langflow_1x_say_what_was_expected(doc, message) -> None:
    with pytest.raises(LangflowFormatError, match=message):
        convert_langflow(doc)


def test_import_is_inert(tmp_path) -> None:
    CANARY.unlink(missing_ok=True)
    children_before = _children()
    for path in LANGFLOW.glob("*.json"):
        try:
            convert_langflow(json.loads(path.read_text()))
        except LangflowFormatError:
            pass
    assert not CANARY.exists()
    assert _children() == children_before


def _children() -> set[str]:
    me = str(os.getpid())
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().split()
            except OSError:
                continue
            if stat[3] == me:
                found.add(entry.name)
    return found


def test_import_endpoint_saves_a_draft_and_returns_the_report(client) -> None:
    response = client.post("/api/agents/import/langflow", content=json.dumps(load("agent_tools")))
    assert response.status_code == 201, response.text
    body = response.json()
    graph_id = body["graph"]["id"]
    assert client.get(f"/api/workflow/graphs/{graph_id}").json()["name"] == "Agent with tools"
    assert len(body["report"]["unmapped"]) == 2
    bad = client.post("/api/agents/import/langflow", content=json.dumps(load("future_version")))
    assert bad.status_code == 422 and "expected a 1.x export" in bad.json()["detail"]
    assert client.post("/api/agents/import/langflow", content=b"not json").status_code == 422
    assert not CANARY.exists()
