"""Fixtures shared by the whole suite: fixture graphs, a throwaway PostgreSQL database, platform clients."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
GRAPHS = FIXTURES / "graphs"
POSTGRES_ADMIN_URL = os.environ.get("LCNC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def fixture_graph(name: str) -> dict[str, Any]:
    """A fixture graph document by file name without .json (e.g. "router", "v1/greeting_v1")."""
    return json.loads((GRAPHS / f"{name}.json").read_text(encoding="utf-8"))


def wait_for_a_worker(base_url: str, timeout: float = 120.0) -> None:
    """Until the platform at ``base_url`` lists a live worker. `lcnc up` starts its worker beside the API, which
    answers first; on a busy machine the worker can take longer to start than a test's `?wait=` allows."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            workers = httpx.get(f"{base_url}/api/observability/services", timeout=5).json().get("workers", [])
            if any(worker.get("status") == "ok" for worker in workers):
                return
        except (httpx.HTTPError, ValueError):
            pass
        assert time.monotonic() < deadline, f"no worker came up within {timeout:g} s"
        time.sleep(0.3)


def fixture_graph_names() -> list[str]:
    return sorted(path.stem for path in GRAPHS.glob("*.json"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    import psycopg

    name = f"lcnc_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test."""
    import psycopg

    name = f"lcnc_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _migrated_postgres_template() -> Iterator[str]:
    """A PostgreSQL database with the platform's migrations applied once, cloned for each test that needs one."""
    import psycopg

    from builder.db.migrate import upgrade_database
    from builder.settings import Settings

    name = f"lcnc_tpl_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    upgrade_database(Settings(database_url=f"{base}/{name}"))
    try:
        yield name
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def migrated_postgres_url(_migrated_postgres_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database already at the latest platform schema (a clone of a migrated template)."""
    import psycopg

    name = f"lcnc_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_migrated_postgres_template}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., Any]:
    """Settings factory for one storage backend; the suite runs once per backend."""
    from builder.settings import Settings

    database_url = "" if request.param == "sqlite" else request.getfixturevalue("migrated_postgres_url")

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": tmp_path / "data", "database_url": database_url}
        values.update(overrides)
        return Settings(**values)

    make.backend = request.param  # type: ignore[attr-defined]
    return make


@pytest.fixture
def client(backend_settings: Callable[..., Any]) -> Iterator[Any]:
    """A TestClient of the whole platform on the parametrized backend, lifespan included."""
    from fastapi.testclient import TestClient

    from builder.app import create_app

    with TestClient(create_app(backend_settings())) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def _memory_exporter() -> Any:
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from runtime.telemetry import setup_tracing

    exporter = InMemorySpanExporter()
    setup_tracing("lcnc-tests").add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def span_exporter(_memory_exporter: Any) -> Any:
    """Every span finished during the test, in memory (the process's one tracer provider feeds it)."""
    _memory_exporter.clear()
    return _memory_exporter
