"""TelemetrySink: turns a run's events into spans and metrics, then passes them on unchanged.

The engine only emits events; this sink is what makes a run one span with a child span per node (named by
kind and node id), LLM calls as GenAI spans (system, model, token counts, finish reason) and tool calls as
``execute_tool`` spans. Prompt and completion content are recorded only when ``record_content`` is set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import Event
from opentelemetry.trace import Span, Status, StatusCode

from runtime.telemetry import metrics
from runtime.telemetry.tracing import FinishedSpans, tracer

_RUN_END = {"run_finished": "succeeded", "run_failed": "failed", "run_cancelled": "cancelled"}
_NODE_HISTOGRAMS: dict[tuple[str, str], Any] = {}


@dataclass(slots=True)
class _OpenNode:
    """A node that started and has not finished: its span is recorded when it ends."""

    name: str
    node_id: str
    kind: str
    span_id: int
    start_ns: int


class TelemetrySink:
    def __init__(
        self,
        inner: Any = None,
        *,
        graph_id: str = "",
        workspace_id: str = "",
        record_content: bool = False,
    ) -> None:
        self.inner = inner
        self.graph_id = graph_id
        self.workspace_id = workspace_id
        self.record_content = record_content
        self._tracer = tracer("lcnc.runtime")
        self._finished = FinishedSpans("lcnc.runtime")
        self._run: Span | None = None
        self._run_context: trace.SpanContext | None = None  # set while the run span is sampled
        self._nodes: dict[str, _OpenNode] = {}

    async def emit(self, event: dict[str, Any]) -> None:
        try:
            self._observe(event)
        finally:
            if self.inner is not None:
                await self.inner.emit(event)

    def _common(self, event: dict[str, Any]) -> dict[str, Any]:
        attributes = {"lcnc.run.id": str(event.get("run_id", "")), "lcnc.graph.id": self.graph_id}
        if self.workspace_id:
            attributes["lcnc.workspace.id"] = self.workspace_id
        return attributes

    def _parent(self, event: dict[str, Any]) -> Any:
        node = self._nodes.get(str(event.get("node_id", "")))
        if node is not None and self._run_context is not None:
            run = self._run_context
            node_context = trace.SpanContext(run.trace_id, node.span_id, is_remote=False,
                                             trace_flags=run.trace_flags, trace_state=run.trace_state)
            return trace.set_span_in_context(trace.NonRecordingSpan(node_context))
        return trace.set_span_in_context(self._run) if self._run is not None else None

    def _observe(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "run_started":
            self.graph_id = self.graph_id or str(event.get("graph_id", ""))
            self._run = self._tracer.start_span(
                f"run {self.graph_id}", attributes={**self._common(event), "lcnc.run.resumed": bool(event.get("resumed"))}
            )
            run_context = self._run.get_span_context()
            self._run_context = run_context if run_context.trace_flags.sampled else None
            metrics.RUNS.labels(self.graph_id, "started").inc()
        elif kind == "node_started":
            if self._run_context is None:
                return  # the run is not sampled, and neither are its nodes
            node_id = str(event.get("node_id", ""))
            node_kind = str(event.get("kind", ""))
            # Run, graph and workspace ids live on the run span; a node span names only itself (it is on the
            # hot path of every step, so it carries as little as it can).
            self._nodes[node_id] = _OpenNode(f"node {node_kind} {node_id}", node_id, node_kind,
                                             self._finished.new_span_id(), time.time_ns())
        elif kind in ("node_finished", "node_failed"):
            self._end_node(event, failed=kind == "node_failed")
        elif kind == "llm_call":
            self._llm_call(event)
        elif kind == "tool_call":
            self._tool_call(event)
        elif kind == "interrupt":
            for node_id in list(self._nodes):  # the node that waits ends its span here; the resume starts anew
                self._record_node(self._nodes.pop(node_id))
            if self._run is not None:
                self._run.set_attribute("lcnc.run.status", "waiting")
                self._run.end()
                self._run = None
                self._run_context = None
        elif kind in _RUN_END:
            status = _RUN_END[kind]
            metrics.RUNS.labels(self.graph_id, status).inc()
            for node_id in list(self._nodes):
                self._record_node(self._nodes.pop(node_id))
            if self._run is not None:
                self._run.set_attribute("lcnc.run.status", status)
                if status != "succeeded":
                    self._run.set_status(Status(StatusCode.ERROR, str(event.get("error") or status)))
                self._run.end()
                self._run = None
                self._run_context = None

    def _record_node(self, node: _OpenNode, *, status: Status | None = None, events: tuple[Event, ...] = (),
                     branch: Any = None) -> None:
        if self._run_context is None:
            return
        attributes: dict[str, Any] = {"lcnc.node.id": node.node_id, "lcnc.node.kind": node.kind}
        if branch is not None:
            attributes["lcnc.node.branch"] = str(branch)
        self._finished.record(node.name, self._run_context, node.span_id, node.start_ns, time.time_ns(), attributes,
                              status=status, events=events)

    def _end_node(self, event: dict[str, Any], *, failed: bool) -> None:
        node_id = str(event.get("node_id", ""))
        node = self._nodes.pop(node_id, None)
        duration_s = float(event.get("duration_ms") or 0) / 1000
        key = (str(event.get("kind", "")), "error" if failed else "ok")
        histogram = _NODE_HISTOGRAMS.get(key)
        if histogram is None:
            histogram = _NODE_HISTOGRAMS[key] = metrics.NODE_DURATION.labels(*key)
        histogram.observe(duration_s)
        if node is None:
            return
        if failed:
            error = str(event.get("error", "node failed"))
            self._record_node(node, status=Status(StatusCode.ERROR, error), events=(Event(
                "exception", {"exception.type": "NodeFailed", "exception.message": error}),))
        else:
            self._record_node(node, branch=event.get("branch"))

    def _llm_call(self, event: dict[str, Any]) -> None:
        provider = str(event.get("provider", ""))
        model = str(event.get("model", ""))
        usage = event.get("usage") or {}
        attributes: dict[str, Any] = {
            **self._common(event),
            "gen_ai.operation.name": "chat",
            "gen_ai.system": provider,
            "gen_ai.provider.name": provider,
            "gen_ai.request.model": model,
            "gen_ai.usage.input_tokens": int(usage.get("input_tokens") or 0),
            "gen_ai.usage.output_tokens": int(usage.get("output_tokens") or 0),
        }
        if event.get("finish_reason"):
            attributes["gen_ai.response.finish_reasons"] = [str(event["finish_reason"])]
        if self.record_content:
            if event.get("prompt") is not None:
                attributes["gen_ai.prompt"] = str(event["prompt"])
            if event.get("completion") is not None:
                attributes["gen_ai.completion"] = str(event["completion"])
        span = self._tracer.start_span(f"chat {model}", context=self._parent(event), attributes=attributes)
        span.end()
        for direction in ("input", "output"):
            count = int(usage.get(f"{direction}_tokens") or 0)
            if count:
                metrics.LLM_TOKENS.labels(provider, model, direction).inc(count)

    def _tool_call(self, event: dict[str, Any]) -> None:
        tool = str(event.get("tool", ""))
        attributes: dict[str, Any] = {
            **self._common(event),
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": tool,
        }
        if event.get("call_id"):
            attributes["gen_ai.tool.call.id"] = str(event["call_id"])
        span = self._tracer.start_span(f"execute_tool {tool}", context=self._parent(event), attributes=attributes)
        if event.get("error"):
            span.set_status(Status(StatusCode.ERROR, str(event["error"])))
        span.end()
        metrics.TOOL_CALLS.labels(tool).inc()
