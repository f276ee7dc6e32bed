"""Deploy plans: the rendered manifests made ready for one cluster, and the code bundle for the runner image."""

from __future__ import annotations

import base64
import json

import pytest
import yaml

from builder.deploy.bundle import CHUNK_BYTES, build_bundle, runtime_files
from builder.deploy.plan import DEPLOYMENT_LABEL, build_plan, label_value, owner_name
from codegen import ProjectOptions, render_project
from tests.builder.deploy.conftest import validate_strict
from tests.builder.deploy.helpers import DEPLOYMENT_ID, RUNNER, make_plan, secret_spec, spec_of
from tests.conftest import fixture_graph_names

DEPLOYABLE = [name for name in fixture_graph_names() if name != "subgraph"]  # subgraph needs its child graph


def test_plan_is_the_rendered_manifests_plus_ownership() -> None:
    spec = spec_of()
    files = render_project(spec, ProjectOptions(namespace="apps"))
    rendered = [doc for path, text in files.items() if path.startswith("k8s/") and "kustomization" not in path
                for doc in yaml.safe_load_all(text)]
    plan = make_plan(spec)
    by_key = {(o["kind"], o["metadata"]["name"]): o for o in plan.objects}
    for manifest in rendered:
        obj = by_key[(manifest["kind"], manifest["metadata"]["name"])]
        assert obj["spec" if "spec" in manifest else "data"] is not None
        assert obj["metadata"]["namespace"] == "apps"
        assert manifest["metadata"]["labels"].items() <= obj["metadata"]["labels"].items()
        assert obj["metadata"]["labels"][DEPLOYMENT_LABEL] == DEPLOYMENT_ID
        if manifest["kind"] != "Deployment":
            strip = {k: v for k, v in obj.items() if k != "metadata"}
            assert strip == {k: v for k, v in manifest.items() if k != "metadata"}  # untouched besides metadata
    extra = set(by_key) - {(m["kind"], m["metadata"]["name"]) for m in rendered}
    assert extra == {("ConfigMap", c["metadata"]["name"]) for c in plan.bundle.configmaps}
    assert plan.owner["metadata"]["name"] == owner_name(DEPLOYMENT_ID)
    assert json.loads(plan.owner["data"]["objects"]) == sorted(f"{k}/{n}" for k, n in by_key)


@pytest.mark.parametrize("name", [*DEPLOYABLE, "http+secret"])
def test_every_manifest_of_every_fixture_passes_strict_validation(name: str) -> None:
    spec = secret_spec() if name == "http+secret" else spec_of(name)
    from builder.deploy.plan import secret_references

    _secret_name, refs = secret_references(spec, ProjectOptions())
    plan = build_plan(spec, graph_version=3, deployment_id=DEPLOYMENT_ID, namespace="apps", runner_image=RUNNER,
                      options=ProjectOptions(host="svc.example.org"),
                      secret_values={r["name"]: "value" for r in refs})
    for manifest in plan.manifests():
        validate_strict(manifest)


def test_the_code_bundle_holds_the_app_and_mounts_it_at_its_paths() -> None:
    files = render_project(spec_of(), ProjectOptions())
    bundle = build_bundle("greeting", files)
    wanted = runtime_files(files)
    assert "app/main.py" in wanted and "graph.json" in wanted and "k8s/deployment.yaml" not in wanted
    (configmap,) = bundle.configmaps
    items = bundle.volume["projected"]["sources"][0]["configMap"]["items"]
    assert {item["path"]: configmap["data"][item["key"]] for item in items} == wanted
    assert configmap["immutable"] is True and configmap["metadata"]["name"] == f"greeting-code-{bundle.digest[:10]}"


def test_a_large_app_is_split_over_several_configmaps() -> None:
    files = {f"app/module_{i}.py": "x = 1\n" * 40_000 for i in range(6)}  # ~1.4 MB in total
    files["app/main.py"] = "app = None\n"
    bundle = build_bundle("big", files)
    assert len(bundle.configmaps) >= 2
    for configmap in bundle.configmaps:
        assert sum(len(k) + len(v) for k, v in configmap["data"].items()) <= CHUNK_BYTES
    paths = [i["path"] for s in bundle.volume["projected"]["sources"] for i in s["configMap"]["items"]]
    assert sorted(paths) == sorted(files)


def test_secret_references_become_a_secret_and_a_missing_one_is_an_error() -> None:
    spec = secret_spec()
    from builder.deploy.plan import secret_references

    secret_name, refs = secret_references(spec, ProjectOptions())
    assert refs == [{"name": "api-token", "env": "SECRET_API_TOKEN"}]
    with pytest.raises(KeyError):
        make_plan(spec)
    plan = build_plan(spec, graph_version=1, deployment_id=DEPLOYMENT_ID, namespace="apps", runner_image=RUNNER,
                      options=ProjectOptions(), secret_values={r["name"]: "s3cr3t" for r in refs})
    secret = next(o for o in plan.objects if o["kind"] == "Secret")
    assert secret["metadata"]["name"] == secret_name
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == {r["env"]: "s3cr3t" for r in refs}
    deployment = next(o for o in plan.objects if o["kind"] == "Deployment")
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {e["valueFrom"]["secretKeyRef"]["key"] for e in env if "valueFrom" in e} == {r["env"] for r in refs}


def test_service_values_go_into_the_secret_and_settings_into_the_configmap() -> None:
    from builder.deploy.service_values import ServiceValues, service_refs

    spec = spec_of("sql_query")
    refs = service_refs(spec, ProjectOptions())
    assert refs.sql == [{"name": "shop", "env": "SQL_URL_SHOP", "nodes": ["query"]}] and refs.mcp == []
    url = "postgresql://u:hidden-pw@db/shop"
    values = ServiceValues(secret={"SQL_URL_SHOP": url}, config={"SQL_WRITABLE": '["shop"]'})
    assert "hidden-pw" not in repr(values)
    plan = build_plan(spec, graph_version=1, deployment_id=DEPLOYMENT_ID, namespace="apps", runner_image=RUNNER,
                      options=ProjectOptions(), service_values=values)
    secret = next(o for o in plan.objects if o["kind"] == "Secret")
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == {"SQL_URL_SHOP": url}
    configmaps = [o for o in plan.manifests() if o["kind"] == "ConfigMap"]
    assert all("hidden-pw" not in json.dumps(c) for c in configmaps)
    config = next(c for c in configmaps if c["metadata"]["name"] == "sql-query-config")
    assert config["data"]["SQL_WRITABLE"] == '["shop"]'
    # The env digest follows the ConfigMap: a changed setting rolls the pods.
    before = make_plan(spec).objects
    digest = next(o for o in before if o["kind"] == "Deployment")["spec"]["template"]["metadata"]["annotations"]
    after = next(o for o in plan.objects if o["kind"] == "Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert digest["lcnc.dev/env-digest"] != after["lcnc.dev/env-digest"]
    with pytest.raises(ValueError, match="MCP_SERVERS"):
        build_plan(spec, graph_version=1, deployment_id=DEPLOYMENT_ID, namespace="apps", runner_image=RUNNER,
                   options=ProjectOptions(), service_values=ServiceValues(config={"MCP_SERVERS": "{}"}))


def test_label_values_are_always_valid() -> None:
    assert label_value("linear_transform") == "linear_transform"
    assert label_value("_starts_with_underscore").startswith("h-")
    assert len(label_value("a" * 64)) <= 63
