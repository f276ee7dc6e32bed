"""Generated projects installed in a fresh venv (no lcnc, no platform site-packages) pass their own tests.

One venv serves the four projects: it gets the union of their pinned dependencies once (pip answers
from its cache when it can). It is kept under the temp folder keyed by the hash of those pins, so a
second run reuses it; set LCNC_CODEGEN_FRESH_VENV=1 to build it again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

from codegen import Example, ProjectOptions, render_project, write_folder
from runtime.engine import run_graph
from tests.codegen.conftest import fixture_spec

# Fixture graphs and example inputs; the expected outputs come from the platform runtime, so the
# generated tests assert through HTTP what the platform gives.
PROJECTS = {
    "linear_transform": [{"name": "Ann"}],
    "agent_tools": [{"question": "What is 6 times 7?"}],
    "router": [{"ticket": "my invoice is wrong"}, {"ticket": "the app crashes"}],
    "loop": [{"text": "Hi"}],
}

pytestmark = pytest.mark.slow


def _requirements(folders: list[Path]) -> list[str]:
    wanted: set[str] = set()
    for folder in folders:
        project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        wanted.update(project["dependencies"])
        wanted.update(project["optional-dependencies"]["dev"])
    return sorted(wanted)


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import asyncio

    root = tmp_path_factory.mktemp("projects")
    folders = {}
    for name, cases in PROJECTS.items():
        spec = fixture_spec(name)
        examples = []
        for inputs in cases:
            outcome = asyncio.run(run_graph(spec, inputs, thread_id="example"))
            assert outcome.status == "succeeded", outcome.error
            examples.append(Example(inputs=inputs, outputs=outcome.outputs))
        folders[name] = root / name
        write_folder(render_project(spec, ProjectOptions(examples=examples)), folders[name])
    return folders


@pytest.fixture(scope="module")
def venv_python(projects: dict[str, Path]) -> Path:
    requirements = _requirements(list(projects.values()))
    digest = hashlib.sha256("\n".join(requirements).encode()).hexdigest()[:12]
    venv = Path(tempfile.gettempdir()) / f"lcnc-codegen-venv-{digest}"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if os.environ.get("LCNC_CODEGEN_FRESH_VENV") or not marker.is_file():
        shutil.rmtree(venv, ignore_errors=True)
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=300)
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", *requirements],
                              capture_output=True, text=True, timeout=1500)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
        marker.write_text("\n".join(requirements), encoding="utf-8")
    # The venv is clean: none of the platform's packages can be imported from it.
    probe = subprocess.run([str(python), "-c", "import runtime"], capture_output=True, text=True, cwd=tempfile.gettempdir())
    assert probe.returncode != 0
    return python


@pytest.mark.parametrize("name", PROJECTS)
def test_generated_project_passes_its_own_tests(projects: dict[str, Path], venv_python: Path, name: str) -> None:
    folder = projects[name]
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(venv_python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout and "skipped" not in done.stdout
    lint = subprocess.run([str(venv_python), "-m", "ruff", "check", "--no-cache", "."], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)
    assert lint.returncode == 0, lint.stdout
