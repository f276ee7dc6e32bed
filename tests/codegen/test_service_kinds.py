"""Graphs with service kinds, exported and served by the generated app under uvicorn, configured only by
environment variables, give the platform runtime's outcomes and node events (parity) against real services:
a local persistent Chroma folder with the offline embedding model, a throwaway PostgreSQL database, a real MCP
server over stdio, and a local HTTP server behind the SSRF guard.

The served processes run in the platform's venv (it has every pinned library) with an import hook that
refuses ``runtime``, ``builder`` and ``codegen``: the generated code runs on its own carried copies only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from codegen import Example, ProjectOptions, render_project, write_folder
from runtime.compile import RunServices
from runtime.engine import ListSink, run_graph
from runtime.nodes._http import HttpPolicy
from runtime.nodes._mcp import McpRegistry, McpServerConfig
from runtime.nodes._rag import LocalEmbedder, RagStore
from runtime.nodes._sql import SqlConnection, SqlConnections
from runtime.spec import GraphSpec, parse_graph
from tests.codegen.conftest import MCP_SERVER, fixture_spec
from tests.codegen.serving import free_port, serve

pytestmark = pytest.mark.slow

_LAUNCH = """
import importlib.abc, sys

class NoPlatform(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("runtime", "builder", "codegen"):
            raise ImportError(f"the generated app imported the platform module {name}")
        return None

sys.meta_path.insert(0, NoPlatform())
import uvicorn

uvicorn.run("app.main:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
# Settings of the generated apps that the test machine's environment must not leak into them.
_SERVICE_ENV = ("SSRF_ALLOWLIST", "CHROMA_URL", "CHROMA_PATH", "CHROMA_COLLECTION_PREFIX", "EMBEDDING_MODEL_DIR",
                "SQL_WRITABLE", "MCP_SERVERS", "RUN_LIVE_TESTS")


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in _SERVICE_ENV and not key.startswith(("SQL_URL_", "MCP_TOKEN_", "PYTHON"))}
    return {**env, "LOG_LEVEL": "WARNING", "RUN_TIMEOUT_S": "120", **extra}


def export(spec: GraphSpec, root: Path, examples: list[Example] | None = None) -> Path:
    folder = root / f"{spec.id}-{uuid.uuid4().hex[:6]}"
    write_folder(render_project(spec, ProjectOptions(examples=examples or [])), folder)
    return folder


@contextmanager
def served(folder: Path, **settings: str) -> Iterator[str]:
    """The generated app of ``folder`` under uvicorn with ``settings`` as environment variables."""
    with serve(lambda port: [sys.executable, "-c", _LAUNCH, str(port)], folder, _env(settings),
               ready_timeout=120) as base:
        yield base


def run_served(base: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """One background run through the app's API: its outcome and its node events (from the SSE stream)."""
    started = httpx.post(f"{base}/runs", json=inputs, timeout=30)
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    run = httpx.get(f"{base}/runs/{run_id}", params={"wait": 120}, timeout=150).json()
    events = []
    with httpx.stream("GET", f"{base}/runs/{run_id}/events", timeout=60) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line[len("data: "):])
                events.append([event["type"], event.get("node_id")])
    # The API lists every declared output; one the run did not produce is null there.
    outputs = {key: value for key, value in (run["outputs"] or {}).items() if value is not None}
    return {"status": run["status"], "outputs": outputs, "error": run["error"], "events": events}


async def run_platform(spec: GraphSpec, inputs: dict[str, Any], services: RunServices) -> dict[str, Any]:
    sink = ListSink()
    outcome = await run_graph(spec, inputs, thread_id=f"platform-{uuid.uuid4().hex[:6]}", sink=sink,
                              services=services)
    return {"status": outcome.status, "outputs": outcome.outputs, "error": outcome.error,
            "events": [[e["type"], e.get("node_id")] for e in sink.events]}


def with_config(name: str, node_id: str, **config: Any) -> GraphSpec:
    """A fixture graph with one node's config changed."""
    doc = fixture_spec(name).model_dump(mode="json")
    node = next(node for node in doc["nodes"] if node["id"] == node_id)
    node["config"].update(config)
    return parse_graph(doc)


# -- SQL on a throwaway PostgreSQL database ---------------------------------------------------------------------

async def test_sql_graph_served_gives_the_platform_rows(tmp_path: Path, shop_url: str) -> None:
    spec = fixture_spec("sql_query")
    platform_services = RunServices(sql=SqlConnections({"shop": SqlConnection("shop", shop_url)}))
    platform = await run_platform(spec, {"customer": "Ann"}, platform_services)
    assert platform["status"] == "succeeded", platform["error"]
    assert platform["outputs"] == {"rows": [{"id": 1, "total": 12.5}, {"id": 3, "total": 7.25}]}
    assert ["sql_query", "query"] in platform["events"]

    with served(export(spec, tmp_path), SQL_URL_SHOP=shop_url) as base:
        assert run_served(base, {"customer": "Ann"}) == platform
        sync = httpx.post(f"{base}/run", json={"customer": "Bob"}, timeout=60).json()
        assert sync["status"] == "succeeded" and sync["outputs"] == {"rows": [{"id": 2, "total": 3}]}

    # Without the URL variable the run fails and says which variable to set.
    with served(export(spec, tmp_path)) as base:
        missing = run_served(base, {"customer": "Ann"})
        assert missing["status"] == "failed" and "set SQL_URL_SHOP to its URL" in missing["error"]


async def test_sql_writes_are_refused_alike_on_a_read_only_connection(tmp_path: Path, shop_url: str) -> None:
    spec = with_config("sql_query", "query", query="DELETE FROM orders WHERE customer = :customer")
    platform = await run_platform(spec, {"customer": "Ann"},
                                  RunServices(sql=SqlConnections({"shop": SqlConnection("shop", shop_url)})))
    assert platform["status"] == "failed" and "read-only" in platform["error"]
    with served(export(spec, tmp_path), SQL_URL_SHOP=shop_url) as base:
        assert run_served(base, {"customer": "Ann"}) == platform


# -- RAG with a local persistent Chroma folder -----------------------------------------------------------------

DOCUMENT = "\n\n".join([
    "Refunds are paid back to the original card within five working days after the returned item arrives.",
    "Invoices are sent by email on the first day of every month and can be downloaded from the account page.",
    "Support answers chat messages from 8 am to 6 pm on weekdays; urgent outages are handled around the clock.",
    "Orders above fifty euros ship for free; smaller orders pay a flat shipping fee of four euros.",
])


def _without_document_ids(outcome: dict[str, Any]) -> dict[str, Any]:
    """Document ids are random per ingestion: check their form, then leave them out of the comparison."""
    outputs = dict(outcome["outputs"] or {})
    sources = []
    for passage in outputs.get("sources") or []:
        assert len(passage["document_id"]) == 32
        sources.append({key: value for key, value in passage.items() if key != "document_id"})
    if "sources" in outputs:
        outputs["sources"] = sources
    return {**outcome, "outputs": outputs}


async def test_rag_graphs_served_give_the_platform_passages(tmp_path: Path) -> None:
    ingest, ask = fixture_spec("rag_ingest"), fixture_spec("rag")
    document = {"text": DOCUMENT, "source": "handbook.md"}
    question = {"question": "How long does a refund take?"}

    store = RagStore(path=tmp_path / "platform-chroma", embedder=LocalEmbedder())
    platform_ingest = await run_platform(ingest, document, RunServices(rag=store))
    platform_ask = await run_platform(ask, question, RunServices(rag=store))
    assert platform_ingest["status"] == "succeeded" and platform_ingest["outputs"]["chunks"] >= 2
    assert platform_ask["status"] == "succeeded", platform_ask["error"]
    sources = platform_ask["outputs"]["sources"]
    assert sources[0]["text"].startswith("Refunds are paid back") and sources[0]["source"] == "handbook.md"

    chroma = tmp_path / "generated-chroma"
    with served(export(ingest, tmp_path), CHROMA_PATH=str(chroma)) as base:
        assert run_served(base, document) == platform_ingest
    with served(export(ask, tmp_path), CHROMA_PATH=str(chroma)) as base:  # a new process: the folder persisted
        generated_ask = run_served(base, question)
    assert _without_document_ids(generated_ask) == _without_document_ids(platform_ask)
    assert (chroma / "chroma.sqlite3").is_file()


# -- MCP: a real MCP server started over stdio from the deployment's settings ---------------------------------

async def test_mcp_graph_served_calls_the_server_its_settings_name(tmp_path: Path) -> None:
    spec = fixture_spec("mcp_tool")
    command = [sys.executable, str(MCP_SERVER), "stdio"]
    registry = McpRegistry([McpServerConfig("math", command=tuple(command), timeout_s=60)])
    good, bad = {"numbers": {"a": 2, "b": 40}}, {"numbers": {"a": "two", "b": 1}}
    platform_good = await run_platform(spec, good, RunServices(mcp=registry))
    platform_bad = await run_platform(spec, bad, RunServices(mcp=registry))
    assert platform_good["outputs"] == {"result": 42} and ["tool_call", "call"] in platform_good["events"]
    assert platform_bad["status"] == "failed" and "a: 'two' is not of type 'integer'" in platform_bad["error"]

    folder = export(spec, tmp_path)
    servers = json.dumps({"math": {"command": command, "timeout_s": 60}, "other": {"command": ["false"]}})
    with served(folder, MCP_SERVERS=servers) as base:
        assert run_served(base, good) == platform_good
        assert run_served(base, bad) == platform_bad

    with served(folder) as base:  # no server configured: the run says where to add it
        missing = run_served(base, good)
        assert missing["status"] == "failed" and "add it to MCP_SERVERS" in missing["error"]

    # A shell string is never run: the app refuses to start with it.
    shell = subprocess.run([sys.executable, "-c", _LAUNCH, str(free_port())], cwd=folder, capture_output=True,
                           text=True, timeout=120,
                           env=_env({"MCP_SERVERS": json.dumps({"math": {"command": "python server.py"}})}))
    assert shell.returncode != 0 and "MCP_SERVERS: server 'math'" in shell.stderr and "exact argv" in shell.stderr


# -- HTTP behind the SSRF guard ---------------------------------------------------------------------------------

class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def version_string(self) -> str:
        return "echo"

    def date_time_string(self, timestamp: float | None = None) -> str:
        return "Thu, 01 Jan 2026 00:00:00 GMT"  # the same on both sides

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return None


@pytest.fixture(scope="module")
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_http_graph_served_follows_the_allow_list_like_the_platform(tmp_path: Path, echo_url: str) -> None:
    spec = with_config("http", "fetch", url=echo_url + "/echo?q={{ data }}")
    inputs = {"query": "a b"}
    allowed = await run_platform(spec, inputs, RunServices(http=HttpPolicy.of(["127.0.0.1"])))
    refused = await run_platform(spec, inputs, RunServices())
    assert allowed["outputs"]["response"]["body"] == {"path": "/echo?q=a%20b"}
    assert refused["status"] == "failed" and "loopback" in refused["error"]

    folder = export(spec, tmp_path)
    with served(folder, SSRF_ALLOWLIST='["127.0.0.1"]') as base:
        assert run_served(base, inputs) == allowed
    with served(folder) as base:
        assert run_served(base, inputs) == refused
