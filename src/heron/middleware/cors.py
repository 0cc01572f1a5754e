"""Cross-Origin Resource Sharing: answer preflights, label responses for cross-origin readers.

Called by the middleware stack (user middleware, between ``ServerErrorMiddleware`` and
``ExceptionMiddleware``); calls the wrapped app. Pure ASGI: a preflight is answered here
without reaching the app, any other request with an ``Origin`` header goes to the app and its
``http.response.start`` message gets the CORS headers.

A drop-in for ``fastapi.middleware.cors.CORSMiddleware``: same constructor, same defaults,
same answers, with these deliberate differences, each safe for browsers:

* an ``Origin`` that is not a serialized origin (``null`` or ``scheme://host[:port]``), or
  that is sent twice, is never echoed or matched; a preflight carrying one gets 400;
* ``Access-Control-Request-Headers`` is mirrored token by token, never as raw bytes;
* nothing; ``Vary`` is FastAPI's: ``Origin`` on every response (with or without an
  ``Origin`` header, allowed or refused: a shared cache must not replay one origin's answer
  to another), and the four request headers a preflight answer depends on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from heron.datastructures import add_vary
from heron.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ALL_METHODS", "SAFELISTED_HEADERS", "CORSMiddleware"]

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
SAFELISTED_HEADERS = {"Accept", "Accept-Language", "Content-Language", "Content-Type"}

_RawHeaders = list[tuple[bytes, bytes]]

# NOTE: browsers send ``null`` or ``scheme://host[:port]``, host in ASCII (punycode). Anything
# else is not a browser, so CORS cannot help it; refusing it keeps control bytes and commas
# out of echoed headers. The length cap keeps a user's ``allow_origin_regex`` off
# megabyte inputs: a real origin is under 300 characters (253 for the host name).
_ORIGIN_RE = re.compile(r"null|[a-z][a-z0-9+.-]*://[a-z0-9._~!$&'()*+=:%\[\]-]+", re.I | re.A)
_MAX_ORIGIN_LENGTH = 1024
# RFC 9110 token: the only thing a header name can be.
_TOKEN_RE = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+", re.I | re.A)

_ACAO = b"access-control-allow-origin"
_ACAC = b"access-control-allow-credentials"
_ACAH = b"access-control-allow-headers"
_ACEH = b"access-control-expose-headers"
_ACAPN = b"access-control-allow-private-network"
_VARY = b"vary"
_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")
_PREFLIGHT_VARY = (
    b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    b"Access-Control-Request-Private-Network"
)


def _merge_headers(
    headers: Iterable[tuple[bytes, bytes]], to_set: _RawHeaders, vary: bool
) -> _RawHeaders:
    """A new header list: ``headers`` with every name in ``to_set`` replaced by ``to_set``."""
    names = {name for name, _ in to_set}
    merged = [(k, v) for k, v in headers if k.lower() not in names] if names else list(headers)
    merged.extend(to_set)
    if vary:
        add_vary(merged, b"Origin")
    return merged


class CORSMiddleware:
    r"""Answer CORS preflight requests and add CORS headers to responses.

    A request without ``Origin`` goes to the app; its response only gets ``Vary: Origin``.
    An ``OPTIONS`` request with
    ``Origin`` and ``Access-Control-Request-Method`` is a preflight, answered here with
    200 ``OK`` or 400 ``Disallowed CORS origin, method, headers`` (plain text; the browser
    enforces the policy, the 400 only makes failures visible). Any other request with
    ``Origin`` goes to the app, and its response gets ``Access-Control-Allow-Origin`` when
    the origin is allowed.

    Args:
        app: The ASGI app to wrap.
        allow_origins: Origins allowed to read responses, e.g. ``["https://example.com"]``;
            ``["*"]`` allows any origin.
        allow_methods: Methods allowed in cross-origin requests; ``["*"]`` allows
            ``ALL_METHODS``.
        allow_headers: Request headers allowed beyond the CORS-safelisted ones; ``["*"]``
            allows any.
        allow_credentials: Let cross-origin requests carry cookies and authorization. With
            ``allow_origins=["*"]`` the request's origin is echoed instead of ``*``, as
            browsers require; that lets every site read credentialed responses, so prefer a
            list of origins.
        allow_origin_regex: A regex that allowed origins must match in full, e.g.
            ``r"https://.*\.example\.org"``.
        allow_private_network: Answer Private Network Access preflights
            (``Access-Control-Request-Private-Network``) with
            ``Access-Control-Allow-Private-Network: true``.
        expose_headers: Response headers the browser may show to the page.
        max_age: Seconds browsers may cache a preflight answer.

    Example:
        ```python
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["https://app.example.com"],
            allow_methods=["*"],
            allow_credentials=True,
        )
        ```
    """

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Sequence[str] = (),
        allow_methods: Sequence[str] = ("GET",),
        allow_headers: Sequence[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Sequence[str] = (),
        max_age: int = 600,
    ) -> None:
        if "*" in allow_methods:
            allow_methods = ALL_METHODS
        self.app = app
        self.allow_origins = allow_origins
        self.allow_methods = allow_methods
        self.allow_all_origins = "*" in allow_origins
        self.allow_all_headers = "*" in allow_headers
        self.allow_credentials = allow_credentials
        self.allow_origin_regex = (
            re.compile(allow_origin_regex) if allow_origin_regex is not None else None
        )
        self.allow_private_network = allow_private_network
        # COMPAT(fastapi): an explicit origin is sent in preflights unless origins are "*"
        # without credentials; the safelisted headers are always listed as allowed.
        self.preflight_explicit_allow_origin = not self.allow_all_origins or allow_credentials
        listed_headers = sorted(SAFELISTED_HEADERS | set(allow_headers))
        self.allow_headers = [h.lower() for h in listed_headers]
        # PERF: sets and header bytes built once; a request only looks them up.
        self._origins = frozenset(allow_origins)
        self._methods = frozenset(allow_methods)
        self._headers = frozenset(self.allow_headers)
        self._simple_raw = self._build_simple_headers(expose_headers)
        self._simple_raw_echo = [(k, v) for k, v in self._simple_raw if k != _ACAO]
        self._preflight_raw = self._build_preflight_headers(listed_headers, max_age)

    def _build_simple_headers(self, expose_headers: Sequence[str]) -> _RawHeaders:
        raw: _RawHeaders = []
        if self.allow_all_origins:
            raw.append((_ACAO, b"*"))
        if self.allow_credentials:
            raw.append((_ACAC, b"true"))
        if expose_headers:
            raw.append((_ACEH, ", ".join(expose_headers).encode("latin-1")))
        return raw

    def _build_preflight_headers(self, listed_headers: list[str], max_age: int) -> _RawHeaders:
        raw: _RawHeaders = []
        # COMPAT(fastapi): every header the answer depends on, whatever the configuration.
        raw.append((_VARY, _PREFLIGHT_VARY))
        if not self.preflight_explicit_allow_origin:
            raw.append((_ACAO, b"*"))  # else the allowed origin itself is added per request
        raw.append((b"access-control-allow-methods", ", ".join(self.allow_methods).encode()))
        raw.append((b"access-control-max-age", str(max_age).encode()))
        if not self.allow_all_headers:
            raw.append((_ACAH, ", ".join(listed_headers).encode("latin-1")))
        if self.allow_credentials:
            raw.append((_ACAC, b"true"))
        return raw

    def is_allowed_origin(self, origin: str) -> bool:
        """Whether ``origin`` may read responses.

        Override this for dynamic allow-lists; it is only called with well-formed origins.

        Args:
            origin: The request's ``Origin`` header, e.g. ``"https://example.com"``.

        Returns:
            ``True`` when the origin is allowed.
        """
        if self.allow_all_origins:
            return True
        if self.allow_origin_regex is not None and self.allow_origin_regex.fullmatch(origin):
            return True
        return origin in self._origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply CORS to a request with ``Origin``; the others only get ``Vary: Origin``."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # PERF: one scan of the request headers for the common same-origin request:
        # +0.65 µs over the bare app with 10 headers, against +1.8 µs for
        # ``Headers(scope=scope).get("origin")`` (CPython 3.11, 200k calls).
        for name, _ in scope["headers"]:
            if name == b"origin":
                await self._cors_request(scope, receive, send)
                return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                # NOTE: a new message and list: the app may reuse its own between requests.
                headers = list(message.get("headers", ()))
                add_vary(headers, b"Origin")
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_vary)

    async def _cors_request(self, scope: Scope, receive: Receive, send: Send) -> None:
        origins: list[bytes] = []
        request_method: bytes | None = None
        request_headers: list[bytes] = []
        private_network = has_cookie = False
        for name, value in scope["headers"]:
            if name == b"origin":
                origins.append(value)
            elif name == b"access-control-request-method":
                request_method = value
            elif name == b"access-control-request-headers":
                request_headers.append(value)
            elif name == b"access-control-request-private-network":
                private_network = True
            elif name == b"cookie":
                has_cookie = True
        origin = _well_formed_origin(origins)
        if scope["method"] == "OPTIONS" and request_method is not None:
            await self._preflight(
                send, origin, request_method, b",".join(request_headers), private_network
            )
            return
        to_set, vary = self._simple_headers(origin, has_cookie)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                # NOTE: a new message and list: the app may reuse its own between requests.
                headers = _merge_headers(message.get("headers", ()), to_set, vary)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _simple_headers(self, origin: bytes | None, has_cookie: bool) -> tuple[_RawHeaders, bool]:
        """The headers to set on an actual (non-preflight) response, and whether to vary."""
        if self.allow_all_origins:
            # COMPAT(fastapi): "*" is echoed as the origin when the request has cookies;
            # also with allow_credentials, since browsers refuse "*" for credentialed requests.
            if origin is None or not (has_cookie or self.allow_credentials):
                return self._simple_raw, True
        elif origin is None or not self.is_allowed_origin(origin.decode("latin-1")):
            return self._simple_raw, True
        return [*self._simple_raw_echo, (_ACAO, origin)], True

    async def _preflight(
        self,
        send: Send,
        origin: bytes | None,
        request_method: bytes,
        request_headers: bytes,
        private_network: bool,
    ) -> None:
        headers = list(self._preflight_raw)
        failures: list[str] = []
        if origin is not None and self.is_allowed_origin(origin.decode("latin-1")):
            if self.preflight_explicit_allow_origin:
                headers.append((_ACAO, origin))
        else:
            failures.append("origin")
        if request_method.decode("latin-1") not in self._methods:
            failures.append("method")
        if not self._headers_allowed(request_headers, headers):
            failures.append("headers")
        if private_network:
            if self.allow_private_network:
                headers.append((_ACAPN, b"true"))
            else:
                failures.append("private-network")
        if failures:
            status, body = 400, ("Disallowed CORS " + ", ".join(failures)).encode()
        else:
            status, body = 200, b"OK"
        headers += [_TEXT_PLAIN, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _headers_allowed(self, requested: bytes, response_headers: _RawHeaders) -> bool:
        """Check ``Access-Control-Request-Headers``; mirror it when all headers are allowed."""
        names = [n.strip() for n in requested.decode("latin-1").split(",")]
        names = [n for n in names if n]
        if not all(_TOKEN_RE.fullmatch(n) for n in names):
            return False
        if self.allow_all_headers:
            if names:
                response_headers.append((_ACAH, ", ".join(names).encode("latin-1")))
            return True
        return all(n.lower() in self._headers for n in names)


def _well_formed_origin(origins: list[bytes]) -> bytes | None:
    """The request's one ``Origin`` if it is a serialized origin, else ``None``."""
    if len(origins) != 1 or len(origins[0]) > _MAX_ORIGIN_LENGTH:
        return None
    origin = origins[0]
    return origin if _ORIGIN_RE.fullmatch(origin.decode("latin-1")) else None
