"""`lcnc run --queue` through a worker, and `lcnc up` (API + embedded worker, stopped together)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from builder.db.migrate import upgrade_database
from tests.conftest import GRAPHS, fixture_graph
from tests.runtime.worker.harness import RUNS, make_platform

LCNC = [sys.executable, "-c", "from builder.cli import app; app()"]


def test_lcnc_run_queue_runs_through_a_worker_and_answers_the_approval(tmp_path: Path) -> None:
    # Embedded: the queue lives in this test's own data folder, so the default namespace is private.
    platform = make_platform("embedded", tmp_path, namespace="lcnc")
    upgrade_database(platform.settings)
    try:
        platform.start_worker()
        env = platform.worker_env() | {"AUTO_MIGRATE": "true"}
        args = [*LCNC, "run", str(GRAPHS / "human_approval.json"), "--input", "request=refund", "--queue",
                "--reject", "--comment", "no", "--events"]
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120,  # noqa: S603
                              cwd=platform.tmp)
    finally:
        platform.stop_all()
    assert done.returncode == 0, done.stderr[-2000:] + platform.logs()
    lines = done.stdout.strip().splitlines()
    events = [json.loads(line) for line in lines if line.startswith('{"type"')]
    assert [e["type"] for e in events].count("interrupt") == 1 and events[-1]["type"] == "run_finished"
    outputs = json.loads("\n".join(line for line in lines if not line.startswith('{"type"')))
    assert outputs == {"result": "DROPPED: Draft reply to: refund\n\nComment: no"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_lcnc_up_serves_the_api_with_a_worker_and_ctrl_c_stops_both(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "SERVICES"))}
    env |= {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "", "REDIS_URL": "", "LOCAL_MODE": "true"}
    log = (tmp_path / "up.log").open("wb")
    proc = subprocess.Popen([*LCNC, "up", "--port", str(port)], env=env, stdout=log,  # noqa: S603
                            stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/api/orchestrator/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "up.log").read_text()
            time.sleep(0.3)
        with httpx.Client(base_url=base, timeout=60) as client:
            assert client.post("/api/workflow/graphs", json=fixture_graph("linear_transform")).status_code == 201
            run = client.post(RUNS, json={"graph_id": "linear_transform", "inputs": {"name": "Up"}},
                              params={"wait": 45})
            assert run.status_code == 200, (run.text, (tmp_path / "up.log").read_text()[-3000:])
            assert run.json()["outputs"] == {"greeting": "Hello, Up! Welcome aboard."}
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()  # noqa: S603,S607
        assert children, "lcnc up started no worker process"
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        proc.wait(timeout=40)
        for pid in children:
            assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_the_worker_of_lcnc_up_stops_when_up_is_killed(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "SERVICES"))}
    env |= {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "", "REDIS_URL": "", "LOCAL_MODE": "true"}
    log = (tmp_path / "up.log").open("wb")
    proc = subprocess.Popen([*LCNC, "up", "--port", str(port)], env=env, stdout=log,  # noqa: S603
                            stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 90
        children: list[str] = []
        while b" ready." not in (tmp_path / "up.log").read_bytes() or not children:
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "up.log").read_text()
            time.sleep(0.3)
            children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,  # noqa: S603,S607
                                      text=True).stdout.split()
        proc.kill()  # kill -9 of `lcnc up`: no chance to stop its worker
        proc.wait(timeout=10)
        deadline = time.monotonic() + 40
        while any(Path(f"/proc/{pid}").exists() for pid in children):
            assert time.monotonic() < deadline, "the worker outlived `lcnc up`"
            time.sleep(0.3)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_lcnc_up_starts_its_worker_again_when_it_dies(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "SERVICES"))}
    env |= {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "", "REDIS_URL": "", "LOCAL_MODE": "true"}
    log_path = tmp_path / "up.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([*LCNC, "up", "--port", str(port)], env=env, stdout=log,  # noqa: S603
                            stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        children: list[str] = []
        while log_path.read_bytes().count(b" ready.") < 1 or not children:
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
            children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,  # noqa: S603,S607
                                      text=True).stdout.split()
        os.kill(int(children[0]), signal.SIGKILL)  # the worker dies (an OOM kill, a crash)
        while log_path.read_bytes().count(b" ready.") < 2:  # ...and a new one comes up
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
        assert b"the worker exited (code -9); starting it again" in log_path.read_bytes()
        with httpx.Client(base_url=base, timeout=60) as client:
            assert client.post("/api/workflow/graphs", json=fixture_graph("linear_transform")).status_code == 201
            run = client.post(RUNS, json={"graph_id": "linear_transform", "inputs": {"name": "Again"}},
                              params={"wait": 45})
            assert run.status_code == 200, (run.text, log_path.read_text()[-3000:])
            assert run.json()["outputs"] == {"greeting": "Hello, Again! Welcome aboard."}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
