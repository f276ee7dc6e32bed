"""With login required: publishing needs a platform credential, a scoped key opens only its agent's endpoint,
and a workspace's agent is invisible to another workspace."""

from __future__ import annotations

from pathlib import Path

from tests.builder.security.support import add_user, bearer, login, platform
from tests.conftest import fixture_graph


def test_scoped_keys_are_no_platform_credential(tmp_path: Path) -> None:
    with platform(tmp_path) as client:
        add_user(client, "owner@acme.test")
        add_user(client, "eve@other.test", workspace="Other")
        owner, eve = bearer(login(client, "owner@acme.test")), bearer(login(client, "eve@other.test"))
        assert client.post("/api/agents/published", json={"graph_id": "x", "slug": "x"}).status_code == 401
        assert client.post("/api/workflow/graphs", json=fixture_graph("linear_transform"), headers=owner
                           ).status_code == 201
        assert client.post("/api/agents/published", json={"graph_id": "linear_transform", "slug": "greeter"},
                           headers=owner).status_code == 201
        key = client.post("/api/agents/published/greeter/keys", json={"name": "k"}, headers=owner).json()["key"]

        # another workspace sees nothing and cannot take the slug
        assert client.get("/api/agents/published/greeter", headers=eve).status_code == 404
        assert client.post("/api/workflow/graphs", json=fixture_graph("linear_transform"), headers=eve
                           ).status_code == 201
        assert client.post("/api/agents/published", json={"graph_id": "linear_transform", "slug": "greeter"},
                           headers=eve).status_code == 409

        # the platform's token is not the agent's key, and the agent's key opens nothing else
        assert client.post("/api/agents/greeter/run", json={"inputs": {"name": "A"}}, headers=owner
                           ).status_code == 401
        for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
            assert client.get("/api/workflow/graphs", headers=headers).status_code == 401
            assert client.get("/api/agents/published", headers=headers).status_code == 401
            run = client.post("/api/agents/greeter/run", json={"inputs": {"name": "A"}}, headers=headers)
            assert run.status_code == 202, run.text
            assert client.get(f"/api/orchestrator/runs/{run.json()['id']}", headers=headers).status_code == 401
        # the runs are the owner workspace's ordinary runs
        runs = client.get("/api/orchestrator/runs", headers=owner).json()
        assert runs["total"] == 2 and {r["graph_version"] for r in runs["items"]} == {1}
