"""The RAG API on both platform backends: collections, uploads, background jobs, delete, search, bad input."""

from __future__ import annotations

import time

from tests.runtime.nodes.rag_docs import DOCS, make_pdf

API = "/api/rag"


def make_collection(client, name: str = "kb", **extra) -> None:
    created = client.post(f"{API}/collections", json={"name": name, "chunk_size": 200, "chunk_overlap": 20, **extra})
    assert created.status_code == 201, created.text


def test_upload_search_delete(client) -> None:
    make_collection(client)
    assert client.post(f"{API}/collections", json={"name": "kb"}).status_code == 409
    for name, text in DOCS.items():
        up = client.post(f"{API}/collections/kb/documents", files={"file": (name, text.encode())})
        assert up.status_code == 201, up.text
        assert up.json()["status"] == "ready" and up.json()["chunks"] >= 1
    pdf = client.post(f"{API}/collections/kb/documents",
                      files={"file": ("volcano.pdf", make_pdf("Volcanoes erupt molten rock called lava"),
                                      "application/pdf")})
    assert pdf.status_code == 201 and pdf.json()["kind"] == "pdf"
    docs = client.get(f"{API}/collections/kb/documents").json()
    assert {d["source"] for d in docs} == {"cats.md", "rockets.txt", "bread.html", "volcano.pdf"}
    assert client.get(f"{API}/collections").json()[0]["documents"] == 4

    found = client.post(f"{API}/collections/kb/search", json={"query": "What is lava?", "top_k": 2})
    assert found.status_code == 200
    first = found.json()["results"][0]
    assert first["source"] == "volcano.pdf" and "lava" in first["text"] and first["score"] > 0
    filtered = client.post(f"{API}/collections/kb/search",
                           json={"query": "What is lava?", "filter": {"kind": "html"}}).json()["results"]
    assert {r["source"] for r in filtered} == {"bread.html"}

    pdf_id = pdf.json()["id"]
    removed = client.delete(f"{API}/collections/kb/documents/{pdf_id}")
    assert removed.status_code == 200 and removed.json()["chunks_removed"] >= 1
    after = client.post(f"{API}/collections/kb/search", json={"query": "What is lava?", "top_k": 10}).json()
    assert all(r["source"] != "volcano.pdf" for r in after["results"]) and len(after["results"]) >= 3
    assert client.delete(f"{API}/collections/kb/documents/{pdf_id}").status_code == 404

    assert client.delete(f"{API}/collections/kb").status_code == 204
    assert client.get(f"{API}/collections/kb").status_code == 404


def test_bad_documents_are_refused_and_nothing_is_lost(client, backend_settings) -> None:
    make_collection(client)
    client.post(f"{API}/collections/kb/documents", files={"file": ("cats.md", DOCS["cats.md"].encode())})
    fake = client.post(f"{API}/collections/kb/documents", files={"file": ("fake.pdf", b"hello, not a pdf")})
    assert fake.status_code == 422 and "not a PDF" in fake.json()["detail"]
    assert [d["source"] for d in client.get(f"{API}/collections/kb/documents").json()] == ["cats.md"]
    hits = client.post(f"{API}/collections/kb/search", json={"query": "cats"}).json()["results"]
    assert hits and hits[0]["source"] == "cats.md"
    assert client.post(f"{API}/collections/nope/documents", files={"file": ("a.txt", b"x")}).status_code == 404
    assert client.post(f"{API}/collections", json={"name": "x", "chunk_size": 100,
                                                  "chunk_overlap": 100}).status_code == 422
    assert client.post(f"{API}/collections/kb/search", json={"query": ""}).status_code == 422


def test_a_200_mb_upload_is_refused_before_it_is_read(client) -> None:
    make_collection(client)
    head = (b'--abc\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\n")
    chunk = b"x" * (1024 * 1024)
    received = 0
    answer: dict = {}

    async def receive():  # the platform reads the body from here, one MiB at a time
        nonlocal received
        received += 1
        return {"type": "http.request", "body": head if received == 1 else chunk, "more_body": received < 201}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": f"{API}/collections/kb/documents", "raw_path": f"{API}/collections/kb/documents".encode(),
             "query_string": b"", "root_path": "", "server": ("testserver", 80), "client": ("127.0.0.1", 1),
             "headers": [(b"host", b"testserver"), (b"content-type", b"multipart/form-data; boundary=abc")],
             "state": {}}
    client.portal.call(client.app, scope, receive, send)
    assert answer["status"] == 413
    assert received < 20  # refused after the first few MiB, not after 200
    declared = client.post(f"{API}/collections/kb/documents", content=b"x",
                           headers={"content-type": "multipart/form-data; boundary=abc",
                                    "content-length": str(200 * 1024 * 1024)})
    assert declared.status_code == 413
    assert client.get(f"{API}/collections/kb/documents").json() == []


def test_route_upload_limit(backend_settings) -> None:
    from fastapi.testclient import TestClient

    from builder.app import create_app

    with TestClient(create_app(backend_settings(rag_max_upload_bytes=1000))) as small:
        make_collection(small)
        response = small.post(f"{API}/collections/kb/documents", files={"file": ("big.txt", b"y" * 5000)})
        assert response.status_code == 413 and "1000 bytes" in response.json()["detail"]


def test_background_job_with_progress(client) -> None:
    make_collection(client)
    files = [("files", (name, text.encode())) for name, text in DOCS.items()]
    files.append(("files", ("broken.pdf", b"%PDF-1.4 broken")))
    files.append(("files", ("v.pdf", make_pdf("Glaciers are slow rivers of ice"))))
    started = client.post(f"{API}/collections/kb/jobs", files=files)
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["total"] == 5 and job["status"] in ("queued", "running")
    seen_progress = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"{API}/jobs/{job['id']}").json()
        seen_progress.add(job["done"])
        if job["finished_at"]:
            break
        time.sleep(0.2)
    assert job["status"] == "partial", job
    assert (job["done"], job["failed"]) == (5, 1)
    assert job["errors"][0]["source"] == "broken.pdf" and "PDF" in job["errors"][0]["error"]
    docs = client.get(f"{API}/collections/kb/documents").json()
    assert sorted(d["status"] for d in docs) == ["failed", "ready", "ready", "ready", "ready"]
    hits = client.post(f"{API}/collections/kb/search", json={"query": "ice rivers", "top_k": 1}).json()["results"]
    assert hits[0]["source"] == "v.pdf"
    assert client.get(f"{API}/jobs/nope").status_code == 404
