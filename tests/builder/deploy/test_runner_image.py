"""The generic runner image: its pins, and its loader serving an app laid out as the ConfigMap volume lays it out."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from builder.deploy.bundle import build_bundle
from codegen import ProjectOptions, render_project
from codegen import deps as codegen_deps
from tests.builder.deploy.helpers import spec_of

RUNNER = Path(__file__).resolve().parents[3] / "infra" / "runner"
LOADER = RUNNER / "loader.py"


def mount(tmp_path: Path, name: str = "linear_transform") -> Path:
    """Write the code ConfigMaps to disk the way the kubelet projects them (key -> item path)."""
    bundle = build_bundle("app", render_project(spec_of(name), ProjectOptions()))
    root = tmp_path / "srv-app"
    data = {key: text for cm in bundle.configmaps for key, text in cm["data"].items()}
    for source in bundle.volume["projected"]["sources"]:
        for item in source["configMap"]["items"]:
            target = root / item["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(data[item["key"]], encoding="utf-8")
    return root


def loader(app_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(LOADER)], capture_output=True, text=True, timeout=60,  # noqa: S603
                          env={**os.environ, "LCNC_APP_DIR": str(app_dir), **env}, check=False)


def test_the_runner_pins_every_dependency_generated_projects_pin() -> None:
    lines = [line.strip() for line in (RUNNER / "requirements.txt").read_text().splitlines()]
    pins = {line.split("==")[0].lower(): line.split("==")[1] for line in lines if "==" in line}
    needed = set(codegen_deps.BASE) | set(codegen_deps.BY_IMPORT.values())
    assert {name: pins.get(name.lower()) for name in needed} == {name: codegen_deps.VERSIONS[name] for name in needed}
    dockerfile = (RUNNER / "Dockerfile").read_text()
    assert "ENTRYPOINT [\"python\", \"/opt/lcnc-runner/loader.py\"]" in dockerfile and "USER 10001" in dockerfile


def test_the_loader_accepts_a_mounted_app_and_refuses_a_tampered_one(tmp_path: Path) -> None:
    app_dir = mount(tmp_path)
    ok = loader(app_dir, LCNC_RUNNER_CHECK_ONLY="1")
    assert ok.returncode == 0, ok.stderr
    assert "is ready to serve" in ok.stdout
    (app_dir / "app" / "graph.py").write_text("import os  # changed by hand\n", encoding="utf-8")
    (app_dir / "app" / "runs.py").unlink()
    bad = loader(app_dir, LCNC_RUNNER_CHECK_ONLY="1")
    assert bad.returncode == 2
    assert "app/graph.py differs from the manifest" in bad.stderr and "app/runs.py is missing" in bad.stderr


def test_the_loader_refuses_an_app_whose_dependencies_are_missing(tmp_path: Path) -> None:
    app_dir = mount(tmp_path)
    pyproject = app_dir / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("dependencies = [", 'dependencies = [\n  "not-a-real-dist==1.0",'))
    result = loader(app_dir, LCNC_RUNNER_CHECK_ONLY="1")
    assert result.returncode == 2 and "not-a-real-dist is not installed in the runner image" in result.stderr


@pytest.mark.slow
def test_the_loader_serves_the_mounted_app(tmp_path: Path) -> None:
    app_dir = mount(tmp_path)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, str(LOADER)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # noqa: S603
                               env={**os.environ, "LCNC_APP_DIR": str(app_dir), "HOST": "127.0.0.1",
                                    "PORT": str(port), "PYTHONDONTWRITEBYTECODE": "1"})
    try:
        deadline, health = time.monotonic() + 60, None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None and health.status_code == 200, process.stderr.read() if process.poll() else ""
        assert httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5).status_code == 200
        assert not list(app_dir.rglob("__pycache__"))  # the read-only mount stays untouched
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()
        process.stderr.close()
