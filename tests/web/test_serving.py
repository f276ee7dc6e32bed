"""The builder serves the built editor at `/` with a fallback for client routes, and says how to build it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from builder.routes.web import web_router


def _client(dist: Path) -> TestClient:
    app = FastAPI()
    app.include_router(web_router(dist))
    return TestClient(app)


def test_without_a_build_the_root_page_says_how_to_build(tmp_path: Path) -> None:
    response = _client(tmp_path / "dist").get("/")
    assert response.status_code == 200
    assert "npm ci &amp;&amp; npm run build" in response.text


def test_serves_files_and_falls_back_to_index(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>editor</html>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside")
    client = _client(dist)
    assert client.get("/").text == "<html>editor</html>"
    asset = client.get("/assets/app.js")
    assert asset.text == "console.log(1)" and "immutable" in asset.headers["cache-control"]
    assert client.get("/graphs/g_1").text == "<html>editor</html>"  # a client-side route
    assert client.get("/../secret.txt").text != "outside"
    assert client.get("/assets/../../secret.txt").text != "outside"
    missing = client.get("/api/workflow/nope")
    assert missing.status_code == 404 and missing.json()["detail"].endswith("not found")
