"""The Deploy panel: the no-cluster state, then a live deploy to the kmock emulator, the list and a rollback."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import fixture_graph
from tests.web.editor_page import open_graph
from tests.web.harness import import_graph

DEPLOY_TIMEOUT_MS = 60_000


def _clusters(base_url: str) -> list[dict[str, Any]]:
    return httpx.get(f"{base_url}/api/orchestrator/clusters", timeout=10).json()


def test_without_a_cluster_the_panel_says_how_to_add_one(page: Any, base_url: str) -> None:
    if _clusters(base_url):
        pytest.skip("a cluster is registered on this shared platform already (the emulator test ran first)")
    graph = import_graph(base_url, fixture_graph("linear_transform"))
    open_graph(page, graph["id"])
    page.click("[data-testid=tab-deploy]")
    page.locator("[data-testid=no-cluster]").wait_for()
    assert page.locator("[data-testid=deploy]").count() == 0
    page.locator("[data-testid=deployments-empty]").wait_for()


def test_deploy_to_the_emulator_follows_the_rollout_and_rolls_back(page: Any, base_url: str) -> None:
    from tests.builder.deploy.emulator import Emulator
    from tests.builder.deploy.helpers import ready

    emulator = Emulator(namespaces={"default", "apps"}).start()
    try:
        doc = fixture_graph("linear_transform")
        doc["id"] = "web_deploy"
        graph = import_graph(base_url, doc)
        spec = graph["spec"]
        spec["nodes"][1]["config"]["template"] = "Hi there, {{ data }}!"
        put = httpx.put(f"{base_url}/api/workflow/graphs/{graph['id']}",
                        json={"spec": spec, "base_version": graph["version"], "message": "v2"}, timeout=10)
        assert put.status_code == 200, put.text
        cluster = httpx.post(f"{base_url}/api/orchestrator/clusters", timeout=30, json={
            "name": "webemu", "kubeconfig": emulator.kubeconfig(), "default_namespace": "apps"})
        assert cluster.status_code == 201, cluster.text

        # version 1 is deployed already (by the API), so there is a version to roll back to
        ready(emulator, "apps", "web-deploy", version=1)
        first = httpx.post(f"{base_url}/api/orchestrator/deployments", params={"wait": 30}, timeout=60,
                           json={"graph_id": graph["id"], "version": 1, "cluster": "webemu"})
        assert first.json()["status"] == "ready", first.text

        open_graph(page, graph["id"])
        page.click("[data-testid=tab-deploy]")
        page.locator("[data-testid=deploy-cluster]").wait_for()
        assert "v1" in page.locator("[data-testid=deployment-web-deploy]").inner_text()
        assert "webemu" in page.locator("[data-testid=deploy-cluster]").inner_text()
        ready(emulator, "apps", "web-deploy", version=2)
        page.click("[data-testid=deploy]")
        page.locator("[data-testid=deploy-status]", has_text="ready").wait_for(timeout=DEPLOY_TIMEOUT_MS)
        events = page.locator("[data-testid=deploy-events] li")
        types = [li.get_attribute("data-type") for li in events.all()]
        for expected in ("deploy_started", "preflight", "object_applied", "rollout_progress", "deploy_succeeded"):
            assert expected in types, types
        assert "Deployment web-deploy configured" in page.inner_text("[data-testid=deploy-events]")
        page.locator("[data-testid=deployment-web-deploy][data-status=ready]", has_text="v2").wait_for()

        # roll back to version 1 from the list
        ready(emulator, "apps", "web-deploy", version=1)
        page.click("[data-testid=rollback-web-deploy]")
        page.locator("[data-testid=deployment-web-deploy][data-status=ready]", has_text="v1").wait_for(
            timeout=DEPLOY_TIMEOUT_MS)
        assert page.locator("[data-testid=deploy-error]").count() == 0
    finally:
        emulator.stop()
