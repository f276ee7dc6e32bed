"""Fixtures of the worker tests: a platform per backend with real worker processes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from builder.app import create_app
from builder.routes.runs import RunQueue
from runtime.worker.config import WorkerConfig
from tests.runtime.worker.harness import REDIS_URL, Platform, cleanup_redis, make_platform


@pytest.fixture
def queue_config() -> Iterator[WorkerConfig]:
    """A queue on the real Redis under a namespace of its own (removed afterwards); no database is used."""
    namespace = f"lcnc-test-{uuid.uuid4().hex[:10]}"
    yield WorkerConfig(database_url="sqlite+aiosqlite:///unused.db", redis_url=REDIS_URL, namespace=namespace)
    cleanup_redis(namespace)

@pytest.fixture
def platform_settings() -> dict[str, Any]:
    """Settings the `platform` fixture overrides (a test module redefines this fixture to change them)."""
    return {}


@pytest.fixture(params=["redis", "embedded"])
def platform(request: pytest.FixtureRequest, tmp_path: Path, platform_settings: dict[str, Any]) -> Iterator[Platform]:
    """The platform on PostgreSQL + Redis, or on the embedded SQLite file + SQLite broker."""
    postgres = request.getfixturevalue("migrated_postgres_url") if request.param == "redis" else None
    plat = make_platform(request.param, tmp_path, postgres)
    if platform_settings:
        plat.settings = plat.settings.model_copy(update=platform_settings)
    app = create_app(plat.settings)
    try:
        with TestClient(app) as client:
            app.state.run_queue = RunQueue(plat.config)
            plat.client = client
            yield plat
    finally:
        plat.stop_all()
        if request.param == "redis":
            cleanup_redis(plat.config.namespace)
