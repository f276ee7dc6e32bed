"""Generated projects installed in a fresh venv (no lcnc, no platform site-packages) pass their own tests.

One venv serves every project: it gets the union of their pinned dependencies once (pip answers
from its cache when it can). It is kept under the temp folder keyed by the hash of those pins, so a
second run reuses it; set LCNC_CODEGEN_FRESH_VENV=1 to build it again.

Projects of graphs with service kinds (SQL on a throwaway PostgreSQL database, an MCP server over stdio)
pass their offline tests with the live ones skipped, then all of them with RUN_LIVE_TESTS=1 and their
settings pointing at the real services: what their pins install is enough to run them. (RAG projects are
left out here: torch and Chroma are too heavy to install per test run; test_service_kinds serves them.)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

from codegen import Example, ProjectOptions, render_project, write_folder
from runtime.compile import RunServices
from runtime.engine import run_graph
from runtime.nodes._mcp import McpRegistry, McpServerConfig
from runtime.nodes._sql import SqlConnection, SqlConnections
from tests.codegen.conftest import MCP_SERVER, fixture_spec

# Fixture graphs and example inputs; the expected outputs come from the platform runtime, so the
# generated tests assert through HTTP what the platform gives.
PROJECTS = {
    "linear_transform": [{"name": "Ann"}],
    "agent_tools": [{"question": "What is 6 times 7?"}],
    "router": [{"ticket": "my invoice is wrong"}, {"ticket": "the app crashes"}],
    "loop": [{"text": "Hi"}],
}
SERVICE_PROJECTS = {
    "sql_query": [{"customer": "Ann"}, {"customer": "Nobody"}],
    "mcp_tool": [{"numbers": {"a": 2, "b": 40}}],
}
MCP_COMMAND = [sys.executable, str(MCP_SERVER), "stdio"]

pytestmark = pytest.mark.slow


def _requirements(folders: list[Path]) -> list[str]:
    wanted: set[str] = set()
    for folder in folders:
        project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        wanted.update(project["dependencies"])
        wanted.update(project["optional-dependencies"]["dev"])
    return sorted(wanted)


@pytest.fixture(scope="module")
def live_settings(shop_url: str) -> dict[str, dict[str, str]]:
    """The environment of each service project's live tests: where its services are."""
    return {"sql_query": {"SQL_URL_SHOP": shop_url},
            "mcp_tool": {"MCP_SERVERS": json.dumps({"math": {"command": MCP_COMMAND, "timeout_s": 60}})}}


def _platform_services(name: str, shop_url: str) -> RunServices:
    if name == "sql_query":
        return RunServices(sql=SqlConnections({"shop": SqlConnection("shop", shop_url)}))
    if name == "mcp_tool":
        return RunServices(mcp=McpRegistry([McpServerConfig("math", command=tuple(MCP_COMMAND), timeout_s=60)]))
    return RunServices()


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory, shop_url: str) -> dict[str, Path]:
    import asyncio

    root = tmp_path_factory.mktemp("projects")
    folders = {}
    for name, cases in {**PROJECTS, **SERVICE_PROJECTS}.items():
        spec = fixture_spec(name)
        examples = []
        for inputs in cases:
            outcome = asyncio.run(run_graph(spec, inputs, thread_id="example",
                                            services=_platform_services(name, shop_url)))
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


def _clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV", "RUN_LIVE_TESTS")}
    return {**env, **extra}


def _pytest(venv_python: Path, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv_python), "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("name", PROJECTS)
def test_generated_project_passes_its_own_tests(projects: dict[str, Path], venv_python: Path, name: str) -> None:
    folder = projects[name]
    env = _clean_env()
    done = _pytest(venv_python, folder, env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout and "skipped" not in done.stdout
    lint = subprocess.run([str(venv_python), "-m", "ruff", "check", "--no-cache", "."], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)
    assert lint.returncode == 0, lint.stdout


@pytest.mark.parametrize("name", SERVICE_PROJECTS)
def test_service_project_runs_live_tests_only_when_asked(projects: dict[str, Path], venv_python: Path,
                                                         live_settings: dict[str, dict[str, str]], name: str) -> None:
    folder = projects[name]
    live_runs = 2 * len(SERVICE_PROJECTS[name])  # /run and /runs for every example
    offline = _pytest(venv_python, folder, _clean_env())
    assert offline.returncode == 0, offline.stdout[-4000:] + offline.stderr[-2000:]
    assert f"{live_runs} skipped" in offline.stdout and " failed" not in offline.stdout
    reasons = [line for line in offline.stdout.splitlines() if line.startswith("SKIPPED")]
    assert reasons and all("set RUN_LIVE_TESTS=1 to run it" in line for line in reasons)  # the reason says how

    live = _pytest(venv_python, folder, _clean_env(RUN_LIVE_TESTS="1", **live_settings[name]))
    assert live.returncode == 0, live.stdout[-4000:] + live.stderr[-2000:]
    assert " passed" in live.stdout and "skipped" not in live.stdout and " failed" not in live.stdout
