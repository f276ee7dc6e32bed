"""P8: the P1 chain run with tracing and metrics on vs off, in the same process.

"Off" runs the chain through ``runtime.engine.run_graph`` with no listener. "On" runs it with the
``TelemetrySink`` (a span per run and per node, node-duration histograms, run counters) and a tracer
provider whose bounded span processor exports every span to a no-op exporter on its own thread. Time
is this process's CPU time (so the export thread counts), fastest of alternating runs.

The runtime runs the chain 16 nodes to a LangGraph step, so "off" is mostly the nodes themselves and the
telemetry of each node weighs more; the second figure compiles one node per step, as P1's raw chain.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

NAME = "P8"
TARGET = 1.1
SIZE = 200


class _NullExporter:
    def export(self, spans: Any) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult

        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


async def _measure(repeats: int) -> tuple[float, float, float]:
    from bench.p1_runtime import chain_spec
    from runtime.engine import run_graph
    from runtime.telemetry import BoundedSpanProcessor, setup_tracing
    from runtime.telemetry.sink import TelemetrySink

    provider = setup_tracing("lcnc-bench")
    provider.add_span_processor(BoundedSpanProcessor(_NullExporter(), max_queue=100_000))  # type: ignore[arg-type]
    spec = chain_spec(SIZE)
    expected = "go" + "." * SIZE

    async def off() -> None:
        outcome = await run_graph(spec, {"text": "go"}, thread_id="off")
        assert outcome.outputs["text"] == expected

    async def on() -> None:
        outcome = await run_graph(spec, {"text": "go"}, thread_id="on", sink=TelemetrySink(graph_id=spec.id))
        assert outcome.outputs["text"] == expected

    await off()
    await on()
    off_times, on_times = [], []
    for _ in range(repeats):
        started = time.process_time()
        await off()
        off_times.append(time.process_time() - started)
        started = time.process_time()
        await on()
        on_times.append(time.process_time() - started)
    on_s, off_s = min(on_times), min(off_times)
    return on_s / off_s, on_s, off_s


def run() -> list[str]:
    from bench._segments import one_node_per_step

    ratio, on_s, off_s = asyncio.run(_measure(repeats=15))
    with one_node_per_step():
        step_ratio, step_on_s, step_off_s = asyncio.run(_measure(repeats=15))
    return [
        f"P8: {ratio:.2f}x (target <= {TARGET}x) — {SIZE}-node chain with tracing and metrics on vs off "
        f"({on_s * 1e3:.1f} ms vs {off_s * 1e3:.1f} ms per run; {(on_s - off_s) / SIZE * 1e6:.0f} us per node)",
        f"P8: {step_ratio:.2f}x (target <= {TARGET}x) — the same, compiled one node per step "
        f"({step_on_s * 1e3:.1f} ms vs {step_off_s * 1e3:.1f} ms per run)",
    ]


if __name__ == "__main__":
    for line in run():
        print(line)
