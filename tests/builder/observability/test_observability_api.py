"""The span store feeds the observability API: traces, span trees, metrics summary, logs; /metrics parses."""

import asyncio
import logging

from prometheus_client.parser import text_string_to_metric_families

from builder.observability.setup import flush_observability
from runtime.engine import run_graph
from runtime.spec import parse_graph
from runtime.telemetry import tracer
from runtime.telemetry.sink import TelemetrySink
from tests.conftest import fixture_graph

OBS = "/api/observability"


def run_in_workspace(client, name: str, inputs: dict, run_id: str) -> None:
    workspace = client.app.state.local_context.workspace_id
    spec = parse_graph(fixture_graph(name))
    sink = TelemetrySink(graph_id=spec.id, workspace_id=workspace)
    with tracer().start_as_current_span("test request"):
        logging.getLogger("lcnc.test").info("running %s", name, extra={"run_id": run_id})
        outcome = asyncio.run(run_graph(spec, inputs, thread_id=run_id, sink=sink, run_id=run_id))
    assert outcome.status == "succeeded"
    flush_observability()


def test_traces_list_tree_and_filters(client) -> None:
    run_in_workspace(client, "linear_transform", {"name": "Ada"}, "run-a")
    run_in_workspace(client, "router", {"ticket": "my invoice"}, "run-b")
    traces = client.get(f"{OBS}/traces").json()
    assert {t["run_id"] for t in traces} >= {"run-a", "run-b"}
    only = client.get(f"{OBS}/traces", params={"graph_id": "router"}).json()
    assert [t["run_id"] for t in only] == ["run-b"]
    detail = client.get(f"{OBS}/traces/{only[0]['trace_id']}").json()
    names = {span["name"]: span for span in detail["spans"]}
    run_span = names["run router"]
    assert names["node router route"]["parent_span_id"] == run_span["span_id"]
    assert names["node router route"]["attributes"]["lcnc.node.branch"] == "billing"
    assert client.get(f"{OBS}/traces/{'0' * 32}").status_code == 404


def test_metrics_summary_and_logs(client) -> None:
    for i in range(3):
        run_in_workspace(client, "echo", {"text": "hi"}, f"run-e{i}")
    summary = client.get(f"{OBS}/metrics").json()
    assert summary["runs"] >= 3 and summary["failed"] == 0 and summary["error_rate"] == 0
    assert summary["latency_ms"]["p50"] > 0 and summary["runs_per_minute"]
    logs = client.get(f"{OBS}/logs", params={"run_id": "run-e1"}).json()
    assert logs and logs[0]["message"] == "running echo" and logs[0]["trace_id"]


def test_services_lists_every_role(client) -> None:
    roles = {r["role"] for r in client.get(f"{OBS}/services").json()["roles"]}
    assert "observability" in roles and len(roles) == 8


def test_prometheus_text_parses_and_counters_move(client) -> None:
    def sample(name: str, **labels: str) -> float:
        text = client.get("/metrics").text
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                    return s.value
        return 0.0

    labels = {"service": "workflow", "route": "/api/workflow/node-kinds", "status": "2xx"}
    before = sample("lcnc_http_requests_total", **labels)
    client.get("/api/workflow/node-kinds")
    client.get("/api/workflow/node-kinds")
    assert sample("lcnc_http_requests_total", **labels) == before + 2
    assert sample("lcnc_http_request_duration_seconds_count", service="workflow",
                  route="/api/workflow/node-kinds") >= 2
    runs_before = sample("lcnc_runs_total", graph="echo", status="succeeded")
    run_in_workspace(client, "echo", {"text": "x"}, "run-p")
    assert sample("lcnc_runs_total", graph="echo", status="succeeded") == runs_before + 1


def test_responses_carry_their_trace_id(client) -> None:
    response = client.get("/api/workflow/node-kinds", headers={
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
    assert response.headers["x-trace-id"] == "0af7651916cd43dd8448eb211c80319c"
