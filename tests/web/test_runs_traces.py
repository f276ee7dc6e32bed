"""Run history, the trace waterfall of a run, the metrics summary and the workers, in the browser."""

from __future__ import annotations

from typing import Any

import httpx

from builder import __version__
from tests.conftest import fixture_graph
from tests.web.editor_page import open_graph
from tests.web.harness import import_graph


def _run(base_url: str, graph_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{base_url}/api/orchestrator/runs", params={"wait": 60},
                          json={"graph_id": graph_id, "inputs": inputs}, timeout=90)
    response.raise_for_status()
    return response.json()


def test_run_history_shows_the_trace_waterfall_and_metrics(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("agent_tools"))
    run = _run(base_url, graph["id"], {"question": "What is 6 times 7?"})
    assert run["status"] == "succeeded", run
    open_graph(page, graph["id"], wait_for="agent")
    page.click("[data-testid=tab-runs]")
    item = page.locator(f"[data-testid=run-item-{run['id']}]")
    item.wait_for()
    assert item.get_attribute("data-status") == "succeeded"
    item.click()
    page.locator("[data-testid=trace-waterfall]").wait_for()
    names = page.locator("[data-testid=trace-waterfall] [data-testid=span] .waterfall__name").all_inner_texts()
    assert names, "the trace has no spans"
    run_span = next(i for i, name in enumerate(names) if name.startswith("run "))
    # the node spans come below (inside) the run span
    assert any(name.startswith("node") and "agent" in name for name in names[run_span + 1:]), names
    # metrics: at least this run, drawn as SVG bars
    # (the run's spans reach the store a moment after it ends: the panel draws the metrics again once they have)
    page.wait_for_function("Number(document.querySelector('[data-testid=metric-runs]').textContent) >= 1")
    assert page.locator("[data-testid=chart-latency] rect").count() == 3
    assert page.locator("[data-testid=chart-runs-per-minute] rect").count() >= 1
    # workers: `lcnc up` started one, listed live with its version
    worker = page.locator("[data-testid=workers] [data-testid=worker]")
    assert worker.count() == 1 and worker.get_attribute("data-status") == "ok"
    assert f"v{__version__}" in worker.inner_text()


def test_a_graph_without_runs_says_so(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("linear_transform"))
    open_graph(page, graph["id"])
    page.click("[data-testid=tab-runs]")
    page.locator("[data-testid=runs-empty]").wait_for()
    assert page.locator("[data-testid=run-list] li").count() == 0
