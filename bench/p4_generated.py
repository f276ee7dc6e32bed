"""P4: requests/s of `POST /run` on a generated service vs a hand-written FastAPI + LangGraph app.

Both serve the same 3-node graph (input -> transform "Hello, {{ data }}!" -> output) with uvicorn, one
worker each, started the same way, one after the other, and are driven by the same load client: a
small asyncio HTTP/1.1 keep-alive client in this file (CONNECTIONS connections, a warm-up, then
DURATION_S seconds of requests, bounded in time and count, to 127.0.0.1 only). The two apps are
measured in ROUNDS alternating rounds, because a shared machine's load drifts; the figure is the
median over rounds of generated rps / hand-written rps (target >= 0.9).

Requests/s on a machine that others use is noisy (a round's ratio can swing by 0.3). For a figure that does
not depend on the load, `python bench/p4_generated.py --instructions` (needs valgrind; about 5 minutes) counts
the CPU instructions each server spends per request under the same load with callgrind: the ratio
hand-written / generated is what requests/s would be on an idle machine, one core per server.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NAME = "P4"
TARGET = 0.9
CONNECTIONS = 16
WARMUP_S = 1.5
DURATION_S = 3.0
ROUNDS = 5  # alternating which app goes first; the figure is the median of the per-round ratios
MAX_REQUESTS = 200_000
BODY = json.dumps({"name": "Ann"}).encode()

HANDWRITTEN_APP = '''
"""A hand-written FastAPI + LangGraph service doing what the generated one does for this graph."""
import uuid
from typing import Any, TypedDict

from fastapi import FastAPI
from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel


class State(TypedDict, total=False):
    name: str
    value: str
    greeting: str


async def read_input(state: State) -> dict[str, Any]:
    return {"value": state["name"]}


async def greet(state: State) -> dict[str, Any]:
    return {"value": f"Hello, {state['value']}!"}


async def write_output(state: State) -> dict[str, Any]:
    return {"greeting": state["value"]}


builder = StateGraph(State)
builder.add_node("in", read_input)
builder.add_node("greet", greet)
builder.add_node("out", write_output)
builder.add_edge(START, "in")
builder.add_edge("in", "greet")
builder.add_edge("greet", "out")
builder.add_edge("out", END)
graph = builder.compile()


class RunInputs(BaseModel):
    name: str


class RunOutputs(BaseModel):
    greeting: str | None = None


class RunResult(BaseModel):
    run_id: str
    status: str
    outputs: RunOutputs | None = None
    error: str | None = None


app = FastAPI()


@app.post("/run", response_model=RunResult)
async def run(body: RunInputs) -> RunResult:
    state = await graph.ainvoke({"name": body.name})
    return RunResult(run_id=uuid.uuid4().hex, status="succeeded", outputs=RunOutputs(greeting=state.get("greeting")))


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
'''


def three_node_spec() -> Any:
    from runtime.spec import parse_graph

    return parse_graph({
        "id": "greet3", "name": "Greeting (3 nodes)",
        "nodes": [
            {"id": "in", "kind": "input", "config": {"name": "name"}},
            {"id": "greet", "kind": "transform", "config": {"template": "Hello, {{ data }}!"}},
            {"id": "out", "kind": "output", "config": {"name": "greeting"}},
        ],
        "edges": [
            {"source": {"node": "in", "port": "value"}, "target": {"node": "greet", "port": "data"}},
            {"source": {"node": "greet", "port": "value"}, "target": {"node": "out", "port": "value"}},
        ],
        "inputs": [{"name": "name"}], "outputs": [{"name": "greeting"}],
    })


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(folder: Path, module: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", module, "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--no-access-log", "--log-level", "warning"],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{module} exited: {process.stderr.read().decode()[-2000:] if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{module} did not start")


async def _worker(port: int, stop_at: float, counted_from: float, counter: list[int],
                  budget: list[int] | None = None) -> None:
    """Requests on one keep-alive connection until ``stop_at`` (or until the shared ``budget`` is spent)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (f"POST /run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(BODY)}\r\n\r\n").encode() + BODY
    try:
        while time.monotonic() < stop_at and counter[0] + counter[1] < MAX_REQUESTS:
            if budget is not None:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200") or b'"succeeded"' not in body:
                raise RuntimeError(f"bad answer: {head[:40]!r} {body[:200]!r}")
            if time.monotonic() >= counted_from:
                counter[0] += 1
            else:
                counter[1] += 1
    finally:
        writer.close()


async def _load(port: int) -> float:
    counter = [0, 0]  # requests counted, warm-up requests
    started = time.monotonic()
    counted_from = started + WARMUP_S
    stop_at = counted_from + DURATION_S
    await asyncio.gather(*(_worker(port, stop_at, counted_from, counter) for _ in range(CONNECTIONS)))
    return counter[0] / (time.monotonic() - counted_from)


def _measure(folder: Path, module: str) -> float:
    process, port = _serve(folder, module)
    try:
        return asyncio.run(_load(port))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def measure() -> dict[str, float]:
    from codegen import render_project, write_folder

    root = Path(tempfile.mkdtemp(prefix="lcnc-p4-"))
    try:
        generated = root / "generated"
        write_folder(render_project(three_node_spec()), generated)
        handwritten = root / "handwritten"
        handwritten.mkdir()
        (handwritten / "service.py").write_text(HANDWRITTEN_APP, encoding="utf-8")
        ratios, ours, baseline = [], [], []
        for round_ in range(ROUNDS):
            order = [("h", handwritten, "service:app"), ("g", generated, "app.main:app")]
            results = {key: _measure(folder, module) for key, folder, module in order[:: 1 if round_ % 2 else -1]}
            ours.append(results["g"])
            baseline.append(results["h"])
            ratios.append(results["g"] / results["h"])
        return {"generated": statistics.median(ours), "handwritten": statistics.median(baseline),
                "ratio": statistics.median(ratios), "ratios": ratios}
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def _requests(port: int, count: int) -> None:
    """Exactly ``count`` requests over CONNECTIONS keep-alive connections (instruction counting)."""
    budget, counter = [count], [0, 0]
    await asyncio.gather(*(_worker(port, float("inf"), 0.0, counter, budget) for _ in range(CONNECTIONS)))


def _instructions_per_request(folder: Path, module: str, counts: tuple[int, int] = (100, 400)) -> float:
    """Callgrind's instruction count of the server, between ``counts[0]`` and ``counts[1]`` requests."""
    import re
    import signal

    totals = []
    for count in counts:
        port = _free_port()
        process = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-m", "uvicorn",
             module, "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--no-access-log",
             "--log-level", "warning"],
            cwd=folder, env={**os.environ, "LOG_LEVEL": "WARNING"}, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 600
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{module} did not start under valgrind") from None
                time.sleep(0.5)
        asyncio.run(_requests(port, count))
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=600)
        found = re.search(r"Collected : (\d+)", err or "")
        if found is None:
            raise RuntimeError(f"callgrind gave no count: {(err or '')[-500:]}")
        totals.append(int(found.group(1)))
    return (totals[1] - totals[0]) / (counts[1] - counts[0])


def instructions() -> list[str]:
    """The load-independent companion figure: instructions per request of both servers, counted in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    from codegen import render_project, write_folder

    root = Path(tempfile.mkdtemp(prefix="lcnc-p4-ir-"))
    try:
        write_folder(render_project(three_node_spec()), root / "generated")
        (root / "handwritten").mkdir()
        (root / "handwritten" / "service.py").write_text(HANDWRITTEN_APP, encoding="utf-8")
        with ThreadPoolExecutor(2) as pool:
            hand = pool.submit(_instructions_per_request, root / "handwritten", "service:app")
            generated = pool.submit(_instructions_per_request, root / "generated", "app.main:app")
            h, g = hand.result(), generated.result()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return [f"P4 (instructions): {h / g:.3f}x (target >= {TARGET}) — CPU instructions per POST /run under the same "
            f"load, counted by callgrind: hand-written {h / 1e6:.2f} M vs generated {g / 1e6:.2f} M"]


def run() -> list[str]:
    m = measure()
    verdict = "ok" if m["ratio"] >= TARGET else "MISSED"
    return [
        f"P4: {m['ratio']:.2f}x (target >= {TARGET}, {verdict}) — POST /run of a 3-node graph: generated service "
        f"{m['generated']:.0f} req/s vs hand-written FastAPI+LangGraph {m['handwritten']:.0f} req/s "
        f"(uvicorn 1 worker each, {CONNECTIONS} keep-alive connections, {DURATION_S:.0f} s after {WARMUP_S} s warm-up, "
        f"median of {ROUNDS} alternating rounds; ratios {', '.join(f'{r:.2f}' for r in m['ratios'])})"
    ]


def main() -> list[str]:
    return run()


if __name__ == "__main__":
    print("\n".join(instructions() if "--instructions" in sys.argv[1:] else run()))
