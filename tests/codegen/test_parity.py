"""Parity: the same graph and inputs through the platform runtime and through the generated app give
identical outcomes (status, outputs, error) and the same sequence of node events."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from codegen.golden import fixture_options
from runtime.compile import RunServices, graphs_from, safe_checkpointer
from runtime.engine import ListSink, run_graph
from tests.codegen.conftest import fixture_spec

CASES = [
    ("echo", {"text": "hi there"}),
    ("linear_transform", {"name": "Ann"}),
    ("router", {"ticket": "my invoice is wrong"}),
    ("router", {"ticket": "the app crashes"}),
    ("loop", {"text": "Hi"}),
    ("loop", {"text": "done!!!"}),
    ("agent_tools", {"question": "What is 6 times 7?"}),
    ("supervisor", {"task": "Why is the sky blue?"}),
    ("tool", {"timezone": "Mars/Olympus"}),  # a failing node: same readable error on both sides
    ("subgraph", {"name": "Ann"}),  # runs the saved graph linear_transform as one node
]
APPROVALS = [{"approved": True, "comment": "ship it"}, {"approved": False}]

_PROBE = """
import asyncio, json, sys
from app.runner import run_graph

class Sink:
    def __init__(self): self.events = []
    async def emit(self, event): self.events.append(event)

async def one(index, request):
    sink = Sink()
    thread = f"parity-{index}"
    outcome = await run_graph(request["inputs"], thread_id=thread, sink=sink)
    if request.get("resume") is not None:
        outcome = await run_graph(request["inputs"], thread_id=thread, sink=sink, resume=request["resume"])
    return {"status": outcome.status, "outputs": outcome.outputs, "error": outcome.error,
            "events": [[e["type"], e.get("node_id")] for e in sink.events]}

async def main(requests):
    return [await one(index, request) for index, request in enumerate(requests)]

print(json.dumps(asyncio.run(main(json.loads(sys.stdin.read())))))
"""


def _requests() -> dict[str, list[dict[str, Any]]]:
    requests: dict[str, list[dict[str, Any]]] = {}
    for name, inputs in CASES:
        requests.setdefault(name, []).append({"inputs": inputs, "resume": None})
    for answer in APPROVALS:
        requests.setdefault("human_approval", []).append({"inputs": {"request": "refund order 7"}, "resume": answer})
    return requests


@pytest.fixture(scope="module")
def generated(exported: dict[str, Path]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every case run by its generated project: one process per project, all projects in parallel."""
    requests = _requests()
    processes = {
        name: subprocess.Popen([sys.executable, "-c", _PROBE], cwd=exported[name], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in requests
    }
    results: dict[tuple[str, str], dict[str, Any]] = {}
    for name, process in processes.items():
        out, err = process.communicate(json.dumps(requests[name]), timeout=300)
        assert process.returncode == 0, err[-3000:]
        for request, result in zip(requests[name], json.loads(out.strip().splitlines()[-1]), strict=True):
            results[(name, json.dumps(request, sort_keys=True))] = result
    return results


def _key(name: str, inputs: dict[str, Any], resume: dict[str, Any] | None = None) -> tuple[str, str]:
    return name, json.dumps({"inputs": inputs, "resume": resume}, sort_keys=True)


async def _platform(name: str, inputs: dict[str, Any], resume: dict[str, Any] | None = None) -> dict[str, Any]:
    spec = fixture_spec(name)
    sink = ListSink()
    checkpointer = safe_checkpointer() if resume is not None else None
    services = RunServices(resolve_graph=graphs_from(list(fixture_options().subgraphs.values())))
    outcome = await run_graph(spec, inputs, thread_id="parity", sink=sink, checkpointer=checkpointer,
                              services=services)
    if resume is not None:
        outcome = await run_graph(spec, inputs, thread_id="parity", sink=sink, checkpointer=checkpointer,
                                  resume=resume, services=services)
    return {"status": outcome.status, "outputs": outcome.outputs, "error": outcome.error,
            "events": [[e["type"], e.get("node_id")] for e in sink.events]}


@pytest.mark.parametrize(("name", "inputs"), CASES)
async def test_same_outcome_and_events(generated: dict, name: str, inputs: dict[str, Any]) -> None:
    platform = await _platform(name, inputs)
    assert generated[_key(name, inputs)] == platform
    assert platform["status"] == ("failed" if name == "tool" else "succeeded")


@pytest.mark.parametrize("answer", APPROVALS)
async def test_same_outcome_across_an_approval(generated: dict, answer: dict[str, Any]) -> None:
    inputs = {"request": "refund order 7"}
    platform = await _platform("human_approval", inputs, resume=answer)
    assert platform["status"] == "succeeded"
    assert generated[_key("human_approval", inputs, answer)] == platform


def _shape(edges: list[tuple[str, str]], outputs: list[str]) -> dict[str, Any]:
    """A graph of transforms between one input and output nodes, wired by (source, target) pairs."""
    names = {name for edge in edges for name in edge} - {"in", *outputs}
    nodes = [{"id": "in", "kind": "input", "config": {"name": "text"}}]
    nodes += [{"id": name, "kind": "transform", "config": {"template": f"{name}({{{{ data }}}})"}} for name in sorted(names)]
    nodes += [{"id": out, "kind": "output", "config": {"name": out}} for out in outputs]
    port = {"in": "value", **{name: "value" for name in names}}
    wired = [{"source": {"node": s, "port": port[s]}, "target": {"node": t, "port": "value" if t in outputs else "data"}}
             for s, t in edges]
    return {"id": "shape", "name": "shape", "nodes": nodes, "edges": wired, "inputs": [{"name": "text"}],
            "outputs": [{"name": out} for out in outputs]}


SHAPES = {
    "chain": (_shape([("in", "a"), ("a", "b"), ("b", "o")], ["o"]), "ChainState"),
    "fan_out": (_shape([("in", "a"), ("in", "b"), ("a", "o1"), ("b", "o2")], ["o1", "o2"]), "State"),
    "two_outputs_in_one_step": (_shape([("in", "a"), ("a", "o1"), ("a", "o2")], ["o1", "o2"]), "State"),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
async def test_plain_channels_only_where_one_node_runs_per_step(shape: str, tmp_path: Path) -> None:
    """Graphs whose nodes run one at a time get plain channels; any other shape merges, with the same outcome."""
    from codegen import render_project, write_folder
    from runtime.spec import parse_graph

    doc, state = SHAPES[shape]
    spec = parse_graph(doc)
    files = render_project(spec)
    assert f"graph = StateGraph({state}, context_schema=RunScope)" in files["app/graph.py"]
    write_folder(files, tmp_path / "project")
    request = [{"inputs": {"text": "x"}, "resume": None}]
    done = subprocess.run([sys.executable, "-c", _PROBE], cwd=tmp_path / "project", input=json.dumps(request),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    generated = json.loads(done.stdout.strip().splitlines()[-1])[0]
    sink = ListSink()
    outcome = await run_graph(spec, {"text": "x"}, thread_id="parity", sink=sink)
    assert outcome.status == "succeeded", outcome.error
    assert generated == {"status": outcome.status, "outputs": outcome.outputs, "error": outcome.error,
                         "events": [[e["type"], e.get("node_id")] for e in sink.events]}


def test_which_graphs_run_one_node_at_a_time() -> None:
    from codegen.context import runs_one_node_at_a_time

    assert runs_one_node_at_a_time(fixture_spec("linear_transform"))
    assert runs_one_node_at_a_time(fixture_spec("router"))  # one target per branch
    assert not runs_one_node_at_a_time(fixture_spec("loop"))  # a node fed by two nodes (and a cycle)
    assert not runs_one_node_at_a_time(fixture_spec("supervisor"))
