"""infra/k8s: every manifest passes `kubernetes-validate --strict`, overlays render and validate, and the pieces
fit together (selectors, probes, Ingress paths, HPAs, ConfigMaps, Secret names, migration)."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from builder.settings import SERVICE_ROLES, Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "infra" / "k8s"
K8S_VERSION = kubernetes_validate.latest_version()
SETTINGS_ENV = {name.upper() for name in Settings.model_fields}
MANIFEST_FILES = sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def base_objects() -> dict[tuple[str, str], dict]:
    objects = {}
    for path in MANIFEST_FILES:
        if "overlays" in path.parts or "secrets" in path.parts:
            continue
        for doc in docs(path):
            objects[(doc["kind"], doc["metadata"]["name"])] = doc
    return objects


OBJECTS = base_objects()


def strict(doc: dict) -> None:
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


@pytest.mark.parametrize("path", MANIFEST_FILES, ids=lambda p: str(p.relative_to(K8S)))
def test_every_manifest_file_passes_strict_validation(path: Path) -> None:
    found = docs(path)
    assert found, path
    for doc in found:
        strict(doc)


def test_strict_validation_catches_mistakes() -> None:
    broken = json.loads(json.dumps(OBJECTS[("Deployment", "gateway")]))
    broken["spec"]["template"]["spec"]["containers"][0]["resource"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        strict(broken)


def kustomizations() -> list[Path]:
    return sorted(K8S.rglob("kustomization.yaml"))


def test_kustomizations_list_every_file_and_only_existing_ones() -> None:
    listed: set[Path] = set()
    for kfile in kustomizations():
        spec = yaml.safe_load(kfile.read_text())
        for entry in spec.get("resources", []):
            target = (kfile.parent / entry).resolve()
            assert target.exists(), f"{kfile.relative_to(K8S)} lists missing {entry}"
            if target.is_dir():
                assert (target / "kustomization.yaml").is_file(), target
            else:
                listed.add(target)
        for patch in spec.get("patches", []):
            if "path" in patch:
                assert (kfile.parent / patch["path"]).is_file()
                listed.add((kfile.parent / patch["path"]).resolve())
    orphans = [p.relative_to(K8S) for p in MANIFEST_FILES if p.resolve() not in listed and "secrets" not in p.parts]
    assert not orphans, f"manifests no kustomization uses: {orphans}"


def test_base_layout_follows_the_seed() -> None:
    for folder in ("deployments", "services", "ingress", "hpa", "configmaps", "jobs", "secrets", "base",
                   "overlays/dev", "overlays/prod"):
        assert (K8S / folder).is_dir(), folder
    base = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    assert {"../deployments", "../services", "../ingress", "../hpa", "../configmaps", "../jobs"} <= set(
        base["resources"])


def test_one_deployment_and_service_per_role_with_matching_selectors() -> None:
    for role in SERVICE_ROLES:
        deployment = OBJECTS[("Deployment", role)]
        service = OBJECTS[("Service", role)]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
        assert service["spec"]["selector"].items() <= pod_labels.items()
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["lcnc", "serve", "--services", role]
        assert container["image"] == "lcnc:latest"
        assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"http": 8000}
        assert [p["port"] for p in service["spec"]["ports"]] == [8000]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"]["path"] == f"/api/{role}/health", (role, probe)
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == "8000"


def test_resources_and_security_on_every_platform_container() -> None:
    for (kind, name), doc in OBJECTS.items():
        if kind not in ("Deployment", "Job"):
            continue
        pod = doc["spec"]["template"]["spec"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(resources["limits"])
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            if container["image"].startswith("lcnc:"):
                assert pod["securityContext"]["runAsNonRoot"] is True, name
                assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
    gateway = OBJECTS[("Deployment", "gateway")]["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert gateway == {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}


def hpa_targets(hpa: dict) -> dict[str, int]:
    return {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["spec"]["metrics"]}


def test_gateway_hpa_is_the_seeds() -> None:
    hpa = OBJECTS[("HorizontalPodAutoscaler", "gateway")]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "gateway"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    assert hpa_targets(hpa) == {"cpu": 70, "memory": 80}


def test_every_hpa_targets_an_existing_deployment_and_workers_scale_on_their_own() -> None:
    hpas = {name: doc for (kind, name), doc in OBJECTS.items() if kind == "HorizontalPodAutoscaler"}
    assert set(hpas) == set(SERVICE_ROLES) | {"worker"}
    for doc in hpas.values():
        ref = doc["spec"]["scaleTargetRef"]
        assert (ref["kind"], ref["name"]) in OBJECTS
        assert doc["spec"]["minReplicas"] <= doc["spec"]["maxReplicas"]
    worker = OBJECTS[("Deployment", "worker")]["spec"]["template"]["spec"]
    assert worker["containers"][0]["command"] == ["lcnc", "worker"]
    assert worker["terminationGracePeriodSeconds"] >= 60
    assert hpas["worker"]["spec"]["maxReplicas"] > 10


def test_ingress_routes_each_service_path_to_its_role() -> None:
    ingress = OBJECTS[("Ingress", "lcnc")]
    paths = {p["path"]: p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
    for role in SERVICE_ROLES:
        route = paths[f"/api/{role}/"]
        assert route["pathType"] == "Prefix"
        backend = route["backend"]["service"]
        assert backend["name"] == role
        service_ports = {p["name"] for p in OBJECTS[("Service", backend["name"])]["spec"]["ports"]}
        assert backend["port"]["name"] in service_ports
    assert paths["/"]["backend"]["service"]["name"] == "web"
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"


def test_configmaps_hold_settings_names_and_secrets_hold_only_names() -> None:
    config = OBJECTS[("ConfigMap", "lcnc-config")]["data"]
    gateway = OBJECTS[("ConfigMap", "lcnc-gateway-config")]["data"]
    for key in [*config, *gateway]:
        assert key in SETTINGS_ENV or key.startswith("OTEL_"), key
    assert config["ENVIRONMENT"] == "production" and config["AUTO_MIGRATE"] == "false"
    assert config["OTEL_TRACES_SAMPLER_ARG"] == "0.1"
    upstreams = json.loads(gateway["GATEWAY_UPSTREAMS"])
    assert upstreams == {r: f"http://{r}:8000" for r in SERVICE_ROLES if r != "gateway"}
    [secret] = docs(K8S / "secrets" / "lcnc-secrets.template.yaml")
    assert secret["kind"] == "Secret" and secret["metadata"]["name"] == "lcnc-secrets"
    assert set(secret["stringData"]) == {"DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY", "SECRETS_KEY"}
    assert all(value == "" for value in secret["stringData"].values()), "the template must hold names only"
    assert set(secret["stringData"]) <= SETTINGS_ENV


def test_env_sources_exist() -> None:
    known = {name for (kind, name) in OBJECTS if kind == "ConfigMap"} | {"lcnc-secrets"}
    for (kind, name), doc in OBJECTS.items():
        if kind not in ("Deployment", "Job"):
            continue
        pod = doc["spec"]["template"]["spec"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef") or source.get("secretRef")
                assert ref["name"] in known, (name, ref)
        for volume in pod.get("volumes", []):
            if "configMap" in volume:
                assert ("ConfigMap", volume["configMap"]["name"]) in OBJECTS


def test_migrations_run_before_the_roles() -> None:
    job = OBJECTS[("Job", "lcnc-migrate")]
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["lcnc", "migrate"]
    for role in [*SERVICE_ROLES, "worker"]:
        init = OBJECTS[("Deployment", role)]["spec"]["template"]["spec"].get("initContainers", [])
        assert [c["command"] for c in init] == [["lcnc", "migrate"]], role


def test_telemetry_configmaps_are_the_infra_files_verbatim() -> None:
    collector = OBJECTS[("ConfigMap", "otel-collector-config")]["data"]["config.yaml"]
    assert collector == (ROOT / "infra" / "otel-collector" / "config.yaml").read_text()
    prometheus = OBJECTS[("ConfigMap", "prometheus-config")]["data"]["prometheus.yml"]
    assert prometheus == (ROOT / "infra" / "prometheus" / "prometheus-kubernetes.yml").read_text()
    config = OBJECTS[("ConfigMap", "lcnc-config")]["data"]
    assert config["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4317"
    assert ("Service", "otel-collector") in OBJECTS and ("Service", "jaeger") in OBJECTS


@cache
def kustomize(overlay: str) -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (with its built-in kustomize) is not installed; files were validated one by one")
    done = subprocess.run([kubectl, "kustomize", str(K8S / "overlays" / overlay)],  # noqa: S603
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_overlays_render_and_every_object_passes_strict_validation(overlay: str) -> None:
    rendered = kustomize(overlay)
    namespace = {"dev": "lcnc-dev", "prod": "lcnc"}[overlay]
    for doc in rendered:
        strict(doc)
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == namespace, doc["metadata"]["name"]
    kinds = {(d["kind"], d["metadata"]["name"].rsplit("-", 1)[0] if d["kind"] == "Secret" else d["metadata"]["name"])
             for d in rendered}
    assert ("Namespace", namespace) in kinds
    for role in SERVICE_ROLES:
        assert ("Deployment", role) in kinds and ("Service", role) in kinds


def test_dev_overlay_is_self_contained() -> None:
    rendered = kustomize("dev")
    secrets = [d for d in rendered if d["kind"] == "Secret"]
    assert len(secrets) == 1 and secrets[0]["metadata"]["name"].startswith("lcnc-secrets-")
    deployments = {d["metadata"]["name"]: d for d in rendered if d["kind"] == "Deployment"}
    assert {"postgres", "redis", "chroma"} <= set(deployments)
    gateway = deployments["gateway"]["spec"]
    assert gateway["replicas"] == 1
    refs = [s["secretRef"]["name"] for s in gateway["template"]["spec"]["containers"][0]["envFrom"] if "secretRef" in s]
    assert refs == [secrets[0]["metadata"]["name"]]  # the generated name is wired in
    assert gateway["template"]["spec"]["containers"][0]["image"] == "lcnc:dev"
    config = next(d for d in rendered if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "lcnc-config")
    assert config["data"]["ENVIRONMENT"] == "development" and config["data"]["LOCAL_MODE"] == "true"


def test_prod_overlay_uses_the_registry_tls_and_keeps_the_secret_outside() -> None:
    rendered = kustomize("prod")
    assert not [d for d in rendered if d["kind"] == "Secret"]
    images = {c["image"] for d in rendered if d["kind"] in ("Deployment", "Job")
              for c in d["spec"]["template"]["spec"]["containers"]}
    assert "registry.example.com/lcnc/lcnc:0.1.0" in images
    assert not any(i.startswith("lcnc:") for i in images)
    ingress = next(d for d in rendered if d["kind"] == "Ingress")
    assert ingress["spec"]["tls"] == [{"hosts": ["lcnc.example.com"], "secretName": "lcnc-tls"}]
    hpa = next(d for d in rendered if d["kind"] == "HorizontalPodAutoscaler" and d["metadata"]["name"] == "gateway")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    assert {d["metadata"]["name"] for d in rendered if d["kind"] == "PodDisruptionBudget"} == {"gateway", "worker"}
