"""The editor's API types are generated from the platform's OpenAPI: fail when a committed file is stale."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from builder.openapi_dump import OPENAPI_PATH, render_openapi
from tests.web.harness import WEB

REGENERATE = "run `lcnc openapi --write && (cd web && npm run gen:api)` and commit the result"


def test_openapi_json_is_fresh() -> None:
    assert OPENAPI_PATH == WEB / "openapi.json"
    committed = OPENAPI_PATH.read_text(encoding="utf-8")
    assert committed == render_openapi(), f"web/openapi.json is stale: {REGENERATE}"


def test_typescript_schema_is_fresh(tmp_path: Path) -> None:
    generator = WEB / "node_modules" / ".bin" / "openapi-typescript"
    if not generator.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is not installed: cannot regenerate web/src/api/schema.d.ts")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEB, check=True)  # noqa: S603
    spec = tmp_path / "openapi.json"
    spec.write_text(render_openapi(), encoding="utf-8")
    out = tmp_path / "schema.d.ts"
    subprocess.run([str(generator), str(spec), "-o", str(out)], cwd=WEB, check=True,  # noqa: S603
                   capture_output=True)
    committed = (WEB / "src" / "api" / "schema.d.ts").read_text(encoding="utf-8")
    assert committed == out.read_text(encoding="utf-8"), f"web/src/api/schema.d.ts is stale: {REGENERATE}"


def test_web_unit_tests_pass() -> None:
    """The pure editor logic (port compatibility, form schemas) has vitest unit tests; run them here too."""
    vitest = WEB / "node_modules" / ".bin" / "vitest"
    if not vitest.exists():
        pytest.fail("web/node_modules is missing: run `cd web && npm ci`")
    result = subprocess.run([str(vitest), "run"], cwd=WEB, capture_output=True, text=True, timeout=180)  # noqa: S603
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
