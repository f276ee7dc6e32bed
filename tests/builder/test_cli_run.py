"""`lcnc run`: in-process runs of graph files from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from builder.cli import app
from tests.conftest import GRAPHS

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


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


def test_bad_input_exits_2_before_running() -> None:
    result = runner.invoke(app, ["run", str(GRAPHS / "echo.json"), "--events"])
    assert result.exit_code == 2
    assert "missing required input 'text'" in result.stderr and result.stdout == ""  # no run, so no events
    as_json = runner.invoke(app, ["run", str(GRAPHS / "echo.json"), "-i", "text=hi", "-i", "colour=red", "--json"])
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout) == {"status": "invalid", "outputs": {}, "interrupt": None,
                                          "error": "unknown input 'colour'; inputs: text",
                                          "errors": ["unknown input 'colour'; inputs: text"]}
    bad = runner.invoke(app, ["run", str(GRAPHS / "echo.json"), "--input", "novalue"])
    assert bad.exit_code == 2


def test_an_invalid_graph_exits_2_naming_the_node(tmp_path) -> None:
    doc = json.loads((GRAPHS / "linear_transform.json").read_text(encoding="utf-8"))
    doc["edges"] = doc["edges"][:2]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(app, ["run", str(path), "-i", "name=Ada", "--json"])
    assert result.exit_code == 2
    assert "node 'out'" in json.loads(result.stdout)["error"]


def test_a_failing_run_exits_1_with_the_error(tmp_path) -> None:
    doc = json.loads((GRAPHS / "agent_tools.json").read_text(encoding="utf-8"))
    doc["nodes"][1]["config"]["script"] = []  # the scripted model has nothing to say: the node fails
    path = tmp_path / "mute.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(app, ["run", str(path), "-i", "question=6*7?", "--json"])
    assert result.exit_code == 1, result.output
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "failed" and "agent" in outcome["error"]
    assert "error: " in result.stderr


def test_the_local_model_loads_under_progress(tmp_path) -> None:
    graph = {"id": "ask", "nodes": [
        {"id": "in", "kind": "input", "config": {"name": "question"}},
        {"id": "agent", "kind": "llm", "config": {"max_tokens": 8}},  # the local provider by default
        {"id": "out", "kind": "output", "config": {"name": "answer"}}],
        "edges": [{"source": {"node": "in", "port": "value"}, "target": {"node": "agent", "port": "prompt"}},
                  {"source": {"node": "agent", "port": "text"}, "target": {"node": "out", "port": "value"}}],
        "inputs": [{"name": "question"}], "outputs": [{"name": "answer"}]}
    path = str(tmp_path / "ask.json")
    Path(path).write_text(json.dumps(graph), encoding="utf-8")
    shown = runner.invoke(app, ["run", path, "-i", "question=Say hi", "--json"], env={"LCNC_PROGRESS": "1"})
    assert shown.exit_code == 0, shown.output
    assert shown.stderr == "" and json.loads(shown.stdout)["status"] == "succeeded"  # --json: no progress
    shown = runner.invoke(app, ["run", path, "-i", "question=Say hi"], env={"LCNC_PROGRESS": "1"})
    assert shown.exit_code == 0, shown.output
    assert "✓ loading the local model (SmolLM2-135M)" in ANSI.sub("", shown.stderr)
    assert set(json.loads(shown.stdout)) == {"answer"}


def test_a_reader_that_stops_early_gets_no_tracebacks() -> None:
    import subprocess
    import sys

    script = (f"{sys.executable} -c 'from builder.cli import app; app()' run {GRAPHS / 'linear_transform.json'} "
              "-i name=Ada --events | head -n 1")
    result = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["type"] == "run_started"
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr
