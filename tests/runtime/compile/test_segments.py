"""Segments: a line of pure nodes runs as one LangGraph step, and nothing a run shows changes."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.compile import graph as graph_module
from runtime.compile import plan, safe_checkpointer
from runtime.compile.cache import _compiled
from runtime.compile.graph import SEGMENT_LIMIT, segments
from runtime.engine import ListSink, run_graph
from runtime.spec import GraphSpec, parse_graph
from tests.conftest import fixture_graph
from tests.runtime.compile.test_compile_graph import edge, spec_of
from tests.runtime.worker.harness import chain_graph


def grouping(spec: GraphSpec) -> list[list[str]]:
    nodes = plan(spec)
    targets = {e.target.node for e in spec.edges}
    roots = {node_id for node_id, item in nodes.items() if item.kind.name == "input" or node_id not in targets}
    return [[item.spec.id for item in segment] for segment in segments(spec, nodes, roots)]


def test_a_line_of_pure_nodes_is_cut_into_steps_of_at_most_the_limit() -> None:
    spec = parse_graph(chain_graph(38))  # in, t000..t037, out: 40 nodes
    groups = grouping(spec)
    assert [len(group) for group in groups] == [SEGMENT_LIMIT, SEGMENT_LIMIT, 40 - 2 * SEGMENT_LIMIT]
    assert [node for group in groups for node in group] == ["in", *[f"t{i:03d}" for i in range(38)], "out"]


def test_branches_joins_effects_and_start_nodes_end_a_step() -> None:
    spec = spec_of(
        [
            {"id": "in", "kind": "input", "config": {"name": "n"}},
            {"id": "route", "kind": "router", "config": {"routes": [{"name": "big", "op": "gt", "value": 10}],
                                                           "default": "small"}},
            {"id": "big", "kind": "transform", "config": {"template": "big {{ data }}"}},
            {"id": "big2", "kind": "transform", "config": {"template": "{{ data }}!"}},
            {"id": "small", "kind": "transform", "config": {"template": "small {{ data }}"}},
            {"id": "join", "kind": "transform", "config": {"template": "<{{ data }}>"}},
            {"id": "agent", "kind": "llm", "config": {"provider": "scripted", "prompt": "{{ prompt }}",
                                                      "script": [{"content": "ok"}]}},
            {"id": "after", "kind": "transform", "config": {"template": "{{ data }}"}},
            {"id": "out", "kind": "output", "config": {"name": "r"}},
        ],
        [edge("in", "route", tport="value"), edge("route", "big", condition="big"),
         edge("route", "small", condition="small"), edge("big", "big2"), edge("big2", "join"), edge("small", "join"),
         edge("join", "agent", tport="prompt"), edge("agent", "after", sport="text"),
         edge("after", "out", tport="value")],
        ["n"], ["r"],
    )
    groups = grouping(spec)
    # in+route (route branches: the step ends), big+big2 (join has two feeders), the effect alone, after+out.
    assert sorted(groups) == sorted([["in", "route"], ["big", "big2"], ["small"], ["join"], ["agent"],
                                     ["after", "out"]])


def _fan_out() -> dict[str, Any]:
    """in -> a -> o1 and in -> b -> o2: two branches side by side."""
    nodes = [{"id": "in", "kind": "input", "config": {"name": "text"}},
             {"id": "a", "kind": "transform", "config": {"template": "a({{ data }})"}},
             {"id": "b", "kind": "transform", "config": {"template": "b({{ data }})"}},
             {"id": "o1", "kind": "output", "config": {"name": "o1"}},
             {"id": "o2", "kind": "output", "config": {"name": "o2"}}]
    edges = [edge("in", "a"), edge("in", "b"), edge("a", "o1", tport="value"), edge("b", "o2", tport="value")]
    return {"id": "fan", "nodes": nodes, "edges": edges, "inputs": [{"name": "text"}],
            "outputs": [{"name": "o1"}, {"name": "o2"}]}


def test_branches_side_by_side_run_one_node_per_step() -> None:
    """Fused, a's branch would report o1 before b: nodes keep the order they report in one step each."""
    assert grouping(parse_graph(_fan_out())) == [["in"], ["a"], ["b"], ["o1"], ["o2"]]


def _comparable(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k not in ("ts", "duration_ms", "run_id")} for e in events]


async def _run(spec: GraphSpec, inputs: dict[str, Any], limit: int, monkeypatch: pytest.MonkeyPatch,
               checkpointer: Any = None) -> tuple[Any, list[dict[str, Any]]]:
    monkeypatch.setattr(graph_module, "SEGMENT_LIMIT", limit)
    _compiled.clear()
    sink = ListSink()
    outcome = await run_graph(spec, inputs, thread_id=f"t{limit}", sink=sink, checkpointer=checkpointer)
    _compiled.clear()
    return outcome, sink.events


CASES = [
    (chain_graph(40), {"text": "go"}),
    (chain_graph(5, stepwise=True), {"text": "go"}),
    (fixture_graph("linear_transform"), {"name": "Ada"}),
    (fixture_graph("router"), {"ticket": "my invoice is wrong"}),
    (fixture_graph("loop"), {"text": "go"}),
    (fixture_graph("echo"), {"text": "hi"}),
    (_fan_out(), {"text": "x"}),
]


@pytest.mark.parametrize(("doc", "inputs"), CASES, ids=["chain", "stepwise", "linear", "router", "loop", "echo", "fan_out"])
async def test_a_run_in_segments_shows_exactly_what_a_run_node_by_node_shows(
    doc: dict[str, Any], inputs: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = parse_graph(doc)
    one_by_one, events_one = await _run(spec, inputs, 1, monkeypatch)
    fused, events_fused = await _run(spec, inputs, SEGMENT_LIMIT, monkeypatch)
    assert one_by_one.status == fused.status == "succeeded", (one_by_one.error, fused.error)
    assert fused.outputs == one_by_one.outputs
    assert _comparable(events_fused) == _comparable(events_one)


async def test_a_fused_run_takes_fewer_steps_and_its_state_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = parse_graph(chain_graph(40))
    saved = {}
    for limit in (1, SEGMENT_LIMIT):
        checkpointer = safe_checkpointer()
        outcome, _ = await _run(spec, {"text": "go"}, limit, monkeypatch, checkpointer=checkpointer)
        assert outcome.outputs == {"text": "go" + "." * 40}
        config = {"configurable": {"thread_id": f"t{limit}"}}
        history = [c async for c in checkpointer.alist(config)]
        saved[limit] = (len(history), history[0].checkpoint["channel_values"])
    assert saved[1][0] == 42 + 2  # a checkpoint per node, plus the input and the start
    assert saved[SEGMENT_LIMIT][0] == 3 + 2
    assert saved[SEGMENT_LIMIT][1] == saved[1][1]  # the same inboxes, outputs and memory at the end
