"""CSRF protection: a per-session secret that unsafe requests from forms must carry back.

Plugged into the app by ``Heron.build_middleware_stack`` (:func:`install` appends
:func:`check_request` to ``app.request_checks`` for the unsafe methods, reserves the token's
form field and keeps WebSockets to the app's own origin, when protection is on); called by
templates (``csrf_token()`` and ``csrf_field()``, template globals it registers;
``form.csrf_field``) and by apps (:func:`generate_csrf` for JavaScript clients); reads the
session and the matched route from the request. The core never imports this module.

How it works:

* the session holds a random 32-byte secret under ``"_csrf_token"``, made on the first
  ``csrf_token()`` of the session;
* each ``csrf_token()`` gives the secret masked with fresh random bytes (``pad`` +
  ``secret XOR pad``, as Django), so the token in a page changes at every render and a
  compression side channel (BREACH) cannot read it out;
* ``POST``, ``PUT``, ``PATCH`` and ``DELETE`` requests whose body a cross-site form (or a
  CORS "simple request") could send — urlencoded, multipart, ``text/plain``, none, or an
  unreadable ``Content-Type`` — must carry a token in the ``csrf_token`` form field or the
  ``X-CSRF-Token`` header; a JSON body needs a CORS preflight first, and an
  ``Authorization`` header is never sent by a browser on its own, so those are exempt;
* a request whose ``Origin`` header names another site is refused even with a valid token
  (403 "CSRF origin not allowed"; trusted sites in ``app.config["CSRF_TRUSTED_ORIGINS"]``);
* a missing token answers 403 "CSRF token missing", a wrong one 403 "CSRF token invalid"
  (:class:`~heron.exceptions.CSRFError`); the precise reason is logged, never sent.

On by default for apps created with ``Heron(secret_key=...)``; ``Heron(csrf=False)`` turns
it off, ``Heron(csrf=True)`` turns it on for an app with its own ``SessionMiddleware``.
A FastAPI app that adds ``SessionMiddleware`` itself is left as it was. Routes opt out with
``csrf=False`` (on the route, its ``APIRouter`` or ``include_router``) or
:func:`csrf_exempt`. Mounted apps are not checked: they have their own protection.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
import secrets
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any, TypeVar

from markupsafe import Markup

from heron.exceptions import CSRFError, HeronError
from heron.globals import template_globals
from heron.middleware.sessions import SessionMiddleware
from heron.routes import Route
from heron.sessions import current_session

if TYPE_CHECKING:
    from heron.applications import Heron
    from heron.requests import HTTPConnection, Request
    from heron.routes import BaseRoute

__all__ = [
    "FIELD_NAME",
    "HEADER_NAME",
    "SESSION_KEY",
    "check_request",
    "csrf_exempt",
    "csrf_field",
    "csrf_token",
    "enabled_for",
    "generate_csrf",
    "install",
    "rotate_csrf_token",
]

logger = logging.getLogger("heron.csrf")

#: Where the session keeps the secret.
SESSION_KEY = "_csrf_token"
#: The form field carrying the token.
FIELD_NAME = "csrf_token"
#: The header carrying the token (``fetch``, htmx…).
HEADER_NAME = "x-csrf-token"

_F = TypeVar("_F", bound=Callable[..., Any])
_SECRET_SIZE = 32
# URL-safe base64 without padding: 32 bytes → 43 characters, 64 bytes → 86.
_SECRET_TEXT = re.compile(r"[A-Za-z0-9_-]{43}")
_TOKEN_TEXT = re.compile(r"[A-Za-z0-9_-]{86}")
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_SIMPLE_TYPES = _FORM_TYPES | {"text/plain"}
_MEDIA_TYPE = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+/[a-z0-9!#$%&'*+.^_`|~-]+")
_EXEMPT_MARK = "__heron_csrf_exempt__"


# ---------------------------------------------------------------- tokens


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _xor(data: bytes, pad: bytes) -> bytes:
    # PERF: one big-integer XOR, not a generator over the bytes (33 calls less per check).
    return (int.from_bytes(data) ^ int.from_bytes(pad)).to_bytes(len(data))


def _stored_secret(session: MutableMapping[str, Any]) -> bytes | None:
    stored = session.get(SESSION_KEY)
    if isinstance(stored, str) and _SECRET_TEXT.fullmatch(stored):
        return _decode(stored)
    return None


def _session_of(request: HTTPConnection | None) -> MutableMapping[str, Any]:
    try:
        return request.session if request is not None else current_session()
    except (AssertionError, HeronError) as exc:
        raise HeronError(
            "csrf_token() needs the request's session, and there is none here: no CSRF "
            "protection without sessions. Create the app with Heron(secret_key=...) or add "
            "SessionMiddleware, and call it while a request is handled."
        ) from exc


def generate_csrf(request: HTTPConnection | None = None) -> str:
    """A CSRF token for this session, masked afresh (a new string at every call).

    For JavaScript clients: put it in a page or return it from an endpoint, and send it
    back in the ``X-CSRF-Token`` header. Templates call ``csrf_token()``, the same thing.

    Args:
        request: The request whose session to use (default: the current one).

    Returns:
        86 URL-safe characters.

    Raises:
        HeronError: There is no session (no secret key, no ``SessionMiddleware``) or no
            request being handled.
    """
    session = _session_of(request)
    secret = _stored_secret(session)
    if secret is None:
        secret = secrets.token_bytes(_SECRET_SIZE)
        session[SESSION_KEY] = _encode(secret)
    pad = secrets.token_bytes(_SECRET_SIZE)
    return _encode(pad + _xor(secret, pad))


def csrf_token() -> str:
    """The template global: :func:`generate_csrf` for the current request."""
    return generate_csrf()


def csrf_field() -> Markup:
    """The template global: a hidden ``<input name="csrf_token">`` holding a fresh token."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD_NAME, csrf_token())


def rotate_csrf_token(request: HTTPConnection | None = None) -> None:
    """Forget the session's secret, so the next token is a new one (call it on login).

    Pages rendered before stop working; do it when the user's privileges change.
    """
    _session_of(request).pop(SESSION_KEY, None)


def _unmasked(token: str) -> bytes | None:
    if not _TOKEN_TEXT.fullmatch(token):
        return None
    try:
        raw = _decode(token)
    except (binascii.Error, ValueError):
        return None
    return _xor(raw[_SECRET_SIZE:], raw[:_SECRET_SIZE])


# ---------------------------------------------------------------- the check


def csrf_exempt(endpoint: _F) -> _F:
    """Decorator: no CSRF check for this endpoint (as the route option ``csrf=False``).

    Put it under the route decorator (applied first)::

        @app.post("/webhook")
        @csrf_exempt
        async def webhook(...): ...
    """
    setattr(endpoint, _EXEMPT_MARK, True)
    return endpoint


def _is_protected(route: BaseRoute | None, method: str) -> bool:
    if not isinstance(route, Route):
        return False  # unknown URL (404), a mount (its own business)
    if route.methods is not None and method not in route.methods:
        return False  # a 405 answers it
    if getattr(route, "options", {}).get("csrf") is False:
        return False
    return not getattr(route.endpoint, _EXEMPT_MARK, False)


def _form_media_type(request: Request) -> str | None:
    """The media type when a cross-site form could have sent this body, else None."""
    values = request.headers.getlist("content-type")
    if not values:
        return ""
    media = values[0].split(";", 1)[0].strip().lower()
    if len(values) > 1 or not _MEDIA_TYPE.fullmatch(media) or media in _SIMPLE_TYPES:
        return media  # checked: several or unreadable types may be read as a form's
    return None


async def _form_field(request: Request, media: str) -> str | None:
    # The connection's one Request: the form parsed here is the endpoint's.
    if media == "application/x-www-form-urlencoded":
        # Kept as bytes too, so an endpoint reading the raw body still can.
        await request.body()
    form = await request.form()
    value = form.get(FIELD_NAME)
    return value if isinstance(value, str) else None


def _refuse(request: Request, detail: str, reason: str) -> CSRFError:
    logger.warning("CSRF check failed for %s %s: %s", request.method, request.url.path, reason)
    return CSRFError(detail)


def _check_origin(request: Request) -> None:
    """Refuse a request whose ``Origin`` names another site, even with a valid token.

    SECURITY(defence in depth, as Django): browsers name the page a form or ``fetch`` was
    sent from; a token that leaked (a log, a cached page) is then still useless from
    another site. The origin's host must be the request's ``Host`` (the scheme is not
    compared, so a TLS-terminating proxy that keeps ``Host`` needs nothing) or be listed in
    ``app.config["CSRF_TRUSTED_ORIGINS"]``. No ``Origin`` (not a browser, or an old one)
    and ``Origin: null`` (sandboxed frames, privacy modes) leave the decision to the token.

    Raises:
        CSRFError: 403 "CSRF origin not allowed".
    """
    origins = request.headers.getlist("origin")
    if not origins or (len(origins) == 1 and origins[0].strip().lower() == "null"):
        return
    origin = origins[0].strip().lower().rstrip("/")
    host = request.headers.get("host", "").strip().lower()
    if len(origins) == 1 and host and origin.partition("://")[2] == host:
        return
    config = getattr(request.scope.get("app"), "config", None)
    trusted = config.get("CSRF_TRUSTED_ORIGINS", ()) if config is not None else ()
    if len(origins) == 1 and origin in {t.strip().lower().rstrip("/") for t in trusted}:
        return
    raise _refuse(
        request,
        "CSRF origin not allowed",
        f"Origin {origins[0][:200]!r} is neither Host {host[:200]!r} nor a trusted origin",
    )


async def check_request(request: Request) -> None:
    """Refuse an unsafe request that could come from another site without a valid token.

    An entry of ``app.request_checks`` for the unsafe methods (its ``methods``): run after
    the route is resolved, before the ``before_request`` hooks.

    Raises:
        CSRFError: 403, "CSRF origin not allowed", "CSRF token missing" or "CSRF token
            invalid".
        HeronError: The request has no session (CSRF protection needs one).
    """
    if request.method not in _UNSAFE_METHODS or "authorization" in request.headers:
        return
    media = _form_media_type(request)
    if media is None or not _is_protected(request.scope.get("route"), request.method):
        return
    _check_origin(request)
    token = request.headers.get(HEADER_NAME)
    if token is None and media in _FORM_TYPES:
        token = await _form_field(request, media)
    if not token:
        raise _refuse(request, "CSRF token missing", "no token in the form or the header")
    try:
        session = request.session  # Heron's own sessions load here, on first use
    except AssertionError:
        raise HeronError("CSRF protection needs sessions: see heron.csrf") from None
    secret = _stored_secret(session)
    given = _unmasked(token)
    if given is None:
        raise _refuse(request, "CSRF token invalid", "the token has a wrong length or characters")
    if secret is None:
        raise _refuse(request, "CSRF token invalid", "the session has no token (new or expired)")
    if not hmac.compare_digest(given, secret):
        raise _refuse(request, "CSRF token invalid", "the token is not this session's")


# Only unsafe requests are checked: the app runs the check for these methods only.
check_request.methods = _UNSAFE_METHODS  # type: ignore[attr-defined]

# The template globals every app's templates see (see heron.globals.template_globals).
template_globals.update(csrf_token=csrf_token, csrf_field=csrf_field)


# ---------------------------------------------------------------- installation


def enabled_for(app: Heron) -> bool:
    """Whether ``app`` checks CSRF tokens: ``Heron(csrf=...)``, else whether it has a secret key."""
    setting: bool | None = getattr(app, "csrf", None)
    return bool(app.secret_key) if setting is None else setting


def install(app: Heron) -> None:
    """Protect ``app`` when protection is on (once).

    Adds :func:`check_request` to ``app.request_checks``, reserves the token's form field
    (form models never see it) and keeps WebSocket handshakes to the app's own origin by
    default (the session cookie authenticates them). Called by
    ``Heron.build_middleware_stack``.

    Raises:
        HeronError: ``Heron(csrf=True)`` without sessions.
    """
    if not enabled_for(app) or check_request in app.request_checks:
        return
    has_sessions = bool(app.secret_key) or any(
        isinstance(spec.cls, type) and issubclass(spec.cls, SessionMiddleware)
        for spec in app.user_middleware
    )
    if not has_sessions:
        raise HeronError(
            "Heron(csrf=True) needs sessions: give the app a secret_key, or add SessionMiddleware"
        )
    app.request_checks.append(check_request)
    app.reserved_form_fields = app.reserved_form_fields | {FIELD_NAME}
    if app.websocket_origins is None:
        app.websocket_origins = ()
