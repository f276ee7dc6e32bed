"""The run services built from the settings, checked offline (no server needed): what the graph's nodes get."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.services import build_services
from app.settings import Settings


def test_vector_store_in_a_local_folder(tmp_path: Path) -> None:
    store = build_services(Settings(chroma_url="", chroma_path=tmp_path / "chroma", chroma_collection_prefix="")).rag
    text = "Invoices are sent on the first day of the month. Refunds take five working days."
    added = asyncio.run(store.add_document("offline_check", text, source="policy.md"))
    assert added["chunks"] == 1
    passages = asyncio.run(store.search("offline_check", "How long does a refund take?", top_k=1))
    assert passages[0]["text"] == text and passages[0]["source"] == "policy.md"
    assert 0.3 < passages[0]["score"] <= 1.0
    assert (tmp_path / "chroma").is_dir()  # persisted on disk
