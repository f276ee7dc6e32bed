"""Run panel and export in the browser: streamed steps, tool calls, outputs, approvals, the project zip."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from tests.conftest import fixture_graph
from tests.web.editor_page import open_graph
from tests.web.harness import import_graph

RUN_TIMEOUT_MS = 90_000


def test_run_a_fixture_graph_and_see_streamed_steps_and_output(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("agent_tools"))
    open_graph(page, graph["id"], wait_for="agent")
    page.click("[data-testid=tab-run]")
    page.fill("[data-testid=run-input-question]", "What is 6 times 7?")
    page.click("[data-testid=run]")
    page.locator('[data-testid=run-status]', has_text="succeeded").wait_for(timeout=RUN_TIMEOUT_MS)
    steps = page.locator("[data-testid=steps] > li")
    assert [s.get_attribute("data-testid") for s in steps.all()] == ["step-in", "step-agent", "step-out"]
    assert all(s.get_attribute("data-status") == "succeeded" for s in steps.all())
    tool_call = page.locator("[data-testid=step-agent] [data-testid=tool-call]")
    assert "builtin.calculator" in tool_call.first.inner_text()
    assert "The answer is 42." in page.locator("[data-testid=step-agent] [data-testid=tokens]").inner_text()
    assert "The answer is 42." in page.locator("[data-testid=run-outputs]").inner_text()
    # the nodes that ran are marked on the canvas
    assert page.locator('[data-testid=node-agent][data-run-status="succeeded"]').count() == 1


def test_human_approval_is_answered_in_the_run_panel(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("human_approval"))
    open_graph(page, graph["id"], wait_for="approve")
    page.click("[data-testid=tab-run]")
    page.fill("[data-testid=run-input-request]", "refund order 17")
    page.click("[data-testid=run]")
    approval = page.locator("[data-testid=approval]")
    approval.wait_for(timeout=RUN_TIMEOUT_MS)
    assert "Send this reply?" in approval.inner_text()
    assert page.locator('[data-testid=node-approve][data-run-status="waiting"]').count() == 1
    page.click("[data-testid=approve]")
    page.locator('[data-testid=run-status]', has_text="succeeded").wait_for(timeout=RUN_TIMEOUT_MS)
    assert "SENT: Draft reply to: refund order 17" in page.locator("[data-testid=run-outputs]").inner_text()
    assert page.locator("[data-testid=step-dropped]").count() == 0


def test_download_the_export_zip(page: Any, base_url: str) -> None:
    graph = import_graph(base_url, fixture_graph("linear_transform"))
    open_graph(page, graph["id"])
    with page.expect_download(timeout=60_000) as info:
        page.click("[data-testid=export-project]")
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    with open(download.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    assert any(name.endswith("Dockerfile") for name in names), names
    assert any(name.endswith(".py") for name in names), names
    assert any("k8s" in name or name.endswith(".yaml") for name in names), names
