"""Sessions: the per-user dict behind ``request.session``, how it is signed, where it lives.

Called by ``heron.middleware.sessions.SessionMiddleware`` (it loads a :class:`Session` before
the app runs and saves it when the response starts) and by ``heron.flashing``; calls
itsdangerous, ``heron.globals`` (the current request, for ``session``) and, for
:class:`RedisSessionStore`, ``redis.asyncio``.

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
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, MutableMapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, cast

from itsdangerous import BadData, URLSafeTimedSerializer

from heron.exceptions import HeronError, OutsideContextError, SessionStoreUnavailable
from heron.globals import request

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = [
    "MemorySessionStore",
    "RedisSessionStore",
    "Session",
    "SessionSigner",
    "SessionStore",
    "current_session",
    "session",
]

DEFAULT_MAX_AGE = 14 * 24 * 60 * 60  # 14 days, Starlette's default

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
        self._regenerate = False  # a new id on save (read by the middleware)
        self._flashes: list[tuple[str, str]] | None = None  # read by heron.flashing

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
        self._read()
        return super().keys()

    def values(self) -> Any:
        self._read()
        return super().values()

    def items(self) -> Any:
        self._read()
        return super().items()

    def copy(self) -> dict[str, Any]:
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
        if dict.__contains__(self, key):
            self._write()
        else:
            self._read()
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        self._write()
        return super().popitem()

    def setdefault(self, key: str, default: Any = None, /) -> Any:
        if dict.__contains__(self, key):
            self._read()
        else:
            self._write()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
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

_current: ContextVar[Session | None] = ContextVar("heron.session", default=None)


def current_session() -> dict[str, Any]:
    """The session of the request being handled.

    ``SessionMiddleware`` sets it for the request; a session another middleware put in
    ``scope["session"]`` is found through ``heron.globals.request``.

    Raises:
        OutsideContextError: No request is being handled.
        HeronError: The request has no session (no session middleware installed).
    """
    found = _current.get()
    if found is not None:
        return found
    try:
        scope = request.scope
    except OutsideContextError:
        raise OutsideContextError(
            "Working outside of a request: `session` and `flash` are only available while a "
            "request is handled; or pass request= explicitly."
        ) from None
    if "session" not in scope:
        raise HeronError(
            "This request has no session: add SessionMiddleware, or create the app with "
            "Heron(secret_key=...)."
        )
    return cast("dict[str, Any]", scope["session"])


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
