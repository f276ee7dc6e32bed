"""The code samples of docs/api.md run as written against a live platform (`lcnc up`)."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import wait_for_a_worker

DOC = Path(__file__).parents[2] / "docs" / "api.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    port = free_port()
    data = tmp_path_factory.mktemp("docs-platform")
    env = {**os.environ, "DATA_DIR": str(data), "DATABASE_URL": "", "REDIS_URL": ""}
    process = subprocess.Popen(
        [sys.executable, "-c", "from builder.cli import app; app()", "up", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=open(data / "platform.log", "w"), start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/workflow/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                pytest.fail("the platform exited: " + (data / "platform.log").read_text()[-2000:])
            time.sleep(0.5)
        wait_for_a_worker(url)
        yield url
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def test_python_samples_run_as_written(platform, monkeypatch, capsys) -> None:
    monkeypatch.setenv("LCNC_URL", platform)
    namespace: dict = {}
    samples = blocks("python")
    assert samples
    for code in samples:
        exec(compile(code, str(DOC), "exec"), namespace)  # the docs' own samples, run as a reader would
    assert "Hello, Ada!" in capsys.readouterr().out


def test_curl_samples_run_as_written(platform) -> None:
    for code in blocks("bash"):
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", code], env={**os.environ, "LCNC_URL": platform},
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "15 kinds" in result.stdout and "unknown_kind" in result.stdout
