"""One trace from the API request through the Celery message into the worker, received by a real OTLP server.

The test starts an HTTP server that decodes OTLP protobuf, and the embedded platform (`lcnc up`: API plus a
real worker process) exporting to it; a run started through the API must arrive as one trace whose run span
is a child of the request's server span and whose node spans are children of the run span.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.conftest import fixture_graph


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.spans: list[dict] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        found = []
        for resource_spans in request.resource_spans:
            service = next((a.value.string_value for a in resource_spans.resource.attributes
                            if a.key == "service.name"), "")
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    found.append({"service": service, "name": span.name, "trace_id": span.trace_id.hex(),
                                  "span_id": span.span_id.hex(), "parent": span.parent_span_id.hex()})
        with self.server.lock:
            self.server.spans.extend(found)
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args) -> None:
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture
def platform(receiver, tmp_path):
    port = free_port()
    env = {**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": "",
           "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_address[1]}",
           "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "WORKER_METRICS_PORT": str(free_port())}
    log = open(tmp_path / "platform.log", "w")
    process = subprocess.Popen([sys.executable, "-c", "from builder.cli import app; app()", "up", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/workflow/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
            if process.poll() is not None:
                pytest.fail((tmp_path / "platform.log").read_text()[-3000:])
        yield url, env["WORKER_METRICS_PORT"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.slow
def test_one_trace_from_the_request_to_the_last_node(receiver, platform) -> None:
    url, worker_metrics_port = platform
    with httpx.Client(base_url=url, timeout=150) as api:
        assert api.post("/api/workflow/graphs", json=fixture_graph("linear_transform")).status_code == 201
        started = api.post("/api/orchestrator/runs", params={"wait": 120},  # the worker may still be starting
                           json={"graph_id": "linear_transform", "inputs": {"name": "Ada"}})
        assert started.status_code == 200 and started.json()["status"] == "succeeded", started.text
        trace_id = started.headers["x-trace-id"]
        run_id = started.json()["id"]

        def spans_of_trace() -> list[dict]:
            with receiver.lock:
                return [span for span in receiver.spans if span["trace_id"] == trace_id]

        # The server and the worker export on intervals of their own: wait for the spans of both processes.
        nodes = ("node input in", "node transform greet", "node transform shout", "node output out")
        wanted = {"POST /api/orchestrator/runs", "run linear_transform", *nodes}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not wanted <= {s["name"] for s in spans_of_trace()}:
            time.sleep(0.3)
        spans = {span["name"]: span for span in spans_of_trace()}
        by_id = {span["span_id"]: span for span in spans_of_trace()}
        server = spans["POST /api/orchestrator/runs"]
        run = spans["run linear_transform"]
        assert server["service"] == "lcnc-all" and run["service"] == "lcnc-worker"
        ancestors, parent = [], run["parent"]
        while parent in by_id:  # FastAPI adds spans of its own between the server span and the handler
            ancestors.append(parent)
            parent = by_id[parent]["parent"]
        assert server["span_id"] in ancestors, spans
        assert all(by_id[a]["service"] == "lcnc-all" for a in ancestors)
        for node in nodes:
            assert spans[node]["parent"] == run["span_id"], node

        deadline = time.monotonic() + 15  # the worker's log store writes in the background, once a second
        while True:
            logs = api.get("/api/observability/logs", params={"run_id": run_id}).json()
            if any(line["trace_id"] == trace_id and f"run {run_id} ended: succeeded" in line["message"] for line in logs):
                break
            assert time.monotonic() < deadline, logs
            time.sleep(0.5)
    worker_metrics = httpx.get(f"http://127.0.0.1:{worker_metrics_port}/metrics", timeout=5).text
    assert 'lcnc_runs_total{graph="linear_transform",status="succeeded"} 1.0' in worker_metrics
    assert json.dumps(trace_id)
