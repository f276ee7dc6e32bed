"""Progress goes to stderr when it is a terminal, never into stdout, and never with --json, --quiet or a pipe."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from builder.cli_progress import PROGRESS_ENV, progress_enabled
from tests.conftest import GRAPHS

LCNC = [sys.executable, "-c", "from builder.cli import app; app()"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_with_terminal_stderr(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The real CLI in a child process whose stderr is a pseudo-terminal and stdout a pipe (as `lcnc ... | jq`)."""
    leader, follower = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k != PROGRESS_ENV} | {"COLUMNS": "200"} | (env or {})
    try:
        process = subprocess.Popen([*LCNC, *args], stdout=subprocess.PIPE, stderr=follower, env=environ)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        stdout = process.stdout.read().decode()
        process.stdout.close()
        code = process.wait(timeout=120)
    finally:
        os.close(leader)
    return code, stdout, ANSI.sub("", b"".join(chunks).decode(errors="replace"))


def test_a_terminal_gets_progress_and_stdout_stays_the_result(tmp_path: Path) -> None:
    code, stdout, terminal = run_with_terminal_stderr(["export", str(GRAPHS / "router.json"), "-o", str(tmp_path / "a")])
    assert code == 0, terminal
    assert "✓ rendered 'Support triage' (" in terminal and "✓ writing " in terminal
    assert stdout.startswith("exported 'Support triage' to ") and "✓" not in stdout


def test_json_on_a_terminal_has_no_progress_and_parses(tmp_path: Path) -> None:
    code, stdout, terminal = run_with_terminal_stderr(
        ["export", str(GRAPHS / "router.json"), "-o", str(tmp_path / "b"), "--json"])
    assert code == 0 and terminal.strip() == ""
    assert json.loads(stdout)["ok"] is True


def test_quiet_and_the_environment_switch_it_off(tmp_path: Path) -> None:
    args = ["export", str(GRAPHS / "router.json"), "-o", str(tmp_path / "c")]
    assert run_with_terminal_stderr([*args, "--quiet"])[2].strip() == ""
    assert run_with_terminal_stderr(args, env={PROGRESS_ENV: "0"})[2].strip() == ""


def test_a_pipe_gets_no_progress(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k != PROGRESS_ENV}
    result = subprocess.run([*LCNC, "export", str(GRAPHS / "router.json"), "-o", str(tmp_path / "d")],
                            capture_output=True, text=True, env=environ, timeout=120)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("exported 'Support triage'")


@pytest.mark.parametrize(("forced", "as_json", "quiet", "expected"), [
    ("1", False, False, True), ("always", False, False, True), ("0", False, False, False),
    ("1", True, False, False), ("1", False, True, False), ("", False, False, False),
])
def test_the_policy(monkeypatch, forced: str, as_json: bool, quiet: bool, expected: bool) -> None:
    monkeypatch.setenv(PROGRESS_ENV, forced)
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: "" falls back to that
    assert progress_enabled(as_json=as_json, quiet=quiet) is expected
