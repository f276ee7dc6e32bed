"""The LLM agent node runs through an agent engine chosen by its `engine` field; `react` is the default."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.compile import RunServices
from runtime.engine import ListSink, run_graph
from runtime.nodes import llm_agent
from runtime.nodes._agent_engines import ENGINES, AgentRequest, AgentResult, call_tool
from runtime.nodes._agent_engines.react import ReactEngine
from runtime.nodes._context import NodeContext
from runtime.nodes._tools import BUILTIN_TOOLS
from runtime.spec import GraphSpec, parse_graph
from runtime.validate import validate_graph
from tests.conftest import fixture_graph


class CalculatorFirstEngine:
    """A second engine: calls the first tool once with a fixed expression, then answers with its result."""

    def __init__(self) -> None:
        self.requests: list[AgentRequest] = []

    async def run(self, request: AgentRequest, ctx: NodeContext) -> AgentResult:
        self.requests.append(request)
        tool_id = next(iter(request.tools))
        call = {"id": "c1", "name": tool_id, "arguments": {"expression": "2+3"}}
        result = await call_tool(request.tools[tool_id], call, ctx)
        messages = [*request.messages, {"role": "assistant", "content": f"engine says {result}"}]
        return AgentResult(f"engine says {result}", messages, {"engine_runs": 1})


def agent_graph(**config: Any) -> GraphSpec:
    return parse_graph({
        "id": "ask",
        "nodes": [
            {"id": "in", "kind": "input", "config": {"name": "question"}},
            {"id": "agent", "kind": "llm", "config": {"provider": "scripted", "tools": ["builtin.calculator"],
                                                      "max_steps": 3, **config}},
            {"id": "out", "kind": "output", "config": {"name": "answer"}},
        ],
        "edges": [
            {"source": {"node": "in", "port": "value"}, "target": {"node": "agent", "port": "prompt"}},
            {"source": {"node": "agent", "port": "text"}, "target": {"node": "out", "port": "value"}},
        ],
        "inputs": [{"name": "question"}],
        "outputs": [{"name": "answer"}],
    })


def services() -> RunServices:
    return RunServices(tools=dict(BUILTIN_TOOLS))


@pytest.fixture
def second_engine(monkeypatch) -> CalculatorFirstEngine:
    engine = CalculatorFirstEngine()
    monkeypatch.setitem(ENGINES, "calc_first", engine)
    return engine


async def test_a_registered_engine_runs_the_node(second_engine: CalculatorFirstEngine) -> None:
    spec = agent_graph(engine="calc_first", system_prompt="Be brief.", prompt="Q: {{ prompt }}")
    assert validate_graph(spec) == []
    sink = ListSink()
    outcome = await run_graph(spec, {"question": "what is 2+3?"}, thread_id="engine-1", sink=sink,
                              services=services())
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs == {"answer": "engine says 5"}
    [request] = second_engine.requests
    assert request.messages == [{"role": "system", "content": "Be brief."},
                                {"role": "user", "content": "Q: what is 2+3?"}]
    assert list(request.tools) == ["builtin.calculator"] and request.max_steps == 3
    assert request.model.provider == "scripted"
    calls = [e for e in sink.events if e["type"] == "tool_call"]
    assert [(c["node_id"], c["tool"], c["result"]) for c in calls] == [("agent", "builtin.calculator", 5)]


async def test_without_engine_the_react_loop_runs(second_engine: CalculatorFirstEngine, monkeypatch) -> None:
    ran: list[AgentRequest] = []
    react = ENGINES["react"]

    class Spy:
        async def run(self, request: AgentRequest, ctx: NodeContext) -> AgentResult:
            ran.append(request)
            return await react.run(request, ctx)

    monkeypatch.setitem(ENGINES, "react", Spy())
    spec = parse_graph(fixture_graph("agent_tools"))
    assert "engine" not in spec.nodes[1].config
    outcome = await run_graph(spec, {"question": "What is 6 times 7?"}, thread_id="engine-2", services=services())
    assert outcome.status == "succeeded", outcome.error
    assert "42" in outcome.outputs["answer"]
    assert len(ran) == 1 and second_engine.requests == []


def test_react_is_the_default_engine() -> None:
    assert llm_agent.Config().engine == "react"
    assert isinstance(ENGINES["react"], ReactEngine)


def test_the_schema_offers_every_registered_engine(second_engine: CalculatorFirstEngine) -> None:
    field = llm_agent.Config.model_json_schema()["properties"]["engine"]
    assert field["enum"] == ["react", "calc_first"] and field["default"] == "react"


def test_an_unknown_engine_names_the_node_and_field() -> None:
    issues = validate_graph(agent_graph(engine="autogen"))
    assert [(i.code, i.node_id, i.field, i.level) for i in issues] == [
        ("invalid_config", "agent", "config.engine", "error")]
    assert "unknown agent engine 'autogen'" in issues[0].message


def test_an_unknown_engine_is_a_422_from_the_api(client) -> None:
    doc = agent_graph(engine="autogen").model_dump(mode="json")
    response = client.post("/api/workflow/graphs", json=doc)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["code"], error["node_id"], error["field"]) == ("invalid_config", "agent", "config.engine")
    assert "unknown agent engine 'autogen'; registered: react" in error["message"]
    assert client.get("/api/workflow/graphs/ask").status_code == 404


def test_the_editor_gets_the_engine_choices_from_the_api(client, second_engine: CalculatorFirstEngine) -> None:
    kinds = {kind["name"]: kind for kind in client.get("/api/workflow/node-kinds").json()}
    assert kinds["llm"]["config_schema"]["properties"]["engine"]["enum"] == ["react", "calc_first"]
