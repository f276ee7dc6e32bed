"""compile_graph: joins, branches, reserved names, configs checked once, JSON state, safe checkpoints."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from runtime.compile import (
    INBOX,
    OUTPUTS,
    GraphCompileError,
    RunContext,
    compile_graph,
    initial_state,
    plan,
    safe_checkpointer,
    safe_serde,
)
from runtime.compile.graph import recursion_limit
from runtime.engine import ListSink, run_graph
from runtime.spec import GraphSpec, parse_graph
from tests.conftest import fixture_graph


def edge(source: str, target: str, sport: str = "value", tport: str = "data", condition: str | None = None) -> dict:
    found = {"source": {"node": source, "port": sport}, "target": {"node": target, "port": tport}}
    return {**found, "condition": condition} if condition else found


def spec_of(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], inputs: list[str], outputs: list[str]) -> GraphSpec:
    return parse_graph({"id": "g", "nodes": nodes, "edges": edges, "inputs": [{"name": n} for n in inputs],
                        "outputs": [{"name": n} for n in outputs]})


async def test_a_join_waits_for_an_input_from_a_longer_branch() -> None:
    """in -> prompt of the agent, in -> t1 -> t2 -> context: the agent runs once, with the context."""
    spec = spec_of(
        [
            {"id": "in", "kind": "input", "config": {"name": "q"}},
            {"id": "t1", "kind": "transform", "config": {"template": "ctx of {{ data }}"}},
            {"id": "t2", "kind": "transform", "config": {"template": "[{{ data }}]"}},
            {"id": "agent", "kind": "llm", "config": {
                "provider": "scripted", "prompt": "{{ prompt }} / {{ context }}", "script": [{"content": "ok"}]}},
            {"id": "out", "kind": "output", "config": {"name": "a"}},
            {"id": "msgs", "kind": "output", "config": {"name": "m"}},
        ],
        [edge("in", "agent", tport="prompt"), edge("in", "t1"), edge("t1", "t2"),
         edge("t2", "agent", tport="context"), edge("agent", "out", sport="text", tport="value"),
         edge("agent", "msgs", sport="messages", tport="value")],
        ["q"], ["a", "m"],
    )
    sink = ListSink()
    outcome = await run_graph(spec, {"q": "why"}, thread_id="j", sink=sink)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs["m"][1]["content"] == "why / [ctx of why]"
    assert [e["node_id"] for e in sink.events if e["type"] == "node_started"].count("agent") == 1


async def test_branches_join_into_one_node() -> None:
    spec = spec_of(
        [
            {"id": "in", "kind": "input", "config": {"name": "n"}},
            {"id": "route", "kind": "router", "config": {
                "routes": [{"name": "big", "op": "gt", "value": 10}], "default": "small"}},
            {"id": "big", "kind": "transform", "config": {"template": "big {{ data }}"}},
            {"id": "small", "kind": "transform", "config": {"template": "small {{ data }}"}},
            {"id": "join", "kind": "transform", "config": {"template": "<{{ data }}>"}},
            {"id": "out", "kind": "output", "config": {"name": "r"}},
        ],
        [edge("in", "route", tport="value"), edge("route", "big", condition="big"),
         edge("route", "small", condition="small"), edge("big", "join"), edge("small", "join"),
         edge("join", "out", tport="value")],
        ["n"], ["r"],
    )
    spec.inputs[0].type = "number"
    for value, expected in ((42, "<big 42>"), (3, "<small 3>"), ("11", "<big 11>")):
        outcome = await run_graph(spec, {"n": value}, thread_id="b")
        assert outcome.outputs == {"r": expected}


async def test_reserved_looking_node_ids_run() -> None:
    spec = spec_of(
        [{"id": "__start__", "kind": "input", "config": {"name": "x"}},
         {"id": "__end__", "kind": "output", "config": {"name": "y"}}],
        [edge("__start__", "__end__", tport="value")], ["x"], ["y"],
    )
    assert (await run_graph(spec, {"x": 1}, thread_id="r")).outputs == {"y": 1}


def test_configs_are_checked_once_at_compile_time_naming_the_node() -> None:
    doc = fixture_graph("linear_transform")
    doc["nodes"][1]["config"] = {"template": "x", "output": "yaml"}
    with pytest.raises(GraphCompileError, match=r"node 'greet' \(transform\): config output"):
        compile_graph(parse_graph(doc))
    items = plan(parse_graph(fixture_graph("router")))
    assert type(items["route"].config).__name__ == "Config"
    assert items["route"].config.routes[0].name == "billing"


def test_recursion_limit_follows_the_bounds() -> None:
    loop = plan(parse_graph(fixture_graph("loop")))
    chain = plan(parse_graph(fixture_graph("linear_transform")))
    assert recursion_limit(chain) == 25
    assert recursion_limit(loop) == (len(loop) + 2) * (5 + 1) * 2


async def test_compiled_graph_is_reusable_and_state_is_plain_json() -> None:
    graph = compile_graph(parse_graph(fixture_graph("loop")), checkpointer=safe_checkpointer())
    for thread, text in (("a", "x"), ("b", "yy!!")):
        config = {"configurable": {"thread_id": thread}}
        state = await graph.ainvoke(initial_state({"text": text}), config, context=RunContext())
        assert state[OUTPUTS] == {"text": "x!!!" if text == "x" else "yy!!!"}
        snapshot = await graph.aget_state(config)
        assert json.loads(json.dumps(snapshot.values)) == snapshot.values
        assert snapshot.values[INBOX]["out"] == {"value": state[OUTPUTS]["text"]}


def test_checkpoint_serializer_never_unpickles() -> None:
    class Evil:
        def __reduce__(self) -> Any:
            return (print, ("pwned",))

    serde = safe_serde()
    assert serde.pickle_fallback is False
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do; it must not construct the object
        serde.loads_typed(("pickle", pickle.dumps(Evil())))
    kind, data = serde.dumps_typed({"a": [1, "b", None]})
    assert serde.loads_typed((kind, data)) == {"a": [1, "b", None]}
