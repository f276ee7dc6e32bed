"""Hostile and malformed requests get a 4xx that names the place, and nothing saved changes."""

import json
from urllib.parse import quote

import pytest

from tests.conftest import fixture_graph

BASE = "/api/workflow/graphs"


@pytest.fixture
def saved(client):
    assert client.post(BASE, json=fixture_graph("echo")).status_code == 201
    return client


def assert_unchanged(client) -> None:
    graph = client.get(f"{BASE}/echo").json()
    assert graph["version"] == 1 and graph["spec"]["name"] == "Echo"
    assert client.get(BASE).json()["total"] == 1


def test_malformed_json(saved) -> None:
    response = saved.post(BASE, content=b'{"nodes": [', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert_unchanged(saved)


def test_wrong_types_name_the_field(saved) -> None:
    doc = fixture_graph("echo") | {"id": "x2", "nodes": [{"id": "in", "kind": "input", "position": {"x": "left"}}]}
    response = saved.post(BASE, json=doc)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:4] == ["body", "nodes", 0, "position"]
    assert_unchanged(saved)


def test_ten_megabyte_document_is_413(saved) -> None:
    doc = fixture_graph("echo") | {"id": "big", "description": "x" * (10 * 1024 * 1024)}
    response = saved.post(BASE, content=json.dumps(doc), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert_unchanged(saved)


@pytest.mark.parametrize("path", [BASE, f"{BASE}/import", f"{BASE}/validate"])
def test_ten_thousand_deep_nesting_is_4xx(saved, path: str) -> None:
    body = '{"id": "deep", "description": ' + "[" * 10_000 + "]" * 10_000 + "}"
    response = saved.post(path, content=body, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500
    assert_unchanged(saved)


def test_deep_config_is_422_naming_the_node(saved) -> None:
    config: dict = {}
    inner = config
    for _ in range(200):
        inner["x"] = {}
        inner = inner["x"]
    doc = fixture_graph("echo") | {"id": "deepcfg"}
    doc["nodes"][0]["config"] = config
    response = saved.post(BASE, json=doc)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:4] == ["body", "nodes", 0, "config"]
    assert_unchanged(saved)


@pytest.mark.parametrize("bad", ['a"b', "a\nb", "../etc", "x" * 100])
def test_ids_with_quotes_and_newlines(saved, bad: str) -> None:
    doc = fixture_graph("echo") | {"id": bad}
    response = saved.post(BASE, json=doc)
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "id"]
    assert saved.get(f"{BASE}/{quote(bad, safe='')}").status_code in (404, 422)
    assert_unchanged(saved)


def test_unknown_kind_on_import(saved) -> None:
    doc = fixture_graph("echo") | {"id": "imp"}
    doc["nodes"][0]["kind"] = "python_exec"
    response = saved.post(f"{BASE}/import", content=json.dumps(doc))
    assert response.status_code == 422 and response.json()["errors"][0]["node_id"] == "in"
    assert_unchanged(saved)


def test_import_of_a_non_graph(saved) -> None:
    response = saved.post(f"{BASE}/import", content=b'"just a string"')
    assert response.status_code == 422 and "JSON object" in response.json()["detail"]
    assert_unchanged(saved)
