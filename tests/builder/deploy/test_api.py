"""The clusters and deployments APIs on both storage backends, against the kmock emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from kmock import KubernetesError
from sqlalchemy import select

from builder.db.models import Cluster
from tests.builder.deploy.emulator import Emulator, rejects
from tests.builder.deploy.helpers import ready
from tests.conftest import fixture_graph

CLUSTERS = "/api/orchestrator/clusters"
DEPLOYMENTS = "/api/orchestrator/deployments"
GRAPHS = "/api/workflow/graphs"


def register(api: TestClient, emulator: Emulator, name: str = "emu", **kwargs: Any) -> dict:
    body = {"name": name, "kubeconfig": emulator.kubeconfig(**kwargs), "default_namespace": "apps"}
    response = api.post(CLUSTERS, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def save_graph(api: TestClient) -> None:
    assert api.post(GRAPHS, json=fixture_graph("linear_transform")).status_code == 201
    spec = fixture_graph("linear_transform")
    spec["nodes"][1]["config"]["template"] = "Hi there, {{ data }}!"
    assert api.put(f"{GRAPHS}/linear_transform", json={"spec": spec, "base_version": 1, "message": "v2"}).status_code == 200


def sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_register_deploy_redeploy_rollback_undeploy(api: TestClient, emulator: Emulator) -> None:
    cluster = register(api, emulator)
    assert "kubeconfig" not in cluster and cluster["server"] == emulator.url and cluster["auth"] == "token"
    assert [c["name"] for c in api.get(CLUSTERS).json()] == ["emu"]

    report = api.post(f"{CLUSTERS}/{cluster['id']}/test").json()
    assert report["ok"] is True and report["server_version"] == "v1.26.4+k3s1"
    assert [c["status"] for c in report["checks"]] == ["ok", "ok", "skipped"]
    assert api.get(f"{CLUSTERS}/{cluster['id']}").json()["last_check"]["ok"] is True

    save_graph(api)
    ready(emulator, "apps", "linear-transform", version=1)
    first = api.post(DEPLOYMENTS, params={"wait": 20}, json={"graph_id": "linear_transform", "version": 1,
                                                             "cluster": "emu"})
    assert first.status_code == 200, first.text
    deployment = first.json()
    assert deployment["status"] == "ready", deployment
    assert deployment["graph_version"] == 1 and deployment["namespace"] == "apps"
    assert deployment["url"] == "http://linear-transform.apps.svc.cluster.local"
    assert ("Deployment", "linear-transform") in emulator.objects("apps")

    events = sse(api.get(f"{DEPLOYMENTS}/{deployment['id']}/events").text)
    types = [t for t, _ in events]
    assert types[0] == "deploy_started" and types[-2:] == ["deploy_succeeded", "end"]
    assert "rollout_progress" in types and types.count("object_applied") == 8
    assert all(d["deployment_id"] == deployment["id"] and d["revision"] == 1 for _, d in events[:-1])
    last_id = events[-2][1]["id"]
    replay = sse(api.get(f"{DEPLOYMENTS}/{deployment['id']}/events", headers={"Last-Event-ID": str(last_id)}).text)
    assert [t for t, _ in replay] == ["end"]

    ready(emulator, "apps", "linear-transform", version=2)
    second = api.post(f"{DEPLOYMENTS}/{deployment['id']}/redeploy", params={"wait": 20}, json={}).json()
    assert (second["status"], second["graph_version"], second["revision"]) == ("ready", 2, 2)
    live = emulator.objects("apps")[("Deployment", "linear-transform")]
    assert live["metadata"]["labels"]["lcnc.dev/graph-version"] == "2"

    ready(emulator, "apps", "linear-transform", version=1)
    back = api.post(f"{DEPLOYMENTS}/{deployment['id']}/rollback", params={"wait": 20}, json={}).json()
    assert (back["status"], back["graph_version"]) == ("ready", 1)
    assert [(r["revision"], r["action"], r["graph_version"], r["status"]) for r in back["revisions"]] == [
        (3, "rollback", 1, "succeeded"), (2, "deploy", 2, "succeeded"), (1, "deploy", 1, "succeeded")]

    page = api.get(DEPLOYMENTS, params={"graph_id": "linear_transform"}).json()
    assert page["total"] == 1 and page["items"][0]["status"] == "ready"

    gone = api.delete(f"{DEPLOYMENTS}/{deployment['id']}", params={"wait": 20}).json()
    assert gone["status"] == "removed" and gone["graph_version"] is None
    assert emulator.objects("apps") == {}
    assert api.delete(f"{CLUSTERS}/{cluster['id']}").status_code == 204


def test_the_kubeconfig_is_stored_encrypted(api: TestClient, emulator: Emulator) -> None:
    register(api, emulator, token="a-very-recognisable-token")

    async def read() -> str:
        async with api.app.state.sessionmaker() as session:
            return (await session.execute(select(Cluster.kubeconfig_ciphertext))).scalar_one()

    ciphertext = api.portal.call(read)
    assert "recognisable" not in ciphertext and "server" not in ciphertext
    assert "recognisable" not in api.get(CLUSTERS).text


def test_a_kubeconfig_that_runs_commands_is_refused(api: TestClient, emulator: Emulator) -> None:
    text = emulator.kubeconfig().replace("token: test-token", "exec: {command: sh, apiVersion: v1}")
    response = api.post(CLUSTERS, json={"name": "bad", "kubeconfig": text})
    assert response.status_code == 422
    assert "runs a command on the platform server" in response.json()["detail"]


@pytest.mark.parametrize(("options", "status", "message"), [
    ({"token": "the-right-one"}, 422, "rejected the credentials"),
    ({"denied": {("create", "deployments")}}, 403, "may not create deployments.apps in namespace 'apps'"),
])
def test_bad_credentials_and_permissions_fail_before_anything_is_applied(
        api: TestClient, options: dict, status: int, message: str) -> None:
    emu = Emulator(namespaces={"apps"}, **options).start()
    try:
        register(api, emu, token="an-old-one")
        save_graph(api)
        response = api.post(DEPLOYMENTS, json={"graph_id": "linear_transform", "cluster": "emu"})
        assert response.status_code == status, response.text
        assert message in response.json()["detail"]
        assert emu.writes() == [] and emu.objects() == {}
        assert api.get(DEPLOYMENTS).json()["total"] == 0
    finally:
        emu.stop()


def test_an_unreachable_cluster_and_a_missing_namespace(api: TestClient, emulator: Emulator) -> None:
    save_graph(api)
    register(api, emulator)
    missing = api.post(DEPLOYMENTS, json={"graph_id": "linear_transform", "cluster": "emu", "namespace": "nowhere"})
    assert missing.status_code == 422 and "namespace 'nowhere' does not exist" in missing.json()["detail"]
    gone = Emulator().start()
    register(api, gone, name="gone")
    gone.stop()
    response = api.post(DEPLOYMENTS, json={"graph_id": "linear_transform", "cluster": "gone"})
    assert response.status_code == 502 and "cannot reach the Kubernetes API server" in response.json()["detail"]
    report = api.post(f"{CLUSTERS}/{api.get(CLUSTERS).json()[1]['id']}/test").json()
    assert report["ok"] is False and report["checks"][0]["status"] == "failed"


def test_a_failed_apply_is_reported_and_leaves_nothing(api: TestClient, emulator: Emulator) -> None:
    register(api, emulator)
    save_graph(api)
    emulator.reject(rejects("POST", "Ingress"), KubernetesError(status=403, reason="Forbidden",
                                                                message="exceeded quota: objects, requested: 1"))
    response = api.post(DEPLOYMENTS, params={"wait": 20}, json={"graph_id": "linear_transform", "cluster": "emu"})
    deployment = response.json()
    assert deployment["status"] == "failed"
    assert "ResourceQuota refuses it" in deployment["error"]
    assert deployment["revisions"][0]["status"] == "failed"
    assert emulator.objects("apps") == {}
    events = sse(api.get(f"{DEPLOYMENTS}/{deployment['id']}/events").text)
    failed = next(d for t, d in events if t == "deploy_failed")
    assert failed["code"] == "quota_exceeded" and len(failed["reverted"]) == 7  # all but the Ingress


def test_a_graph_secret_must_exist_before_deploying(api: TestClient, emulator: Emulator) -> None:
    register(api, emulator)
    spec = fixture_graph("http")
    next(n for n in spec["nodes"] if n["kind"] == "http")["config"]["auth_secret"] = "api-token"
    assert api.post(GRAPHS, json=spec).status_code == 201
    response = api.post(DEPLOYMENTS, json={"graph_id": "http", "cluster": "emu"})
    assert response.status_code == 422 and "secret 'api-token'" in response.json()["detail"]
    assert api.post("/api/gateway/secrets", json={"name": "api-token", "value": "s3cr3t"}).status_code == 201
    ready(emulator, "apps", "http")
    deployed = api.post(DEPLOYMENTS, params={"wait": 20}, json={"graph_id": "http", "cluster": "emu"}).json()
    assert deployed["status"] == "ready", deployed
    secret = emulator.objects("apps")[("Secret", "http-secrets")]
    assert secret["data"] == {"SECRET_API_TOKEN": "czNjcjN0"}


def test_an_operation_interrupted_by_a_dead_process_does_not_block_forever(api: TestClient, emulator: Emulator) -> None:
    from datetime import UTC, datetime, timedelta

    from builder.db.models import Deployment

    register(api, emulator)
    save_graph(api)
    ready(emulator, "apps", "linear-transform")
    deployment = api.post(DEPLOYMENTS, params={"wait": 20}, json={"graph_id": "linear_transform", "cluster": "emu"}
                          ).json()

    async def stall(age: timedelta) -> None:
        async with api.app.state.sessionmaker() as session:
            row = await session.get(Deployment, deployment["id"])
            row.status, row.updated_at = "deploying", datetime.now(UTC) - age
            await session.commit()

    api.portal.call(stall, timedelta(seconds=5))
    busy = api.post(f"{DEPLOYMENTS}/{deployment['id']}/redeploy", json={})
    assert busy.status_code == 409 and "is busy" in busy.json()["detail"]
    api.portal.call(stall, timedelta(hours=2))
    ready(emulator, "apps", "linear-transform", version=2)
    again = api.post(f"{DEPLOYMENTS}/{deployment['id']}/redeploy", params={"wait": 20}, json={}).json()
    assert again["status"] == "ready" and again["graph_version"] == 2
