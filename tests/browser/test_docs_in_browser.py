"""The docs pages in a real browser, with the network closed: what issue 4 asks to prove.

``docs_app`` is served by uvicorn on a free loopback port; headless Chromium (Debian's
``/usr/bin/chromium``, driven by Playwright) may reach that server only: every other request
is aborted and recorded, and each test ends by asserting there was none (nor any
JavaScript error). Pages are opened as ``http://docs.heron.test:PORT``, a name Chromium maps
to 127.0.0.1, so Swagger UI and ReDoc behave as for a real host, not as on ``localhost``
(where they skip some features). Screenshots go to ``tests/artifacts/`` (git-ignored).
Every wait is for a selector or an event, never a sleep.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, Route

from browser_support import DOCS_HOST, TIMEOUT_MS, save_screenshot
from servers import Server, serve

HERE = Path(__file__).resolve().parent
HOST = DOCS_HOST
ALLOWED_HOSTS = {HOST, "127.0.0.1", "localhost", "::1"}


@pytest.fixture(scope="module")
def shop() -> Iterator[Server]:
    with serve("docs_app:app", app_dir=HERE) as server:
        yield server


@pytest.fixture(scope="module")
def code_flow() -> Iterator[Server]:
    with serve("docs_app:code_app", app_dir=HERE) as server:
        yield server


class OfflinePage:
    """A page that may load from the test server only; it records what it tried elsewhere."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname in ALLOWED_HOSTS:
            route.continue_()
        else:
            self.blocked.append(request.url)
            route.abort("internetdisconnected")

    def screenshot(self, name: str, page: Page | None = None) -> None:
        save_screenshot(page or self.page, name)

    def close(self) -> None:
        self.context.close()


def url(server: Server, path: str) -> str:
    return f"http://{HOST}:{server.port}{path}"


@pytest.fixture
def offline(browser: Browser) -> Iterator[OfflinePage]:
    page = OfflinePage(browser)
    yield page
    page.close()
    assert page.blocked == [], f"the page tried to reach the internet: {page.blocked}"
    assert page.errors == [], f"JavaScript errors: {page.errors}"


def operation(page: Page, method: str, path: str) -> str:
    """The CSS selector of one operation block in Swagger UI."""
    block = page.locator(f".opblock-{method.lower()}").filter(
        has=page.locator(".opblock-summary-path", has_text=path)
    )
    block.wait_for()
    return block.get_attribute("id") or ""


def execute(page: Page, method: str, path: str, fill: dict[str, str] | None = None) -> str:
    """Open an operation, "Try it out", fill the parameters, "Execute"; the status shown."""
    block = page.locator(f"#{operation(page, method, path)}")
    block.locator(".opblock-summary").click()
    block.locator("button.try-out__btn").click()
    for name, value in (fill or {}).items():
        block.locator(f'tr[data-param-name="{name}"] input').fill(value)
    block.locator("button.execute").click()
    status = block.locator(".live-responses-table .response .response-col_status")
    status.wait_for()
    return status.inner_text().split()[0]  # "401 Undocumented" for an undocumented status


def test_swagger_ui_lists_the_operations(shop: Server, offline: OfflinePage) -> None:
    page = offline.page
    page.goto(url(shop, "/docs"))
    page.locator(".opblock").first.wait_for()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert [p.replace("\u200b", "") for p in paths] == ["/items/{item_id}", "/token", "/users/me"]
    assert page.locator(".info .title").inner_text().startswith("Heron Shop")
    assert page.title() == "Heron Shop - Swagger UI"
    offline.screenshot("docs-operations")


def test_try_it_out_executes_a_request(shop: Server, offline: OfflinePage) -> None:
    page = offline.page
    page.goto(url(shop, "/docs"))
    assert execute(page, "GET", "/items/{item_id}", {"item_id": "1"}) == "200"
    block = page.locator(f"#{operation(page, 'GET', '/items/{item_id}')}")
    body = block.locator(".live-responses-table .response-col_description pre").first
    assert '"name": "Heron T-shirt"' in body.inner_text()
    offline.screenshot("docs-try-it-out")


def test_authorize_with_the_password_flow(shop: Server, offline: OfflinePage) -> None:
    page = offline.page
    page.goto(url(shop, "/docs"))
    assert execute(page, "GET", "/users/me") == "401"

    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".modal-ux")
    dialog.locator("#oauth_username").fill("alice")
    dialog.locator("#oauth_password").fill("wonderland")
    dialog.locator(".auth-btn-wrapper button.authorize").click()
    dialog.locator("button", has_text="Logout").wait_for()  # the token was obtained
    offline.screenshot("docs-authorized")
    dialog.locator("button.btn-done").click()

    block = page.locator(f"#{operation(page, 'GET', '/users/me')}")
    block.locator("button.execute").click()
    status = block.locator(".live-responses-table .response .response-col_status")
    status.filter(has_text="200").wait_for()
    body = block.locator(".live-responses-table .response-col_description pre").first
    assert '"username": "alice"' in body.inner_text()
    curl = block.locator(".curl-command").inner_text()
    assert "Authorization: Bearer token-for-alice" in curl
    offline.screenshot("docs-protected-call")


def test_authorize_with_the_code_flow_uses_the_redirect_page(
    code_flow: Server, offline: OfflinePage
) -> None:
    page = offline.page
    page.goto(url(code_flow, "/docs"))
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".modal-ux")
    dialog.locator("#client_id_authorizationCode").fill("docs")
    with page.expect_popup() as popup:  # authorize → redirect page → closes itself
        dialog.locator(".auth-btn-wrapper button.authorize").click()
    dialog.locator("button", has_text="Logout").wait_for()  # the code became a token
    # The redirect page closed itself (it may already have: no event to wait for then;
    # the sync API updates is_closed() and fires "close" from the same dispatch).
    if not popup.value.is_closed():
        popup.value.wait_for_event("close")
    dialog.locator("button.btn-done").click()
    assert execute(page, "GET", "/me") == "200"
    offline.screenshot("docs-code-flow")


def test_redoc_lists_the_operations(shop: Server, offline: OfflinePage) -> None:
    page = offline.page
    page.goto(url(shop, "/redoc"))
    page.locator("h2", has_text="Read an item").wait_for()
    for summary in ("Log in", "Who am I"):
        page.locator("h2", has_text=summary).wait_for()
    assert page.locator("h1").first.inner_text().startswith("Heron Shop")
    assert page.title() == "Heron Shop - ReDoc"
    offline.screenshot("redoc-operations")
