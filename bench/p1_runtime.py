"""P1: in-process runtime time per node vs raw LangGraph invoke of the same hand-built chain.

Both chains have an input step, N transform-like steps ("{{ data }}." appended text) and an output
step, run with ``ainvoke`` on a graph compiled once, no checkpointer, no event listener. The lcnc
side is the real runtime path (``runtime.compile`` + the node kinds' ``execute``); the baseline is a
plain ``StateGraph`` whose nodes do the same string work inline.

The runtime runs a line of pure nodes up to 16 to a LangGraph step, so the first figure is the chain as a
user's run executes it; the second compiles one node per step, as the raw chain is, and gives the runtime's
own cost per step.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, TypedDict

NAME = "P1"
TARGET = 1.2
SIZES = (10, 200)


def chain_spec(size: int) -> Any:
    from runtime.spec import parse_graph

    nodes: list[dict[str, Any]] = [{"id": "in", "kind": "input", "config": {"name": "text"}}]
    edges: list[dict[str, Any]] = []
    previous = ("in", "value")
    for index in range(size):
        node_id = f"t{index}"
        nodes.append({"id": node_id, "kind": "transform", "config": {"template": "{{ data }}."}})
        edges.append({"source": {"node": previous[0], "port": previous[1]}, "target": {"node": node_id, "port": "data"}})
        previous = (node_id, "value")
    nodes.append({"id": "out", "kind": "output", "config": {"name": "text"}})
    edges.append({"source": {"node": previous[0], "port": previous[1]}, "target": {"node": "out", "port": "value"}})
    return parse_graph({"id": f"chain{size}", "nodes": nodes, "edges": edges,
                        "inputs": [{"name": "text"}], "outputs": [{"name": "text"}]})


class RawState(TypedDict, total=False):
    text: str
    value: str
    result: str


def raw_chain(size: int) -> Any:
    from langgraph.graph import END, START, StateGraph

    builder = StateGraph(RawState)

    async def read_input(state: RawState) -> dict[str, Any]:
        return {"value": state["text"]}

    async def transform(state: RawState) -> dict[str, Any]:
        return {"value": f"{state['value']}."}

    async def write_output(state: RawState) -> dict[str, Any]:
        return {"result": state["value"]}

    builder.add_node("in", read_input)
    builder.add_edge(START, "in")
    previous = "in"
    for index in range(size):
        builder.add_node(f"t{index}", transform)
        builder.add_edge(previous, f"t{index}")
        previous = f"t{index}"
    builder.add_node("out", write_output)
    builder.add_edge(previous, "out")
    builder.add_edge("out", END)
    return builder.compile().with_config(recursion_limit=10_000)


async def _measure(size: int, repeats: int) -> tuple[float, float, float]:
    from runtime.compile import OUTPUTS, RunContext, compile_graph, initial_state

    expected = "go" + "." * size
    ours = compile_graph(chain_spec(size))
    raw = raw_chain(size)
    context = RunContext()

    async def run_ours() -> None:
        state = await ours.ainvoke(initial_state({"text": "go"}), context=context)
        assert state[OUTPUTS]["text"] == expected

    async def run_raw() -> None:
        state = await raw.ainvoke({"text": "go"})
        assert state["result"] == expected

    # Alternate single runs so drifts in machine load hit both sides alike, count CPU time of this
    # process (other processes' load does not inflate it) and keep each side's fastest run.
    await run_raw()
    await run_ours()
    ours_times, raw_times = [], []
    for _ in range(repeats):
        started = time.process_time()
        await run_raw()
        raw_times.append(time.process_time() - started)
        started = time.process_time()
        await run_ours()
        ours_times.append(time.process_time() - started)
    steps = size + 2
    ours_s, raw_s = min(ours_times) / steps, min(raw_times) / steps
    return ours_s / raw_s, ours_s, raw_s


def run() -> list[str]:
    from bench._segments import one_node_per_step

    lines = []
    for size in SIZES:
        repeats = 200 if size <= 10 else 15
        ratio, ours_s, raw_s = asyncio.run(_measure(size, repeats))
        lines.append(
            f"P1: {ratio:.2f}x (target <= {TARGET}x) — runtime vs raw LangGraph, {size}-node chain, per node "
            f"({ours_s * 1e6:.0f} us vs {raw_s * 1e6:.0f} us)"
        )
        with one_node_per_step():
            ratio, ours_s, raw_s = asyncio.run(_measure(size, repeats))
        lines.append(
            f"P1: {ratio:.2f}x (target <= {TARGET}x) — the same, compiled one node per step like the raw chain "
            f"({ours_s * 1e6:.0f} us vs {raw_s * 1e6:.0f} us)"
        )
    return lines


def main() -> list[str]:
    return run()


if __name__ == "__main__":
    for line in run():
        print(line)
