"""`lcnc templates list|use`: JSON output scripts can parse, files that validate, exit codes scripts can trust."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from builder.cli import app

runner = CliRunner()


def test_templates_list_plain_and_json() -> None:
    plain = runner.invoke(app, ["templates", "list"])
    assert plain.exit_code == 0 and "rag_qa" in plain.stdout and "needs: rag" in plain.stdout
    listed = runner.invoke(app, ["templates", "list", "--json"])
    assert listed.exit_code == 0
    items = json.loads(listed.stdout)
    assert len(items) >= 8 and {"id", "title", "description", "category", "needs"} <= set(items[0])


def test_templates_use_writes_a_graph_that_validates(tmp_path: Path) -> None:
    target = tmp_path / "triage.json"
    written = runner.invoke(app, ["templates", "use", "support_triage", "-o", str(target), "--id", "my_triage",
                                  "--json"])
    assert written.exit_code == 0, written.output
    assert json.loads(written.stdout) == {"id": "my_triage", "path": str(target), "template": "support_triage"}
    assert json.loads(target.read_text())["id"] == "my_triage"
    checked = runner.invoke(app, ["validate", str(target), "--json"])
    assert checked.exit_code == 0 and json.loads(checked.stdout) == {"valid": True, "errors": []}
    assert runner.invoke(app, ["templates", "use", "support_triage", "-o", str(target)]).exit_code == 2
    assert runner.invoke(app, ["templates", "use", "support_triage", "-o", str(target), "--force"]).exit_code == 0
    assert runner.invoke(app, ["templates", "use", "nope", "-o", str(tmp_path / "x.json")]).exit_code == 2
    assert runner.invoke(app, ["templates", "use", "rag_qa", "-o", str(tmp_path / "y.json"), "--id", "bad id"]
                         ).exit_code == 2


def test_help_has_examples() -> None:
    for command in (["templates", "--help"], ["templates", "list", "--help"], ["templates", "use", "--help"],
                    ["validate", "--help"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0 and "Example" in result.stdout, command
