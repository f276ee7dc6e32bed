"""TelemetrySink: turns a run's events into spans and metrics, then passes them on unchanged.

The engine only emits events; this sink is what makes a run one span with a child span per node (named by
kind and node id), LLM calls as GenAI spans (system, model, token counts, finish reason) and tool calls as
``execute_tool`` spans. Prompt and completion content are recorded only when ``record_content`` is set.

Nodes are on the hot path of every step, so a node that ends becomes a small tuple; the tuples become node
spans and node-duration observations a batch at a time: when the run ends or waits, when ``FLUSH_NODES``
nodes are pending, and at most ``FLUSH_AFTER_S`` after a node ended (a timer on the run's event loop).
Run counters, LLM and tool spans and token counters are recorded as their events arrive.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import Event
from opentelemetry.trace import Span, Status, StatusCode

from runtime.telemetry import metrics
from runtime.telemetry.tracing import SpanRecord, finished_spans, tracer

FLUSH_NODES = 256
FLUSH_AFTER_S = 1.0

_RUN_END = {"run_finished": "succeeded", "run_failed": "failed", "run_cancelled": "cancelled"}
_NODE_HISTOGRAMS: dict[tuple[str, str], Any] = {}

# A node of a sampled run that started and has not ended: (span id, start ns, kind). Its span id stays 0 (drawn
# when the span is recorded) unless an LLM or tool span needs it as parent first.
_Open = tuple[int, int, str]
# A node that ended: (node id, kind, span id, start ns or 0 for no span, end ns, duration s or None for no
# observation, branch, error or None).
_Ended = tuple[str, str, int, int, int, "float | None", Any, "str | None"]


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
        self._finished = finished_spans("lcnc.runtime")
        self._run: Span | None = None
        self._run_context: trace.SpanContext | None = None  # set while the run span is sampled
        self._open: dict[str, _Open] = {}
        self._ended: list[_Ended] = []
        self._ended_parent: trace.SpanContext | None = None  # the run span the ended nodes belong to
        self._timer: asyncio.TimerHandle | None = None
        self._handlers = {
            "node_started": self._node_started,
            "node_finished": self._node_finished,
            "node_failed": self._node_failed,
            "run_started": self._run_started,
            "llm_call": self._llm_call,
            "tool_call": self._tool_call,
            "interrupt": self._interrupt,
            **dict.fromkeys(_RUN_END, self._run_ended),
        }

    async def emit(self, event: dict[str, Any]) -> None:
        try:
            handler = self._handlers.get(event.get("type"))  # type: ignore[arg-type]
            if handler is not None:
                handler(event)
        finally:
            if self.inner is not None:
                await self.inner.emit(event)

    def flush(self) -> None:
        """Record the spans and duration observations of the nodes that ended so far."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        ended, parent = self._ended, self._ended_parent
        if not ended:
            return
        self._ended = []
        durations: dict[tuple[str, str], list[float]] = {}
        spans: list[SpanRecord] = []
        for node_id, kind, span_id, start_ns, end_ns, duration_s, branch, error in ended:
            if duration_s is not None:
                key = (kind, "ok" if error is None else "error")
                found = durations.get(key)
                if found is None:
                    durations[key] = [duration_s]
                else:
                    found.append(duration_s)
            if not start_ns or parent is None:
                continue
            # Run, graph and workspace ids live on the run span; a node span names only itself.
            attributes: dict[str, Any] = {"lcnc.node.id": node_id, "lcnc.node.kind": kind}
            if branch is not None:
                attributes["lcnc.node.branch"] = str(branch)
            if error is None:
                spans.append((f"node {kind} {node_id}", span_id, start_ns, end_ns, attributes, None, ()))
            else:
                spans.append((f"node {kind} {node_id}", span_id, start_ns, end_ns, attributes,
                              Status(StatusCode.ERROR, error),
                              (Event("exception", {"exception.type": "NodeFailed", "exception.message": error},
                                     end_ns),)))
        if spans and parent is not None:
            self._finished.record_all(parent, spans)
        for key, amounts in durations.items():
            histogram = _NODE_HISTOGRAMS.get(key)
            if histogram is None:
                histogram = _NODE_HISTOGRAMS[key] = metrics.NODE_DURATION.labels(*key)
            metrics.observe_all(histogram, amounts)

    def _on_timer(self) -> None:
        self._timer = None
        self.flush()

    def _common(self, event: dict[str, Any]) -> dict[str, Any]:
        attributes = {"lcnc.run.id": str(event.get("run_id", "")), "lcnc.graph.id": self.graph_id}
        if self.workspace_id:
            attributes["lcnc.workspace.id"] = self.workspace_id
        return attributes

    def _parent(self, event: dict[str, Any]) -> Any:
        node_id = str(event.get("node_id", ""))
        node = self._open.get(node_id)
        if node is not None and self._run_context is not None:
            span_id = node[0]
            if not span_id:
                span_id = self._finished.new_span_id()
                self._open[node_id] = (span_id, node[1], node[2])
            run = self._run_context
            node_context = trace.SpanContext(run.trace_id, span_id, is_remote=False,
                                             trace_flags=run.trace_flags, trace_state=run.trace_state)
            return trace.set_span_in_context(trace.NonRecordingSpan(node_context))
        return trace.set_span_in_context(self._run) if self._run is not None else None

    def _run_started(self, event: dict[str, Any]) -> None:
        self.graph_id = self.graph_id or str(event.get("graph_id", ""))
        self._run = self._tracer.start_span(
            f"run {self.graph_id}", attributes={**self._common(event), "lcnc.run.resumed": bool(event.get("resumed"))}
        )
        run_context = self._run.get_span_context()
        self._run_context = run_context if run_context.trace_flags.sampled else None
        metrics.RUNS.labels(self.graph_id, "started").inc()

    def _node_started(self, event: dict[str, Any]) -> None:
        if self._run_context is not None:  # else the run is not sampled, and neither are its nodes
            self._open[str(event.get("node_id", ""))] = (0, time.time_ns(), str(event.get("kind", "")))

    def _node_failed(self, event: dict[str, Any]) -> None:
        self._node_finished(event, str(event.get("error", "node failed")))

    def _node_finished(self, event: dict[str, Any], error: str | None = None) -> None:
        node_id = str(event.get("node_id", ""))
        duration_s = float(event.get("duration_ms") or 0) / 1000
        node = self._open.pop(node_id, None)
        if node is None:  # not sampled, or it started in another run segment: the duration still counts
            self._add_ended((node_id, str(event.get("kind", "")), 0, 0, 0, duration_s, None, error))
        else:
            self._add_ended((node_id, node[2], node[0], node[1], time.time_ns(), duration_s, event.get("branch"),
                             error))

    def _add_ended(self, ended: _Ended) -> None:
        if self._ended and self._ended_parent is not self._run_context:
            self.flush()  # nodes of an earlier run segment keep their own parent
        self._ended_parent = self._run_context
        self._ended.append(ended)
        if len(self._ended) >= FLUSH_NODES:
            self.flush()
        elif self._timer is None:
            try:
                self._timer = asyncio.get_running_loop().call_later(FLUSH_AFTER_S, self._on_timer)
            except RuntimeError:  # no event loop: nothing would ever flush later
                self.flush()

    def _end_open_nodes(self) -> None:
        """Nodes still open when the run ends or waits end their spans here (a resume starts anew)."""
        now = time.time_ns()
        for node_id, (span_id, start_ns, kind) in self._open.items():
            self._add_ended((node_id, kind, span_id, start_ns, now, None, None, None))
        self._open.clear()

    def _interrupt(self, event: dict[str, Any]) -> None:
        self._end_open_nodes()
        self.flush()
        if self._run is not None:
            self._run.set_attribute("lcnc.run.status", "waiting")
            self._run.end()
            self._run = None
            self._run_context = None

    def _run_ended(self, event: dict[str, Any]) -> None:
        status = _RUN_END[event["type"]]
        self._end_open_nodes()
        self.flush()
        metrics.RUNS.labels(self.graph_id, status).inc()
        if self._run is not None:
            self._run.set_attribute("lcnc.run.status", status)
            if status != "succeeded":
                self._run.set_status(Status(StatusCode.ERROR, str(event.get("error") or status)))
            self._run.end()
            self._run = None
            self._run_context = None

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
