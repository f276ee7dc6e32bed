"""Writing a project: regeneration updates what the manifest owns and never the user's files; zips are stable."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from codegen import MANIFEST_PATH, write_folder, zip_bytes
from tests.codegen.conftest import render_fixture


def test_first_export_writes_everything(tmp_path: Path) -> None:
    files = render_fixture("linear_transform")
    report = write_folder(files, tmp_path / "p")
    assert sorted(report.written) == sorted(files)
    assert (tmp_path / "p" / "app" / "graph.py").read_text(encoding="utf-8") == files["app/graph.py"]


def test_regeneration_keeps_user_code_and_unowned_files(tmp_path: Path) -> None:
    target = tmp_path / "p"
    write_folder(render_fixture("linear_transform"), target)
    hooks = target / "app" / "custom" / "hooks.py"
    hooks.write_text("# my hooks\n", encoding="utf-8")
    mine = target / "app" / "custom" / "extra.py"
    mine.write_text("VALUE = 1\n", encoding="utf-8")
    notes = target / "NOTES.md"
    notes.write_text("mine\n", encoding="utf-8")
    (target / "app" / "graph.py").write_text("# edited by hand\n", encoding="utf-8")

    report = write_folder(render_fixture("router"), target)  # the graph changed

    assert hooks.read_text(encoding="utf-8") == "# my hooks\n"
    assert mine.read_text(encoding="utf-8") == "VALUE = 1\n"
    assert notes.read_text(encoding="utf-8") == "mine\n"
    assert "app/graph.py" in report.written  # owned by the generator: regenerated
    assert "route" in (target / "app" / "graph.py").read_text(encoding="utf-8")
    assert "app/custom/hooks.py" in report.kept
    manifest = json.loads((target / MANIFEST_PATH).read_text(encoding="utf-8"))
    assert manifest["graph_id"] == "router"


def test_regeneration_removes_files_it_no_longer_owns(tmp_path: Path) -> None:
    target = tmp_path / "p"
    write_folder(render_fixture("loop"), target)
    assert (target / "app" / "lcnc_nodes" / "loop.py").is_file()
    report = write_folder(render_fixture("linear_transform"), target)
    assert "app/lcnc_nodes/loop.py" in report.removed
    assert not (target / "app" / "lcnc_nodes" / "loop.py").exists()


def test_unchanged_regeneration_writes_nothing(tmp_path: Path) -> None:
    files = render_fixture("echo")
    write_folder(files, tmp_path / "p")
    report = write_folder(files, tmp_path / "p")
    assert report.written == [] and report.removed == []


def test_folder_without_manifest_keeps_existing_files(tmp_path: Path) -> None:
    target = tmp_path / "p"
    (target / "app").mkdir(parents=True)
    (target / "README.md").write_text("my project\n", encoding="utf-8")
    report = write_folder(render_fixture("echo"), target)
    assert (target / "README.md").read_text(encoding="utf-8") == "my project\n"
    assert "README.md" in report.kept


def test_paths_outside_the_project_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside"):
        write_folder({"../evil.py": "x"}, tmp_path / "p")


def test_zip_is_deterministic_and_complete() -> None:
    files = render_fixture("router")
    first = zip_bytes(files, root="router")
    assert first == zip_bytes(files, root="router")
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        names = archive.namelist()
        assert names == sorted(f"router/{path}" for path in files)
        assert archive.read("router/app/graph.py").decode() == files["app/graph.py"]
