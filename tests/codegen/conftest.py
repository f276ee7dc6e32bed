"""Shared helpers of the codegen tests: render fixture graphs, write them to disk once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen import ProjectOptions, render_project, write_folder
from codegen.golden import fixture_options, fixtures
from runtime.spec import GraphSpec, load_graph
from tests.conftest import GRAPHS

# The golden projects hold generated tests of their own; they run inside a generated venv, not here.
collect_ignore_glob = ["golden/*"]

EXPORTABLE = sorted(fixtures())


def fixture_spec(name: str) -> GraphSpec:
    return load_graph((GRAPHS / f"{name}.json").read_bytes())


def render_fixture(name: str, options: ProjectOptions | None = None) -> dict[str, str]:
    """A fixture's project; the other fixture graphs are available to its subgraph nodes."""
    return render_project(fixture_spec(name), options or fixture_options())


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every exportable fixture graph written as a project folder (once per test session)."""
    root = tmp_path_factory.mktemp("exported")
    folders = {}
    for name in EXPORTABLE:
        write_folder(render_fixture(name), root / name)
        folders[name] = root / name
    return folders
