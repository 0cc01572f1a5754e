"""Loading the team board (examples/board) configured by environment variables, as in production.

The board reads its settings when its modules are imported, so each test imports a fresh
copy with its own ``DATABASE_URL``.
"""

from __future__ import annotations

import importlib
import re
import sys
from typing import Any

import pytest

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def load_board(monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    """A fresh ``examples.board`` module configured by ``env``; returns its ``app``."""
    for name in list(sys.modules):
        if name == "examples.board" or name.startswith("examples.board."):
            monkeypatch.delitem(sys.modules, name)
    for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "CREATE_TABLES"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return importlib.import_module("examples.board").app


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    found = CSRF.search(html)
    assert found is not None, "no csrf_token field in the page"
    return found.group(1) or found.group(2)
