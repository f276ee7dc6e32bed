"""The code samples of docs/quickstart.md and docs/concepts.md run as written.

A shell or Python block runs from a scratch folder laid out like the repository root (`.venv/bin/lcnc`,
`tests/fixtures/...`), unless the paragraph just before it is a quote starting with
"**Not run by the tests:**" that says why. JSON samples of a graph must load, validate and run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
MARKER = "> **Not run by the tests:**"
RUNNABLE = {"bash": "bash", "sh": "bash", "shell": "bash", "python": "python"}
# What a block's output must show, by a command it contains (the docs say so in the text around it).
EXPECTED = {
    "lcnc model check": ["answered in"],
    "--input name=Ada --events": ['"type": "run_finished"'],
    "--input name=Ada\n": ['"greeting": "Hello, Ada! Welcome aboard."', "is valid"],
    "lcnc export": ["my-service/app/graph.py", "exported 'Greeting' to my-service"],
    "--dry-run": [],
}


@dataclass
class Block:
    doc: str
    line: int
    language: str
    code: str
    skip_reason: str | None

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def blocks(doc: str) -> list[Block]:
    text = (DOCS / doc).read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r"^```(\w*)\n(.*?)^```$", text, flags=re.S | re.M):
        before = text[: match.start()].rstrip("\n")
        paragraph = before.rsplit("\n\n", 1)[-1]
        skip = None
        if paragraph.startswith(MARKER):
            skip = " ".join(line.removeprefix(">").strip() for line in paragraph.splitlines())
            skip = skip.removeprefix(MARKER.removeprefix("> ")).strip()
        found.append(Block(doc, text.count("\n", 0, match.start()) + 1, match[1], match[2], skip))
    return found


QUICKSTART = blocks("quickstart.md")
TO_RUN = [b for b in QUICKSTART + blocks("concepts.md") if b.language in RUNNABLE and b.skip_reason is None]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder like the repository root: `.venv/bin/lcnc` runs this checkout's CLI, `tests/` is the real one."""
    work = tmp_path / "repo"
    (work / ".venv" / "bin").mkdir(parents=True)
    lcnc = work / ".venv" / "bin" / "lcnc"
    lcnc.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'from builder.cli import app; app()' \"$@\"\n")
    lcnc.chmod(0o755)
    (work / "tests").symlink_to(ROOT / "tests")
    return work


def run_block(block: Block, workdir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATA_DIR": str(workdir / ".lcnc"), "DATABASE_URL": "",
           "REDIS_URL": "", "LCNC_PROGRESS": "0"}
    command = ["bash", "-euo", "pipefail", "-c", block.code] if RUNNABLE[block.language] == "bash" \
        else [sys.executable, "-c", block.code]
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)


def test_the_quickstart_has_samples_and_only_explained_ones_are_skipped() -> None:
    assert len(TO_RUN) >= 4
    skipped = [b for b in QUICKSTART if b.skip_reason is not None]
    for block in skipped:
        assert len(block.skip_reason.split()) >= 5, f"{block.id}: say why the block is not run"
    # Only the block that clones and starts the server is exempt; anything else must run here.
    assert [b.code.splitlines()[-1] for b in skipped] == ["make run"]
    unknown = [b.id for b in QUICKSTART if b.language not in RUNNABLE and b.skip_reason is None]
    assert unknown == [], f"blocks in a language the test cannot run: {unknown}"


@pytest.mark.parametrize("block", TO_RUN, ids=[b.id for b in TO_RUN])
def test_quickstart_block_runs_as_written(block: Block, workdir: Path) -> None:
    result = run_block(block, workdir)
    assert result.returncode == 0, f"{block.id} failed:\n{block.code}\n{result.stdout}\n{result.stderr}"
    matched = [key for key in EXPECTED if key in block.code + "\n"]
    assert matched, f"{block.id}: say in EXPECTED what its output must show"
    for key in matched:
        for text in EXPECTED[key]:
            assert text in result.stdout, f"{block.id}: '{text}' not in its output:\n{result.stdout}"


def test_concepts_graph_sample_loads_validates_and_runs(workdir: Path) -> None:
    from runtime.spec import load_graph
    from runtime.validate import validate_graph

    samples = [b for b in blocks("concepts.md") if b.language == "json"]
    assert samples
    for block in samples:
        spec = load_graph(block.code.encode())
        assert validate_graph(spec) == [], block.id
        path = workdir / "sample.json"
        path.write_text(block.code, encoding="utf-8")
        ran = run_block(Block("concepts.md", block.line, "bash", f".venv/bin/lcnc run {path} -i text=hi --json",
                              None), workdir)
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout)["outputs"] == {"text": "hi"}
