"""`lcnc rag ingest`: files become documents of a local-workspace collection the platform then searches."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from builder.app import create_app
from builder.cli import app

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def cli_env(backend_settings, tmp_path: Path) -> dict[str, str]:
    """The environment that points the CLI at the same storage as ``backend_settings`` (SQLite or PostgreSQL)."""
    settings = backend_settings()
    return {"DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url or "", "REDIS_URL": "",
            "LOCAL_MODE": "true", "LCNC_PROGRESS": "0"}


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "refunds.md").write_text("# Refunds\n\nRefunds are paid back within 14 days of the return.\n")
    (folder / "shipping.txt").write_text("Parcels to Norway travel by ferry from Kiel and take five days.\n")
    return folder


def test_ingest_then_the_platform_searches_it(cli_env, docs: Path, backend_settings) -> None:
    empty = docs.parent / "empty.txt"
    empty.write_text("   ")
    result = runner.invoke(app, ["rag", "ingest", "handbook", str(docs), str(empty), "--json"], env=cli_env)
    assert result.exit_code == 1, result.output  # one document failed, the others are stored
    body = json.loads(result.stdout)
    assert body["ok"] is False and body["collection"] == "handbook" and body["created"] is True
    by_name = {Path(doc["source"]).name: doc for doc in body["documents"]}
    assert [by_name[n]["status"] for n in ("refunds.md", "shipping.txt", "empty.txt")] == ["ready", "ready", "failed"]
    assert by_name["empty.txt"]["error"] == "the document has no text" and by_name["refunds.md"]["chunks"] >= 1

    with TestClient(create_app(backend_settings())) as client:
        listed = client.get("/api/rag/collections/handbook/documents").json()
        assert {doc["source"] for doc in listed} == {"refunds.md", "shipping.txt", "empty.txt"}
        found = client.post("/api/rag/collections/handbook/search", json={"query": "ferry to Norway", "top_k": 1})
        assert found.status_code == 200, found.text
        assert "Kiel" in json.dumps(found.json())

    again = runner.invoke(app, ["rag", "ingest", "handbook", str(docs / "refunds.md"), "--no-create"], env=cli_env)
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[-1] == "collection 'handbook': 1 stored, 0 failed"


@pytest.mark.parametrize("args", [
    ["missing", "--no-create"],
    ["bad name!"],
    ["handbook", "--chunk-size", "100", "--chunk-overlap", "100"],
])
def test_bad_input_exits_2(cli_env, docs: Path, args: list[str]) -> None:
    name, *options = args
    result = runner.invoke(app, ["rag", "ingest", name, str(docs), *options, "--json"], env=cli_env)
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["ok"] is False


def test_a_missing_file_is_a_usage_error(cli_env, tmp_path: Path) -> None:
    result = runner.invoke(app, ["rag", "ingest", "handbook", str(tmp_path / "nope.md")], env=cli_env)
    assert result.exit_code == 2 and "Invalid value" in result.stderr and result.stdout == ""


def test_progress_counts_the_files(cli_env, docs: Path) -> None:
    result = runner.invoke(app, ["rag", "ingest", "handbook", str(docs)], env={**cli_env, "LCNC_PROGRESS": "1"})
    assert result.exit_code == 0, result.output
    steps = ANSI.sub("", result.stderr)
    assert "✓ loading the embedding model (all-MiniLM-L6-v2)" in steps
    assert "✓ ingesting into 'handbook' (2 of 2)" in steps
    assert result.stdout.splitlines()[-1] == "collection 'handbook': 2 stored, 0 failed" and "✓" not in result.stdout
