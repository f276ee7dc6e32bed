"""LLM providers: the local model in-process, OpenAI-compatible against a real llama.cpp server, errors."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from runtime.compile import RunServices
from runtime.engine import ListSink, run_graph
from runtime.nodes._providers import anthropic as anthropic_wire
from runtime.nodes._providers import openai as openai_wire
from runtime.nodes._providers.local import model_path
from runtime.nodes._tools import BUILTIN_TOOLS
from runtime.spec import GraphSpec, parse_graph

QUESTION = "What is the capital of France? Answer in one word."
API_KEY = "test-key-0d1b"


def agent_graph(**config: Any) -> GraphSpec:
    return parse_graph({
        "id": "ask",
        "nodes": [
            {"id": "in", "kind": "input", "config": {"name": "question"}},
            {"id": "agent", "kind": "llm", "config": {"max_tokens": 24, **config}},
            {"id": "out", "kind": "output", "config": {"name": "answer"}},
        ],
        "edges": [
            {"source": {"node": "in", "port": "value"}, "target": {"node": "agent", "port": "prompt"}},
            {"source": {"node": "agent", "port": "text"}, "target": {"node": "out", "port": "value"}},
        ],
        "inputs": [{"name": "question"}],
        "outputs": [{"name": "answer"}],
    })


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on the SmolLM2 model, with an API key."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path()), "--n_ctx", "1024",
         "--n_threads", "1", "--chat_format", "chatml", "--host", "127.0.0.1", "--port", str(port),
         "--api_key", API_KEY],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/models", headers={"Authorization": f"Bearer {API_KEY}"}).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("llama.cpp server did not start")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def secrets(name: str) -> str | None:
    return {"llama_key": API_KEY}.get(name)


@pytest.mark.slow
async def test_local_model_answers_in_process() -> None:
    sink = ListSink()
    outcome = await run_graph(agent_graph(provider="local"), {"question": QUESTION}, thread_id="local", sink=sink)
    assert outcome.status == "succeeded", outcome.error
    assert "paris" in outcome.outputs["answer"].lower()
    tokens = "".join(e["text"] for e in sink.events if e["type"] == "token")
    assert tokens.strip() == outcome.outputs["answer"]


@pytest.mark.slow
async def test_openai_compatible_provider_streams_from_a_real_server(llama_server: str) -> None:
    spec = agent_graph(provider="openai", base_url=llama_server, api_key_secret="llama_key")
    sink = ListSink()
    outcome = await run_graph(spec, {"question": QUESTION}, thread_id="oa", sink=sink,
                              services=RunServices(secrets=secrets))
    assert outcome.status == "succeeded", outcome.error
    assert "paris" in outcome.outputs["answer"].lower()
    tokens = [e["text"] for e in sink.events if e["type"] == "token"]
    assert len(tokens) > 1 and "".join(tokens) == outcome.outputs["answer"]
    # Without a listener the same provider answers in one (non-streamed) call.
    quiet = await run_graph(spec, {"question": QUESTION}, thread_id="oa2", services=RunServices(secrets=secrets))
    assert "paris" in quiet.outputs["answer"].lower()


@pytest.mark.slow
async def test_provider_http_errors_fail_the_node_readably(llama_server: str) -> None:
    spec = agent_graph(provider="openai", base_url=llama_server, api_key_secret="llama_key")
    outcome = await run_graph(spec, {"question": "hi"}, thread_id="e1")  # no secrets: the key is missing
    assert outcome.status == "failed"
    assert outcome.error.startswith(f"node 'agent' (llm) failed: openai: HTTP 401 from {llama_server}/chat/completions")
    spec = agent_graph(provider="anthropic", base_url=llama_server, api_key_secret="llama_key")
    outcome = await run_graph(spec, {"question": "hi"}, thread_id="e2", services=RunServices(secrets=secrets))
    assert outcome.error.startswith(f"node 'agent' (llm) failed: anthropic: HTTP 404 from {llama_server}/v1/messages")


async def test_unreachable_endpoint_and_missing_keys() -> None:
    port = free_port()
    outcome = await run_graph(agent_graph(provider="openai", base_url=f"http://127.0.0.1:{port}/v1"),
                              {"question": "hi"}, thread_id="u")
    assert outcome.error.startswith(f"node 'agent' (llm) failed: openai: cannot reach http://127.0.0.1:{port}/v1")
    outcome = await run_graph(agent_graph(provider="openai"), {"question": "hi"}, thread_id="k1")
    assert outcome.error == ("node 'agent' (llm) failed: openai: no API key: store a secret named "
                             "'OPENAI_API_KEY' or set api_key_secret")
    outcome = await run_graph(agent_graph(provider="anthropic", api_key_secret="mine"), {"question": "hi"},
                              thread_id="k2")
    assert outcome.error == ("node 'agent' (llm) failed: anthropic: no API key: store a secret named "
                             "'mine' or set api_key_secret")


def test_wire_formats_carry_tool_calls() -> None:
    calc = BUILTIN_TOOLS["builtin.calculator"]
    conversation = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "6*7?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "c1", "name": "builtin.calculator", "arguments": {"expression": "6*7"}}]},
        {"role": "tool", "tool_call_id": "c1", "name": "builtin.calculator", "content": "42"},
    ]
    assert openai_wire.tool_specs([calc])[0]["function"]["name"] == "builtin__calculator"
    wire = openai_wire.wire_messages(conversation)
    assert wire[2]["tool_calls"][0]["function"] == {"name": "builtin__calculator", "arguments": '{"expression": "6*7"}'}
    assert wire[3] == {"role": "tool", "content": "42", "tool_call_id": "c1"}
    system, messages = anthropic_wire.wire_messages(conversation)
    assert system == "be brief"
    assert messages[1]["content"] == [
        {"type": "tool_use", "id": "c1", "name": "builtin__calculator", "input": {"expression": "6*7"}}]
    assert messages[2] == {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "c1", "content": "42"}]}
