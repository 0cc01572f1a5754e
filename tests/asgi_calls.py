"""Raw ASGI exchanges for tests: a scope as a server makes it, the messages an app sends.

For tests that drive an app without a test client (headers httpx would refuse, the exact
messages, what happens around an exception).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from heron.types import ASGIApp, Message, Scope

__all__ = ["HOST", "http_scope", "record"]

#: The ``Host`` header of a test request.
HOST = (b"host", b"testserver")


def http_scope(
    path: str = "/",
    method: str = "GET",
    *,
    headers: Sequence[tuple[bytes, bytes]] = (HOST,),
    root_path: str = "",
    query_string: bytes = b"",
    **extra: Any,
) -> Scope:
    """An HTTP scope as uvicorn builds it (``extra`` adds or replaces keys)."""
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("testclient", 50000),
        "path": path,
        "raw_path": path.encode(),
        "root_path": root_path,
        "query_string": query_string,
        "headers": list(headers),
    }
    scope.update(extra)
    return scope


async def record(
    app: ASGIApp, scope: Scope, body: bytes = b"", sent: list[Message] | None = None
) -> list[Message]:
    """Call ``app`` with one request body; the messages it sent.

    They are appended to ``sent`` as they come, so a caller that passes its list still
    has them when the app raises.
    """
    sent = [] if sent is None else sent

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent
