"""RAG: chunking, extraction, the Chroma store with the offline MiniLM model, and the two nodes end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.nodes import rag_ingest, rag_retrieve
from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes._rag import ExtractError, RagError, RagStore, chunk_text, extract_text
from tests.runtime.nodes.rag_docs import DOCS, make_pdf


def test_chunks_respect_size_and_overlap() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    chunks = chunk_text(text, size=200, overlap=50)
    assert all(len(chunk) <= 200 for chunk in chunks)
    assert len(chunks) > 5
    for first, second in zip(chunks, chunks[1:]):
        assert first[-20:].strip()[-10:] in text  # chunks come from the text
        assert second[:10] in first or len(second) < 50  # each starts inside the previous (overlap)
    assert chunk_text("", 100, 10) == []
    assert chunk_text("short", 100, 10) == ["short"]
    with pytest.raises(ValueError):
        chunk_text("x", 100, 100)


def test_extract_html_markdown_pdf_and_refuse_a_fake_pdf() -> None:
    text, kind, meta = extract_text(DOCS["bread.html"].encode(), filename="bread.html")
    assert kind == "html" and meta == {"title": "Bread"}
    assert "flour" in text and "alert" not in text and "color" not in text
    text, kind, _ = extract_text(DOCS["cats.md"].encode(), filename="cats.md")
    assert kind == "markdown" and "purrs" in text
    text, kind, _ = extract_text(make_pdf("Hello from a PDF about volcanoes"), filename="v.pdf")
    assert kind == "pdf" and "volcanoes" in text
    with pytest.raises(ExtractError, match="not a PDF"):
        extract_text(b"this is not a pdf at all", filename="fake.pdf")
    with pytest.raises(ExtractError, match="cannot be read"):
        extract_text(b"%PDF-1.4\n garbage garbage", filename="broken.pdf")
    with pytest.raises(ExtractError, match="binary"):
        extract_text(b"\x00\x01\x02binary", filename="x.txt")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> RagStore:
    return RagStore(path=tmp_path_factory.mktemp("chroma"), prefix="t_")


async def ingest_all(store: RagStore, collection: str) -> dict[str, str]:
    ids = {}
    for name, raw in DOCS.items():
        text, _, meta = extract_text(raw.encode(), filename=name)
        added = await store.add_document(collection, text, source=name, metadata={**meta, "lang": "en"},
                                         chunk_size=200, chunk_overlap=20)
        ids[name] = added["document_id"]
    return ids


async def test_store_search_threshold_filter_and_delete(store: RagStore) -> None:
    ids = await ingest_all(store, "docs1")
    assert {c["name"] for c in await store.list_collections()} >= {"docs1"}
    hits = await store.search("docs1", "How long do cats sleep?", top_k=2)
    assert hits[0]["source"] == "cats.md" and "sixteen hours" in hits[0]["text"]
    assert 0 < hits[0]["score"] <= 1 and hits[0]["score"] >= hits[-1]["score"]
    assert hits[0]["document_id"] == ids["cats.md"] and hits[0]["metadata"]["lang"] == "en"
    high = await store.search("docs1", "How long do cats sleep?", top_k=3, score_threshold=0.99)
    assert high == []
    only_bread = await store.search("docs1", "How long do cats sleep?", top_k=3, filter={"source": "bread.html"})
    assert {hit["source"] for hit in only_bread} == {"bread.html"}
    removed = await store.delete_document("docs1", ids["cats.md"])
    assert removed >= 1
    hits = await store.search("docs1", "How long do cats sleep?", top_k=5)
    assert all(hit["source"] != "cats.md" for hit in hits)
    assert {hit["source"] for hit in hits} == {"rockets.txt", "bread.html"}  # the others are untouched


async def test_reingesting_a_document_replaces_its_chunks(store: RagStore) -> None:
    await store.add_document("docs2", "alpha " * 300, source="a", document_id="doc-a", chunk_size=100, chunk_overlap=0)
    first = await store.count("docs2")
    await store.add_document("docs2", "beta gamma", source="a", document_id="doc-a", chunk_size=100, chunk_overlap=0)
    assert first > 1 and await store.count("docs2") == 1


async def test_unknown_collection_and_bad_names(store: RagStore) -> None:
    with pytest.raises(RagError, match="no collection named 'missing'"):
        await store.search("missing", "anything")
    with pytest.raises(RagError, match="invalid collection name"):
        await store.create_collection("bad name!")


def ctx(store: RagStore | None) -> NodeContext:
    class Services:
        rag = store

    return NodeContext(node_id="n", kind="rag", services=Services())


async def test_nodes_ingest_and_retrieve(store: RagStore) -> None:
    out = await rag_ingest.execute(rag_ingest.Config(collection="docs3", chunk_size=100, chunk_overlap=10),
                                   {"text": DOCS["rockets.txt"], "source": "rockets.txt"}, ctx(store))
    assert out["count"] >= 2
    out = await rag_retrieve.execute(rag_retrieve.Config(collection="docs3", top_k=1),
                                     {"query": "What does the first stage burn?"}, ctx(store))
    assert out["documents"][0]["source"] == "rockets.txt"
    assert out["context"].startswith("[1] (rockets.txt) ")
    with pytest.raises(NodeError, match="no vector store"):
        await rag_retrieve.execute(rag_retrieve.Config(collection="docs3"), {"query": "x"}, ctx(None))
    with pytest.raises(NodeError, match="no collection named 'nope'"):
        await rag_retrieve.execute(rag_retrieve.Config(collection="nope"), {"query": "x"}, ctx(store))


async def test_fixture_graphs_agent_answers_with_citations(store: RagStore) -> None:
    from runtime.compile import RunServices
    from runtime.engine import run_graph
    from runtime.spec import parse_graph
    from tests.conftest import fixture_graph

    services = RunServices(rag=store)
    ingest = parse_graph(fixture_graph("rag_ingest"))
    for name in ("cats.md", "rockets.txt"):
        outcome = await run_graph(ingest, {"text": DOCS[name], "source": name}, thread_id=f"ing-{name}",
                                  services=services)
        assert outcome.status == "succeeded", outcome.error
        assert outcome.outputs["chunks"] >= 1
    outcome = await run_graph(parse_graph(fixture_graph("rag")), {"question": "How long does a cat sleep?"},
                              thread_id="rag-ask", services=services)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs["answer"] == "See [1]."
    sources = outcome.outputs["sources"]
    assert sources[0]["source"] == "cats.md" and "sixteen hours" in sources[0]["text"]


@pytest.fixture
def chroma_server(tmp_path):
    """A real Chroma server (the `chroma run` of the chromadb package) on a free local port."""
    import shutil
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(chroma).exists():
        pytest.skip("the chroma CLI of the chromadb package is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "server"), "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the Chroma server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_store_on_a_chroma_server(chroma_server: str, store: RagStore) -> None:
    remote = RagStore(url=chroma_server, embedder=store.embedder, prefix="ws1_")
    added = await remote.add_document("docs", DOCS["rockets.txt"], source="rockets.txt", chunk_size=100,
                                      chunk_overlap=10)
    assert added["chunks"] >= 2
    hits = await remote.search("docs", "What does the first stage burn?", top_k=1)
    assert hits[0]["source"] == "rockets.txt"
    assert [c["name"] for c in await remote.list_collections()] == ["docs"]
    assert await remote.delete_document("docs", added["document_id"]) == added["chunks"]
    assert await remote.count("docs") == 0
