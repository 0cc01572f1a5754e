"""Heron: FastAPI's API engine and Flask's web classics on one fast ASGI core.

This module is the front door only: it re-exports the public names.
"""

from __future__ import annotations

__version__ = "0.1.0"

from heron import status
from heron.applications import Heron
from heron.background import BackgroundTasks
from heron.datastructures import UploadFile
from heron.exceptions import HTTPException, WebSocketDisconnect, WebSocketException
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
from heron.responses import Response
from heron.routing import APIRouter
from heron.websockets import WebSocket

__all__ = [
    "APIRouter",
    "BackgroundTasks",
    "Body",
    "Cookie",
    "Depends",
    "File",
    "Form",
    "HTTPException",
    "Header",
    "Heron",
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
    "status",
]
