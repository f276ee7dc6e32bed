"""Three real `lcnc serve` processes on loopback: the gateway routes to workflow and tools, and says 502 when
one of them is gone."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.builder.gateway.gateway_servers import LCNC, LcncProcess

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "graphs" / "linear_transform.json"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LcncProcess]]:
    root = tmp_path_factory.mktemp("stack")
    # One SQLite file shared by the three processes, migrated once before any of them starts.
    env = {"DATA_DIR": str(root / "data"), "AUTO_MIGRATE": "false", "ENVIRONMENT": "development",
           "DATABASE_URL": "", "GATEWAY_TIMEOUT": "5"}
    migrated = subprocess.run([LCNC, "migrate"], env={**os.environ, **env},  # noqa: S603
                              capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    workflow = LcncProcess("workflow", env, root)
    tools = LcncProcess("tools", env, root)
    started: list[LcncProcess] = []
    try:
        started.append(workflow.start())
        started.append(tools.start())
        upstreams = {"workflow": workflow.url, "tools": tools.url}
        gateway = LcncProcess("gateway", {**env, "GATEWAY_UPSTREAMS": json.dumps(upstreams)}, root)
        started.append(gateway.start())
        yield {"gateway": gateway, "workflow": workflow, "tools": tools}
    finally:
        for proc in reversed(started):
            proc.stop()


def test_health_of_each_role_through_the_gateway(stack: dict[str, LcncProcess]) -> None:
    gateway = stack["gateway"].url
    for role in ("gateway", "workflow", "tools"):
        answer = httpx.get(f"{gateway}/api/{role}/health", timeout=10)
        assert answer.status_code == 200, (role, answer.text)
        assert answer.json()["service"] == role
    # Roles that no process serves are not found, not hung.
    assert httpx.get(f"{gateway}/api/rag/health", timeout=10).status_code == 404


def test_graphs_api_through_the_gateway(stack: dict[str, LcncProcess]) -> None:
    gateway = stack["gateway"].url
    spec = json.loads(FIXTURE.read_text())
    spec["id"] = f"gw_{int(time.time() * 1000)}"
    created = httpx.post(f"{gateway}/api/workflow/graphs", json=spec, timeout=20,
                         headers={"X-Request-ID": "through-gateway"})
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == "through-gateway"
    graph_id = created.json()["id"]
    # The same graph read straight from the workflow process and through the gateway.
    direct = httpx.get(f"{stack['workflow'].url}/api/workflow/graphs/{graph_id}", timeout=10).json()
    proxied = httpx.get(f"{gateway}/api/workflow/graphs/{graph_id}", timeout=10).json()
    assert proxied == direct
    assert [(n["id"], n["kind"], n["config"]) for n in proxied["spec"]["nodes"]] == [
        (n["id"], n["kind"], n["config"]) for n in spec["nodes"]
    ]
    listed = httpx.get(f"{gateway}/api/workflow/graphs", params={"limit": 200}, timeout=10).json()
    assert graph_id in {item["id"] for item in listed["items"]}
    report = httpx.get(f"{gateway}/api/gateway/upstreams", timeout=10).json()
    assert {role: r["status"] for role, r in report.items()} == {"workflow": "ok", "tools": "ok"}


def test_killed_role_answers_502_and_the_others_keep_working(stack: dict[str, LcncProcess]) -> None:
    gateway = stack["gateway"].url
    tools = stack["tools"]
    assert tools.proc is not None
    tools.proc.kill()
    tools.proc.wait(timeout=10)
    started = time.monotonic()
    answer = httpx.get(f"{gateway}/api/tools/health", timeout=10)
    assert answer.status_code == 502
    assert answer.json()["errors"] == [{"role": "tools", "reason": "unreachable"}]
    assert time.monotonic() - started < 5
    assert httpx.get(f"{gateway}/api/workflow/health", timeout=10).status_code == 200
    report = httpx.get(f"{gateway}/api/gateway/upstreams", timeout=10).json()
    assert report["tools"]["status"] == "unreachable"
