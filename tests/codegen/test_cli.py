"""`lcnc export`: a folder or a zip; an invalid graph exits 1 and writes nothing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from builder.cli import app
from tests.conftest import GRAPHS

runner = CliRunner()


def test_export_to_folder_then_regenerate(tmp_path: Path) -> None:
    target = tmp_path / "triage"
    result = runner.invoke(app, ["export", str(GRAPHS / "router.json"), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "app" / "graph.py").is_file() and (target / "k8s" / "deployment.yaml").is_file()
    again = runner.invoke(app, ["export", str(GRAPHS / "router.json"), "-o", str(target), "--json"])
    assert again.exit_code == 0
    assert json.loads(again.output)["written"] == []


def test_export_to_zip(tmp_path: Path) -> None:
    archive = tmp_path / "loop.zip"
    result = runner.invoke(app, ["export", str(GRAPHS / "loop.json"), "--zip", str(archive), "--name", "looper"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as opened:
        assert "looper/app/graph.py" in opened.namelist()
        assert "name: looper" in opened.read("looper/k8s/deployment.yaml").decode()


def test_invalid_graph_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    doc = json.loads((GRAPHS / "linear_transform.json").read_text(encoding="utf-8"))
    doc["edges"] = doc["edges"][:2]
    source = tmp_path / "broken.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    target = tmp_path / "out"
    result = runner.invoke(app, ["export", str(source), "-o", str(target), "--json"])
    assert result.exit_code == 1
    body = json.loads(result.output)
    assert body["ok"] is False and body["errors"][0]["node_id"] == "out"
    assert not target.exists()


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["export", str(source), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_needs_exactly_one_destination(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(GRAPHS / "echo.json")])
    assert result.exit_code == 2


def test_subgraphs_come_from_a_graphs_folder(tmp_path: Path) -> None:
    target = tmp_path / "sub"
    refused = runner.invoke(app, ["export", str(GRAPHS / "subgraph.json"), "-o", str(target)])
    assert refused.exit_code == 1 and not target.exists()
    result = runner.invoke(app, ["export", str(GRAPHS / "subgraph.json"), "-o", str(target), "--graphs", str(GRAPHS)])
    assert result.exit_code == 0, result.output
    assert (target / "app" / "subgraphs" / "g_linear_transform.py").is_file()
