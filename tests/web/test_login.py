"""The login page, on a platform that is not in local mode: sign in, token-authenticated calls, refresh on 401,
sign out."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import fixture_graph
from tests.web.harness import LCNC, ensure_web_built, platform, platform_env

EMAIL = "a@b.c"
PASSWORD = "correct horse battery"  # noqa: S105 - a test account's password
LOGIN_ENV = {"LOCAL_MODE": "false"}


@pytest.fixture(scope="module")
def login_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ensure_web_built()
    data_dir = tmp_path_factory.mktemp("lcnc-web-login")
    subprocess.run([*LCNC, "user", "create", "--email", EMAIL, "--workspace", "W"], cwd=data_dir, check=True,  # noqa: S603
                   env=platform_env(data_dir, LCNC_USER_PASSWORD=PASSWORD, **LOGIN_ENV), timeout=120,
                   capture_output=True)
    with platform(data_dir, env=LOGIN_ENV) as base:
        yield base


@pytest.fixture
def login_page(browser: Any, login_base: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 860}, base_url=login_base)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def _sign_in(page: Any, password: str = PASSWORD) -> None:
    page.fill("[data-testid=login-email]", EMAIL)
    page.fill("[data-testid=login-password]", password)
    page.click("[data-testid=login-submit]")


def test_sign_in_use_the_editor_refresh_and_sign_out(login_page: Any) -> None:
    page = login_page
    authorized: list[str] = []
    page.on("request", lambda r: authorized.append(r.url) if r.headers.get("authorization", "").startswith(
        "Bearer ") else None)
    page.goto("/")
    page.locator("[data-testid=login-form]").wait_for()
    assert page.locator("[data-testid=palette-input]").count() == 0

    _sign_in(page, "wrong password")
    page.locator("[data-testid=login-error]").wait_for()
    assert "401" in page.inner_text("[data-testid=login-error]")

    _sign_in(page)
    page.wait_for_selector("[data-testid=palette-input]")  # node kinds loaded with the token
    assert EMAIL in page.inner_text("[data-testid=user-menu]")
    assert any("/api/workflow/node-kinds" in url for url in authorized), authorized
    # the token lives in memory only
    assert page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)").find("ey") == -1

    # a reload loses the token; the httpOnly refresh cookie signs in again without the form
    page.reload()
    page.wait_for_selector("[data-testid=palette-input]")
    assert page.locator("[data-testid=login-form]").count() == 0

    # a call answered 401 (an expired token) renews the session and is retried
    answered: list[int] = []

    def expired_once(route: Any) -> None:
        if not answered:
            answered.append(401)
            route.fulfill(status=401, content_type="application/json", body='{"detail": "token expired", "errors": []}')
        else:
            route.continue_()

    page.route("**/api/workflow/graphs?*", expired_once)
    page.route("**/api/workflow/graphs", expired_once)
    with page.expect_request(lambda r: r.url.endswith("/api/gateway/auth/refresh")):
        page.click("[data-testid=tab-graphs]")
    page.locator(".graphlist").wait_for()
    page.wait_for_function("document.querySelectorAll('[data-testid=graph-list] li').length > 0 || "
                           "document.querySelector('[data-testid=graph-list]').textContent.includes('No ')")
    assert answered == [401]
    assert page.locator("[data-testid=login-form]").count() == 0
    assert page.locator("[data-testid=graph-list] .error-text").count() == 0

    page.click("[data-testid=logout]")
    page.locator("[data-testid=login-form]").wait_for()
    page.reload()  # the refresh cookie is gone too
    page.locator("[data-testid=login-form]").wait_for()


def test_a_run_streams_its_events_with_the_token(login_page: Any, login_base: str) -> None:
    tokens = httpx.post(f"{login_base}/api/gateway/auth/login", json={"email": EMAIL, "password": PASSWORD},
                        timeout=30).json()
    doc = fixture_graph("linear_transform")
    doc["id"] = "login_run"
    imported = httpx.post(f"{login_base}/api/workflow/graphs/import", json=doc, timeout=30,
                          headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert imported.status_code in (200, 201), imported.text
    page = login_page
    page.goto("/#/graphs/login_run")
    _sign_in(page)
    page.wait_for_selector('.react-flow__node[data-id="in"]')  # the graph in the URL opens after the sign-in
    page.click("[data-testid=tab-run]")
    page.fill("[data-testid=run-input-name]", "Ada")
    page.click("[data-testid=run]")
    page.locator("[data-testid=run-status]", has_text="succeeded").wait_for(timeout=90_000)
    assert page.locator("[data-testid=steps] > li").count() == 4  # the steps came from the event stream
    assert "Ada" in page.inner_text("[data-testid=run-outputs]")


def test_local_mode_shows_no_login(page: Any) -> None:
    page.goto("/")
    page.wait_for_selector("[data-testid=palette-input]")
    assert page.locator("[data-testid=login-form]").count() == 0
    assert page.locator("[data-testid=user-menu]").count() == 0
