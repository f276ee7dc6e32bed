"""Every generated file is well formed: Python compiles and is ruff-clean, manifests pass kubernetes-validate."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.codegen.conftest import EXPORTABLE

K8S_VERSIONS = ("1.31.0", "1.37.0")
RESOURCES = ("deployment", "service", "ingress", "hpa", "configmap", "pdb")


@pytest.mark.parametrize("name", EXPORTABLE)
def test_python_compiles(exported: dict[str, Path], name: str) -> None:
    for path in sorted(exported[name].rglob("*.py")):
        compile(path.read_text(encoding="utf-8"), str(path), "exec", dont_inherit=True)


def test_ruff_is_clean_on_every_project(exported: dict[str, Path]) -> None:
    ruff = Path(sys.executable).with_name("ruff")
    folders = [str(folder) for folder in exported.values()]
    # Each project is checked with its own pyproject.toml ruff settings.
    for folder in folders:
        done = subprocess.run([str(ruff), "check", "--no-cache", "."], cwd=folder, capture_output=True, text=True)
        assert done.returncode == 0, f"{folder}:\n{done.stdout}{done.stderr}"


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("name", EXPORTABLE)
def test_manifests_pass_kubernetes_validate_strict(exported: dict[str, Path], name: str, version: str) -> None:
    for resource in RESOURCES:
        document = yaml.safe_load((exported[name] / "k8s" / f"{resource}.yaml").read_text(encoding="utf-8"))
        kubernetes_validate.validate(document, version, strict=True)


@pytest.mark.parametrize("name", EXPORTABLE)
def test_kustomization_lists_every_manifest(exported: dict[str, Path], name: str) -> None:
    folder = exported[name] / "k8s"
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    assert sorted(kustomization["resources"]) == sorted(f"{r}.yaml" for r in RESOURCES)
    assert all((folder / item).is_file() for item in kustomization["resources"])


@pytest.mark.parametrize("name", EXPORTABLE)
def test_deployment_is_hardened(exported: dict[str, Path], name: str) -> None:
    deployment = yaml.safe_load((exported[name] / "k8s" / "deployment.yaml").read_text(encoding="utf-8"))
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert {"requests", "limits"} <= set(container["resources"])
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


@pytest.mark.parametrize("name", EXPORTABLE)
def test_other_files_parse(exported: dict[str, Path], name: str) -> None:
    folder = exported[name]
    pyproject = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    assert all("==" in dep for dep in pyproject["project"]["dependencies"])
    compose = yaml.safe_load((folder / "docker-compose.yml").read_text(encoding="utf-8"))
    assert "app" in compose["services"]
    dockerfile = (folder / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.count("FROM ") == 2 and "USER 10001" in dockerfile and "HEALTHCHECK" in dockerfile


def test_compose_runs_only_the_service(exported: dict[str, Path]) -> None:
    # Runs are kept in the service's memory: no graph needs Redis or PostgreSQL beside it.
    for folder in exported.values():
        compose = yaml.safe_load((folder / "docker-compose.yml").read_text(encoding="utf-8"))
        assert set(compose["services"]) == {"app"}
        assert compose["services"]["app"]["read_only"] is True
