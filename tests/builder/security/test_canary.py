"""Nothing untrusted runs: code, template and shell payloads posted into every endpoint that accepts text are
stored or refused as data. No canary file appears, no process is spawned, nothing comes back evaluated."""

from __future__ import annotations

import copy
import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.builder.security.support import add_user, bearer, login, platform
from tests.conftest import GRAPHS, fixture_graph, fixture_graph_names

# Markers that only an evaluation would produce.
EVALUATED = ("<class '", "<built-in", "<module '", "<function ", "<bound method")
TEXT_KEYS = {"description", "label", "message", "template", "prompt", "system_prompt", "instructions", "text",
             "query", "url", "body", "expression", "value", "default", "comment", "source", "command", "code"}


def payloads(canary: Path) -> list[str]:
    touch = f"touch {canary}"
    return [
        f"__import__('os').system('{touch}')",
        f"{{{{ ''.__class__.__mro__[1].__subclasses__() }}}}{{{{ cycler.__init__.__globals__.os.popen('{touch}') }}}}",
        f"{{% for c in ().__class__.__base__.__subclasses__() %}}{{% if 'Popen' in c.__name__ %}}"
        f"{{{{ c('{touch}', shell=True) }}}}{{% endif %}}{{% endfor %}}",
        f"${{__import__('os').system('{touch}')}}",
        f"$({touch})`{touch}`; {touch} #",
        f"exec(\"import os; os.system('{touch}')\")",
        f"!!python/object/apply:os.system ['{touch}']",
        "{{ {}.__class__ }} #{7*7} <%= 7*7 %> ${7*7}",
    ]


def children() -> set[int]:
    """Live child processes of this process (from /proc; no psutil)."""
    me = str(os.getpid())
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[1] == me and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def inject(value: Any, payload: str, key: str = "") -> Any:
    """Put ``payload`` into the free-text fields of a graph document (ids and references stay valid)."""
    if isinstance(value, dict):
        return {k: inject(v, payload, k) for k, v in value.items()}
    if isinstance(value, list):
        return [inject(v, payload, key) for v in value]
    if isinstance(value, str) and key in TEXT_KEYS:
        return f"{value} {payload}"
    return value


def poisoned_graph(name: str, payload: str, *, configs: bool = True) -> dict[str, Any]:
    """The fixture graph with ``payload`` in its name, description, labels, I/O descriptions and (``configs``)
    the free-text fields of its node configs."""
    doc = copy.deepcopy(fixture_graph(name))
    doc["name"] = payload[:200]
    doc["description"] = payload
    for node in doc["nodes"]:
        node["label"] = payload[:200]
        if configs:
            node["config"] = inject(node["config"], payload)
    for field in doc.get("inputs", []) + doc.get("outputs", []):
        field["description"] = payload
    return doc


class Recorder:
    def __init__(self, client, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self.answers: list[tuple[str, int, str]] = []

    def __call__(self, method: str, url: str, **kwargs: Any):
        answer = self.client.request(method, url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)
        self.answers.append((f"{method} {url}", answer.status_code, answer.text))
        return answer


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    return Path("/tmp") / f"lcnc-canary-{uuid.uuid4().hex}"


def test_payloads_in_every_text_endpoint_are_inert(tmp_path: Path, canary: Path) -> None:
    attacks = payloads(canary)
    with platform(tmp_path) as client:
        add_user(client, "owner@example.com")
        send = Recorder(client, bearer(login(client, "owner@example.com")))
        before = children()

        saved = []
        for index, name in enumerate(fixture_graph_names()):
            payload = attacks[index % len(attacks)]
            for doc in (poisoned_graph(name, payload), poisoned_graph(name, payload, configs=False)):
                created = send("POST", "/api/workflow/graphs", json=doc)
                if created.status_code == 201:
                    saved.append(created.json())
                send("POST", "/api/workflow/graphs/import", json=doc)
                send("POST", "/api/workflow/graphs/validate", json=doc)
        for old in sorted((GRAPHS / "v1").glob("*.json")):
            text = old.read_text(encoding="utf-8").replace('"description": "', f'"description": "{attacks[0]} ')
            send("POST", "/api/workflow/graphs/import", content=text.encode(),
                 headers={"content-type": "application/json"})
        # Raw documents that are not graphs at all, and YAML tags that a careless loader would run.
        for raw in (attacks[6], "{" + attacks[0], '{"schema_version": "__import__(\'os\')"}'):
            send("POST", "/api/workflow/graphs/import", content=raw.encode(), headers={"content-type": "application/json"})
            send("POST", "/api/workflow/graphs/validate", content=raw.encode(),
                 headers={"content-type": "application/json"})
        assert saved, "no poisoned graph could be saved: the test would prove nothing"
        for graph in saved[:3]:
            send("PUT", f"/api/workflow/graphs/{graph['id']}",
                 json={"spec": graph["spec"], "base_version": graph["version"], "message": attacks[1]})
            send("GET", f"/api/workflow/graphs/{graph['id']}/export")
            send("GET", f"/api/workflow/graphs/{graph['id']}/validate")
        runnable = [g for g in saved if not g["warnings"]]
        for graph in runnable[:2]:
            inputs = {field["name"]: attacks[0] for field in graph["spec"]["inputs"]}
            send("POST", "/api/orchestrator/runs", json={"graph_id": graph["id"], "inputs": inputs})

        for payload in attacks:
            send("POST", "/api/gateway/secrets", json={"name": f"S_{uuid.uuid4().hex[:8]}", "value": payload,
                                                       "description": payload[:500]})
            send("POST", "/api/gateway/secrets", json={"name": payload[:100], "value": payload})
            send("POST", "/api/gateway/auth/api-keys", json={"name": payload[:200]})
            send("POST", "/api/gateway/auth/login", json={"email": payload[:320], "password": payload})
            send("POST", "/api/rag/collections", json={"name": f"c_{uuid.uuid4().hex[:8]}",
                                                       "description": payload[:1000]})
            send("POST", "/api/sqltool/connections", json={"name": f"db_{uuid.uuid4().hex[:8]}",
                                                           "url": f"sqlite:///{tmp_path}/t.db",
                                                           "description": payload[:500]})
        send("POST", "/api/agents/import/langflow", json={
            "name": attacks[0], "description": attacks[1],
            "data": {"nodes": [{"id": "CustomComponent-1", "type": "genericNode", "data": {
                "id": "CustomComponent-1", "type": "CustomComponent",
                "node": {"display_name": attacks[2], "template": {"code": {"type": "code", "value": attacks[0]}}}}}],
                "edges": []}})
        send("POST", "/api/orchestrator/clusters", json={
            "name": "canary", "kubeconfig": (
                "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:1'}}]\n"
                "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
                f"users: [{{name: u, user: {{exec: {{apiVersion: client.authentication.k8s.io/v1, "
                f"command: touch, args: ['{canary}']}}}}}}]\n")})

        after = children()

    assert not canary.exists(), "a payload was executed"
    assert after - before == set(), f"processes were spawned: {sorted(after - before)}"
    server_errors = [(what, status) for what, status, _ in send.answers if status >= 500]
    assert server_errors == []
    evaluated = [(what, marker) for what, _, text in send.answers for marker in EVALUATED if marker in text]
    assert evaluated == []
    # The payloads came back as the literal text that was sent.
    assert any(attacks[1] in text for _, status, text in send.answers if status == 201)
