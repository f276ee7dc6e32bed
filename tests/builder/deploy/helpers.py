"""Helpers shared by the deploy tests."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from builder.deploy.plan import Plan, build_plan
from codegen import ProjectOptions
from runtime.spec import GraphSpec, parse_graph
from tests.builder.deploy.emulator import Emulator, EmulatorGone
from tests.conftest import fixture_graph

RUNNER = "ghcr.io/lcnc/runner:0.1.0"
DEPLOYMENT_ID = "0123456789abcdef0123456789abcdef"
SERVER_FIELDS = ("uid", "resourceVersion", "generation", "creationTimestamp")


def spec_of(name: str = "linear_transform", template: str | None = None) -> GraphSpec:
    raw = fixture_graph(name)
    if template is not None:
        raw["nodes"][1]["config"]["template"] = template
    return parse_graph(raw)


def secret_spec() -> GraphSpec:
    """The http fixture with an auth secret reference (`api-token`)."""
    raw = fixture_graph("http")
    next(n for n in raw["nodes"] if n["kind"] == "http")["config"]["auth_secret"] = "api-token"
    return parse_graph(raw)


def make_plan(spec: GraphSpec | None = None, *, version: int = 1, namespace: str = "apps",
              deployment_id: str = DEPLOYMENT_ID, strategy: str = "runner", registry: str = "",
              registry_secret: str | None = None, **options: Any) -> Plan:
    return build_plan(spec or spec_of(), graph_version=version, deployment_id=deployment_id, namespace=namespace,
                      runner_image=RUNNER, options=ProjectOptions(**options), strategy=strategy, registry=registry,
                      registry_secret=registry_secret)


def without_server_fields(obj: dict[str, Any]) -> dict[str, Any]:
    clean = copy.deepcopy(obj)
    for key in SERVER_FIELDS:
        clean.get("metadata", {}).pop(key, None)
    clean.pop("status", None)
    return clean


def ready(emulator: Emulator, namespace: str, name: str, *, version: int = 1, replicas: int = 2,
          delay: float = 0.2) -> threading.Thread:
    """Play the deployment controller: once the Deployment carries graph ``version``, report its rollout
    half done, then complete (observedGeneration = the generation the emulator gave the last spec change)."""

    def run() -> None:
        try:
            play()
        except EmulatorGone:
            pass  # the test ended (or failed) before the rollout: nothing left to play

    def play() -> None:
        deadline = time.monotonic() + 20
        live: dict[str, Any] = {}
        while time.monotonic() < deadline:
            live = emulator.objects(namespace).get(("Deployment", name)) or {}
            if live.get("metadata", {}).get("labels", {}).get("lcnc.dev/graph-version") == str(version):
                break
            time.sleep(0.05)
        observed = int(live.get("metadata", {}).get("generation") or 1)
        time.sleep(delay)
        emulator.patch("Deployment", namespace, name, {"status": {
            "observedGeneration": observed, "replicas": replicas + 1, "updatedReplicas": 1, "readyReplicas": 1,
            "availableReplicas": replicas - 1, "unavailableReplicas": 1}})
        time.sleep(delay)
        emulator.patch("Deployment", namespace, name, {"status": {
            "observedGeneration": observed, "replicas": replicas, "updatedReplicas": replicas,
            "readyReplicas": replicas, "availableReplicas": replicas, "unavailableReplicas": None}})

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
