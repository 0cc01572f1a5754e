"""Redirect every plain ``http``/``ws`` request to ``https``/``wss``.

Called by the middleware stack (user middleware); calls the wrapped app only for requests
that are already secure. Behind a TLS-terminating proxy, run the server with proxy headers
on (uvicorn ``--proxy-headers --forwarded-allow-ips``) so ``scope["scheme"]`` is the
client's, or every request loops on the redirect.

A drop-in for ``fastapi.middleware.httpsredirect.HTTPSRedirectMiddleware``: same 307 answer
with the same URL (ports 80 and 443 dropped, others kept), with these deliberate
differences:

* a malformed or repeated ``Host`` gets 400 ``Invalid host header`` instead of a
  ``Location`` built from it; without ``Host`` the server address is used;
* IPv6 literals keep their brackets;
* a WebSocket gets the 307 as a denial response where the server supports it (a close
  before accept otherwise) instead of HTTP messages its server cannot send.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from heron.datastructures import URL
from heron.responses import PlainTextResponse, RedirectResponse
from heron.types import ASGIApp, Receive, Scope, Send
from heron.websockets import deny_handshake

__all__ = ["HTTPSRedirectMiddleware"]

_SECURE_SCHEMES = {"http": "https", "ws": "wss"}
# NOTE: Starlette's Host check after CVE-2026-48710 (lower-cased first); ``re.A`` keeps
# Unicode digits out. Same as ``trustedhost``.
_HOST_RE = re.compile(r"(?:[a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::[0-9]{1,5})?", re.A)
_INVALID_HOST = b"Invalid host header"
_URL_SAFE = ":/%#?=@[]!$&'()*+,;"  # the set RedirectResponse leaves unquoted


def _secure_netloc(scope: Scope) -> str | None:
    """``host[:port]`` to redirect to, without a default port; ``None`` if there is none."""
    hosts = [value for key, value in scope["headers"] if key == b"host"]
    if len(hosts) > 1:
        return None
    if hosts:
        host: str = hosts[0].decode("latin-1")
        if not _HOST_RE.fullmatch(host.lower()):
            return None
        if host.startswith("["):
            end = host.index("]") + 1
            name, port = host[:end], host[end + 1 :]
        else:
            name, _, port = host.partition(":")
    elif scope.get("server") is not None and scope["server"][1] is not None:
        server_host: str = scope["server"][0]
        name = f"[{server_host}]" if ":" in server_host else server_host
        port = str(scope["server"][1])
    else:
        return None  # no Host and no address to name (or a Unix socket): nowhere to go
    # COMPAT(fastapi): both 80 and 443 are dropped, whatever the original scheme.
    if not port or int(port) in (80, 443):
        return name
    return f"{name}:{port}"


class HTTPSRedirectMiddleware:
    """Redirect ``http://`` to ``https://`` and ``ws://`` to ``wss://`` with 307.

    The method and body are kept by the client on a 307. Requests that are already secure,
    and lifespan events, go to the app unchanged.

    Args:
        app: The ASGI app to wrap.

    Example:
        ```python
        app.add_middleware(HTTPSRedirectMiddleware)
        ```
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Redirect an insecure request or WebSocket handshake to its secure URL.

        A secure one, and lifespan events, go to the app; without a usable host the answer
        is 400.
        """
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        # NOTE: the ASGI spec makes "scheme" optional, defaulting to the insecure one.
        scheme = scope.get("scheme") or ("http" if kind == "http" else "ws")
        if scheme not in _SECURE_SCHEMES:
            await self.app(scope, receive, send)
            return
        netloc = _secure_netloc(scope)
        if netloc is None:
            if kind == "websocket":
                await deny_handshake(
                    scope, send, PlainTextResponse(_INVALID_HOST, 400), _INVALID_HOST.decode()
                )
            else:
                await PlainTextResponse(_INVALID_HOST, status_code=400)(scope, receive, send)
            return
        url = URL(scope=scope).replace(scheme=_SECURE_SCHEMES[scheme], netloc=netloc)
        if kind == "websocket":
            location = quote(str(url), safe=_URL_SAFE)
            redirect = PlainTextResponse(b"", 307, headers={"location": location})
            await deny_handshake(scope, send, redirect, "Use wss://")
        else:
            await RedirectResponse(url, status_code=307)(scope, receive, send)
