"""Regenerate the README's editor screenshot: `python -m tests.web.screenshot_readme` -> docs/images/editor.png.

Opens the router fixture in the built editor, runs it once (so the path taken is highlighted) and shows the
router's inspector form.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.conftest import fixture_graph
from tests.web.harness import ROOT, ensure_web_built, import_graph, launch_chromium, platform

OUTPUT = ROOT / "docs" / "images" / "editor.png"


def main(output: Path = OUTPUT) -> Path:
    from playwright.sync_api import sync_playwright

    ensure_web_built()
    with tempfile.TemporaryDirectory(prefix="lcnc-shot-") as tmp, platform(Path(tmp) / "data") as base:
        graph = import_graph(base, fixture_graph("router"))
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1440, "height": 820}, base_url=base, device_scale_factor=1)
            page.goto(f"/#/graphs/{graph['id']}")
            page.wait_for_selector('.react-flow__node[data-id="route"]')
            page.click("[data-testid=tab-run]")
            page.fill("[data-testid=run-input-ticket]", "Where is my invoice for March?")
            page.click("[data-testid=run]")
            page.locator("[data-testid=run-status]", has_text="succeeded").wait_for(timeout=90_000)
            page.click('.react-flow__node[data-id="route"]')
            page.click("[data-testid=tab-inspect]")
            page.locator("[data-testid=inspector]").wait_for()
            page.click("[data-testid=tab-run]")
            page.wait_for_timeout(400)
            output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(output))
            browser.close()
    return output


if __name__ == "__main__":
    print(f"wrote {main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT)}")
