"""A typed form in a real browser: headless Chromium against ``forms_app`` under uvicorn.

What issue 5 asks to see: an invalid value comes back on the page with its error and the
typed values; the fixed form redirects and the flash message shows; a tampered CSRF field
gets the 403 page. Screenshots go to ``tests/artifacts/`` (git-ignored). Every wait is for
a selector or a navigation, never a sleep.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from browser_support import TIMEOUT_MS, save_screenshot
from servers import Server, serve

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serve("forms_app:app", app_dir=HERE) as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 900, "height": 700})
    context.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == []


def screenshot(page: Page, name: str) -> None:
    save_screenshot(page, name)


def submit(page: Page) -> int:
    with page.expect_navigation() as navigation:
        page.locator("button[type=submit]").click()
    response = navigation.value
    assert response is not None
    return response.status


def test_invalid_value_comes_back_then_the_fixed_form_goes_through(
    server: Server, page: Page
) -> None:
    page.goto(f"{server.base_url}/signup")
    assert page.locator("#username").get_attribute("minlength") == "3"
    page.locator("#username").fill("ann smith")
    page.locator("#age").fill("41")
    assert submit(page) == 422
    assert page.locator("#username-error").inner_text() == "Value error, no spaces, please"
    assert page.locator("#username").input_value() == "ann smith"
    assert page.locator("#age").input_value() == "41"
    screenshot(page, "forms-rerendered-with-errors")

    page.locator("#username").fill("admin")
    assert submit(page) == 422
    assert page.locator("#username-error").inner_text() == "This name is taken."

    page.locator("#username").fill("ann")
    assert submit(page) == 200
    assert page.url == f"{server.base_url}/"
    assert page.locator(".flash").inner_text() == "Welcome, ann!"
    screenshot(page, "forms-redirected-with-flash")


def test_tampered_csrf_field_gets_the_403_page(server: Server, page: Page) -> None:
    page.goto(f"{server.base_url}/signup")
    page.locator("#username").fill("mallory")
    page.eval_on_selector("input[name=csrf_token]", "field => field.value = 'A'.repeat(86)")
    assert submit(page) == 403
    assert "CSRF token invalid" in page.locator("body").inner_text()
    assert "A" * 86 not in page.content()
    screenshot(page, "forms-csrf-403")
    page.go_back()
    page.reload()  # a fresh token
    page.locator("#username").fill("mallory")
    page.eval_on_selector("input[name=csrf_token]", "field => field.remove()")
    assert submit(page) == 403
    assert "CSRF token missing" in page.locator("body").inner_text()
