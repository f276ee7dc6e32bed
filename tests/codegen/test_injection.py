"""The injection corpus: graph strings full of quotes, templates, YAML specials and unicode stay data.

The generated project must compile, lint clean, parse as YAML/TOML, carry every string byte for
byte, and run the graph without anything in those strings being executed.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen import ProjectOptions, render_project, write_folder
from codegen.options import HttpToolDefinition
from runtime.compile import RunServices
from runtime.engine import run_graph
from runtime.nodes._http import HttpPolicy
from runtime.nodes._http.tool import http_tool
from runtime.nodes._tools import BUILTIN_TOOLS
from runtime.spec import parse_graph

CANARY = Path("/tmp/lcnc-codegen-injection-canary")
PAYLOAD = f'"; __import__("os").system("touch {CANARY}") #'
CORPUS = [
    PAYLOAD,
    f"'''; __import__('os').system('touch {CANARY}'); '''",
    '"""',
    "\\",
    "\\\\n \\x00 \\u0041",
    "line1\nline2\r\n\tend",
    "{{ data }} {{ data.__class__ }} {{ 7*7 }}",
    "{% for x in range(3) %}{{ x }}{% endfor %} {# comment #}",
    "${HOME} $(id) `id`",
    ": # & * ! | > ' \" % @ ` [ ] { } ,",
    "- item\n- other",
    "key: value\n---\nother: doc",
    "null",
    "yes",
    "~",
    "ünïcödé ✓ 日本語 🚀 \u202e rtl",
    "\x00\x07\x1b[31m control \x7f",
    "\u2028\u2029\ufeff",
    "</script><script>alert(1)</script>",
    "x" * 50_000,
]
NAME = ('"; import os #\'\'\' """ \\ {{ x }} {% if %} ${X} : # & * ! | > \' " % ünï 🚀\n' + "\u2028")[:200]




def _graph() -> dict[str, Any]:
    joined = "".join(CORPUS)
    return {
        "schema_version": 2,
        "id": "injection",
        "name": NAME,
        "description": "\n".join(CORPUS[:-1]),
        "nodes": [
            {"id": "in", "kind": "input", "label": CORPUS[0][:200], "config": {"name": "text"}},
            {"id": "fill", "kind": "transform", "label": "'''\"\"\"\\", "config": {"template": joined + "{{ data }}"}},
            {"id": "route", "kind": "router", "config": {
                "routes": [{"name": "hit", "field": "", "op": "contains", "value": "HIT-MARK"},
                           {"name": "deep", "field": "a.b", "op": "equals", "value": {k[:50]: k for k in CORPUS[:8]}}],
                "default": "miss"}},
            {"id": "hit", "kind": "transform", "config": {"template": CORPUS[2] + "{{ data }}"}},
            {"id": "deep", "kind": "transform", "config": {"template": "deep"}},
            {"id": "agent", "kind": "llm", "config": {
                "provider": "scripted", "system_prompt": joined, "prompt": "{{ prompt }}" + CORPUS[6],
                "tools": ["http.corpus"], "script": [{"content": joined}]}},
            {"id": "out_hit", "kind": "output", "config": {"name": "result"}},
            {"id": "out_deep", "kind": "output", "config": {"name": "result"}},
            {"id": "out_miss", "kind": "output", "config": {"name": "result"}},
        ],
        "edges": [
            {"source": {"node": "in", "port": "value"}, "target": {"node": "fill", "port": "data"}},
            {"source": {"node": "fill", "port": "value"}, "target": {"node": "route", "port": "value"}},
            {"source": {"node": "route", "port": "value"}, "target": {"node": "hit", "port": "data"},
             "condition": "hit"},
            {"source": {"node": "route", "port": "value"}, "target": {"node": "deep", "port": "data"},
             "condition": "deep"},
            {"source": {"node": "route", "port": "value"}, "target": {"node": "agent", "port": "prompt"},
             "condition": "miss"},
            {"source": {"node": "hit", "port": "value"}, "target": {"node": "out_hit", "port": "value"}},
            {"source": {"node": "deep", "port": "value"}, "target": {"node": "out_deep", "port": "value"}},
            {"source": {"node": "agent", "port": "text"}, "target": {"node": "out_miss", "port": "value"}},
        ],
        "inputs": [{"name": "text", "type": "text", "description": "\n".join(CORPUS[:-1])[:2000],
                    "required": False, "default": CORPUS[0]}],
        "outputs": [{"name": "result", "type": "text", "description": CORPUS[9]}],
    }


# A workspace HTTP tool the agent may call: its definition is data from the workspace, written into the project.
HTTP_TOOL: dict[str, Any] = {
    "description": "".join(CORPUS[:-1])[:1000],
    "method": "POST",
    "url": "https://example.com/" + "".join(CORPUS[:12])[:3000] + "{{ q }}",
    "headers": {item[:40] or "empty": item for item in CORPUS[:-1]},
    "body": "".join(CORPUS)[:100_000],
    "parameters": {"type": "object", "properties": {item[:60] or "empty": {"type": "string", "description": item}
                                                    for item in CORPUS[:-1]}},
    "auth_secret": "corpus-token",
    "timeout_s": 5.0,
}


def _platform_services() -> RunServices:
    tool = http_tool("http.corpus", HTTP_TOOL["description"], method=HTTP_TOOL["method"], url=HTTP_TOOL["url"],
                     parameters=HTTP_TOOL["parameters"], policy=HttpPolicy(), headers=HTTP_TOOL["headers"],
                     body=HTTP_TOOL["body"], timeout_s=HTTP_TOOL["timeout_s"])
    return RunServices(tools={**BUILTIN_TOOLS, "http.corpus": tool})


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, str], Path]:
    CANARY.unlink(missing_ok=True)
    spec = parse_graph(_graph())
    files = render_project(spec, ProjectOptions(http_tools={"http.corpus": HTTP_TOOL}))
    folder = tmp_path_factory.mktemp("injection") / "project"
    write_folder(files, folder)
    return spec, files, folder


def test_every_file_is_valid_utf8_and_python_compiles(project: tuple[Any, dict[str, str], Path]) -> None:
    _, files, _ = project
    for path, text in files.items():
        text.encode("utf-8")  # no lone surrogate leaked into a file
        if path.endswith(".py"):
            compile(text, path, "exec", dont_inherit=True)


def test_ruff_clean(project: tuple[Any, dict[str, str], Path]) -> None:
    _, _, folder = project
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run([str(ruff), "check", "--no-cache", "."], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_yaml_and_toml_carry_the_strings_exactly(project: tuple[Any, dict[str, str], Path]) -> None:
    spec, files, _ = project
    for path in files:
        if path.endswith((".yaml", ".yml")):
            yaml.safe_load(files[path])
    deployment = yaml.safe_load(files["k8s/deployment.yaml"])
    assert deployment["metadata"]["annotations"]["lcnc.dev/graph-name"] == spec.name
    tomllib.loads(files["pyproject.toml"])
    assert json.loads(files["graph.json"]) == json.loads(json.dumps(spec.model_dump(mode="json")))


_PROBE = """
import asyncio, json, sys
from app.graph import NODES
from app.main import create_app
from app.runner import run_graph
from app.schemas import RunInputs, RunOutputs
app = create_app()
inputs = RunInputs.model_validate(json.loads(sys.stdin.read())).model_dump(by_alias=True)
outcome = asyncio.run(run_graph(inputs, thread_id="probe"))
print(json.dumps({
    "configs": {n.id: n.config.model_dump(mode="json", exclude_unset=True) for n in NODES},
    "labels": {n.id: n.label for n in NODES},
    "title": app.title, "description": app.description,
    "input_schema": RunInputs.model_json_schema(by_alias=True),
    "output_schema": RunOutputs.model_json_schema(by_alias=True),
    "outcome": {"status": outcome.status, "outputs": outcome.outputs, "error": outcome.error},
    "http_tools": __import__("app.tools").tools.HTTP_TOOLS,
}, ensure_ascii=True))
"""


@pytest.mark.parametrize("text", [CORPUS[0], "HIT-MARK " + CORPUS[1], "plain"])
def test_strings_survive_byte_for_byte_and_nothing_runs(project: tuple[Any, dict[str, str], Path], text: str) -> None:
    spec, _, folder = project
    done = subprocess.run([sys.executable, "-c", _PROBE], cwd=folder, input=json.dumps({"text": text}),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    for node in spec.nodes:
        assert seen["configs"][node.id] == json.loads(json.dumps(node.config)), node.id
        assert seen["labels"][node.id] == node.label
    assert seen["title"] == spec.name and seen["description"] == spec.description
    assert seen["input_schema"]["properties"]["text"]["description"] == spec.inputs[0].description
    assert seen["input_schema"]["properties"]["text"]["default"] == spec.inputs[0].default
    assert seen["output_schema"]["properties"]["result"]["description"] == spec.outputs[0].description
    # The same graph and inputs through the platform runtime give the same outcome.
    assert seen["http_tools"] == {"http.corpus": HttpToolDefinition(**HTTP_TOOL).model_dump(mode="json")}
    assert seen["http_tools"]["http.corpus"]["body"] == HTTP_TOOL["body"]
    platform = asyncio.run(run_graph(spec, {"text": text}, thread_id="probe", services=_platform_services()))
    assert seen["outcome"] == {"status": platform.status, "outputs": platform.outputs, "error": platform.error}
    assert platform.status == "succeeded"
    result = platform.outputs["result"]
    if "HIT-MARK" in text:  # router -> 'hit' transform: its template's text, then the filled corpus and the input
        assert result.startswith(CORPUS[2] + CORPUS[0]) and result.endswith(text)
        assert "{{ 7*7 }}" in result and "49" not in result  # an expression placeholder stays text
    else:  # router -> the scripted LLM, whose answer is the whole corpus, byte for byte
        assert result == "".join(CORPUS)
    assert not CANARY.exists(), "a graph string was executed"
