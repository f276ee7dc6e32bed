"""render_project: pure, deterministic, complete, and refusing graphs that cannot run."""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from codegen import MANIFEST_PATH, ExportError, ProjectOptions, render_project, spec_hash
from codegen.carry import carried_sources, kind_modules, rewrite_imports
from codegen.manifest import file_hash
from tests.codegen.conftest import EXPORTABLE, fixture_spec, render_fixture

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "app/main.py", "app/graph.py", "app/engine.py", "app/runner.py", "app/api.py", "app/schemas.py",
    "app/settings.py", "app/observability.py", "app/runs.py", "app/custom/__init__.py", "app/custom/hooks.py",
    "pyproject.toml", "Dockerfile", ".dockerignore", "docker-compose.yml", "README.md", "graph.json",
    "k8s/deployment.yaml", "k8s/service.yaml", "k8s/ingress.yaml", "k8s/hpa.yaml", "k8s/configmap.yaml",
    "k8s/pdb.yaml", "k8s/kustomization.yaml", "tests/conftest.py", "tests/test_api.py", "tests/examples.json",
    MANIFEST_PATH,
}
PLATFORM_IMPORT = re.compile(r"^\s*(from|import)\s+(runtime|builder|codegen)(\.|\s)", re.MULTILINE)


def test_the_fixtures_that_matter_are_exportable() -> None:
    assert {"linear_transform", "agent_tools", "router", "loop", "supervisor", "human_approval"} <= set(EXPORTABLE)


@pytest.mark.parametrize("name", EXPORTABLE)
def test_project_has_every_part(name: str) -> None:
    files = render_fixture(name)
    assert REQUIRED <= set(files)
    assert all(text.endswith("\n") or text == "" for text in files.values())


@pytest.mark.parametrize("name", EXPORTABLE)
def test_project_never_imports_the_platform(name: str) -> None:
    for path, text in render_fixture(name).items():
        if path.endswith(".py"):
            assert not PLATFORM_IMPORT.search(text), path


def test_same_graph_same_bytes() -> None:
    spec = fixture_spec("router")
    assert render_project(spec) == render_project(spec.model_copy(deep=True))


def _digest_in_subprocess(seed: str) -> str:
    code = (
        "import hashlib, json; from codegen import render_project; from codegen.golden import FIXTURES; "
        "from runtime.spec import load_graph; "
        "files = render_project(load_graph((FIXTURES / 'supervisor.json').read_bytes())); "
        "print(hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_output_does_not_depend_on_hash_seed_or_time() -> None:
    first = _digest_in_subprocess("1")
    assert first == _digest_in_subprocess("4242")
    files = render_fixture("supervisor")
    assert hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest() == first


def test_rendering_does_no_io() -> None:
    render_fixture("agent_tools")  # templates and carried sources are read once, on first use
    spec = fixture_spec("agent_tools")
    seen: list[str] = []

    def no_io(*args: object, **kwargs: object) -> None:
        seen.append(repr(args))
        raise AssertionError(f"render_project did I/O: {args}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builtins, "open", no_io)
        patch.setattr(os, "stat", no_io)
        patch.setattr(Path, "read_text", no_io)
        patch.setattr(Path, "read_bytes", no_io)
        try:
            files = render_project(spec)
        except AssertionError:
            files = {}
    assert not seen, seen
    assert "app/graph.py" in files


def test_manifest_lists_owned_files_with_hashes() -> None:
    spec = fixture_spec("loop")
    files = render_project(spec)
    manifest = json.loads(files[MANIFEST_PATH])
    assert manifest["spec_sha256"] == spec_hash(spec)
    assert manifest["graph_id"] == "loop"
    owned = {path for path in files if path != MANIFEST_PATH and not path.startswith("app/custom/")}
    assert set(manifest["files"]) == owned
    assert all(manifest["files"][path] == file_hash(files[path]) for path in owned)
    assert manifest["user_files"] == ["app/custom/__init__.py", "app/custom/hooks.py"]


def test_spec_hash_changes_with_the_graph() -> None:
    spec = fixture_spec("linear_transform")
    changed = spec.model_copy(update={"description": "other"})
    assert spec_hash(spec) != spec_hash(changed)


def test_carried_modules_are_the_platform_source() -> None:
    files = render_fixture("agent_tools")
    carried = carried_sources(("input", "llm", "output"), ("runtime.nodes._tools",))
    assert set(carried) <= set(files)
    module = kind_modules()["llm"]
    source = Path(sys.modules[module].__file__).read_text(encoding="utf-8")
    assert files["app/lcnc_nodes/llm_agent.py"].endswith(rewrite_imports(source))
    assert "app/lcnc_nodes/rag_retrieve.py" not in files  # only the kinds the graph uses


def test_invalid_graph_is_refused_with_its_issues() -> None:
    doc = json.loads(json.dumps(fixture_spec("linear_transform").model_dump(mode="json")))
    doc["edges"] = doc["edges"][:2]  # 'out' loses its input
    from runtime.spec import parse_graph

    with pytest.raises(ExportError) as caught:
        render_project(parse_graph(doc))
    assert {issue.node_id for issue in caught.value.issues} == {"out"}
    assert caught.value.issues[0].code == "missing_input"


def test_subgraph_without_the_referenced_graph_is_refused() -> None:
    with pytest.raises(ExportError, match="subgraph 'linear_transform' is not provided"):
        render_project(fixture_spec("subgraph"))


def test_subgraph_is_written_out_as_its_own_module() -> None:
    inner = fixture_spec("linear_transform")
    files = render_project(fixture_spec("subgraph"), ProjectOptions(subgraphs={"linear_transform": inner}))
    module = files["app/subgraphs/g_linear_transform.py"]
    assert "GREET = Node(" in module and "graph.add_edge(START, 'in')" in module
    assert "'linear_transform': g_linear_transform" in files["app/subgraphs/__init__.py"]
    assert json.loads(files[MANIFEST_PATH])["subgraphs"] == {"linear_transform": spec_hash(inner)}
    assert "app/subgraphs/__init__.py" not in render_fixture("linear_transform")


def test_subgraph_cycle_is_refused() -> None:
    outer = fixture_spec("subgraph")
    looping = outer.model_copy(update={"id": "linear_transform"})  # 'inner' now runs the graph itself
    with pytest.raises(ExportError, match="calls itself"):
        render_project(outer, ProjectOptions(subgraphs={"linear_transform": looping}))


def test_options_shape_the_deployment() -> None:
    options = ProjectOptions(name="triage-svc", image="registry.example.com/triage:1.2.3", replicas=3,
                             max_replicas=7, host="triage.example.org", namespace="prod")
    files = render_project(fixture_spec("router"), options)
    import yaml

    deployment = yaml.safe_load(files["k8s/deployment.yaml"])
    assert deployment["metadata"]["name"] == "triage-svc"
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example.com/triage:1.2.3"
    assert yaml.safe_load(files["k8s/hpa.yaml"])["spec"]["maxReplicas"] == 7
    kustomization = yaml.safe_load(files["k8s/kustomization.yaml"])
    assert kustomization["namespace"] == "prod"
    assert kustomization["images"] == [{"name": "registry.example.com/triage", "newTag": "1.2.3"}]


def test_secrets_are_referenced_by_name_only() -> None:
    import yaml

    doc = json.loads(json.dumps(fixture_spec("agent_tools").model_dump(mode="json")))
    agent = doc["nodes"][1]["config"]
    agent.update(provider="openai", api_key_secret="team_openai_key")
    from runtime.spec import parse_graph

    files = render_project(parse_graph(doc))
    env = yaml.safe_load(files["k8s/deployment.yaml"])["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "SECRET_TEAM_OPENAI_KEY", "valueFrom": {"secretKeyRef": {
        "name": "agent-tools-secrets", "key": "SECRET_TEAM_OPENAI_KEY"}}}]
    assert "'team_openai_key': 'SECRET_TEAM_OPENAI_KEY'" in files["app/settings.py"]
    assert "kubectl create secret generic agent-tools-secrets" in files["README.md"]


def _with_tools(name: str, node_id: str, tools: list[str]) -> Any:
    from runtime.spec import parse_graph

    doc = json.loads(json.dumps(fixture_spec(name).model_dump(mode="json")))
    next(n for n in doc["nodes"] if n["id"] == node_id)["config"]["tools"] = tools
    return parse_graph(doc)


def test_unknown_tools_are_refused_naming_the_node_and_the_tool() -> None:
    spec = _with_tools("agent_tools", "agent", ["builtin.nope", "http.weather", "graph.other", "sql.shop"])
    with pytest.raises(ExportError) as caught:
        render_project(spec)
    issues = caught.value.issues
    assert [(i.node_id, i.field, i.code) for i in issues] == [("agent", "config.tools", "unknown_tool")] * 3
    assert [i.message.split("'")[1] for i in issues] == ["builtin.nope", "http.weather", "graph.other"]
    assert "node 'agent'" in str(caught.value) and "builtin.nope" in str(caught.value)


def test_workspace_tools_need_the_services_and_secrets_they_use() -> None:
    import yaml

    spec = _with_tools("agent_tools", "agent", ["builtin.calculator", "http.weather", "sql.shop", "mcp.math.add"])
    weather = {"url": "https://w.example.com/?q={{ city }}", "auth_secret": "weather-key"}
    files = render_project(spec, ProjectOptions(http_tools={"http.weather": weather}))
    env = yaml.safe_load(files["k8s/deployment.yaml"])["spec"]["template"]["spec"]["containers"][0]["env"]
    assert [e["name"] for e in env] == ["SECRET_WEATHER_KEY", "SQL_URL_SHOP", "MCP_TOKEN_MATH"]
    assert all(e["valueFrom"]["secretKeyRef"]["name"] == "agent-tools-secrets" for e in env)
    config = yaml.safe_load(files["k8s/configmap.yaml"])["data"]
    assert {"SSRF_ALLOWLIST", "SQL_WRITABLE", "MCP_SERVERS"} <= set(config)
    assert "'shop': 'SQL_URL_SHOP'" in files["app/settings.py"] and "'math': 'MCP_TOKEN_MATH'" in files["app/settings.py"]
    assert {"app/lcnc_nodes/_http/tool.py", "app/lcnc_nodes/_sql/tool.py", "app/lcnc_nodes/_mcp/registry.py"} <= set(files)
    assert "from app.tools import run_tools" in files["app/runner.py"]
    pyproject = files["pyproject.toml"]
    assert "asyncpg==" in pyproject and "mcp==" in pyproject
    # A graph that calls only built-in tools carries none of that.
    plain = render_fixture("agent_tools")
    assert "app/lcnc_nodes/_http/tool.py" not in plain and "HTTP_TOOLS" not in plain["app/tools.py"]
