"""Refuse requests whose ``Host`` header is not one of the application's host names.

Called by the middleware stack (user middleware); calls the wrapped app for trusted hosts.
Guards against Host-header poisoning: links, redirects and cache keys built from
``request.url`` can only name hosts the application chose.

A drop-in for ``fastapi.middleware.trustedhost.TrustedHostMiddleware``: same constructor
and answers (400 ``Invalid host header``, 307 to ``www.`` when only the ``www.`` host is
listed), with these deliberate differences:

* the ``Host`` must be well formed (name or bracketed IPv6 address, optional port) and sent
  once, as RFC 9112 requires; ``X-Forwarded-Host`` is never looked at;
* host names compare case-insensitively and without a trailing dot; IPv6 literals work;
* a refused WebSocket gets a 400 denial response (or a close before accept) instead of
  HTTP messages its server cannot send.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from heron.datastructures import URL
from heron.exceptions import HeronError
from heron.responses import PlainTextResponse, RedirectResponse, Response
from heron.types import ASGIApp, Receive, Scope, Send
from heron.websockets import deny_handshake

__all__ = ["ENFORCE_DOMAIN_WILDCARD", "TrustedHostMiddleware", "request_host"]

ENFORCE_DOMAIN_WILDCARD = "Domain wildcard patterns must be like '*.example.com'."

# NOTE: Starlette's check after CVE-2026-48710 (lower-cased first); ``re.A`` keeps Unicode
# digits and letters out.
_HOST_RE = re.compile(r"(?:[a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::[0-9]{1,5})?", re.A)
_INVALID_HOST = b"Invalid host header"


def request_host(headers: Sequence[tuple[bytes, bytes]]) -> str | None:
    """The request's host name, lower-case, without port or trailing dot.

    Args:
        headers: The raw ASGI request headers.

    Returns:
        ``None`` when ``Host`` is missing, repeated or malformed; IPv6 literals keep their
        brackets (``"[::1]"``).
    """
    hosts = [value for name, value in headers if name == b"host"]
    if len(hosts) != 1:
        return None
    host = hosts[0].decode("latin-1").lower()
    if not _HOST_RE.fullmatch(host):
        return None
    if host.startswith("["):
        return host[: host.index("]") + 1]
    host = host.partition(":")[0]
    return host[:-1] if host.endswith(".") else host


class TrustedHostMiddleware:
    """Answer 400 ``Invalid host header`` unless ``Host`` matches ``allowed_hosts``.

    Args:
        app: The ASGI app to wrap.
        allowed_hosts: Host names (without port) the app answers to. ``"*.example.com"``
            matches every subdomain of ``example.com`` but not ``example.com`` itself;
            ``"*"`` allows any host and turns the check off.
        www_redirect: Redirect ``example.com`` to ``www.example.com`` (307, same path and
            query) when only the latter is allowed.

    Raises:
        HeronError: A pattern has ``*`` anywhere but as a leading ``*.`` label.

    Example:
        ```python
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=["example.com", "*.example.com"])
        ```
    """

    def __init__(
        self,
        app: ASGIApp,
        allowed_hosts: Sequence[str] | None = ("*",),
        www_redirect: bool = True,
    ) -> None:
        if allowed_hosts is None:  # COMPAT(fastapi): Starlette's default is None, meaning "*"
            allowed_hosts = ("*",)
        for pattern in allowed_hosts:
            wildcard = pattern.startswith("*") and pattern != "*"
            if "*" in pattern[1:] or (wildcard and not pattern.startswith("*.")):
                raise HeronError(ENFORCE_DOMAIN_WILDCARD)
        self.app = app
        self.allowed_hosts = list(allowed_hosts)
        self.allow_any = "*" in self.allowed_hosts
        self.www_redirect = www_redirect
        # PERF: normalised once; a request costs a set lookup and a few endswith calls.
        names = [p.lower().rstrip(".") for p in self.allowed_hosts]
        self._exact = frozenset(n for n in names if not n.startswith("*"))
        self._suffixes = tuple(n[1:] for n in names if n.startswith("*."))
        self._www_targets = frozenset(n[4:] for n in self._exact if n.startswith("www."))

    def is_allowed_host(self, host: str) -> bool:
        """Whether ``host`` (lower-case, without port) matches ``allowed_hosts``.

        Args:
            host: A host name as returned by ``request_host``.

        Returns:
            ``True`` when it is listed or under a listed ``*.`` domain.
        """
        return self.allow_any or host in self._exact or host.endswith(self._suffixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a request or WebSocket with an allowed ``Host`` to the app; refuse the others.

        A refused request gets 400, or a redirect to ``www.`` when ``www_redirect`` applies;
        a refused WebSocket handshake is denied.
        """
        if self.allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = request_host(scope["headers"])
        if host is not None and self.is_allowed_host(host):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await deny_handshake(
                scope, send, PlainTextResponse(_INVALID_HOST, 400), _INVALID_HOST.decode()
            )
            return
        response: Response
        if host is not None and self.www_redirect and host in self._www_targets:
            url = URL(scope=scope)
            response = RedirectResponse(url.replace(netloc="www." + url.netloc))
        else:
            response = PlainTextResponse(_INVALID_HOST, status_code=400)
        await response(scope, receive, send)
