"""Sessions the Flask way: Flask's ``flask.sessions``, cookie-compatible with Flask.

A *session interface* opens the session at the start of a request
(:meth:`SessionInterface.open_session`) and saves it into the response at the end
(:meth:`SessionInterface.save_session`); the application holds one as
``app.session_interface``. The default, :class:`SecureCookieSessionInterface`, keeps the
whole session in a cookie, signed with the application's secret key (readable by the
client, not changeable), in Flask's exact format: a cookie written by a Flask application
reads the same here, and the reverse, given the same secret key.

What the interfaces read from the application (any object with these attributes):

* ``app.config``: Flask's ``SECRET_KEY_FALLBACKS``, ``SESSION_COOKIE_NAME``,
  ``SESSION_COOKIE_DOMAIN``, ``SESSION_COOKIE_PATH``, ``SESSION_COOKIE_HTTPONLY``,
  ``SESSION_COOKIE_SECURE``, ``SESSION_COOKIE_SAMESITE``, ``SESSION_COOKIE_PARTITIONED``,
  ``SESSION_REFRESH_EACH_REQUEST`` and ``APPLICATION_ROOT``;
* ``app.secret_key`` (``str``, ``bytes`` or ``None``);
* ``app.permanent_session_lifetime`` (a ``timedelta``).

From the request only ``request.cookies``; the response is a Werkzeug response
(``set_cookie``, ``delete_cookie``, ``vary``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from itsdangerous import BadData, URLSafeTimedSerializer
from typing_extensions import override
from werkzeug.datastructures import CallbackDict

from heron.flask.json.tag import TaggedJSONSerializer

if TYPE_CHECKING:
    from werkzeug.sansio.response import Response

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "session_json_serializer",
]

#: Browsers keep at most 4096 bytes of a cookie (RFC 6265 section 6.1), so a longer
#: session cookie did not come from a browser holding one this application wrote.
_MAX_COOKIE_READ = 4096

_NO_SECRET_KEY = (
    "The session is unavailable because no secret key was set. Set the application's "
    "secret_key (the SECRET_KEY setting) to a long random value kept out of the code."
)


class _SessionApp(Protocol):
    """What the session interfaces read from the application."""

    @property
    def config(self) -> Mapping[str, Any]: ...

    @property
    def secret_key(self) -> str | bytes | None: ...

    @property
    def permanent_session_lifetime(self) -> timedelta: ...


class _SessionRequest(Protocol):
    """What the session interfaces read from the request."""

    @property
    def cookies(self) -> Mapping[str, str]: ...


class SessionMixin(MutableMapping[str, Any]):
    """The attributes every session has on top of being a ``dict``-like mapping.

    A custom session class is typically ``class MySession(dict, SessionMixin)``.
    """

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session (stored as ``"_permanent"``).

        A permanent session's cookie expires after the application's
        ``permanent_session_lifetime``; otherwise the browser drops it when it closes.
        """
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: Whether the session was just created. Not every implementation can tell, so
    #: this default says ``False``.
    new = False
    #: Whether the session changed during the request, which decides if it is saved. An
    #: implementation that cannot tell leaves this ``True``: always saved.
    modified = True
    #: Whether the session was read or written during the request, which adds
    #: ``Vary: Cookie`` to the response (caches must not share it between users). An
    #: implementation that cannot tell leaves this ``True``.
    accessed = True


def _note_write(session: SecureCookieSession) -> None:
    """The ``CallbackDict`` hook: every write modifies the session."""
    session.modified = True


class SecureCookieSession(CallbackDict[str, Any], SessionMixin):
    """The session of :class:`SecureCookieSessionInterface`: a dict that tracks its use.

    Writes set :attr:`modified` (the cookie is then written again); any use of the
    ``session`` global sets :attr:`accessed` (``RequestContext.session``, as Flask 3.1.3:
    reading ``permanent`` while saving does not). Changes *inside* a stored value
    (appending to a list in the session) are not seen: set ``session.modified = True``
    after them.

    Args:
        initial: The data loaded from the cookie.
    """

    modified = False
    accessed = False

    def __init__(
        self, initial: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None
    ) -> None:
        super().__init__(initial, _note_write)


class NullSession(SecureCookieSession):
    """The session while the application has no secret key: empty, and read-only.

    Reading works (there is nothing to read); any change raises a ``RuntimeError`` that
    says to set the secret key, instead of the data being silently lost.
    """

    def _unavailable(self) -> NoReturn:
        raise RuntimeError(_NO_SECRET_KEY)

    def __setitem__(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._unavailable()

    def __delitem__(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._unavailable()

    # ``|=`` too: dict's in-place union would otherwise write without calling ``update``.
    # (mypy wants ``|=`` to return what ``|`` does; this one never returns.)
    def __ior__(self, other: Any) -> NoReturn:  # type: ignore[misc]
        self._unavailable()

    @override
    def clear(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._unavailable()

    @override
    def pop(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._unavailable()

    @override
    def popitem(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._unavailable()

    @override
    def update(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._unavailable()

    @override
    def setdefault(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._unavailable()


class SessionInterface:
    """How sessions are loaded and saved; subclass it to store them elsewhere.

    A subclass implements :meth:`open_session` and :meth:`save_session`; the other
    methods read the application's settings and are rarely replaced. Install it with
    ``app.session_interface = MySessionInterface()``.

    The session :meth:`open_session` returns must be a mapping with
    :class:`SessionMixin`'s attributes. Returning ``None`` means sessions cannot work
    (no secret key...): the application then uses :meth:`make_null_session`, whose
    session refuses changes with a helpful error and is never saved.

    Requests sharing a session may run concurrently, and sessions are opened and saved
    in the order requests start and finish: a store must handle that.
    """

    #: The class :meth:`make_null_session` instantiates and :meth:`is_null_session`
    #: recognizes.
    null_session_class: type[SessionMixin] = NullSession
    #: Whether sessions are stored with pickle; extensions may look at this.
    pickle_based = False

    def make_null_session(self, app: _SessionApp) -> SessionMixin:
        """The stand-in session used when :meth:`open_session` returned ``None``.

        Args:
            app: The application.

        Returns:
            A new :attr:`null_session_class`.
        """
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session, which is never saved.

        Args:
            obj: The session to check.

        Returns:
            ``True`` for an instance of :attr:`null_session_class`.
        """
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: _SessionApp) -> str:
        """The session cookie's name: the ``SESSION_COOKIE_NAME`` setting.

        Args:
            app: The application.

        Returns:
            The name.
        """
        name: str = app.config["SESSION_COOKIE_NAME"]
        return name

    def get_cookie_domain(self, app: _SessionApp) -> str | None:
        """The cookie's ``Domain``: the ``SESSION_COOKIE_DOMAIN`` setting.

        Without one (the default) the browser sends the cookie back to the exact host
        that set it only; with one, to that domain and all its subdomains.

        Args:
            app: The application.

        Returns:
            The domain, or ``None``.
        """
        domain: str | None = app.config["SESSION_COOKIE_DOMAIN"]
        return domain

    def get_cookie_path(self, app: _SessionApp) -> str:
        """The cookie's ``Path``: ``SESSION_COOKIE_PATH``, or else ``APPLICATION_ROOT``.

        Args:
            app: The application.

        Returns:
            The path.
        """
        path: str = app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"]
        return path

    def get_cookie_httponly(self, app: _SessionApp) -> bool:
        """Whether the cookie is ``HttpOnly`` (hidden from scripts): ``SESSION_COOKIE_HTTPONLY``.

        Args:
            app: The application.

        Returns:
            The setting.
        """
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: _SessionApp) -> bool:
        """Whether the cookie is ``Secure`` (HTTPS only): ``SESSION_COOKIE_SECURE``.

        Args:
            app: The application.

        Returns:
            The setting.
        """
        return bool(app.config["SESSION_COOKIE_SECURE"])

    def get_cookie_samesite(self, app: _SessionApp) -> str | None:
        """The cookie's ``SameSite`` (``"Strict"``, ``"Lax"``...): ``SESSION_COOKIE_SAMESITE``.

        Args:
            app: The application.

        Returns:
            The value, or ``None`` for no attribute.
        """
        samesite: str | None = app.config["SESSION_COOKIE_SAMESITE"]
        return samesite

    def get_cookie_partitioned(self, app: _SessionApp) -> bool:
        """Whether the cookie is ``Partitioned`` (CHIPS): ``SESSION_COOKIE_PARTITIONED``.

        Args:
            app: The application.

        Returns:
            The setting.
        """
        return bool(app.config["SESSION_COOKIE_PARTITIONED"])

    def get_expiration_time(self, app: _SessionApp, session: SessionMixin) -> datetime | None:
        """When the cookie expires: ``permanent_session_lifetime`` from now, if permanent.

        Args:
            app: The application.
            session: The session being saved.

        Returns:
            The expiry (UTC), or ``None`` for a cookie that ends with the browser session.
        """
        if not session.permanent:
            return None
        return datetime.now(UTC) + app.permanent_session_lifetime

    def should_set_cookie(self, app: _SessionApp, session: SessionMixin) -> bool:
        """Whether the response sends the session cookie again.

        It does when the session was modified, and for a permanent session on every
        response while ``SESSION_REFRESH_EACH_REQUEST`` is true (its expiry moves
        forward). An emptied session is deleted instead, without asking this.

        Args:
            app: The application.
            session: The session being saved.

        Returns:
            Whether to set the cookie.
        """
        if session.modified:
            return True
        return session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])

    def open_session(self, app: _SessionApp, request: _SessionRequest) -> SessionMixin | None:
        """Load the request's session, at the start of the request.

        Args:
            app: The application.
            request: The request (its cookies, in the default interface).

        Returns:
            The session, or ``None`` when sessions cannot work (the application then
            uses :meth:`make_null_session`).
        """
        raise NotImplementedError

    def save_session(self, app: _SessionApp, session: SessionMixin, response: Response) -> None:
        """Store the session at the end of the request (not called for a null session).

        Args:
            app: The application.
            session: The session :meth:`open_session` returned.
            response: The response, to set the cookie on.
        """
        raise NotImplementedError


#: The serializer of :class:`SecureCookieSessionInterface`, shared by every instance:
#: tags registered on it apply to every application's session cookie.
session_json_serializer = TaggedJSONSerializer()


def _sha1(data: bytes = b"") -> Any:
    """SHA-1, looked up only when a cookie is signed or checked.

    FIPS builds of Python may lack SHA-1: referring to ``hashlib.sha1`` at import would
    fail there before the application could choose another ``digest_method``.
    """
    return hashlib.sha1(data)


class SecureCookieSessionInterface(SessionInterface):
    """Sessions kept in a cookie signed with the secret key, in Flask's format.

    The cookie is the session as tagged JSON (:mod:`heron.flask.json.tag`), compressed
    when that is shorter, with a timestamp and an HMAC-SHA1 signature (itsdangerous'
    ``URLSafeTimedSerializer``). A cookie that is forged, damaged, signed with another
    key or older than ``permanent_session_lifetime`` gives an empty session.

    The secret key signs; the keys of ``SECRET_KEY_FALLBACKS`` (most recent first) are
    still accepted when reading, so a key can be rotated without logging everyone out.
    """

    #: Mixed into the key so that this signature means "a session cookie" only.
    salt = "cookie-session"
    #: The hash of the HMAC signature.
    digest_method: Callable[..., Any] = staticmethod(_sha1)
    #: How itsdangerous derives the signing key from the secret key.
    key_derivation = "hmac"
    #: Turns the session into text and back (tags for tuples, bytes, datetimes...).
    serializer = session_json_serializer
    #: The class of the sessions :meth:`open_session` returns.
    session_class: type[SecureCookieSession] = SecureCookieSession

    def get_signing_serializer(self, app: _SessionApp) -> URLSafeTimedSerializer | None:
        """The serializer that signs and checks the application's session cookies.

        Args:
            app: The application.

        Returns:
            The serializer, or ``None`` when the application has no secret key.
        """
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks: Iterable[str | bytes] = app.config["SECRET_KEY_FALLBACKS"] or ()
        # itsdangerous takes keys oldest first, signs with the last and checks from the
        # last back: the secret key goes last (signing with a fallback was
        # CVE-2025-47278), and the fallbacks, listed most recent first, are reversed.
        keys = [*reversed(list(fallbacks)), secret_key]
        return URLSafeTimedSerializer(
            [key.encode() if isinstance(key, str) else key for key in keys],
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )

    @override
    def open_session(
        self, app: _SessionApp, request: _SessionRequest
    ) -> SecureCookieSession | None:
        """Load the session from the request's cookie.

        Args:
            app: The application.
            request: The request.

        Returns:
            ``None`` without a secret key; otherwise the cookie's session, or an empty
            one when the cookie is missing or is not a valid, unexpired session cookie.
        """
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        # Not Flask: a cookie no browser would keep is not even checked.
        if not cookie or len(cookie) > _MAX_COOKIE_READ:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = serializer.loads(cookie, max_age=max_age)
        # BadData: a bad signature or timestamp, an expired cookie, an unreadable
        # payload. UnicodeError: a value that is not even text the signer can encode.
        except (BadData, UnicodeError):
            return self.session_class()
        if not isinstance(data, dict):  # signed, but not by a session
            return self.session_class()
        return self.session_class(data)

    @override
    def save_session(self, app: _SessionApp, session: SessionMixin, response: Response) -> None:
        """Set, refresh or delete the session cookie on the response.

        ``Vary: Cookie`` is added whenever the session was used. An emptied session
        deletes the cookie; otherwise the cookie is set when :meth:`should_set_cookie`
        says so. A cookie over 4093 bytes is still set, with Werkzeug's warning: browsers
        drop such cookies.

        Args:
            app: The application.
            session: The session.
            response: The response.

        Raises:
            RuntimeError: The cookie must be written and there is no secret key.
        """
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        secure = self.get_cookie_secure(app)
        partitioned = self.get_cookie_partitioned(app)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)

        # Read before anything below reads the session (``permanent``) and marks it.
        if session.accessed:
            response.vary.add("Cookie")

        if not session:
            # Emptied during this request: the browser must forget its cookie. Empty
            # and untouched: there is no cookie to send.
            if session.modified:
                response.delete_cookie(
                    name,
                    path=path,
                    domain=domain,
                    secure=secure,
                    httponly=httponly,
                    samesite=samesite,
                    partitioned=partitioned,
                )
                response.vary.add("Cookie")
            return

        if not self.should_set_cookie(app, session):
            return
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            raise RuntimeError(_NO_SECRET_KEY)
        response.set_cookie(
            name,
            serializer.dumps(dict(session)),
            expires=self.get_expiration_time(app, session),
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )
        response.vary.add("Cookie")
