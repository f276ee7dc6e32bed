"""Golden projects: a fresh render equals tests/codegen/golden/<fixture>/ exactly (missing and extra files too).

Regenerate on purpose with `python -m codegen.golden --write` and review the diff.
"""

from __future__ import annotations

import pytest

from codegen import golden
from tests.codegen.conftest import EXPORTABLE


@pytest.mark.parametrize("name", EXPORTABLE)
def test_golden_project_is_fresh(name: str) -> None:
    assert golden.diff(name) == [], "stale golden project: run `python -m codegen.golden --write`"


def test_every_exportable_fixture_has_a_golden_and_no_other() -> None:
    kept = sorted(path.name for path in golden.GOLDEN.iterdir() if path.is_dir())
    assert kept == EXPORTABLE


def test_golden_check_command_reports_a_stale_file(tmp_path, monkeypatch) -> None:
    copy = tmp_path / "golden"
    (copy / "echo").mkdir(parents=True)
    for path, text in golden.expected("echo").items():
        target = copy / "echo" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (copy / "echo" / "README.md").write_text("edited\n", encoding="utf-8")
    (copy / "echo" / "extra.txt").write_text("x\n", encoding="utf-8")
    monkeypatch.setattr(golden, "GOLDEN", copy)
    assert golden.diff("echo") == ["echo: extra extra.txt", "echo: differs README.md"]
    assert golden.main(["echo"]) == 1
    golden.write("echo")
    assert golden.main(["echo"]) == 0
