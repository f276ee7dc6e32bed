"""Fixtures of the generated tests: the app with its lifespan, and the example inputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

EXAMPLES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "examples.json").read_text(encoding="utf-8"))


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(run_timeout_s=30))) as test_client:
        yield test_client
