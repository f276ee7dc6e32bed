"""`lcnc run`: in-process runs of graph files from the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from builder.cli import app
from tests.conftest import GRAPHS

runner = CliRunner()


def test_run_prints_the_declared_outputs() -> None:
    result = runner.invoke(app, ["run", str(GRAPHS / "linear_transform.json"), "--input", "name=Ada"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"greeting": "Hello, Ada! Welcome aboard."}


def test_run_events_are_json_lines() -> None:
    result = runner.invoke(app, ["run", str(GRAPHS / "subgraph.json"), "-i", "name=Bob", "--events"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    events = [json.loads(line) for line in lines if line.startswith("{\"type\"")]
    assert events[0]["type"] == "run_started" and events[-1]["type"] == "run_finished"
    assert "inner/greet" in {event.get("node_id") for event in events}
    assert events[-1]["outputs"] == {"result": {"greeting": "Hello, Bob! Welcome aboard."}}


def test_run_answers_approvals_or_waits() -> None:
    path = str(GRAPHS / "human_approval.json")
    waiting = runner.invoke(app, ["run", path, "-i", "request=refund"])
    assert waiting.exit_code == 3 and "Send this reply?" in waiting.output
    approved = runner.invoke(app, ["run", path, "-i", "request=refund", "--approve", "--json"])
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.stdout)["outputs"] == {"result": "SENT: Draft reply to: refund"}


def test_run_failures_exit_1_with_the_error() -> None:
    result = runner.invoke(app, ["run", str(GRAPHS / "echo.json")])
    assert result.exit_code == 1
    assert "missing required input 'text'" in result.output
    bad = runner.invoke(app, ["run", str(GRAPHS / "echo.json"), "--input", "novalue"])
    assert bad.exit_code == 2
