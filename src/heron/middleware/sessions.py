"""SessionMiddleware: ``request.session`` loaded before the app runs, saved as the response starts.

Called by the middleware stack (user middleware); calls ``heron.sessions`` (the session
dict, the :class:`~heron.sessions.SessionInterface` that reads and writes the cookie,
stores) and the wrapped app. Pure ASGI: the session is put in the request's context and in
``scope["session"]`` (where ``request.session`` reads it), and the ``http.response.start``
message gets ``Vary: Cookie`` and ``Set-Cookie`` as needed. ``Heron(secret_key=...)``
needs no middleware: the app uses the interface itself (see ``heron.sessions``).

A drop-in for ``starlette.middleware.sessions.SessionMiddleware`` (FastAPI apps import it
from Starlette): the same constructor, defaults and cookie attributes, plus
``secret_key_fallbacks`` and ``store``. The cookie's format and checks are the
interface's (see ``heron.sessions``); a WebSocket sees the session, but changes made
during it are not saved (as Starlette: there is no response to carry a cookie).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Literal

import anyio

from heron.exception_handlers import respond_to_exception
from heron.exceptions import SessionStoreUnavailable
from heron.globals import bound_context
from heron.requests import RequestContext
from heron.responses import JSONResponse
from heron.sessions import (
    DEFAULT_MAX_AGE,
    MAX_COOKIE_SIZE,
    Session,
    SessionInterface,
    SessionStore,
)
from heron.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_COOKIE_SIZE", "SessionMiddleware"]

logger = logging.getLogger("heron.sessions")

# What the send wrapper does with the app's messages.
_BEFORE_START, _PASSING, _DROPPING = range(3)


class SessionMiddleware:
    """Give every request a ``request.session`` dict kept across requests by a cookie.

    By default the data itself is in the cookie, signed with ``secret_key`` (readable by
    the client, not changeable). With ``store=`` the cookie holds a signed random id and the
    data lives on the server (:class:`~heron.sessions.RedisSessionStore`).

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
        HeronError: As :class:`~heron.sessions.SessionInterface`.
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
        self.interface = SessionInterface(
            secret_key,
            session_cookie,
            max_age,
            path,
            same_site,
            https_only,
            domain,
            partitioned,
            secret_key_fallbacks=secret_key_fallbacks,
            store=store,
        )
        self.store = store
        self._lifespan_running = False
        self._in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a request or WebSocket with its session loaded; save it as a response starts.

        With a store, the lifespan events tell when the store's connections may be closed.
        """
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
        ctx = RequestContext.of(scope, receive, send)
        try:
            session = await self.interface.load(self.interface.cookie_of(ctx))
        except SessionStoreUnavailable as exc:
            ctx.set_session(Session())
            await self._unavailable(ctx, exc)
            return
        ctx.set_session(session)
        # ``heron.session`` and ``flash()`` find the session through the context globals.
        with bound_context(ctx):
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
            else:
                await self.app(scope, receive, self._saving_send(ctx, session, send))

    def _saving_send(self, ctx: RequestContext, session: Session, send: Send) -> Send:
        state = _BEFORE_START

        async def send_with_session(message: Message) -> None:
            nonlocal state
            if state == _DROPPING:
                return  # the app's response was replaced by a 503
            if state == _BEFORE_START and message["type"] == "http.response.start":
                state = _PASSING  # set first: an error response raised below must pass
                try:
                    message = await self.interface.save_session(session, message)
                except SessionStoreUnavailable as exc:
                    state = _DROPPING
                    ctx.send = send
                    await self._unavailable(ctx, exc)
                    return
            await send(message)

        return send_with_session

    # ------------------------------------------------------------ the store

    async def _unavailable(self, ctx: RequestContext, exc: SessionStoreUnavailable) -> None:
        """Answer 503 (the app's handler for it, if any); log the cause, no traceback."""
        cause = exc.__cause__ or exc
        logger.error(
            "Session store unavailable, answering 503: %s: %s", type(cause).__name__, cause
        )
        if ctx.scope["type"] == "websocket":
            await ctx.send({"type": "websocket.close", "code": 1011, "reason": exc.detail})
            return
        if ctx.app is None:  # a plain ASGI app: FastAPI's body, without handlers
            response = JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
            await response(ctx.scope, ctx.receive, ctx.send)
            return
        await respond_to_exception(ctx, exc)

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
