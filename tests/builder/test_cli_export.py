"""`lcnc export`: a folder or a zip; a graph that cannot be exported exits 2 and writes nothing."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from builder.cli import app
from tests.conftest import GRAPHS

runner = CliRunner()
FORCED = {"LCNC_PROGRESS": "1"}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_export_to_folder_then_regenerate(tmp_path: Path) -> None:
    target = tmp_path / "triage"
    result = runner.invoke(app, ["export", str(GRAPHS / "router.json"), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "app" / "graph.py").is_file() and (target / "k8s" / "deployment.yaml").is_file()
    again = runner.invoke(app, ["export", str(GRAPHS / "router.json"), "-o", str(target), "--json"])
    assert again.exit_code == 0
    assert json.loads(again.stdout)["written"] == []


def test_export_to_zip(tmp_path: Path) -> None:
    archive = tmp_path / "loop.zip"
    result = runner.invoke(app, ["export", str(GRAPHS / "loop.json"), "--zip", str(archive), "--name", "looper",
                                 "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["ok"] is True and body["zip"] == str(archive) and body["files"] > 10
    with zipfile.ZipFile(archive) as opened:
        assert "looper/app/graph.py" in opened.namelist()
        assert "name: looper" in opened.read("looper/k8s/deployment.yaml").decode()


def test_invalid_graph_exits_2_names_the_node_and_writes_nothing(tmp_path: Path) -> None:
    doc = json.loads((GRAPHS / "linear_transform.json").read_text(encoding="utf-8"))
    doc["edges"] = doc["edges"][:2]
    source = tmp_path / "broken.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    target = tmp_path / "out"
    result = runner.invoke(app, ["export", str(source), "-o", str(target), "--json"], env=FORCED)
    assert result.exit_code == 2
    body = json.loads(result.stdout)
    assert body["ok"] is False and body["errors"][0]["node_id"] == "out"
    assert result.stderr == ""  # --json: no progress even when forced
    assert not target.exists()
    plain = runner.invoke(app, ["export", str(source), "-o", str(target)])
    assert plain.exit_code == 2 and plain.stdout == ""
    assert "out:" in plain.stderr and "missing_input" not in plain.stdout


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["export", str(source), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_needs_exactly_one_destination(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(GRAPHS / "echo.json"), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["detail"] == "give exactly one of --out DIR or --zip FILE"


def test_subgraphs_come_from_a_graphs_folder(tmp_path: Path) -> None:
    target = tmp_path / "sub"
    refused = runner.invoke(app, ["export", str(GRAPHS / "subgraph.json"), "-o", str(target)])
    assert refused.exit_code == 2 and not target.exists()
    result = runner.invoke(app, ["export", str(GRAPHS / "subgraph.json"), "-o", str(target), "--graphs", str(GRAPHS)])
    assert result.exit_code == 0, result.output
    assert (target / "app" / "subgraphs" / "g_linear_transform.py").is_file()


def test_a_write_failure_exits_1(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = runner.invoke(app, ["export", str(GRAPHS / "echo.json"), "-o", str(blocker / "project"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["detail"].startswith("cannot write the project")


def test_progress_shows_the_steps_on_stderr_only_when_wanted(tmp_path: Path) -> None:
    args = ["export", str(GRAPHS / "router.json"), "-o", str(tmp_path / "p")]
    shown = runner.invoke(app, args, env=FORCED)
    assert shown.exit_code == 0, shown.output
    stderr = ANSI.sub("", shown.stderr)
    assert "✓ rendered 'Support triage' (" in stderr and "✓ writing " in stderr
    assert shown.stdout.startswith("exported 'Support triage' to ") and "rendered" not in shown.stdout
    # Not a terminal (CliRunner's stderr), or --quiet even when forced: nothing on stderr.
    assert runner.invoke(app, args, env={"LCNC_PROGRESS": ""}).stderr == ""
    assert runner.invoke(app, [*args, "--quiet"], env=FORCED).stderr == ""


def test_http_tools_come_from_a_tools_file_and_an_unknown_tool_writes_nothing(tmp_path: Path) -> None:
    graph = json.loads((GRAPHS / "agent_tools.json").read_text(encoding="utf-8"))
    next(n for n in graph["nodes"] if n["id"] == "agent")["config"]["tools"] = ["http.weather", "sql.shop"]
    source = tmp_path / "agent.json"
    source.write_text(json.dumps(graph), encoding="utf-8")
    target = tmp_path / "agent"
    missing = runner.invoke(app, ["export", str(source), "-o", str(target), "--json"])
    assert missing.exit_code == 2, missing.output
    body = json.loads(missing.stdout)
    assert body["errors"][0]["node_id"] == "agent" and "http.weather" in body["errors"][0]["message"]
    assert not target.exists()

    # The list GET /api/tools/http answers is a tools file as it is.
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([{"id": "http.weather", "name": "weather", "created_at": "2026-01-01T00:00:00Z",
                                  "url": "https://w.example.com/?q={{ city }}", "method": "GET"}]), encoding="utf-8")
    result = runner.invoke(app, ["export", str(source), "-o", str(target), "--tools", str(tools)])
    assert result.exit_code == 0, result.output
    assert "'url': 'https://w.example.com/?q={{ city }}'" in (target / "app" / "tools.py").read_text()

    tools.write_text(json.dumps({"http.weather": {"url": "x", "method": "TRACE"}}), encoding="utf-8")
    bad = runner.invoke(app, ["export", str(source), "-o", str(tmp_path / "other"), "--tools", str(tools)])
    assert bad.exit_code == 2 and "http.weather.method" in bad.output
