"""Publish lifecycle and the scoped-key surface, on SQLite and PostgreSQL (runs are queued; no worker here)."""

from __future__ import annotations

import copy
from typing import Any

from builder.security.ratelimit import MemoryLimiter
from tests.conftest import fixture_graph

GRAPHS = "/api/workflow/graphs"
AGENTS = "/api/agents"


def _graph(client: Any, fixture: str = "linear_transform", **changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(fixture_graph(fixture))
    spec.update(changes)
    response = client.post(GRAPHS, json=spec)
    assert response.status_code == 201, response.text
    return spec


def _publish(client: Any, slug: str, graph_id: str = "linear_transform", **extra: Any) -> Any:
    return client.post(f"{AGENTS}/published", json={"graph_id": graph_id, "slug": slug, **extra})


def _key(client: Any, slug: str, **extra: Any) -> dict[str, Any]:
    response = client.post(f"{AGENTS}/published/{slug}/keys", json={"name": "test", **extra})
    assert response.status_code == 201, response.text
    return response.json()


def _run(client: Any, slug: str, key: str | None, inputs: dict[str, Any] | None = None, bearer: bool = False):
    headers = {} if key is None else ({"Authorization": f"Bearer {key}"} if bearer else {"X-API-Key": key})
    return client.post(f"{AGENTS}/{slug}/run", json={"inputs": inputs or {"name": "Ada"}}, headers=headers)


def test_draft_publish_run_unpublish_republish(client) -> None:
    _graph(client)
    assert client.get(f"{AGENTS}/graphs/linear_transform/lifecycle").json()["state"] == "draft"
    published = _publish(client, "greeter")
    assert published.status_code == 201, published.text
    body = published.json()
    assert body["version"] == 1 and body["status"] == "published" and body["endpoint"] == "/api/agents/greeter/run"
    assert client.get(f"{AGENTS}/graphs/linear_transform/lifecycle").json()["state"] == "published"
    key = _key(client, "greeter")
    assert key["key"].startswith("lcpk_") and key["request_count"] == 0

    run = _run(client, "greeter", key["key"])
    assert run.status_code == 202, run.text
    assert run.json()["status"] == "queued" and run.json()["graph_version"] == 1
    got = client.get(f"{AGENTS}/greeter/runs/{run.json()['id']}", headers={"X-API-Key": key["key"]})
    assert got.status_code == 200 and got.json()["id"] == run.json()["id"]
    assert _run(client, "greeter", key["key"], bearer=True).status_code == 202
    # the run is an ordinary run of the pinned version: the platform's runs API sees it too
    assert client.get(f"/api/orchestrator/runs/{run.json()['id']}").json()["graph_id"] == "linear_transform"

    usage = client.get(f"{AGENTS}/published/greeter/keys").json()
    assert usage[0]["run_count"] == 2 and usage[0]["request_count"] == 3 and usage[0]["last_used_at"]

    assert client.post(f"{AGENTS}/published/greeter/unpublish").json()["status"] == "archived"
    assert client.get(f"{AGENTS}/graphs/linear_transform/lifecycle").json()["state"] == "archived"
    assert _run(client, "greeter", key["key"]).status_code == 404
    assert client.post(f"{AGENTS}/published/greeter/unpublish").status_code == 409
    again = _publish(client, "greeter")
    assert again.status_code == 200 and again.json()["status"] == "published"
    assert _run(client, "greeter", key["key"]).status_code == 202  # keys survive an unpublish


def test_publishing_an_invalid_graph_is_422_with_the_validation_errors(client) -> None:
    spec = copy.deepcopy(fixture_graph("linear_transform"))
    spec["edges"] = spec["edges"][:1]  # saved with warnings, cannot run
    spec["id"] = "broken"
    assert client.post(GRAPHS, json=spec).status_code == 201
    response = _publish(client, "broken", graph_id="broken")
    assert response.status_code == 422, response.text
    assert response.json()["errors"] and all("code" in e for e in response.json()["errors"])
    assert client.get(f"{AGENTS}/published").json() == []
    assert _publish(client, "x", graph_id="nope").status_code == 404
    _graph(client)
    for slug in ("Bad Slug", "-x", "published", "templates", "a" * 65):
        assert _publish(client, slug).status_code == 422, slug


def test_keys_missing_wrong_revoked_and_of_another_agent(client) -> None:
    _graph(client)
    _graph(client, id="other", name="Other")
    assert _publish(client, "one").status_code == 201
    assert _publish(client, "two", graph_id="other").status_code == 201
    assert _publish(client, "two").status_code == 409  # a slug belongs to one graph
    one, two = _key(client, "one"), _key(client, "two")
    assert _run(client, "one", None).status_code == 401
    assert _run(client, "one", "lcpk_nope_nope").status_code == 401
    assert _run(client, "one", one["key"][:-2] + "xx").status_code == 401
    assert _run(client, "one", "not-a-key", bearer=True).status_code == 401
    assert _run(client, "one", two["key"]).status_code == 403
    assert _run(client, "nonexistent", one["key"]).status_code == 403
    run = _run(client, "one", one["key"]).json()
    # a run of agent one cannot be read with agent two's key, nor under agent two's slug with one's key
    assert client.get(f"{AGENTS}/one/runs/{run['id']}", headers={"X-API-Key": two["key"]}).status_code == 403
    assert client.get(f"{AGENTS}/two/runs/{run['id']}", headers={"X-API-Key": two["key"]}).status_code == 404
    assert client.get(f"{AGENTS}/one/runs/{'0' * 32}", headers={"X-API-Key": one["key"]}).status_code == 404
    resume = f"{AGENTS}/one/runs/{run['id']}/resume"
    assert client.post(resume, json={"approved": True}).status_code == 401
    assert client.post(resume, json={"approved": True}, headers={"X-API-Key": two["key"]}).status_code == 403
    assert client.post(resume, json={"approved": True}, headers={"X-API-Key": one["key"]}).status_code == 409
    # a platform run that is not the agent's is not readable through it
    plain = client.post("/api/orchestrator/runs", json={"graph_id": "linear_transform", "inputs": {"name": "A"}})
    assert client.get(f"{AGENTS}/one/runs/{plain.json()['id']}", headers={"X-API-Key": one["key"]}).status_code == 404
    revoked = client.delete(f"{AGENTS}/published/one/keys/{one['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    response = _run(client, "one", one["key"])
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    assert _run(client, "one", client.post(f"{AGENTS}/published/one/keys", json={"name": "n"}).json()["key"],
                {"nope": 1}).status_code == 422


def test_rate_limit_per_key_gives_429_with_retry_after(client) -> None:
    client.app.state.rate_limiter = MemoryLimiter()  # this test's own counters
    _graph(client)
    _publish(client, "limited")
    slow, other = _key(client, "limited", rate_limit_per_minute=2), _key(client, "limited")
    assert [_run(client, "limited", slow["key"]).status_code for _ in range(2)] == [202, 202]
    limited = _run(client, "limited", slow["key"])
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert _run(client, "limited", other["key"]).status_code == 202  # the limit is per key
    counts = {k["id"]: k for k in client.get(f"{AGENTS}/published/limited/keys").json()}
    assert counts[slow["id"]]["run_count"] == 2 and counts[other["id"]]["run_count"] == 1


def test_pin_a_new_version_and_roll_back(client) -> None:
    spec = _graph(client)
    _publish(client, "greeter")
    changed = copy.deepcopy(spec)
    changed["nodes"][1]["config"]["template"] = "Hi {{ data }}"
    assert client.put(f"{GRAPHS}/linear_transform", json={"spec": changed, "base_version": 1}).status_code == 200
    key = _key(client, "greeter")["key"]
    assert _run(client, "greeter", key).json()["graph_version"] == 1  # saving does not change what is served
    assert _publish(client, "greeter").json()["version"] == 2
    assert _run(client, "greeter", key).json()["graph_version"] == 2
    back = client.post(f"{AGENTS}/published/greeter/rollback", json={})
    assert back.status_code == 200 and back.json()["version"] == 1
    assert back.json()["published_versions"] == [1, 2]
    assert _run(client, "greeter", key).json()["graph_version"] == 1
    assert client.post(f"{AGENTS}/published/greeter/rollback", json={"version": 2}).json()["version"] == 2
    assert client.post(f"{AGENTS}/published/greeter/rollback", json={"version": 3}).status_code == 422
    assert [e["action"] for e in client.get(f"{AGENTS}/published/greeter").json()["history"]] == [
        "publish", "pin", "rollback", "rollback"]
    assert _publish(client, "pinned-one", version=1).json()["version"] == 1
    assert client.post(f"{AGENTS}/published/pinned-one/rollback", json={}).status_code == 409


def test_snippets_name_the_endpoint_and_the_inputs(client) -> None:
    _graph(client)
    _publish(client, "greeter")
    body = client.get(f"{AGENTS}/published/greeter/snippets").json()
    assert body["endpoint"].endswith("/api/agents/greeter/run") and body["inputs"] == {"name": "Hello"}
    assert body["key_env"] == "LCNC_AGENT_KEY"
    assert "$LCNC_AGENT_KEY" in body["curl"] and "/api/agents/greeter/run?wait=" in body["curl"]
    assert 'os.environ["LCNC_AGENT_KEY"]' in body["python"] and "httpx.post(" in body["python"]
    assert "process.env.LCNC_AGENT_KEY" in body["javascript"] and "fetch(" in body["javascript"]
    compile(body["python"], "snippet", "exec")
    assert client.get(f"{AGENTS}/published/nope/snippets").status_code == 404
