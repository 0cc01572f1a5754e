"""Heron: FastAPI's API engine and Flask's web classics on one fast ASGI core.

This module is the front door only: it re-exports the public names.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from markupsafe import Markup, escape

from heron import status
from heron.applications import Heron
from heron.background import BackgroundTasks
from heron.blueprints import Blueprint
from heron.datastructures import UploadFile
from heron.exceptions import HTTPException, WebSocketDisconnect, WebSocketException
from heron.globals import abort, enable as _enable, redirect
from heron.param_functions import (
    Body,
    Cookie,
    Depends,
    File,
    Form,
    Header,
    Path,
    Query,
    Security,
)
from heron.requests import Request
from heron.responses import Response, jsonify, make_response
from heron.routing import APIRouter
from heron.websockets import WebSocket

if TYPE_CHECKING:
    from heron.files import send_file, send_from_directory
    from heron.flashing import flash, get_flashed_messages
    from heron.globals import current_app, g, request, url_for
    from heron.sessions import session
    from heron.templating import render_template, render_template_string

__all__ = [
    "APIRouter",
    "BackgroundTasks",
    "Blueprint",
    "Body",
    "Cookie",
    "Depends",
    "File",
    "Form",
    "HTTPException",
    "Header",
    "Heron",
    "Markup",
    "Path",
    "Query",
    "Request",
    "Response",
    "Security",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "__version__",
    "abort",
    "current_app",
    "escape",
    "flash",
    "g",
    "get_flashed_messages",
    "jsonify",
    "make_response",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "send_file",
    "send_from_directory",
    "session",
    "status",
    "url_for",
]

_LAZY = {
    # Fetching a context global turns them on (see heron.globals.usage); so do the
    # session and flash helpers, which find the request's session through them.
    "current_app": "heron.globals",
    "g": "heron.globals",
    "request": "heron.globals",
    "url_for": "heron.globals",
    "session": "heron.sessions",
    "flash": "heron.flashing",
    "get_flashed_messages": "heron.flashing",
    # PERF: Jinja2 takes ~50 ms to import; it loads when a template function is first used.
    "render_template": "heron.templating",
    "render_template_string": "heron.templating",
    # Relative paths start from the current app's directory: heron.files turns the
    # context globals on when it loads.
    "send_file": "heron.files",
    "send_from_directory": "heron.files",
}


_ENABLING = frozenset({"heron.globals", "heron.sessions", "heron.flashing"})


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'heron' has no attribute {name!r}")
    if module in _ENABLING:
        _enable()
    return getattr(_importlib.import_module(module), name)
