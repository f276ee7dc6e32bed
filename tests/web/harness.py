"""What the browser tests and the P7 bench share: build the web app, start the platform, launch Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DIST_INDEX = WEB / "dist" / "index.html"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Starts `lcnc up` (API + one worker) with this interpreter, whichever venv runs the tests.
LCNC = [sys.executable, "-c", "from builder.cli import app; app()"]


def _stale() -> bool:
    if not DIST_INDEX.is_file():
        return True
    built = DIST_INDEX.stat().st_mtime
    sources = [WEB / "index.html", WEB / "package-lock.json", WEB / "openapi.json", *(WEB / "src").rglob("*")]
    return any(path.is_file() and path.stat().st_mtime > built for path in sources)


def ensure_web_built() -> None:
    """`npm ci` when node_modules is missing, `npm run build` when dist is older than the sources."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: the web editor cannot be built (install Node.js 20+)")
    lock = WEB / "package-lock.json"
    stamp = WEB / "node_modules" / ".package-lock.json"
    if not stamp.is_file() or stamp.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEB, check=True)  # noqa: S603
    if _stale():
        subprocess.run([npm, "run", "build", "--silent"], cwd=WEB, check=True)  # noqa: S603


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def platform(data_dir: Path, *, worker: bool = True, env: dict[str, str] | None = None) -> Iterator[str]:
    """The platform on a free port with its embedded default in ``data_dir``; yields its base URL.
    ``env`` overrides settings (e.g. LOCAL_MODE=false for the login page)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "SERVICES": '["gateway","orchestrator","agents","tools","rag","sqltool","workflow","observability"]',
        "LOCAL_MODE": "true",
        "ENVIRONMENT": "development",
        **(env or {}),
    }
    command = [*LCNC, "up" if worker else "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = (data_dir / "platform.log").open("wb")
    proc = subprocess.Popen(command, cwd=data_dir, env=env, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the platform exited ({proc.returncode}): "
                                   + (data_dir / "platform.log").read_text(errors="replace")[-3000:])
            try:
                if httpx.get(f"{base}/api/workflow/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the platform did not answer within 90 s")
            time.sleep(0.3)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # our own session: uvicorn and the worker it started
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def platform_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment ``platform`` gives the server, for CLI commands against the same data (``lcnc user create``)."""
    return {**os.environ, "DATA_DIR": str(data_dir), "DATABASE_URL": "", "REDIS_URL": "", "LOCAL_MODE": "true",
            "ENVIRONMENT": "development", **overrides}


def launch_chromium(playwright: Any) -> Any:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def import_graph(base: str, doc: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{base}/api/workflow/graphs/import", json=doc, timeout=30)
    response.raise_for_status()
    return response.json()
