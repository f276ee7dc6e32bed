"""The graphs API on both storage backends (SQLite and the real PostgreSQL)."""

import json

from tests.conftest import fixture_graph

BASE = "/api/workflow/graphs"


def create(client, name="linear_transform"):
    response = client.post(BASE, json=fixture_graph(name))
    assert response.status_code == 201, response.text
    return response.json()


def test_create_get_list_delete(client) -> None:
    created = create(client)
    assert created["version"] == 1 and created["warnings"] == []
    got = client.get(f"{BASE}/linear_transform").json()
    assert got["spec"] == created["spec"]
    create(client, "echo")
    page = client.get(BASE, params={"limit": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert client.delete(f"{BASE}/echo").status_code == 204
    assert client.get(f"{BASE}/echo").status_code == 404
    assert client.get(BASE).json()["total"] == 1


def test_every_save_makes_an_immutable_version(client) -> None:
    create(client)
    spec = fixture_graph("linear_transform")
    spec["nodes"][1]["config"]["template"] = "Hi, {{ data }}!"
    saved = client.put(f"{BASE}/linear_transform", json={"spec": spec, "base_version": 1, "message": "friendlier"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    versions = client.get(f"{BASE}/linear_transform/versions").json()
    assert [(v["version"], v["message"]) for v in versions] == [(2, "friendlier"), (1, "created")]
    v1 = client.get(f"{BASE}/linear_transform/versions/1").json()
    assert v1["spec"]["nodes"][1]["config"]["template"] == "Hello, {{ data }}!"
    restored = client.post(f"{BASE}/linear_transform/versions/1/restore", params={"base_version": 2})
    assert restored.json()["version"] == 3
    assert restored.json()["spec"]["nodes"][1]["config"]["template"] == "Hello, {{ data }}!"


def test_stale_save_gets_409_and_changes_nothing(client) -> None:
    create(client)
    first = fixture_graph("linear_transform")
    first["name"] = "Alice's edit"
    assert client.put(f"{BASE}/linear_transform", json={"spec": first, "base_version": 1}).status_code == 200
    second = fixture_graph("linear_transform")
    second["name"] = "Bob's edit"
    conflict = client.put(f"{BASE}/linear_transform", json={"spec": second, "base_version": 1})
    assert conflict.status_code == 409
    assert "version 2" in conflict.json()["detail"]
    assert client.get(f"{BASE}/linear_transform").json()["name"] == "Alice's edit"
    assert len(client.get(f"{BASE}/linear_transform/versions").json()) == 2


def test_duplicate_create_is_409(client) -> None:
    create(client)
    assert client.post(BASE, json=fixture_graph("linear_transform")).status_code == 409


def test_save_refuses_errors_but_keeps_drafts_with_warnings(client) -> None:
    bad = fixture_graph("echo")
    bad["nodes"][1]["kind"] = "teleport"
    refused = client.post(BASE, json=bad)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["node_id"] == "out"
    assert client.get(BASE).json()["total"] == 0

    draft = fixture_graph("echo")
    draft["edges"] = []
    saved = client.post(BASE, json=draft)
    assert saved.status_code == 201
    assert {w["code"] for w in saved.json()["warnings"]} == {"missing_input", "unreachable"}


def test_rejected_update_leaves_the_saved_graph_alone(client) -> None:
    created = create(client)
    bad = fixture_graph("linear_transform")
    bad["nodes"][1]["config"]["template"] = 42
    response = client.put(f"{BASE}/linear_transform", json={"spec": bad, "base_version": 1})
    assert response.status_code == 422
    assert response.json()["errors"][0]["node_id"] == "greet"
    current = client.get(f"{BASE}/linear_transform").json()
    assert current["version"] == 1 and current["spec"] == created["spec"]


def test_path_id_must_match_spec_id(client) -> None:
    create(client)
    other = fixture_graph("linear_transform")
    other["id"] = "something_else"
    response = client.put(f"{BASE}/linear_transform", json={"spec": other, "base_version": 1})
    assert response.status_code == 422 and "spec.id" in response.json()["detail"]


def test_import_upgrades_old_versions_and_avoids_id_clashes(client) -> None:
    response = client.post(f"{BASE}/import", content=json.dumps(fixture_graph("v1/greeting_v1")))
    assert response.status_code == 201, response.text
    assert response.json()["id"] == "greeting_v1" and response.json()["spec"]["schema_version"] == 2
    again = client.post(f"{BASE}/import", content=json.dumps(fixture_graph("v1/greeting_v1")))
    assert again.status_code == 201 and again.json()["id"] != "greeting_v1"


def test_export_returns_the_saved_document(client) -> None:
    create(client, "router")
    response = client.get(f"{BASE}/router/export")
    assert response.status_code == 200
    assert 'filename="router.json"' in response.headers["content-disposition"]
    assert response.json() == client.get(f"{BASE}/router").json()["spec"]


def test_validate_endpoints(client) -> None:
    assert client.post(f"{BASE}/validate", content=json.dumps(fixture_graph("loop"))).json() == {"valid": True, "errors": []}
    cyclic = fixture_graph("linear_transform")
    cyclic["edges"].append({"source": {"node": "shout", "port": "value"}, "target": {"node": "greet", "port": "data"}})
    report = client.post(f"{BASE}/validate", content=json.dumps(cyclic)).json()
    assert report["valid"] is False and report["errors"][0]["code"] == "unbounded_cycle"
    create(client)
    assert client.get(f"{BASE}/linear_transform/validate").json()["valid"] is True


def test_node_kinds_lists_schemas_and_ports(client) -> None:
    kinds = {k["name"]: k for k in client.get("/api/workflow/node-kinds").json()}
    assert len(kinds) == 15
    assert kinds["llm"]["inputs"][0] == {"name": "prompt", "type": "text", "required": True,
                                         "description": "The question or task."}
    assert kinds["router"]["dynamic_branches"] is True
    assert client.get("/api/workflow/node-kinds/nope").status_code == 404
