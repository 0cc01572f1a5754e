"""The team board end to end in headless Chromium: what issue 7 asks to prove.

The board runs under ``heron run`` (uvicorn) on a free port with a fresh SQLite file.
Two browser contexts are two people: Ann registers, gets a form error re-rendered with
what she typed, posts; Bob's open board shows the post without a reload; Ann calls the
API from ``/docs`` with a token and logs out. Screenshots go to ``tests/artifacts/``.
Every wait is for a selector or an event, never a sleep.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from browser_support import TIMEOUT_MS, save_screenshot
from heron_run import Served, heron_run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    database = tmp_path_factory.mktemp("board") / "board.sqlite"
    env = {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "SECRET_KEY": "e2e secret",
    }
    with heron_run("examples.board:app", env=env) as served:
        yield served


class Person:
    """One browser context: cookies of its own, JavaScript errors recorded."""

    def __init__(self, browser: Browser, base: str, name: str) -> None:
        self.name = name
        self.base = base
        self.context: BrowserContext = browser.new_context(viewport={"width": 1100, "height": 800})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, step: str) -> None:
        save_screenshot(self.page, f"board-{step}")


@pytest.fixture
def people(browser: Browser, board: Served) -> Iterator[tuple[Person, Person]]:
    base = f"http://127.0.0.1:{board.port}"
    ann, bob = Person(browser, base, "ann"), Person(browser, base, "bob")
    yield ann, bob
    for person in (ann, bob):
        person.context.close()
        assert person.errors == [], f"JavaScript errors for {person.name}: {person.errors}"


def register(person: Person, password: str = "correct horse") -> None:
    person.go("/register")
    person.page.fill("input[name=username]", person.name)
    person.page.fill("input[name=password]", password)
    person.page.click("button[type=submit]")
    person.page.locator(".flash", has_text=f"Welcome, {person.name}!").wait_for()


def test_the_whole_story(people: tuple[Person, Person]) -> None:
    ann, bob = people

    # Ann registers; a taken name and a short password come back as errors, values kept.
    register(ann)
    ann.shot("1-registered")
    register(bob)
    bob.page.click("#logout")
    bob.page.locator("a", has_text="Log in").first.wait_for()
    bob.go("/register")
    bob.page.fill("input[name=username]", "ann")
    bob.page.fill("input[name=password]", "another password")
    bob.page.click("button[type=submit]")
    bob.page.locator(".error", has_text="This username is taken.").wait_for()
    assert bob.page.input_value("input[name=username]") == "ann"
    assert bob.page.input_value("input[name=password]") == ""  # never sent back
    bob.shot("2-form-error")

    # The server's own checks, with the browser's (from the same model) turned off.
    ann.go("/posts/new")
    ann.page.eval_on_selector("form.stacked", "form => form.noValidate = true")
    ann.page.fill("textarea[name=body]", "A body without a title")
    ann.page.click("form.stacked button[type=submit]")
    ann.page.locator("[data-field=title]").wait_for()
    assert ann.page.input_value("textarea[name=body]") == "A body without a title"
    ann.shot("3-field-error")

    # Bob (logged in again) watches the board; Ann's post appears there without a reload.
    bob.go("/login")
    bob.page.fill("input[name=username]", "bob")
    bob.page.fill("input[name=password]", "correct horse")
    bob.page.click("form.stacked button[type=submit]")
    bob.page.locator("#live-status:not([hidden])").wait_for()
    ann.page.fill("input[name=title]", "Hello from Ann")
    ann.page.click("form.stacked button[type=submit]")
    ann.page.locator(".flash", has_text="Your post is on the board.").wait_for()
    ann.shot("4-posted")
    bob.page.locator("#posts article h2", has_text="Hello from Ann").wait_for()
    bob.shot("5-live")

    # The API from /docs: authorize with Ann's password, call /api/me.
    ann.go("/docs")
    page = ann.page
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".modal-ux")
    dialog.locator("#oauth_username").fill("ann")
    dialog.locator("#oauth_password").fill("correct horse")
    dialog.locator(".auth-btn-wrapper button.authorize").click()
    dialog.locator("button", has_text="Logout").wait_for()
    dialog.locator("button.btn-done").click()
    block = page.locator(".opblock-get").filter(
        has=page.locator(".opblock-summary-path", has_text="/api/me")
    )
    block.locator(".opblock-summary").click()
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    block.locator(".live-responses-table .response-col_status", has_text="200").wait_for()
    assert '"username": "ann"' in block.locator(".response-col_description pre").first.inner_text()
    ann.shot("6-docs")

    # Log out: the board asks to log in again.
    ann.go("/")
    ann.page.click("#logout")
    ann.page.locator(".flash", has_text="You are logged out.").wait_for()
    ann.go("/posts/new")
    assert "/login" in ann.page.url
    ann.shot("7-logged-out")
