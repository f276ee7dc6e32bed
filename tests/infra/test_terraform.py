"""infra/terraform: parsed with python-hcl2; every variable, local, resource and file it refers to exists.

`terraform validate` needs `terraform init`, which downloads the hashicorp/kubernetes provider from the Terraform
registry; that registry is not reachable here, so only `terraform fmt -check` runs (when terraform is installed).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TF = ROOT / "infra" / "terraform"
K8S = ROOT / "infra" / "k8s"
SOURCES = {path.name: path.read_text() for path in sorted(TF.glob("*.tf"))}
PARSED = {name: hcl2.loads(text) for name, text in SOURCES.items()}
ALL_TEXT = "\n".join(SOURCES.values())


def unquote(name: str) -> str:
    return name.strip('"')


def blocks(kind: str) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for parsed in PARSED.values():
        for block in parsed.get(kind, []):
            for name, body in block.items():
                found[unquote(name)] = body
    return found


VARIABLES = blocks("variable")
OUTPUTS = blocks("output")
LOCALS = {k for parsed in PARSED.values() for block in parsed.get("locals", []) for k in block if k != "__is_block__"}
RESOURCES = {
    f"{unquote(rtype)}.{unquote(rname)}"
    for parsed in PARSED.values() for block in parsed.get("resource", [])
    for rtype, named in block.items() for rname in named
}


def test_files_and_provider() -> None:
    assert {"main.tf", "variables.tf", "outputs.tf", "versions.tf"} <= set(SOURCES)
    [terraform] = PARSED["versions.tf"]["terraform"]
    providers = terraform["required_providers"][0]
    assert unquote(providers["kubernetes"]["source"]) == "hashicorp/kubernetes"
    assert "kubernetes" in {unquote(n) for block in PARSED["versions.tf"]["provider"] for n in block}


def test_every_variable_is_documented_typed_and_used() -> None:
    assert VARIABLES
    for name, body in VARIABLES.items():
        assert unquote(body.get("description", "")).strip(), f"variable {name} has no description"
        assert "type" in body, f"variable {name} has no type"
        uses = len(re.findall(rf"\bvar\.{name}\b", ALL_TEXT))
        assert uses, f"variable {name} is never used"


def test_every_referenced_variable_local_and_resource_exists() -> None:
    for name in set(re.findall(r"\bvar\.(\w+)", ALL_TEXT)):
        assert name in VARIABLES, f"var.{name} is not declared"
    for name in set(re.findall(r"\blocal\.(\w+)", ALL_TEXT)):
        assert name in LOCALS, f"local.{name} is not defined"
    for rtype, rname in set(re.findall(r"\b(kubernetes_\w+)\.(\w+)", ALL_TEXT)):
        if rtype == "kubernetes_manifest" and rname in ("manifest",):
            continue
        assert f"{rtype}.{rname}" in RESOURCES, f"{rtype}.{rname} is not a resource"


def test_outputs_are_documented() -> None:
    assert {"namespace", "secret_name", "url", "gateway_url", "migration_job_name", "manifests"} <= set(OUTPUTS)
    for name, body in OUTPUTS.items():
        assert unquote(body.get("description", "")).strip(), f"output {name} has no description"


def test_secrets_come_from_sensitive_variables_and_match_the_template() -> None:
    for name in ("database_url", "redis_url", "jwt_secret_key", "secrets_key", "extra_secrets"):
        assert VARIABLES[name].get("sensitive") is True, name
    for name in ("database_url", "redis_url", "jwt_secret_key", "secrets_key"):
        assert "default" not in VARIABLES[name], f"{name} must be given, not defaulted"
    [template] = yaml.safe_load_all((K8S / "secrets" / "lcnc-secrets.template.yaml").read_text())
    secret_keys = set(re.findall(r"^\s+([A-Z_]+)\s+= var\.", SOURCES["main.tf"], flags=re.MULTILINE))
    assert secret_keys == set(template["stringData"])
    assert 'name      = "lcnc-secrets"' in SOURCES["main.tf"]


def test_manifest_files_it_reads_exist_and_hold_one_document_each() -> None:
    dirs = set(re.findall(r'"(configmaps|observability|deployments|services|hpa|ingress)"', SOURCES["main.tf"]))
    assert dirs == {"configmaps", "observability", "deployments", "services", "hpa", "ingress"}
    files = [p for d in dirs for p in (K8S / d).glob("*.yaml") if p.name != "kustomization.yaml"]
    files += [K8S / "jobs" / "migrate.yaml", K8S / "base" / "serviceaccount.yaml"]
    for path in files:
        assert path.is_file(), path
        assert len([d for d in yaml.safe_load_all(path.read_text()) if d]) == 1, f"yamldecode needs one doc: {path}"
    for named in re.findall(r'"((?:configmaps|hpa|ingress|jobs|base)/[\w.-]+\.yaml)"', SOURCES["main.tf"]):
        assert (K8S / named).is_file(), named


def test_placeholders_it_substitutes_occur_in_the_manifests() -> None:
    texts = "\n".join(p.read_text() for p in K8S.rglob("*.yaml") if "overlays" not in p.parts)
    for placeholder in re.findall(r'"((?:image|host): [\w.:-]+)"\s+=', SOURCES["main.tf"]):
        assert placeholder in texts, f"{placeholder} is substituted but never occurs"


def test_terraform_fmt() -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not installed")
    done = subprocess.run([terraform, "fmt", "-check", "-recursive", str(TF)],  # noqa: S603
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def _locals_block(text: str) -> str:
    start = text.index("locals {")
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0 and text[index] == "}":
            return text[start:index + 1]
    raise AssertionError("unbalanced locals block")


def test_terraform_evaluates_the_manifests_it_would_apply(tmp_path: Path) -> None:
    """The module's locals (files, substitutions, namespace, overrides) run in a real `terraform console`, offline:
    a copy without the provider's resources needs no provider download. Every manifest it yields is validated."""
    import json

    import kubernetes_validate

    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not installed")
    block = _locals_block(SOURCES["main.tf"])
    namespace_expr = "var.create_namespace ? kubernetes_namespace_v1.lcnc[0].metadata[0].name : var.namespace"
    assert namespace_expr in block and '"${path.module}/../k8s"' in block
    block = block.replace(namespace_expr, "var.namespace").replace('"${path.module}/../k8s"', f'"{K8S}"')
    (tmp_path / "main.tf").write_text(block)
    (tmp_path / "variables.tf").write_text(SOURCES["variables.tf"])
    env = {"TF_IN_AUTOMATION": "1", "TF_DATA_DIR": str(tmp_path / ".terraform"), "CHECKPOINT_DISABLE": "1",
           "PATH": "/usr/bin:/bin"}
    init = subprocess.run([terraform, "init", "-input=false", "-backend=false"], cwd=tmp_path, env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stdout + init.stderr
    variables = ["-var", "database_url=postgresql://u:p@db:5432/lcnc", "-var", "redis_url=redis://r:6379/0",
                 "-var", "jwt_secret_key=" + "k" * 40, "-var", "secrets_key=" + "s" * 40,"-var", "namespace=team-a", "-var", "image_tag=1.2.3",
                 "-var", "host=lcnc.test", "-var", "tls_secret_name=lcnc-tls", "-var", "gateway_max_replicas=7",
                 "-var", 'config_overrides={UVICORN_WORKERS="4"}']
    done = subprocess.run([terraform, "console", *variables], cwd=tmp_path, env=env,  # noqa: S603
                          input="jsonencode({manifests = local.manifests, job = local.migration_job_name})\n",
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(json.loads(done.stdout.strip()))
    manifests = result["manifests"]
    assert result["job"].startswith("lcnc-migrate-")
    version = kubernetes_validate.latest_version()
    for name, doc in manifests.items():
        kubernetes_validate.validate(doc, version, strict=True)
        assert doc["metadata"]["namespace"] == "team-a", name
    gateway = manifests["deployments/gateway.yaml"]["spec"]["template"]["spec"]["containers"][0]
    assert gateway["image"] == "registry.example.com/lcnc/lcnc:1.2.3"
    assert manifests["deployments/web.yaml"]["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "registry.example.com/lcnc/lcnc-web:1.2.3")
    assert manifests["hpa/gateway.yaml"]["spec"]["maxReplicas"] == 7
    assert manifests["configmaps/lcnc-config.yaml"]["data"]["UVICORN_WORKERS"] == "4"
    ingress = manifests["ingress/ingress.yaml"]["spec"]
    assert ingress["rules"][0]["host"] == "lcnc.test"
    assert ingress["tls"] == [{"hosts": ["lcnc.test"], "secretName": "lcnc-tls"}]
    assert manifests["observability/prometheus-rolebinding.yaml"]["subjects"][0]["namespace"] == "team-a"
    assert "jobs/migrate.yaml" in manifests and "secrets/lcnc-secrets.template.yaml" not in manifests
