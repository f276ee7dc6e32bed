"""A deploy plan: the rendered project's manifests, made ready for one cluster, namespace and deployment.

What changes from ``codegen``'s ``k8s/*.yaml``: the namespace, the runner image and the code ConfigMaps
(``bundle``), the Secret built from the graph's secret references and its services' settings
(``service_values``: SQL URLs, MCP tokens; their non-secret settings go into its ConfigMap), the labels that tie
every object to the graph, its version and the deployment, and the owner ConfigMap ``lcnc-deployment-<id>`` that
every object references (deleting it lets the cluster's garbage collector remove the rest).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from builder.deploy.bundle import CodeBundle, build_bundle, wire_runner
from builder.deploy.kaniko import render_build
from builder.deploy.service_values import ServiceValues
from codegen import ProjectOptions, render_project
from codegen.render import render_context
from runtime.spec import GraphSpec

MANAGED_BY = "app.kubernetes.io/managed-by"
DEPLOYMENT_LABEL = "lcnc.dev/deployment-id"
GRAPH_LABEL = "lcnc.dev/graph-id"
VERSION_LABEL = "lcnc.dev/graph-version"
GRAPH_ANNOTATION = "lcnc.dev/graph-id"
# Apply order: what others refer to first; the owner is applied before all of these.
KIND_ORDER = ("Secret", "ConfigMap", "Service", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget",
              "Ingress")
_LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")


@dataclass
class Plan:
    deployment_id: str
    namespace: str
    app_name: str
    graph_id: str
    graph_version: int
    owner: dict[str, Any]
    objects: list[dict[str, Any]]
    bundle: CodeBundle
    secret_names: list[str] = field(default_factory=list)
    host: str | None = None
    build: list[dict[str, Any]] = field(default_factory=list)  # Kaniko strategy: context ConfigMaps + the Job
    image: str = ""

    @property
    def labels(self) -> dict[str, str]:
        return ownership_labels(self.deployment_id, self.graph_id, self.graph_version)

    @property
    def internal_url(self) -> str:
        return f"http://{self.app_name}.{self.namespace}.svc.cluster.local"

    @property
    def url(self) -> str:
        return f"http://{self.host}/" if self.host else self.internal_url

    def manifests(self) -> list[dict[str, Any]]:
        """Every object this plan applies, owner first (then the image build, when there is one)."""
        return [self.owner, *self.build, *self.objects]


def label_value(text: str) -> str:
    """``text`` when it is a valid label value, else a stable short hash of it."""
    return text if _LABEL_VALUE.match(text) else "h-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def ownership_labels(deployment_id: str, graph_id: str, graph_version: int) -> dict[str, str]:
    return {MANAGED_BY: "lcnc", DEPLOYMENT_LABEL: deployment_id, GRAPH_LABEL: label_value(graph_id),
            VERSION_LABEL: str(graph_version)}


def owner_name(deployment_id: str) -> str:
    return f"lcnc-deployment-{deployment_id}"


def cli_deployment_id(namespace: str, app_name: str) -> str:
    """A stable id for deploys made from a file (CI): the same namespace and name give the same owner."""
    return hashlib.sha256(f"{namespace}/{app_name}".encode()).hexdigest()[:32]


def secret_references(spec: GraphSpec, options: ProjectOptions) -> tuple[str, list[dict[str, str]]]:
    """The generated project's Secret name and its secret references (``name`` in the workspace -> ``env`` key)."""
    context = render_context(spec, options)
    return context["k8s"]["secret_name"], list(context["secrets"])


def build_plan(spec: GraphSpec, *, graph_version: int, deployment_id: str, namespace: str, runner_image: str,
               options: ProjectOptions, secret_values: dict[str, str] | None = None,
               service_values: ServiceValues | None = None,
               files: dict[str, str] | None = None, strategy: str = "runner", registry: str = "",
               registry_secret: str | None = None) -> Plan:
    """Render the project (unless ``files`` are given) and turn its manifests into this deployment's objects.

    ``strategy`` "runner" (default) mounts the code into the generic runner image; "kaniko" builds the project's
    own image in the cluster and pushes it to ``registry`` first. ``secret_values`` maps each secret name the
    graph references to its value; a missing one is an error here, before anything is applied.
    ``service_values`` are the settings of its outside services: SQL URLs and MCP tokens go into the Secret
    (beside the graph's secrets), the rest into the project's ConfigMap.
    """
    options = options.model_copy(update={"namespace": namespace})
    files = files if files is not None else render_project(spec, options)
    manifests = _rendered_manifests(files)
    deployment = next((m for m in manifests if m.get("kind") == "Deployment"), None)
    if deployment is None:
        raise ValueError("the rendered project has no Deployment manifest")
    app_name = deployment["metadata"]["name"]
    build: list[dict[str, Any]] = []
    if strategy == "kaniko":
        if not registry:
            raise ValueError("the in-cluster build (kaniko) needs a registry to push to (DEPLOY_REGISTRY)")
        image, bundle, job = render_build(app_name, files, registry=registry, registry_secret=registry_secret)
        deployment["spec"]["template"]["spec"]["containers"][0]["image"] = image
        build = [*bundle.configmaps, job]
        objects = list(manifests)
    elif strategy == "runner":
        image, bundle = runner_image, build_bundle(app_name, files)
        wire_runner(deployment, bundle, runner_image)
        objects = [*bundle.configmaps, *manifests]
    else:
        raise ValueError(f"unknown image strategy '{strategy}' (runner or kaniko)")

    secret_name, refs = secret_references(spec, options)
    services = service_values or ServiceValues()
    values = secret_values or {}
    missing = [ref["name"] for ref in refs if ref["name"] not in values]
    if missing:
        raise KeyError(", ".join(missing))
    secret_data = {ref["env"]: values[ref["name"]] for ref in refs}
    taken = set(secret_data) & set(services.secret)
    if taken:
        raise ValueError(f"the Secret key {sorted(taken)[0]} is given twice")
    secret_data.update(services.secret)
    if secret_data:
        objects.append({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": secret_name, "labels": {"lcnc.dev/component": "secret-references"}},
            "type": "Opaque",
            "data": {key: base64.b64encode(value.encode()).decode() for key, value in sorted(secret_data.items())},
        })
    if services.config:
        config = next((m for m in manifests if m.get("kind") == "ConfigMap"), None)
        unknown = sorted(set(services.config) - set((config or {}).get("data") or {}))
        if unknown:
            raise ValueError(f"the rendered project's ConfigMap has no setting {unknown[0]}")
        assert config is not None
        config["data"].update(services.config)

    labels = ownership_labels(deployment_id, spec.id, graph_version)
    owner = {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": owner_name(deployment_id), "namespace": namespace, "labels": dict(labels),
                     "annotations": {GRAPH_ANNOTATION: spec.id}},
        "data": {"deployment-id": deployment_id, "graph-id": spec.id, "graph-version": str(graph_version),
                 "app-name": app_name, "code-digest": bundle.digest,
                 "objects": json.dumps(sorted(f"{o['kind']}/{o['metadata']['name']}" for o in [*build, *objects]))},
    }
    for obj in [*build, *objects]:
        meta = obj.setdefault("metadata", {})
        meta["namespace"] = namespace
        meta["labels"] = {**(meta.get("labels") or {}), **labels}
        meta["annotations"] = {**(meta.get("annotations") or {}), GRAPH_ANNOTATION: spec.id}
    # The envFrom ConfigMap is read at container start: a change of it rolls the pods. (Secrets are left out on
    # purpose: a hash of a weak secret value in a readable annotation could be brute-forced.)
    env_sources = [o for o in objects if o["kind"] == "ConfigMap"
                   and o["metadata"].get("labels", {}).get("lcnc.dev/component") not in ("app-code", "app-build")]
    digest = hashlib.sha256(json.dumps([o.get("data") for o in env_sources], sort_keys=True).encode()).hexdigest()
    deployment["spec"]["template"]["metadata"].setdefault("annotations", {})["lcnc.dev/env-digest"] = digest[:16]
    template_labels = deployment["spec"]["template"]["metadata"].setdefault("labels", {})
    template_labels.update({DEPLOYMENT_LABEL: deployment_id, VERSION_LABEL: str(graph_version)})
    objects.sort(key=lambda o: (KIND_ORDER.index(o["kind"]) if o["kind"] in KIND_ORDER else len(KIND_ORDER),
                                o["metadata"]["name"]))
    # codegen's default Ingress host is a placeholder (<name>.example.com): only a chosen host is a URL.
    host = options.host if any(m.get("kind") == "Ingress" for m in manifests) else None
    return Plan(deployment_id=deployment_id, namespace=namespace, app_name=app_name, graph_id=spec.id,
                graph_version=graph_version, owner=owner, objects=objects, bundle=bundle,
                secret_names=[ref["name"] for ref in refs], host=host, build=build, image=image)


def _rendered_manifests(files: dict[str, str]) -> list[dict[str, Any]]:
    manifests = []
    for path in sorted(files):
        if not path.startswith("k8s/") or not path.endswith((".yaml", ".yml")) or path.endswith("kustomization.yaml"):
            continue
        for doc in yaml.safe_load_all(files[path]):
            if isinstance(doc, dict) and doc.get("kind"):
                manifests.append(doc)
    return manifests


def set_owner(obj: dict[str, Any], owner: dict[str, Any]) -> None:
    """Make ``owner`` (a live object with a uid) the controller-less owner of ``obj``."""
    meta = owner.get("metadata") or {}
    reference = {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
                 "uid": meta.get("uid") or "", "blockOwnerDeletion": False}
    obj["metadata"]["ownerReferences"] = [reference]
