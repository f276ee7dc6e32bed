"""A run's events become one run span with a child span per node, tool calls and LLM calls as GenAI spans."""

import asyncio

from prometheus_client import REGISTRY

from runtime.engine import ListSink, run_graph
from runtime.spec import parse_graph
from runtime.telemetry import sink as sink_module
from runtime.telemetry.sink import TelemetrySink
from tests.conftest import fixture_graph


def run(name: str, inputs: dict, **sink_args):
    spec = parse_graph(fixture_graph(name))
    inner = ListSink()
    sink = TelemetrySink(inner, graph_id=spec.id, **sink_args)
    outcome = asyncio.run(run_graph(spec, inputs, thread_id=f"t-{name}", sink=sink, run_id=f"run-{name}"))
    return outcome, inner


def by_name(spans):
    return {span.name: span for span in spans}


def test_run_span_parents_every_node_span(span_exporter) -> None:
    outcome, inner = run("linear_transform", {"name": "Ada"}, workspace_id="ws1")
    assert outcome.status == "succeeded"
    spans = by_name(span_exporter.get_finished_spans())
    run_span = spans["run linear_transform"]
    for node_kind, node_id in (("input", "in"), ("transform", "greet"), ("transform", "shout"), ("output", "out")):
        node = spans[f"node {node_kind} {node_id}"]
        assert node.parent.span_id == run_span.context.span_id
        assert node.context.trace_id == run_span.context.trace_id
        assert node.attributes["lcnc.node.kind"] == node_kind
    assert run_span.attributes["lcnc.workspace.id"] == "ws1"
    assert run_span.attributes["lcnc.run.status"] == "succeeded"
    assert inner.types()[0] == "run_started" and inner.types()[-1] == "run_finished"


def test_tool_calls_become_execute_tool_spans_under_their_node(span_exporter) -> None:
    outcome, _ = run("agent_tools", {"question": "What is 6*7?"})
    assert outcome.outputs == {"answer": "The answer is 42."}
    spans = by_name(span_exporter.get_finished_spans())
    tool = spans["execute_tool builtin.calculator"]
    assert tool.attributes["gen_ai.tool.name"] == "builtin.calculator"
    assert tool.parent.span_id == spans["node llm agent"].context.span_id


def test_failed_node_marks_span_and_run_as_errors(span_exporter) -> None:
    doc = fixture_graph("agent_tools")
    doc["nodes"][1]["config"]["script"] = [{"tool_calls": [{"name": "builtin.calculator", "arguments": {"expression": "__import__('os')"}}]}]
    doc["nodes"][1]["config"]["max_steps"] = 1
    spec = parse_graph(doc)
    before = REGISTRY.get_sample_value("lcnc_runs_total", {"graph": "agent_tools", "status": "failed"}) or 0
    outcome = asyncio.run(run_graph(spec, {"question": "x"}, thread_id="t-fail",
                                    sink=TelemetrySink(graph_id=spec.id), run_id="r-fail"))
    assert outcome.status == "failed"
    spans = by_name(span_exporter.get_finished_spans())
    assert spans["run agent_tools"].status.status_code.name == "ERROR"
    node = spans["node llm agent"]
    assert node.status.status_code.name == "ERROR" and "max_steps=1" in node.status.description
    assert [event.name for event in node.events] == ["exception"]
    assert node.events[0].attributes["exception.message"] == node.status.description
    assert node.parent.span_id == spans["run agent_tools"].context.span_id
    assert node.start_time <= node.events[0].timestamp <= node.end_time
    assert REGISTRY.get_sample_value("lcnc_runs_total", {"graph": "agent_tools", "status": "failed"}) == before + 1


def test_node_durations_are_observed_by_kind(span_exporter) -> None:
    labels = {"kind": "transform", "status": "ok"}
    before = REGISTRY.get_sample_value("lcnc_node_duration_seconds_count", labels) or 0
    run("linear_transform", {"name": "Ada"})
    assert REGISTRY.get_sample_value("lcnc_node_duration_seconds_count", labels) == before + 2


def test_llm_call_event_records_genai_attributes_and_content_only_when_allowed(span_exporter) -> None:
    event = {"type": "llm_call", "run_id": "r", "node_id": "n", "provider": "openai", "model": "m1",
             "usage": {"input_tokens": 12, "output_tokens": 3}, "finish_reason": "stop",
             "prompt": "secret prompt", "completion": "secret answer"}
    for allowed in (False, True):
        sink = TelemetrySink(graph_id="g", record_content=allowed)
        asyncio.run(sink.emit(event))
    spans = [s for s in span_exporter.get_finished_spans() if s.name == "chat m1"]
    assert [s.attributes["gen_ai.usage.input_tokens"] for s in spans] == [12, 12]
    assert spans[0].attributes["gen_ai.request.model"] == "m1"
    assert tuple(spans[0].attributes["gen_ai.response.finish_reasons"]) == ("stop",)
    assert "gen_ai.prompt" not in spans[0].attributes
    assert spans[1].attributes["gen_ai.prompt"] == "secret prompt"


def test_model_calls_of_a_real_run_become_genai_spans(span_exporter) -> None:
    outcome, inner = run("agent_tools", {"question": "What is 6*7?"})
    assert outcome.status == "succeeded"
    calls = [e for e in inner.events if e["type"] == "llm_call"]
    assert [c["provider"] for c in calls] == ["scripted", "scripted"]
    spans = [s for s in span_exporter.get_finished_spans() if s.name.startswith("chat ")]
    assert len(spans) == 2 and all(s.attributes["gen_ai.system"] == "scripted" for s in spans)
    assert "gen_ai.prompt" not in spans[0].attributes


def node_duration_count(kind: str) -> float:
    return REGISTRY.get_sample_value("lcnc_node_duration_seconds_count", {"kind": kind, "status": "ok"}) or 0


def test_nodes_of_a_run_still_going_show_up_within_the_flush_interval(span_exporter, monkeypatch) -> None:
    monkeypatch.setattr(sink_module, "FLUSH_AFTER_S", 0.05)
    before = node_duration_count("slow_probe")

    def node_spans() -> list[str]:
        return [s.name for s in span_exporter.get_finished_spans() if s.name.startswith("node ")]

    async def scenario() -> None:
        sink = TelemetrySink(graph_id="slow")
        await sink.emit({"type": "run_started", "run_id": "r-slow", "graph_id": "slow"})
        await sink.emit({"type": "node_started", "node_id": "a", "kind": "slow_probe"})
        await sink.emit({"type": "node_finished", "node_id": "a", "kind": "slow_probe", "duration_ms": 2.0})
        await sink.emit({"type": "node_started", "node_id": "b", "kind": "slow_probe"})
        assert node_spans() == [] and node_duration_count("slow_probe") == before  # batched, not yet recorded
        await asyncio.sleep(0.3)  # node b is still running
        assert node_spans() == ["node slow_probe a"]
        assert node_duration_count("slow_probe") == before + 1
        await sink.emit({"type": "node_finished", "node_id": "b", "kind": "slow_probe", "duration_ms": 300.0})
        await sink.emit({"type": "run_finished", "run_id": "r-slow"})
        assert node_spans() == ["node slow_probe a", "node slow_probe b"]  # the run's end records at once

    asyncio.run(scenario())
    spans = by_name(span_exporter.get_finished_spans())
    assert spans["node slow_probe b"].parent.span_id == spans["run slow"].context.span_id
    assert node_duration_count("slow_probe") == before + 2
    bucket = REGISTRY.get_sample_value("lcnc_node_duration_seconds_bucket",
                                       {"kind": "slow_probe", "status": "ok", "le": "0.25"}) or 0
    assert bucket >= 1  # 2 ms is under 0.25 s, 300 ms is not


def test_a_long_run_records_its_nodes_every_flush_nodes(span_exporter, monkeypatch) -> None:
    monkeypatch.setattr(sink_module, "FLUSH_NODES", 3)
    monkeypatch.setattr(sink_module, "FLUSH_AFTER_S", 60)

    async def scenario() -> int:
        sink = TelemetrySink(graph_id="long")
        await sink.emit({"type": "run_started", "run_id": "r-long"})
        for i in range(7):
            await sink.emit({"type": "node_started", "node_id": f"n{i}", "kind": "transform"})
            await sink.emit({"type": "node_finished", "node_id": f"n{i}", "kind": "transform", "duration_ms": 1.0})
        return len(span_exporter.get_finished_spans())

    assert asyncio.run(scenario()) == 6  # two batches of three; the seventh waits for the run's end or the timer


def test_a_node_open_when_the_run_waits_ends_its_span_without_a_duration(span_exporter) -> None:
    before = REGISTRY.get_sample_value("lcnc_node_duration_seconds_count",
                                       {"kind": "human_approval", "status": "ok"}) or 0
    outcome, inner = run("human_approval", {"request": "refund 5 EUR"})
    assert outcome.status == "waiting"
    spans = by_name(span_exporter.get_finished_spans())
    run_span = next(s for s in spans.values() if s.name.startswith("run "))
    assert run_span.attributes["lcnc.run.status"] == "waiting"
    waiting = [s for s in spans.values() if s.attributes.get("lcnc.node.kind") == "human_approval"]
    assert len(waiting) == 1 and waiting[0].parent.span_id == run_span.context.span_id
    assert (REGISTRY.get_sample_value("lcnc_node_duration_seconds_count",
                                      {"kind": "human_approval", "status": "ok"}) or 0) == before


def test_an_unsampled_run_records_no_node_spans_but_counts_durations(span_exporter) -> None:
    from opentelemetry import trace

    from runtime.telemetry import attach_carrier, detach

    before = node_duration_count("transform")
    unsampled = trace.format_trace_id(0x1234) + "-" + trace.format_span_id(0x5678)
    token = attach_carrier({"traceparent": f"00-{unsampled}-00"})  # the request upstream was not sampled
    try:
        outcome, _ = run("linear_transform", {"name": "Ada"})
    finally:
        detach(token)
    assert outcome.status == "succeeded"
    assert span_exporter.get_finished_spans() == ()
    assert node_duration_count("transform") == before + 2
