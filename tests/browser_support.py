"""What the browser tests share: where Chromium and the screenshots are, the wait limit.

The ``browser`` fixture itself is in ``tests/browser/conftest.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import Page

__all__ = ["ARTIFACTS", "CHROMIUM", "DOCS_HOST", "TIMEOUT_MS", "save_screenshot"]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: The host name the docs tests use; Chromium resolves it to the loopback address.
DOCS_HOST = "docs.heron.test"
#: How long a wait for a selector or an event may take.
TIMEOUT_MS = 15_000


def save_screenshot(page: Page, name: str) -> None:
    """``tests/artifacts/NAME.png``: the whole page."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
