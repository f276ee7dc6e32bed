"""Shared helpers of the codegen tests: render fixture graphs, write them to disk once per session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from codegen import ProjectOptions, render_project, write_folder
from codegen.golden import fixture_options, fixtures
from runtime.spec import GraphSpec, load_graph
from tests.conftest import GRAPHS, POSTGRES_ADMIN_URL

# The golden projects hold generated tests of their own; they run inside a generated venv, not here.
collect_ignore_glob = ["golden/*"]

EXPORTABLE = sorted(fixtures())
# A real MCP server (stdio or streamable HTTP), shared with the runtime's MCP tests.
MCP_SERVER = Path(__file__).resolve().parents[1] / "runtime" / "nodes" / "mcp_math_server.py"


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


@pytest.fixture(scope="session")
def shop_url() -> Iterator[str]:
    """A throwaway PostgreSQL database with an ``orders`` table (the sql_query fixture's 'shop'), dropped after."""
    import psycopg

    name = f"lcnc_codegen_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE orders (id integer PRIMARY KEY, customer text NOT NULL, total numeric(10, 2))")
            conn.execute("INSERT INTO orders VALUES (1, 'Ann', 12.50), (2, 'Bob', 3), (3, 'Ann', 7.25)")
        yield url
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
