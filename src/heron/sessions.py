"""Sessions: the per-user dict behind ``request.session``, how it travels, where it lives.

Called by the application (``Heron(secret_key=...)`` uses a :class:`SessionInterface`:
the session loads the first time a step asks for it, and is saved when the response
starts), by ``heron.middleware.sessions.SessionMiddleware`` (the same interface, as an ASGI
middleware) and by ``heron.flashing``; calls itsdangerous, ``heron.globals`` (the current
request's context, for ``session``) and, for :class:`RedisSessionStore`, ``redis.asyncio``.

A session lives in one of two places:

* **in the cookie** (the default): the JSON data, signed (not encrypted) with the secret
  key and timestamped, so the client can read it but not change it, and the server can
  refuse it once older than ``max_age``. Nothing is kept on the server, so a cookie cannot
  be revoked before it expires;
* **in a** :class:`SessionStore` on the server: the cookie holds a random session id
  (signed too), the data lives in the store with a TTL. Clearing the session deletes the
  server copy, so an old cookie replayed later finds nothing.

A store is three coroutines (``load``, ``save``, ``delete``) and an optional ``aclose``;
:class:`MemorySessionStore` (one process, tests) and :class:`RedisSessionStore` (several
workers or machines) are the two shipped. A SQL store is the same three statements on a
``(id primary key, data text, expires_at timestamp)`` table.

Deliberate differences from Starlette's cookie, each in the user's favour:

* the cookie is timestamped by itsdangerous' serializer (HMAC-SHA256, compressed JSON), not
  Starlette's base64 format: existing Starlette cookies read as empty sessions once;
* a cookie that would pass 4093 bytes raises :class:`~heron.exceptions.SessionTooLarge`
  (a 500 naming the size) instead of being sent for the browser to drop silently;
* ``same_site="none"`` without ``https_only=True`` is refused at startup: browsers drop
  such cookies.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, Literal, cast

from itsdangerous import BadData, URLSafeTimedSerializer

from heron.datastructures import add_vary
from heron.exceptions import (
    HeronError,
    OutsideContextError,
    SessionStoreUnavailable,
    SessionTooLarge,
)
from heron.globals import current_context
from heron.types import Message

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from heron.requests import RequestContext

__all__ = [
    "DEFAULT_MAX_AGE",
    "MAX_COOKIE_SIZE",
    "MemorySessionStore",
    "RedisSessionStore",
    "Session",
    "SessionInterface",
    "SessionSigner",
    "SessionStore",
    "current_session",
    "session",
]

DEFAULT_MAX_AGE = 14 * 24 * 60 * 60  # 14 days, Starlette's default

#: The largest ``name=value`` a session cookie may have: browsers keep 4096 bytes per
#: cookie (RFC 6265 section 6.1 asks for at least that); Flask warns above 4093.
MAX_COOKIE_SIZE = 4093

# A session id: 32 random bytes, URL-safe base64 (43 characters, 256 bits).
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{43}")
# NOTE: a dedicated salt, so a value signed with the same key for another purpose (a
# password-reset token made with itsdangerous, say) is never accepted as a session.
_SALT = "heron.session"


class Session(dict[str, Any]):
    """A dict that remembers whether it was read and whether it was changed.

    The middleware adds ``Vary: Cookie`` to responses when the session was read, and writes
    the cookie only when it was changed. A change *inside* a stored value
    (``session["cart"].append(item)``) is not seen: set ``session.modified = True`` then, as
    in Flask.

    Args:
        data: The initial data (from the cookie or the store); does not count as a change.
        session_id: The id of the server copy, when the session lives in a store.
    """

    def __init__(
        self, data: Mapping[str, Any] | None = None, session_id: str | None = None
    ) -> None:
        super().__init__(data or {})
        #: The session was read (any lookup, ``in``, ``len``, iteration…).
        self.accessed = False
        #: The session was changed and will be saved.
        self.modified = False
        #: The id of the server copy (stores only; None before the first save).
        self.session_id = session_id
        self._regenerate = False  # a new id on save (read by the SessionInterface)
        self._had_cookie = False  # the request sent a cookie (an emptied session expires it)

    def regenerate(self) -> None:
        """Issue a new session id on the next save, keeping the data; call it on login.

        With a store, the old server copy is deleted, so an id an attacker planted or
        observed before the login (session fixation) is worthless after it. With cookie
        sessions there is no id: the cookie is re-signed, which changes its value.
        """
        self._regenerate = True
        self._write()

    def _read(self) -> None:
        self.accessed = True

    def _write(self) -> None:
        self.accessed = self.modified = True

    # Reads.
    def __getitem__(self, key: str) -> Any:
        self._read()
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None, /) -> Any:
        """``dict.get``; counts as a read."""
        self._read()
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._read()
        return super().__contains__(key)

    def __len__(self) -> int:
        self._read()
        return super().__len__()

    def __iter__(self) -> Iterator[str]:
        self._read()
        return super().__iter__()

    def __reversed__(self) -> Iterator[str]:
        self._read()
        return super().__reversed__()

    def __eq__(self, other: object) -> bool:
        self._read()
        return super().__eq__(other)

    def __ne__(self, other: object) -> bool:
        self._read()
        return super().__ne__(other)

    __hash__ = None

    def keys(self) -> Any:
        """The keys; counts as a read."""
        self._read()
        return super().keys()

    def values(self) -> Any:
        """The values; counts as a read."""
        self._read()
        return super().values()

    def items(self) -> Any:
        """The items; counts as a read."""
        self._read()
        return super().items()

    def copy(self) -> dict[str, Any]:
        """A plain-dict copy of the data; counts as a read."""
        self._read()
        return self.data()

    def __or__(self, other: Any, /) -> Any:
        self._read()
        return self.data() | other

    # Writes.
    def __setitem__(self, key: str, value: Any) -> None:
        self._write()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._write()
        super().__delitem__(key)

    def clear(self) -> None:
        """Empty the session; with a store, its server copy is deleted on save.

        A session cleared then filled again in the same request (logout then login) gets
        a new id, as after :meth:`regenerate`.
        """
        self._regenerate = True
        self._write()
        super().clear()

    def pop(self, key: str, *default: Any) -> Any:
        """``dict.pop``; a change when ``key`` is there, a read otherwise."""
        if dict.__contains__(self, key):
            self._write()
        else:
            self._read()
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        """``dict.popitem``; counts as a change."""
        self._write()
        return super().popitem()

    def setdefault(self, key: str, default: Any = None, /) -> Any:
        """``dict.setdefault``; a read when ``key`` is there, a change otherwise."""
        if dict.__contains__(self, key):
            self._read()
        else:
            self._write()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """``dict.update``; counts as a change."""
        self._write()
        super().update(*args, **kwargs)

    def __ior__(self, other: Any) -> Session:  # type: ignore[override]
        self._write()
        super().update(other)
        return self

    def data(self) -> dict[str, Any]:
        """A plain-dict copy of the data, without counting as a read (for saving)."""
        # NOTE: not dict.copy(self): with __iter__ overridden it goes through keys().
        return dict(dict.items(self))


class SessionSigner:
    """Signs session cookies with the newest key; verifies them with any key of the list.

    ``secret_key`` signs; ``fallbacks`` (most recent first) only verify, so rotating a key
    is: new key in ``secret_key``, old one in ``fallbacks`` until ``max_age`` has passed.
    Cookies signed with an old key are re-signed with the new one when the session changes.

    Args:
        secret_key: The key that signs (and verifies).
        fallbacks: Older keys still accepted for verification.
    """

    def __init__(self, secret_key: str | bytes, fallbacks: Iterable[str | bytes] = ()) -> None:
        keys = [_secret(secret_key), *(_secret(key) for key in fallbacks)]
        # SECURITY(CVE-2025-47278): itsdangerous signs with the *last* key of the list and
        # verifies newest first; Flask once reversed it and signed with the oldest key.
        self._serializer = URLSafeTimedSerializer(
            list(reversed(keys)), salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )

    def sign(self, value: Any) -> str:
        """Serialize ``value`` as JSON, compress it when that helps, sign and timestamp it.

        Raises:
            TypeError: ``value`` holds something JSON cannot encode.
        """
        try:
            return self._serializer.dumps(value)
        except TypeError as exc:
            raise TypeError(f"Session values must be JSON-serialisable: {exc}") from exc

    def unsign(self, text: str, max_age: int | None) -> Any:
        """The value signed in ``text``, or None when it is forged, truncated or expired.

        Never raises: a bad cookie is the client's problem and gives an empty session.
        """
        try:
            return self._serializer.loads(text, max_age=max_age)
        except (BadData, UnicodeError, ValueError, TypeError):
            return None


def _secret(key: str | bytes) -> bytes:
    # COMPAT(starlette): ``starlette.datastructures.Secret`` keys are accepted via str().
    value = key if isinstance(key, bytes) else str(key).encode()
    if not value:
        raise HeronError("The session secret key must not be empty")
    return value


# ---------------------------------------------------------------- the cookie

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token: a cookie name
_ATTRIBUTE_VALUE = re.compile(r"[\x21-\x3a\x3c-\x7e]+")  # printable ASCII but ";"
_SAME_SITE = {"lax": "Lax", "strict": "Strict", "none": "None"}
_EXPIRED = "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"


class SessionInterface:
    """How a session travels: read from the request's cookie, written into the response's.

    Flask's name for the same seam. ``Heron(secret_key=...)`` keeps one as
    ``app.session_interface`` and uses it directly (a cookie session is verified the first
    time a step asks for it); ``SessionMiddleware`` wraps one as an ASGI middleware (for a
    :class:`SessionStore`, whose loading is asynchronous, or other cookie options).

    The cookie is sent only when the session changed (an emptied session deletes it), and
    ``Vary: Cookie`` is added whenever the session was read. A forged, truncated, expired
    or oversized cookie gives an empty session.

    Args:
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
        self.signer = SessionSigner(secret_key, secret_key_fallbacks)
        self.session_cookie = session_cookie
        self.max_age = max_age
        self.store = store
        self._attributes = _cookie_attributes(
            session_cookie, path, same_site, https_only, domain, partitioned
        )

    # ------------------------------------------------------------ loading

    def open_session(self, ctx: RequestContext) -> Session:
        """The session of a request, from its cookie (cookie sessions: no I/O).

        Raises:
            HeronError: The sessions live in a store (use :meth:`load`, asynchronous).
        """
        if self.store is not None:
            raise HeronError("Sessions kept in a store load asynchronously: use load()")
        raw = self.cookie_of(ctx)
        value = self._verified(raw)
        session = Session(value) if isinstance(value, dict) else Session()
        session._had_cookie = raw is not None
        return session

    def cookie_of(self, ctx: RequestContext) -> str | None:
        """The raw session cookie the request sent, if any."""
        return ctx.connection.cookies.get(self.session_cookie)

    async def load(self, raw: str | None) -> Session:
        """The session of a raw cookie value (from the store, with one).

        Raises:
            SessionStoreUnavailable: The store cannot be reached.
        """
        value = self._verified(raw)
        if self.store is None:
            session = Session(value) if isinstance(value, dict) else Session()
        elif not self.store.is_valid_id(value):
            session = Session()
        else:
            data = await self.store.load(value)
            # An id the store no longer knows (expired, cleared) is never reused: a new
            # one is made if this session gets saved.
            session = Session() if data is None else Session(data, session_id=value)
        session._had_cookie = raw is not None
        return session

    def _verified(self, raw: str | None) -> Any:
        if not raw or len(raw) > MAX_COOKIE_SIZE:
            # Never larger than what we send: a huge cookie is not even verified.
            return None
        return self.signer.unsign(raw, self.max_age)

    # ------------------------------------------------------------ saving

    async def save_session(self, session: Session, message: Message) -> Message:
        """``message`` (the response start) with the session's ``Set-Cookie`` and ``Vary``.

        Raises:
            SessionStoreUnavailable: The store cannot be reached.
            SessionTooLarge: The cookie would pass 4093 bytes.
        """
        cookie = await self._save(session)
        if not session.accessed and cookie is None:
            return message
        headers = list(message.get("headers", ()))
        add_vary(headers, b"Cookie")
        if cookie is not None:
            headers.append((b"set-cookie", cookie.encode("latin-1")))
        return {**message, "headers": headers}

    async def _save(self, session: Session) -> str | None:
        """Persist a changed session; the ``Set-Cookie`` value to send, if any."""
        if not session.modified:
            return None
        data = session.data()
        store = self.store
        if store is None:
            if not data:
                return self._expired_cookie() if session._had_cookie else None
            return self._cookie(self.signer.sign(data))
        old_id = session.session_id
        if not data:
            if old_id is not None:
                await store.delete(old_id)
            return self._expired_cookie() if session._had_cookie else None
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


# ---------------------------------------------------------------- server-side stores


class SessionStore:
    """Where server-side sessions live; subclass it for another backend.

    Three coroutines make a store; each takes an id the middleware made with
    :meth:`new_id` (never one a client chose). Raise
    :class:`~heron.exceptions.SessionStoreUnavailable` when the backend cannot be reached:
    the middleware answers 503 and logs the cause.

    Args:
        ttl: Seconds a session lives after its last change; None: the middleware's
            ``max_age`` (14 days by default).
    """

    def __init__(self, ttl: int | None = None) -> None:
        self.ttl = ttl

    def new_id(self) -> str:
        """A fresh random session id (256 bits)."""
        return secrets.token_urlsafe(32)

    def is_valid_id(self, session_id: object) -> bool:
        """Whether ``session_id`` has the shape :meth:`new_id` gives."""
        return isinstance(session_id, str) and _SESSION_ID.fullmatch(session_id) is not None

    async def load(self, session_id: str) -> dict[str, Any] | None:
        """The data saved under ``session_id``, or None when there is none (or it expired)."""
        raise NotImplementedError

    async def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        """Save ``data`` under ``session_id``, to expire ``ttl`` seconds from now."""
        raise NotImplementedError

    async def delete(self, session_id: str) -> None:
        """Delete the data under ``session_id`` (nothing happens if there is none)."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release connections; called at application shutdown. Reopens on next use."""


def _dumps(data: dict[str, Any]) -> str:
    try:
        return json.dumps(data, separators=(",", ":"))
    except TypeError as exc:
        raise TypeError(f"Session values must be JSON-serialisable: {exc}") from exc


def _loads(raw: str | bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class MemorySessionStore(SessionStore):
    """Sessions in this process's memory: for tests and single-process development.

    Every worker process has its own dict, and a restart forgets every session; use
    :class:`RedisSessionStore` when either matters. Data is stored as JSON, so what works
    here works with Redis.

    Args:
        ttl: Seconds a session lives after its last change; None: the middleware's
            ``max_age``.
    """

    def __init__(self, ttl: int | None = None) -> None:
        super().__init__(ttl)
        self._sessions: dict[str, tuple[float, str]] = {}

    async def load(self, session_id: str) -> dict[str, Any] | None:
        """The data saved under ``session_id``, or None (missing or expired)."""
        found = self._sessions.get(session_id)
        if found is None:
            return None
        expires_at, raw = found
        if expires_at <= time.monotonic():
            del self._sessions[session_id]
            return None
        return _loads(raw)

    async def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        """Save ``data`` under ``session_id`` for ``ttl`` seconds; drops expired sessions."""
        now = time.monotonic()
        # Expired sessions go when new ones come, so memory follows the live sessions.
        for expired in [key for key, (at, _) in self._sessions.items() if at <= now]:
            del self._sessions[expired]
        self._sessions[session_id] = (now + ttl, _dumps(data))

    async def delete(self, session_id: str) -> None:
        """Forget ``session_id``."""
        self._sessions.pop(session_id, None)


class RedisSessionStore(SessionStore):
    """Sessions in Redis (``redis.asyncio``), shared by every worker and machine.

    Each session is one string key ``prefix + id`` holding JSON, with ``SET … EX ttl``, so
    Redis drops it by itself when it expires. Needs ``pip install 'heron[redis]'`` and an
    asyncio event loop (not trio).

    Built from a URL, the store owns its connection pool: it is closed at application
    shutdown, or after each request when the app runs without a lifespan (e.g. a
    ``TestClient`` not used in a ``with`` block, which runs every request in a new event
    loop). Given a ``client``, the store never closes it: that is its owner's job.

    Args:
        url: A Redis URL, e.g. ``"redis://localhost:6379/0"``.
        client: An existing ``redis.asyncio.Redis`` instead of ``url``.
        prefix: Prepended to every session id to make its key.
        ttl: Seconds a session lives after its last change; None: the middleware's
            ``max_age``.
        timeout: Seconds to wait for Redis (connect and each command) before answering 503,
            for a store built from ``url``.

    Raises:
        HeronError: Neither or both of ``url`` and ``client`` given, or ``redis`` missing.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Redis | None = None,
        prefix: str = "heron:session:",
        ttl: int | None = None,
        timeout: float = 5.0,
    ) -> None:
        super().__init__(ttl)
        if (url is None) == (client is None):
            raise HeronError("RedisSessionStore needs a url or a client (exactly one)")
        try:
            import redis.asyncio  # noqa: F401
        except ImportError:  # pragma: no cover - redis is in the test extra
            raise HeronError(
                "RedisSessionStore needs the redis package: pip install 'heron[redis]'"
            ) from None
        self.url = url
        self.prefix = prefix
        self.timeout = timeout
        self._client = client
        self._owns_client = client is None

    @property
    def client(self) -> Redis:
        """The Redis client, created from ``url`` on first use."""
        if self._client is None:
            from redis.asyncio import Redis

            assert self.url is not None
            self._client = Redis.from_url(
                self.url, socket_connect_timeout=self.timeout, socket_timeout=self.timeout
            )
        return self._client

    async def load(self, session_id: str) -> dict[str, Any] | None:
        """The data under ``session_id``, or None (missing, expired or not JSON)."""
        async with _redis_errors():
            raw = await self.client.get(self.prefix + session_id)
        return None if raw is None else _loads(raw)

    async def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        """``SET prefix+id data EX ttl``."""
        payload = _dumps(data)
        async with _redis_errors():
            await self.client.set(self.prefix + session_id, payload, ex=ttl)

    async def delete(self, session_id: str) -> None:
        """``DEL prefix+id``."""
        async with _redis_errors():
            await self.client.delete(self.prefix + session_id)

    async def aclose(self) -> None:
        """Close the connection pool this store made (not a client it was given)."""
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.aclose()


@contextlib.asynccontextmanager
async def _redis_errors() -> AsyncIterator[None]:
    """Turn Redis failures into :class:`SessionStoreUnavailable` (answered 503)."""
    from redis.exceptions import RedisError

    try:
        yield
    except (RedisError, OSError) as exc:
        raise SessionStoreUnavailable() from exc


# ---------------------------------------------------------------- the current session


def current_session() -> dict[str, Any]:
    """The session of the request being handled.

    The session ``Heron(secret_key=...)`` or ``SessionMiddleware`` gives the request, or
    one another middleware put in ``scope["session"]``, found through the request's
    context.

    Raises:
        OutsideContextError: No request is being handled.
        HeronError: The request has no session (no session middleware installed).
    """
    try:
        ctx = current_context("session")
    except OutsideContextError:
        raise OutsideContextError(
            "Working outside of a request: `session` and `flash` are only available while a "
            "request is handled; or pass request= explicitly."
        ) from None
    found = ctx.find_session()
    if found is None:
        raise HeronError(
            "This request has no session: add SessionMiddleware, or create the app with "
            "Heron(secret_key=...)."
        )
    return cast("dict[str, Any]", found)


class _SessionProxy(MutableMapping[str, Any]):
    """``heron.session``: Flask's spelling for the current request's ``request.session``."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        return current_session()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        current_session()[key] = value

    def __delitem__(self, key: str) -> None:
        del current_session()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(current_session())

    def __len__(self) -> int:
        return len(current_session())

    def __contains__(self, key: object) -> bool:
        return key in current_session()

    def get(self, key: str, default: Any = None) -> Any:
        return current_session().get(key, default)

    def clear(self) -> None:
        current_session().clear()

    def __bool__(self) -> bool:
        # NOTE: falsy outside a request, as the other context globals (`if session:`).
        try:
            return bool(current_session())
        except HeronError:
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(current_session(), name)  # regenerate(), modified, accessed…

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(current_session(), name, value)  # session.modified = True

    def __repr__(self) -> str:
        try:
            return f"<session {current_session()!r}>"
        except HeronError:
            return "<session unbound>"


#: The current request's session, importable anywhere (``from heron import session``).
#: Typed as the :class:`Session` it stands for (Flask types its proxy the same way).
session = cast("Session", _SessionProxy())
