"""run_graph on every control fixture graph: exact outputs, events, approvals and readable failures."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

import pytest

from runtime.compile import RunServices, graphs_from, safe_checkpointer
from runtime.engine import ListSink, RunOutcome, run_graph
from runtime.spec import GraphSpec, parse_graph
from tests.conftest import fixture_graph


def graph(name: str, **changes: Any) -> GraphSpec:
    return parse_graph({**fixture_graph(name), **changes})


def node_config(doc: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(node for node in doc["nodes"] if node["id"] == node_id)["config"]


async def run(spec: GraphSpec, inputs: dict[str, Any], **kwargs: Any) -> tuple[RunOutcome, ListSink]:
    sink = ListSink()
    outcome = await run_graph(spec, inputs, thread_id=kwargs.pop("thread_id", "t-1"), sink=sink, **kwargs)
    return outcome, sink


@pytest.mark.parametrize(
    ("name", "inputs", "outputs"),
    [
        ("echo", {"text": "hi there"}, {"text": "hi there"}),
        ("linear_transform", {"name": "Ann"}, {"greeting": "Hello, Ann! Welcome aboard."}),
        ("router", {"ticket": "my invoice is wrong"}, {"reply": "Billing team: my invoice is wrong"}),
        ("router", {"ticket": "the app crashes"}, {"reply": "Support team: the app crashes"}),
        ("loop", {"text": "Hi"}, {"text": "Hi!!!"}),
        ("loop", {"text": "done!!!"}, {"text": "done!!!"}),
        ("agent_tools", {"question": "What is 6 times 7?"}, {"answer": "The answer is 42."}),
        ("supervisor", {"task": "Why is the sky blue?"}, {"report": "Report: the sky is blue."}),
    ],
)
async def test_fixture_graphs_give_exact_outputs(name: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
    outcome, sink = await run(graph(name), inputs)
    assert outcome == RunOutcome("succeeded", outputs=outputs)
    assert sink.types()[0] == "run_started" and sink.types()[-1] == "run_finished"


async def test_events_describe_every_node() -> None:
    outcome, sink = await run(graph("linear_transform"), {"name": "Ann"}, run_id="run-7")
    assert outcome.status == "succeeded"
    finished = [e for e in sink.events if e["type"] == "node_finished"]
    assert [e["node_id"] for e in finished] == ["in", "greet", "shout", "out"]
    assert all(e["run_id"] == "run-7" and e["duration_ms"] >= 0 and e["ts"] > 0 for e in finished)
    assert finished[1]["outputs"] == {"value": "Hello, Ann!"} and finished[1]["kind"] == "transform"
    assert finished[-1]["graph_outputs"] == {"greeting": "Hello, Ann! Welcome aboard."}
    assert sink.events[-1]["outputs"] == {"greeting": "Hello, Ann! Welcome aboard."}
    json.dumps(sink.events)  # events are JSON


async def test_loop_is_bounded_by_max_iterations() -> None:
    doc = fixture_graph("loop")
    node_config(doc, "repeat").update({"max_iterations": 3, "until": None})
    node_config(doc, "grow")["template"] = "{{ data }}."
    outcome, sink = await run(parse_graph(doc), {"text": "go"})
    assert outcome.outputs == {"text": "go..."}
    grows = [e for e in sink.events if e["type"] == "node_finished" and e["node_id"] == "grow"]
    assert len(grows) == 3


async def test_agent_calls_the_calculator_and_streams_tokens() -> None:
    outcome, sink = await run(graph("agent_tools"), {"question": "6*7?"})
    assert outcome.status == "succeeded"
    calls = [e for e in sink.events if e["type"] == "tool_call"]
    assert calls == [calls[0]] and calls[0]["tool"] == "builtin.calculator"
    assert calls[0]["arguments"] == {"expression": "6*7"} and calls[0]["result"] == 42
    tokens = [e["text"] for e in sink.events if e["type"] == "token" and e["node_id"] == "agent"]
    assert "".join(tokens) == "The answer is 42."


async def test_agent_messages_port_holds_the_conversation() -> None:
    doc = fixture_graph("agent_tools")
    doc["nodes"].append({"id": "msgs", "kind": "output", "config": {"name": "messages"}})
    doc["edges"].append({"source": {"node": "agent", "port": "messages"}, "target": {"node": "msgs", "port": "value"}})
    doc["outputs"].append({"name": "messages", "type": "messages"})
    outcome, _ = await run(parse_graph(doc), {"question": "6*7?"})
    messages = outcome.outputs["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert messages[1]["content"] == "6*7?"
    assert messages[2]["tool_calls"][0]["name"] == "builtin.calculator"
    assert messages[3] == {"role": "tool", "tool_call_id": messages[2]["tool_calls"][0]["id"],
                           "name": "builtin.calculator", "content": "42"}


async def test_agent_step_bound_fails_the_node() -> None:
    doc = fixture_graph("agent_tools")
    config = node_config(doc, "agent")
    config["max_steps"] = 1
    outcome, sink = await run(parse_graph(doc), {"question": "6*7?"})
    assert outcome.status == "failed"
    assert outcome.error == "node 'agent' (llm) failed: llm: no final answer within max_steps=1 model calls"
    assert [e for e in sink.events if e["type"] == "node_failed"][0]["node_id"] == "agent"
    assert sink.events[-1]["type"] == "run_failed" and sink.events[-1]["node_id"] == "agent"


async def test_supervisor_is_bounded_by_max_rounds() -> None:
    doc = fixture_graph("supervisor")
    node_config(doc, "boss").update({"max_rounds": 2, "script": [{"content": "researcher"}] * 5})
    node_config(doc, "researcher")["script"] = [{"content": "Facts 1"}, {"content": "Facts 2"}, {"content": "Facts 3"}]
    outcome, sink = await run(parse_graph(doc), {"task": "t"})
    assert outcome.outputs == {"report": "Facts 2"}
    researched = [e for e in sink.events if e["type"] == "node_finished" and e["node_id"] == "researcher"]
    assert len(researched) == 2
    routes = [e["branch"] for e in sink.events if e["type"] == "node_finished" and e["node_id"] == "boss"]
    assert routes == ["researcher", "researcher", "done"]


async def test_human_approval_waits_then_resumes() -> None:
    spec = graph("human_approval")
    saver = safe_checkpointer()
    outcome, sink = await run(spec, {"request": "refund"}, thread_id="ha-1", checkpointer=saver)
    assert outcome.status == "waiting" and outcome.outputs == {}
    question = outcome.interrupt or {}
    assert {k: question[k] for k in ("node_id", "prompt", "value")} == {
        "node_id": "approve", "prompt": "Send this reply?", "value": "Draft reply to: refund"}
    assert sink.types()[-1] == "interrupt" and "run_finished" not in sink.types()

    resumed, sink2 = await run(spec, {}, thread_id="ha-1", checkpointer=saver, resume={"approved": True})
    assert resumed == RunOutcome("succeeded", outputs={"result": "SENT: Draft reply to: refund"})
    ran = [e["node_id"] for e in sink2.events if e["type"] == "node_finished"]
    assert ran == ["approve", "sent", "out_s"]  # nodes before the approval are not run again

    again, _ = await run(spec, {}, thread_id="ha-1", checkpointer=saver, resume={"approved": True})
    assert again.status == "failed" and "not waiting" in (again.error or "")


async def test_human_approval_rejected_with_comment() -> None:
    spec = graph("human_approval")
    saver = safe_checkpointer()
    await run(spec, {"request": "refund"}, thread_id="ha-2", checkpointer=saver)
    outcome, _ = await run(spec, {}, thread_id="ha-2", checkpointer=saver,
                           resume={"approved": False, "comment": "too rude"})
    assert outcome.outputs == {"result": "DROPPED: Draft reply to: refund\n\nComment: too rude"}


async def test_bad_resume_answer_fails_the_node() -> None:
    spec = graph("human_approval")
    saver = safe_checkpointer()
    await run(spec, {"request": "x"}, thread_id="ha-3", checkpointer=saver)
    outcome, _ = await run(spec, {}, thread_id="ha-3", checkpointer=saver, resume={"yes": 1})
    assert outcome.status == "failed" and outcome.error.startswith("node 'approve' (human_approval) failed")


async def test_resume_without_checkpointer_is_refused() -> None:
    outcome, _ = await run(graph("human_approval"), {}, resume={"approved": True})
    assert outcome.status == "failed" and "checkpointer" in (outcome.error or "")


async def test_human_approval_resumes_from_a_sqlite_checkpoint(tmp_path: Any) -> None:
    """A waiting run's state is plain JSON: a new saver on the same file (a new process) resumes it."""
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    from runtime.compile import safe_serde

    spec = graph("human_approval")
    path = str(tmp_path / "checkpoints.sqlite")
    async with AsyncSqliteSaver.from_conn_string(path) as saver:
        saver.serde = safe_serde()
        first, _ = await run(spec, {"request": "refund"}, thread_id="ha-sql", checkpointer=saver)
    assert first.status == "waiting"
    async with AsyncSqliteSaver.from_conn_string(path) as saver:
        saver.serde = safe_serde()
        outcome, _ = await run(spec, {}, thread_id="ha-sql", checkpointer=saver, resume={"approved": True})
    assert outcome.outputs == {"result": "SENT: Draft reply to: refund"}


async def test_subgraph_runs_the_saved_graph() -> None:
    services = RunServices(resolve_graph=graphs_from([graph("linear_transform")]))
    outcome, sink = await run(graph("subgraph"), {"name": "Bob"}, services=services)
    assert outcome == RunOutcome("succeeded", outputs={"result": {"greeting": "Hello, Bob! Welcome aboard."}})
    assert "inner/greet" in [e.get("node_id") for e in sink.events]


async def test_subgraph_resolver_may_be_async_and_missing_graphs_fail_readably() -> None:
    async def resolve(graph_id: str, version: int | None) -> GraphSpec | None:
        return graph("linear_transform") if graph_id == "linear_transform" else None

    outcome, _ = await run(graph("subgraph"), {"name": "Bob"}, services=RunServices(resolve_graph=resolve))
    assert outcome.status == "succeeded"
    doc = fixture_graph("subgraph")
    node_config(doc, "inner")["graph_id"] = "nowhere"
    outcome, _ = await run(parse_graph(doc), {"name": "Bob"}, services=RunServices(resolve_graph=resolve))
    assert outcome.error == "node 'inner' (subgraph) failed: subgraph: graph 'nowhere' was not found"
    outcome, _ = await run(graph("subgraph"), {"name": "Bob"})
    assert outcome.status == "failed" and "no access to saved graphs" in (outcome.error or "")


async def test_subgraph_that_calls_itself_is_refused() -> None:
    doc = fixture_graph("subgraph")
    node_config(doc, "inner")["graph_id"] = "subgraph"
    spec = parse_graph(doc)
    outcome, _ = await run(spec, {"name": "x"}, services=RunServices(resolve_graph=graphs_from([spec])))
    assert outcome.status == "failed" and "calls itself: subgraph -> subgraph" in (outcome.error or "")


async def test_tool_node_calls_current_time() -> None:
    outcome, sink = await run(graph("tool"), {"timezone": "Europe/Paris"})
    assert outcome.status == "succeeded"
    result = outcome.outputs["time"]
    assert set(result) == {"timezone", "iso", "unix"} and result["timezone"] == "Europe/Paris"
    assert int(datetime.fromisoformat(result["iso"]).timestamp()) == result["unix"]
    assert "tool_call" in sink.types()


async def test_tool_errors_name_the_node() -> None:
    outcome, sink = await run(graph("tool"), {"timezone": "Nowhere/Land"})
    assert outcome.error == ("node 'now' (tool) failed: current_time: unknown timezone 'Nowhere/Land'; "
                             "use an IANA name like Europe/Paris")
    assert sink.types()[-2:] == ["node_failed", "run_failed"]


async def test_node_errors_fail_the_run_naming_the_node() -> None:
    # The fixture calls 127.0.0.1, which the default HTTP policy refuses (or nothing listens there).
    outcome, sink = await run(graph("http"), {"query": "q"})
    assert outcome.status == "failed" and (outcome.error or "").startswith("node 'fetch' (http) failed: ")
    failed = [e for e in sink.events if e["type"] == "node_failed"]
    assert [e["node_id"] for e in failed] == ["fetch"] and failed[0]["error"]


async def test_missing_and_unknown_inputs_fail_the_run() -> None:
    outcome, sink = await run(graph("echo"), {})
    assert outcome == RunOutcome("failed", error="missing required input 'text'")
    assert sink.types() == ["run_started", "run_failed"]
    outcome, _ = await run(graph("echo"), {"text": "a", "other": 1})
    assert outcome.error == "unknown input 'other'; inputs: text"


async def test_invalid_graph_is_refused() -> None:
    doc = copy.deepcopy(fixture_graph("echo"))
    doc["edges"] = []
    outcome, _ = await run(parse_graph(doc), {"text": "a"})
    assert outcome.status == "failed" and (outcome.error or "").startswith("the graph cannot run:")


async def test_a_failing_sink_does_not_fail_the_run() -> None:
    class Broken:
        async def emit(self, event: dict[str, Any]) -> None:
            raise RuntimeError("sink down")

    outcome = await run_graph(graph("echo"), {"text": "a"}, thread_id="s", sink=Broken())
    assert outcome.status == "succeeded"


async def test_run_without_sink_or_services() -> None:
    outcome = await run_graph(graph("agent_tools"), {"question": "q"}, thread_id="plain")
    assert outcome.outputs == {"answer": "The answer is 42."}


async def test_human_approval_inside_a_subgraph_waits_and_resumes() -> None:
    doc = fixture_graph("subgraph")
    node_config(doc, "inner")["graph_id"] = "human_approval"
    node_config(doc, "wrap")["template"] = '{"request": "{{ data }}"}'
    spec = parse_graph(doc)
    services = RunServices(resolve_graph=graphs_from([graph("human_approval")]))
    saver = safe_checkpointer()
    first, _ = await run(spec, {"name": "refund"}, thread_id="sub-ha", checkpointer=saver, services=services)
    assert first.status == "waiting" and (first.interrupt or {})["prompt"] == "Send this reply?"
    assert (first.interrupt or {})["node_id"] == "inner/approve"
    outcome, sink = await run(spec, {}, thread_id="sub-ha", checkpointer=saver, services=services,
                              resume={"approved": True})
    assert outcome.outputs == {"result": {"result": "SENT: Draft reply to: refund"}}
    ran = [e["node_id"] for e in sink.events if e["type"] == "node_finished"]
    assert ran == ["inner/approve", "inner/sent", "inner/out_s", "inner", "out"]
