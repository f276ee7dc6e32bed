"""GET /api/workflow/graphs/{id}/project: a saved graph version as a generated project zip."""

from __future__ import annotations

import io
import json
import zipfile

from tests.conftest import fixture_graph

BASE = "/api/workflow/graphs"


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_export_latest_and_pinned_version(client) -> None:
    assert client.post(BASE, json=fixture_graph("linear_transform")).status_code == 201
    spec = fixture_graph("linear_transform")
    spec["nodes"][1]["config"]["template"] = "Hi, {{ data }}!"
    assert client.put(f"{BASE}/linear_transform", json={"spec": spec, "base_version": 1}).status_code == 200

    latest = client.get(f"{BASE}/linear_transform/project")
    assert latest.status_code == 200, latest.text
    assert latest.headers["content-type"] == "application/zip"
    assert 'filename="linear-transform-v2.zip"' in latest.headers["content-disposition"]
    with _zip(latest) as archive:
        assert "linear-transform/app/graph.py" in archive.namelist()
        assert "Hi, {{ data }}!" in archive.read("linear-transform/app/graph.py").decode()
        manifest = json.loads(archive.read("linear-transform/lcnc-manifest.json"))
        assert manifest["graph_id"] == "linear_transform"

    first = client.get(f"{BASE}/linear_transform/project", params={"version": 1, "name": "greeter"})
    assert first.status_code == 200
    with _zip(first) as archive:
        assert "Hello, {{ data }}!" in archive.read("greeter/app/graph.py").decode()
        assert "name: greeter" in archive.read("greeter/k8s/deployment.yaml").decode()


def test_same_version_same_zip(client) -> None:
    client.post(BASE, json=fixture_graph("router"))
    assert client.get(f"{BASE}/router/project").content == client.get(f"{BASE}/router/project").content


def test_incomplete_graph_is_422_with_the_issues(client) -> None:
    draft = fixture_graph("linear_transform")
    draft["edges"] = draft["edges"][:2]  # 'out' has no input: saved as a draft, not exportable
    saved = client.post(BASE, json=draft)
    assert saved.status_code == 201 and saved.json()["warnings"]
    response = client.get(f"{BASE}/linear_transform/project")
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["node_id"] == "out" and body["errors"][0]["code"] == "missing_input"


def test_unknown_graph_or_version_is_404(client) -> None:
    assert client.get(f"{BASE}/nope/project").status_code == 404
    client.post(BASE, json=fixture_graph("echo"))
    assert client.get(f"{BASE}/echo/project", params={"version": 9}).status_code == 404
    assert client.get(f"{BASE}/echo/project", params={"version": 0}).status_code == 422


def test_subgraph_nodes_get_the_saved_graph(client) -> None:
    client.post(BASE, json=fixture_graph("subgraph"))
    missing = client.get(f"{BASE}/subgraph/project")
    assert missing.status_code == 422 and "linear_transform" in missing.json()["detail"]
    client.post(BASE, json=fixture_graph("linear_transform"))
    response = client.get(f"{BASE}/subgraph/project")
    assert response.status_code == 200, response.text
    with _zip(response) as archive:
        module = archive.read("subgraph/app/subgraphs/g_linear_transform.py").decode()
        assert "Hello, {{ data }}!" in module
