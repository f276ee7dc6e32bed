"""Prometheus metrics shared by the platform, its workers and generated projects."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

HTTP_REQUESTS = Counter(
    "lcnc_http_requests_total", "HTTP requests by service role, method, route and status class.",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "lcnc_http_request_duration_seconds", "HTTP request latency.", ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
RUNS = Counter("lcnc_runs_total", "Runs by graph and final status (started counts every start).", ["graph", "status"])
NODE_DURATION = Histogram(
    "lcnc_node_duration_seconds", "Node execution time by kind.", ["kind", "status"], buckets=LATENCY_BUCKETS
)
LLM_TOKENS = Counter("lcnc_llm_tokens_total", "LLM tokens by provider, model and direction.", ["provider", "model", "type"])
TOOL_CALLS = Counter("lcnc_tool_calls_total", "Tool calls by tool.", ["tool"])
QUEUE_DEPTH = Gauge("lcnc_queue_depth", "Runs waiting in the queue.")
DB_POOL_IN_USE = Gauge("lcnc_db_pool_connections_in_use", "Platform DB connections checked out.")
DB_POOL_SIZE = Gauge("lcnc_db_pool_size", "Platform DB pool size.")
SPANS_DROPPED = Counter("lcnc_spans_dropped_total", "Spans dropped because the export queue was full.")


def count_dropped(n: int) -> None:
    SPANS_DROPPED.inc(n)


def observe_all(histogram: Histogram, amounts: Sequence[float]) -> None:
    """``histogram.observe`` for every amount, as one increment per bucket touched and one of the sum.

    ``histogram`` is a labelled child (``NODE_DURATION.labels(...)``). Same result as observing one by one,
    for the cost of a binary search per amount.
    """
    bounds = getattr(histogram, "_upper_bounds", None)
    buckets = getattr(histogram, "_buckets", None)
    total = getattr(histogram, "_sum", None)
    if bounds is None or buckets is None or total is None:  # a prometheus_client that keeps them elsewhere
        for amount in amounts:
            histogram.observe(amount)
        return
    counts: dict[int, int] = {}
    for amount in amounts:
        if amount <= bounds[-1]:  # a NaN lands in no bucket, as with observe
            index = bisect_left(bounds, amount)
            counts[index] = counts.get(index, 0) + 1
    for index, count in counts.items():
        buckets[index].inc(count)
    total.inc(sum(amounts))
