"""Run a generated app as a real process on a free local port until it answers /ready."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(command: Callable[[int], list[str]], folder: Path, env: dict[str, str], *,
          ready_timeout: float = 60) -> Iterator[str]:
    """Start ``command(port)`` in ``folder`` and yield its base URL once /ready says 200; stop it after."""
    port = free_port()
    process = subprocess.Popen(command(port), cwd=folder, env=env,  # noqa: S603 - our own interpreter
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the generated app exited: {process.stderr.read()[-3000:] if process.stderr else ''}")
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the generated app did not become ready"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
