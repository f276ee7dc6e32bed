"""Browser tests: the built editor served by a real platform (embedded default), driven in Debian's Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.harness import SCREENSHOTS, ensure_web_built, launch_chromium, platform


@pytest.fixture(scope="session")
def web_built() -> None:
    ensure_web_built()


@pytest.fixture(scope="session")
def base_url(web_built: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with platform(tmp_path_factory.mktemp("lcnc-web")) as base:
        yield base


# Module scope: Playwright's sync API keeps an event loop running in this thread while it lives, which would
# break asyncio.run() in the next test file that the same xdist worker runs.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, base_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 860}, accept_downloads=True, base_url=base_url)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    try:
        pg.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))
    finally:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
