"""SessionMiddleware: ``request.session`` loaded before the app runs, saved as the response starts.

Called by the middleware stack (user middleware; ``Heron(secret_key=...)`` adds one as the
outermost); calls ``heron.sessions`` (the session dict, signing, stores) and the wrapped
app. Pure ASGI: the session is put in ``scope["session"]`` (where ``request.session`` reads
it) and in a context variable (where ``heron.session`` and ``flash()`` find it), and the
``http.response.start`` message gets ``Vary: Cookie`` and ``Set-Cookie`` as needed.

A drop-in for ``starlette.middleware.sessions.SessionMiddleware`` (FastAPI apps import it
from Starlette): the same constructor, defaults and cookie attributes, plus
``secret_key_fallbacks`` and ``store``. Deliberate differences, each in the user's favour:

* the cookie is timestamped by itsdangerous' serializer (HMAC-SHA256, compressed JSON), not
  Starlette's base64 format: existing Starlette cookies read as empty sessions once;
* a cookie that would pass 4093 bytes raises :class:`~heron.exceptions.SessionTooLarge`
  (a 500 naming the size) instead of being sent for the browser to drop silently;
* ``same_site="none"`` without ``https_only=True`` is refused at startup: browsers drop
  such cookies;
* a WebSocket sees the session, but changes made during it are not saved (as Starlette:
  there is no response to carry a cookie).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Literal

import anyio

from heron.datastructures import add_vary
from heron.exceptions import HeronError, SessionStoreUnavailable, SessionTooLarge
from heron.middleware import Middleware
from heron.requests import HTTPConnection
from heron.responses import JSONResponse
from heron.sessions import DEFAULT_MAX_AGE, Session, SessionSigner, SessionStore, _current
from heron.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_COOKIE_SIZE", "SessionMiddleware", "app_session_middleware"]

#: The largest ``name=value`` a session cookie may have: browsers keep 4096 bytes per
#: cookie (RFC 6265 section 6.1 asks for at least that); Flask warns above 4093.
MAX_COOKIE_SIZE = 4093

logger = logging.getLogger("heron.sessions")

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token: a cookie name
_ATTRIBUTE_VALUE = re.compile(r"[\x21-\x3a\x3c-\x7e]+")  # printable ASCII but ";"
_SAME_SITE = {"lax": "Lax", "strict": "Strict", "none": "None"}
_EXPIRED = "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"

# What the send wrapper does with the app's messages.
_BEFORE_START, _PASSING, _DROPPING = range(3)


class SessionMiddleware:
    """Give every request a ``request.session`` dict kept across requests by a cookie.

    By default the data itself is in the cookie, signed with ``secret_key`` (readable by
    the client, not changeable). With ``store=`` the cookie holds a signed random id and the
    data lives on the server (:class:`~heron.sessions.RedisSessionStore`).

    The cookie is sent only when the session changed (an emptied session deletes it), and
    ``Vary: Cookie`` is added whenever the session was read. A forged, truncated, expired
    or oversized cookie gives an empty session.

    Args:
        app: The ASGI app to wrap.
        secret_key: The key signing cookies (keep it secret, long and random).
        session_cookie: The cookie name.
        max_age: Seconds a session lasts after its last change (cookie ``Max-Age`` and the
            signature's age limit); None: until the browser closes, with no age limit.
        path: The cookie ``Path``.
        same_site: The cookie ``SameSite``: ``"lax"``, ``"strict"`` or ``"none"``.
        https_only: Add ``Secure``: the browser sends the cookie over HTTPS only.
        domain: The cookie ``Domain`` (None: this host only).
        partitioned: Add ``Partitioned`` (CHIPS).
        secret_key_fallbacks: Older keys, most recent first, still accepted when reading
            (key rotation); cookies are always signed with ``secret_key``.
        store: Keep session data on the server, in this store.

    Raises:
        HeronError: An empty key, a cookie name that is not a token, a ``path``/``domain``
            with ``;`` or control characters, an unknown ``same_site``, or ``"none"``
            without ``https_only``.
    """

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str | bytes,
        session_cookie: str = "session",
        max_age: int | None = DEFAULT_MAX_AGE,
        path: str = "/",
        same_site: Literal["lax", "strict", "none"] = "lax",
        https_only: bool = False,
        domain: str | None = None,
        partitioned: bool = False,
        *,
        secret_key_fallbacks: Iterable[str | bytes] = (),
        store: SessionStore | None = None,
    ) -> None:
        self.app = app
        self.signer = SessionSigner(secret_key, secret_key_fallbacks)
        self.session_cookie = session_cookie
        self.max_age = max_age
        self.store = store
        self._attributes = _cookie_attributes(
            session_cookie, path, same_site, https_only, domain, partitioned
        )
        self._lifespan_running = False
        self._in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan" and self.store is not None:
            await self.app(scope, receive, self._lifespan_send(send))
            return
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if self.store is None:
            await self._handle(scope, receive, send)
            return
        async with self._store_in_use():
            await self._handle(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = HTTPConnection(scope).cookies.get(self.session_cookie)
        try:
            session = await self._load(raw)
        except SessionStoreUnavailable as exc:
            scope["session"] = Session()
            await self._unavailable(scope, receive, send, exc)
            return
        scope["session"] = session
        token = _current.set(session)
        try:
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
            else:
                await self.app(scope, receive, self._saving_send(scope, receive, send, raw))
        finally:
            _current.reset(token)

    # ------------------------------------------------------------ loading

    async def _load(self, raw: str | None) -> Session:
        if not raw or len(raw) > MAX_COOKIE_SIZE:
            # Never larger than what we send: a huge cookie is not even verified.
            return Session()
        value = self.signer.unsign(raw, self.max_age)
        if self.store is None:
            return Session(value) if isinstance(value, dict) else Session()
        if not self.store.is_valid_id(value):
            return Session()
        data = await self.store.load(value)
        # An id the store no longer knows (expired, cleared) is never reused: a new one
        # is made if this session gets saved.
        return Session() if data is None else Session(data, session_id=value)

    # ------------------------------------------------------------ saving

    def _saving_send(self, scope: Scope, receive: Receive, send: Send, raw: str | None) -> Send:
        session: Session = scope["session"]
        state = _BEFORE_START

        async def send_with_session(message: Message) -> None:
            nonlocal state
            if state == _DROPPING:
                return  # the app's response was replaced by a 503
            if state == _BEFORE_START and message["type"] == "http.response.start":
                state = _PASSING  # set first: an error response raised below must pass
                try:
                    cookie = await self._save(session, had_cookie=raw is not None)
                except SessionStoreUnavailable as exc:
                    state = _DROPPING
                    await self._unavailable(scope, receive, send, exc)
                    return
                if session.accessed or cookie is not None:
                    headers = list(message.get("headers", ()))
                    add_vary(headers, b"Cookie")
                    if cookie is not None:
                        headers.append((b"set-cookie", cookie.encode("latin-1")))
                    message = {**message, "headers": headers}
            await send(message)

        return send_with_session

    async def _save(self, session: Session, *, had_cookie: bool) -> str | None:
        """Persist a changed session; the ``Set-Cookie`` value to send, if any."""
        if not session.modified:
            return None
        data = session.data()
        store = self.store
        if store is None:
            if not data:
                return self._expired_cookie() if had_cookie else None
            return self._cookie(self.signer.sign(data))
        old_id = session.session_id
        if not data:
            if old_id is not None:
                await store.delete(old_id)
            return self._expired_cookie() if had_cookie else None
        new_id = store.new_id() if old_id is None or session._regenerate else old_id
        await store.save(new_id, data, self._ttl(store))
        if old_id is not None and old_id != new_id:
            await store.delete(old_id)
        return self._cookie(self.signer.sign(new_id))

    def _ttl(self, store: SessionStore) -> int:
        if store.ttl is not None:
            return store.ttl
        return self.max_age if self.max_age is not None else DEFAULT_MAX_AGE

    def _cookie(self, value: str) -> str:
        size = len(self.session_cookie) + 1 + len(value)
        if size > MAX_COOKIE_SIZE:
            raise SessionTooLarge(size, MAX_COOKIE_SIZE)
        max_age = f"; Max-Age={self.max_age}" if self.max_age is not None else ""
        return f"{self.session_cookie}={value}{max_age}{self._attributes}"

    def _expired_cookie(self) -> str:
        return f"{self.session_cookie}=; {_EXPIRED}{self._attributes}"

    # ------------------------------------------------------------ the store

    async def _unavailable(
        self, scope: Scope, receive: Receive, send: Send, exc: SessionStoreUnavailable
    ) -> None:
        """Answer 503 (the app's handler for it, if any); log the cause, no traceback."""
        cause = exc.__cause__ or exc
        logger.error(
            "Session store unavailable, answering 503: %s: %s", type(cause).__name__, cause
        )
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1011, "reason": exc.detail})
            return
        responder = getattr(scope.get("app"), "respond_to_exception", None)
        if responder is not None:
            await responder(scope, receive, send, exc)
            return
        response = JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        await response(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _store_in_use(self) -> AsyncIterator[None]:
        """Close the store's connections after the last request when no lifespan owns them.

        Without a lifespan (a ``TestClient`` outside ``with``, ``--lifespan off``) nothing
        tells the store when its event loop goes away; connections left open on a dead
        loop would leak, so they are closed whenever no request is using them.
        """
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            if not self._lifespan_running and not self._in_flight and self.store is not None:
                with anyio.CancelScope(shield=True):
                    await self.store.aclose()

    def _lifespan_send(self, send: Send) -> Send:
        async def lifespan_send(message: Message) -> None:
            kind = message["type"]
            if kind == "lifespan.startup.complete":
                self._lifespan_running = True
            elif kind.startswith("lifespan.shutdown") and self.store is not None:
                self._lifespan_running = False
                await self.store.aclose()
            await send(message)

        return lifespan_send


def _cookie_attributes(
    name: str,
    path: str,
    same_site: str,
    https_only: bool,
    domain: str | None,
    partitioned: bool,
) -> str:
    """The attributes after ``name=value``, checked once (they go in every response)."""
    if not _TOKEN.fullmatch(name):
        raise HeronError(f"Invalid session cookie name {name!r}: it must be an HTTP token")
    for label, value in (("path", path), ("domain", domain)):
        if value is not None and not _ATTRIBUTE_VALUE.fullmatch(value):
            raise HeronError(f"Invalid session cookie {label} {value!r}")
    site = _SAME_SITE.get(str(same_site).lower())
    if site is None:
        raise HeronError(f"same_site must be 'lax', 'strict' or 'none', not {same_site!r}")
    if site == "None" and not https_only:
        raise HeronError(
            'same_site="none" needs https_only=True: browsers drop SameSite=None cookies '
            "that are not Secure"
        )
    attributes = f"; Path={path}; HttpOnly; SameSite={site}"
    if https_only:
        attributes += "; Secure"
    if domain is not None:
        attributes += f"; Domain={domain}"
    if partitioned:
        attributes += "; Partitioned"
    return attributes


def app_session_middleware(
    secret_key: str | bytes | None, user_middleware: Sequence[Middleware]
) -> list[Middleware]:
    """The cookie-session middleware ``Heron(secret_key=...)`` adds, if any.

    None when there is no key, or when the app added a ``SessionMiddleware`` itself (its
    options win).
    """
    if not secret_key:
        return []
    for spec in user_middleware:
        if isinstance(spec.cls, type) and issubclass(spec.cls, SessionMiddleware):
            return []
    return [Middleware(SessionMiddleware, secret_key=secret_key)]
