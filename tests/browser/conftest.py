"""Headless Chromium for the browser tests: Debian's ``/usr/bin/chromium``, driven by Playwright.

One browser per test module (``browser``), started with the flags this machine needs
(no sandbox as root, no GPU, no background networking: the network is closed) and
``docs.heron.test`` mapped to 127.0.0.1 (the docs tests open pages under a real host
name). Shared constants and ``save_screenshot`` are in ``tests/browser_support.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from browser_support import CHROMIUM, DOCS_HOST


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (.ci/run does it)")
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                f"--host-resolver-rules=MAP {DOCS_HOST} 127.0.0.1",
            ],
        )
        yield chromium
        chromium.close()
