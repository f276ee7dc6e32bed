import json
import subprocess
import sys

from typer.testing import CliRunner

from builder.cli import app
from tests.conftest import GRAPHS

runner = CliRunner()


def test_validate_ok() -> None:
    result = runner.invoke(app, ["validate", str(GRAPHS / "router.json")])
    assert result.exit_code == 0 and "is valid" in result.output


def test_validate_reports_problems_as_json(tmp_path) -> None:
    doc = json.loads((GRAPHS / "echo.json").read_text())
    doc["nodes"][1]["kind"] = "teleport"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    result = runner.invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False and report["errors"][0]["node_id"] == "out"


def test_validate_unreadable_file_exits_2(tmp_path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 10_000 + "]" * 10_000)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2


def test_console_script_is_installed() -> None:
    out = subprocess.run([sys.executable, "-m", "builder.cli", "schema", "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def _commands(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_every_command_has_help_with_an_example() -> None:
    import typer.main

    seen = []
    for path, _command in _commands(typer.main.get_command(app)):
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example" in result.stdout, f"`lcnc {' '.join(path)} --help` shows no example"
        seen.append(" ".join(path))
    assert {"export", "deploy", "run", "model check", "rag ingest", "templates use", "user create"} <= set(seen)


def test_usage_errors_exit_2() -> None:
    assert runner.invoke(app, ["validate", "--no-such-option"]).exit_code == 2
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2
    assert runner.invoke(app, ["validate", "/no/such/file.json"]).exit_code == 2
