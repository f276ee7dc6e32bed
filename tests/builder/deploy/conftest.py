"""Fixtures of the deploy tests: a kmock Kubernetes emulator on loopback and a client of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from builder.deploy.kube import Kube
from tests.builder.deploy.emulator import Emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh emulated API server (namespaces 'default' and 'apps' exist)."""
    emu = Emulator(namespaces={"default", "apps"}).start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def kube(emulator: Emulator) -> Iterator[Kube]:
    client, _summary = Kube.from_kubeconfig(emulator.kubeconfig(), timeout=5)
    with client:
        yield client


def validate_strict(manifest: dict[str, Any]) -> None:
    """`kubernetes-validate --strict` of one manifest against the newest schemas it ships."""
    import kubernetes_validate

    kubernetes_validate.validate(manifest, kubernetes_validate.utils.latest_version(), strict=True)


@pytest.fixture
def api(backend_settings: Callable[..., Any]) -> Iterator[TestClient]:
    """The platform app on one storage backend, with a deploy service that follows rollouts quickly."""
    from builder.app import create_app
    from builder.deploy.service import DeployService

    app = create_app(backend_settings(deploy_rollout_timeout=10))
    with TestClient(app) as client:
        app.state.deploy_service = DeployService(app.state.sessionmaker, app.state.settings, poll=0.02)
        yield client
