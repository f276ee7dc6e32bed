"""`lcnc deploy GRAPH.json --kubeconfig PATH` against the emulator: the same engine as the API."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from builder.cli import app
from builder.deploy.plan import cli_deployment_id, owner_name
from tests.builder.deploy.conftest import validate_strict
from tests.builder.deploy.emulator import Emulator
from tests.builder.deploy.helpers import ready
from tests.conftest import GRAPHS

GRAPH = str(GRAPHS / "linear_transform.json")


def kubeconfig_file(tmp_path: Path, emulator: Emulator, **kwargs) -> str:
    path = tmp_path / "kubeconfig"
    path.write_text(emulator.kubeconfig(**kwargs), encoding="utf-8")
    return str(path)


def test_deploy_prints_each_object_and_the_rollout(tmp_path: Path, emulator: Emulator) -> None:
    ready(emulator, "apps", "linear-transform")
    result = CliRunner().invoke(app, ["deploy", GRAPH, "--kubeconfig", kubeconfig_file(tmp_path, emulator),
                                      "--namespace", "apps", "--timeout", "10"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"configmap/{owner_name(cli_deployment_id('apps', 'linear-transform'))} created" in lines
    assert "deployment/linear-transform created" in lines and "ingress/linear-transform created" in lines
    assert "rollout: 2 of 2 updated replicas, 2 available" in lines
    assert "preflight skipped: the API server did not evaluate SelfSubjectAccessReview" in result.output
    assert lines[-1] == "url: http://linear-transform.apps.svc.cluster.local"
    assert len(emulator.objects("apps")) == 8

    again = CliRunner().invoke(app, ["deploy", GRAPH, "--kubeconfig", kubeconfig_file(tmp_path, emulator),
                                     "--namespace", "apps", "--no-wait"])
    assert again.exit_code == 0, again.output
    assert "service/linear-transform unchanged" in again.output.splitlines()  # same graph: nothing to change
    assert "applied (rollout not followed)" in again.output


def test_the_namespace_comes_from_the_context(tmp_path: Path, emulator: Emulator) -> None:
    result = CliRunner().invoke(app, ["deploy", GRAPH, "--kubeconfig",
                                      kubeconfig_file(tmp_path, emulator, namespace="apps"), "--no-wait"])
    assert result.exit_code == 0, result.output
    assert ("Deployment", "linear-transform") in emulator.objects("apps")


def test_a_failure_exits_1_and_bad_input_exits_2(tmp_path: Path, emulator: Emulator) -> None:
    missing = CliRunner().invoke(app, ["deploy", GRAPH, "--kubeconfig", kubeconfig_file(tmp_path, emulator),
                                       "--namespace", "nowhere"])
    assert missing.exit_code == 1 and "namespace 'nowhere' does not exist" in missing.output
    broken = tmp_path / "broken"
    broken.write_text("{nope", encoding="utf-8")
    unreadable = CliRunner().invoke(app, ["deploy", GRAPH, "--kubeconfig", str(broken)])
    assert unreadable.exit_code == 2 and "not valid YAML" in unreadable.output
    assert emulator.objects() == {}


def test_dry_run_prints_valid_manifests_without_a_cluster() -> None:
    result = CliRunner().invoke(app, ["deploy", GRAPH, "--dry-run", "--namespace", "apps", "--host", "hi.example.org"])
    assert result.exit_code == 0, result.output
    docs = list(yaml.safe_load_all(result.output))
    assert [d["kind"] for d in docs][:2] == ["ConfigMap", "ConfigMap"]
    assert {d["kind"] for d in docs} == {"ConfigMap", "Service", "Deployment", "HorizontalPodAutoscaler",
                                         "PodDisruptionBudget", "Ingress"}
    for doc in docs:
        validate_strict(doc)


def test_subgraphs_and_graph_tools_come_from_a_graphs_folder(tmp_path: Path) -> None:
    subgraph = str(GRAPHS / "subgraph.json")
    refused = CliRunner().invoke(app, ["deploy", subgraph, "--dry-run"])
    assert refused.exit_code == 2 and "node 'inner'" in refused.output and "linear_transform" in refused.output
    result = CliRunner().invoke(app, ["deploy", subgraph, "--dry-run", "--graphs", str(GRAPHS)])
    assert result.exit_code == 0, result.output
    docs = list(yaml.safe_load_all(result.stdout))
    code = {key for doc in docs if doc["kind"] == "ConfigMap" for key in doc.get("data", {})}
    assert any(key.endswith("app.subgraphs.g_linear_transform.py") for key in code), sorted(code)
    for doc in docs:
        validate_strict(doc)
    folder = tmp_path / "graphs"
    folder.mkdir()
    (folder / "broken.json").write_text('{"id": "x"', encoding="utf-8")
    broken = CliRunner().invoke(app, ["deploy", subgraph, "--dry-run", "--graphs", str(folder)])
    assert broken.exit_code == 2 and f"{folder}: a graph file there is not a graph" in broken.output


def test_deploy_to_a_cluster_registered_in_the_platform(tmp_path: Path, emulator: Emulator) -> None:
    from fastapi.testclient import TestClient

    from builder.app import create_app
    from builder.settings import Settings

    data_dir = tmp_path / "data"
    with TestClient(create_app(Settings(data_dir=data_dir, database_url=""))) as api:
        created = api.post("/api/orchestrator/clusters", json={"name": "emu", "kubeconfig": emulator.kubeconfig(),
                                                                "default_namespace": "apps"})
        assert created.status_code == 201, created.text
    env = {"DATA_DIR": str(data_dir), "DATABASE_URL": ""}
    result = CliRunner().invoke(app, ["deploy", GRAPH, "--cluster", "emu", "--no-wait"], env=env)
    assert result.exit_code == 0, result.output
    assert ("Deployment", "linear-transform") in emulator.objects("apps")
    unknown = CliRunner().invoke(app, ["deploy", GRAPH, "--cluster", "nope"], env=env)
    assert unknown.exit_code == 2 and "no cluster named 'nope'" in unknown.output


def test_progress_goes_to_stderr_and_json_lines_stay_clean(tmp_path: Path, emulator: Emulator) -> None:
    import json
    import re

    ready(emulator, "apps", "linear-transform")
    args = ["deploy", GRAPH, "--kubeconfig", kubeconfig_file(tmp_path, emulator), "--namespace", "apps",
            "--timeout", "10"]
    shown = CliRunner().invoke(app, args, env={"LCNC_PROGRESS": "1"})
    assert shown.exit_code == 0, shown.output
    steps = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.stderr)
    assert "✓ rendering 'Greeting' for namespace apps" in steps
    assert "✓ deploying linear-transform to namespace apps" in steps
    assert "deployment/linear-transform created" in shown.stdout.splitlines()  # results stay on stdout
    assert "✓" not in shown.stdout

    as_json = CliRunner().invoke(app, [*args, "--json"], env={"LCNC_PROGRESS": "1"})
    assert as_json.exit_code == 0, as_json.output
    assert as_json.stderr == ""
    events = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert {"object_applied", "rollout_progress"} <= {event["type"] for event in events}


def test_sql_urls_and_mcp_tokens_come_from_the_environment_into_the_secret(
        tmp_path: Path, emulator: Emulator, monkeypatch) -> None:
    import base64
    import json

    graph = str(GRAPHS / "sql_query.json")
    for name in ("SQL_URL_SHOP", "SQL_WRITABLE", "MCP_SERVERS"):
        monkeypatch.delenv(name, raising=False)
    args = ["deploy", graph, "--kubeconfig", kubeconfig_file(tmp_path, emulator), "--namespace", "apps"]
    missing = CliRunner().invoke(app, args)
    assert missing.exit_code == 2, missing.output
    assert "the SQL connection 'shop' used by node 'query' needs its URL: set SQL_URL_SHOP" in missing.output
    assert emulator.objects("apps") == {}

    url = "postgresql://shop:pw-from-env@db:5432/shop"
    monkeypatch.setenv("SQL_URL_SHOP", url)
    monkeypatch.setenv("SQL_WRITABLE", '["shop"]')
    ready(emulator, "apps", "sql-query")
    result = CliRunner().invoke(app, [*args, "--timeout", "10"])
    assert result.exit_code == 0, result.output
    assert "pw-from-env" not in result.output
    objects = emulator.objects("apps")
    secret = objects[("Secret", "sql-query-secrets")]
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == {"SQL_URL_SHOP": url}
    assert objects[("ConfigMap", "sql-query-config")]["data"]["SQL_WRITABLE"] == '["shop"]'
    assert all("pw-from-env" not in json.dumps(obj) for (kind, _), obj in objects.items() if kind == "ConfigMap")

    # Headers of an MCP server would land in the ConfigMap: refused, the token has its own variable.
    monkeypatch.setenv("MCP_SERVERS", json.dumps({"math": {"url": "https://m/mcp", "headers": {"X-Key": "k"}}}))
    mcp = CliRunner().invoke(app, ["deploy", str(GRAPHS / "mcp_tool.json"), "--dry-run"])
    assert mcp.exit_code == 2 and "MCP_TOKEN_<NAME>" in mcp.output
