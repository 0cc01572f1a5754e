"""Every exception Heron raises, in one place.

The hierarchy::

    Exception
    ├── HeronError (RuntimeError)            programmer / configuration mistakes
    │   ├── ConfigError                      a config key or settings class fails validation
    │   ├── NoMatchFound (+ KeyError)        url_for() / url_path_for() with an unknown name
    │   ├── OutsideContextError              request / g / current_app used outside a request
    │   └── SessionTooLarge                  the signed session cookie would pass 4093 bytes
    ├── HTTPError                            answered to the client with its status code
    │   ├── HTTPException                    the same, raised by apps (FastAPI's class)
    │   │   └── FormError                    422: a form's input refused by the endpoint
    │   ├── CSRFError                        403: a missing or wrong CSRF token
    │   ├── SessionStoreUnavailable          503: the server-side session store is unreachable
    │   ├── BroadcastUnavailable             503: the broadcast backend (Redis) is unreachable
    │   └── DatabaseUnavailable              503: the SQL database is unreachable (heron.sql)
    ├── WebSocketException                   closes a WebSocket with its code
    │   └── WebSocketMessageError (+ValueError)  a message the endpoint cannot use (1003/1007/1009)
    │       └── WebSocketJSONDecodeError (+json.JSONDecodeError)  1007: not JSON
    ├── WebSocketDisconnect                  the peer went away (raised by receive/send)
    ├── ValidationException                  pydantic errors, FastAPI's shapes
    │   ├── RequestValidationError           422 for bad input
    │   ├── WebSocketRequestValidationError  1008 close for bad input on a WebSocket
    │   └── ResponseValidationError          500: the handler broke its own response model
    ├── SubscriberOverflow                   a broadcast subscriber fell too far behind
    ├── RangeNotSatisfiable                  a FileResponse's Range asks for no byte of the file
    ├── RangeIgnored                         a FileResponse's Range is ignored (200, whole file)
    └── ClientDisconnect (OSError)           the request body could not be read any more
    HeronDeprecationWarning (UserWarning)    visible by default, unlike DeprecationWarning

Names are FastAPI's where FastAPI has one (``FastAPIError`` is an alias of ``HeronError``).
"""

from __future__ import annotations

import http
import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "AbortWithResponse",
    "BroadcastUnavailable",
    "CSRFError",
    "ClientDisconnect",
    "ConfigError",
    "DatabaseUnavailable",
    "FastAPIError",
    "FormError",
    "HTTPError",
    "HTTPException",
    "HeronDeprecationWarning",
    "HeronError",
    "NoMatchFound",
    "OutsideContextError",
    "RangeIgnored",
    "RangeNotSatisfiable",
    "RequestValidationError",
    "ResponseValidationError",
    "SessionStoreUnavailable",
    "SessionTooLarge",
    "SubscriberOverflow",
    "ValidationException",
    "WebSocketDisconnect",
    "WebSocketException",
    "WebSocketJSONDecodeError",
    "WebSocketMessageError",
    "WebSocketRequestValidationError",
]


class HeronError(RuntimeError):
    """A mistake in how the application uses Heron (not an HTTP error)."""


# COMPAT(fastapi): code catching ``fastapi.exceptions.FastAPIError`` keeps working.
FastAPIError = HeronError


class ConfigError(HeronError):
    """Configuration that does not validate: a built-in key of the wrong type, or settings.

    The message names each variable (``MYAPP_PORT``, ``SECRET_KEY``…) and what is wrong
    with it; the pydantic ``ValidationError``, when there is one, is the ``__cause__``.
    """


class NoMatchFound(HeronError, KeyError):
    """``url_path_for`` found no route with that name and those parameters."""

    def __init__(self, name: str, path_params: Mapping[str, Any]) -> None:
        params = ", ".join(sorted(path_params))
        super().__init__(f'No route exists for name "{name}" and params "{params}".')

    def __str__(self) -> str:
        return str(self.args[0])


class OutsideContextError(HeronError):
    """A context global was used while no request is being handled.

    Raised by ``request``, ``g``, ``current_app``, ``url_for`` and ``render_template``
    (Flask's "Working outside of request context").
    """


class HeronDeprecationWarning(UserWarning):
    """A deprecated Heron API was used.

    A ``UserWarning`` subclass so it shows by default: ``DeprecationWarning`` is hidden
    outside ``__main__`` and users would miss it.
    """


class HTTPError(Exception):
    """An error answered to the client with ``status_code``, raised by Heron itself.

    Routing (404, 405) and request parsing (400, 413) raise this class; apps raise
    :class:`HTTPException`, its subclass. COMPAT(fastapi): the split is FastAPI's (its
    ``HTTPException`` subclasses Starlette's, which Starlette raises), so a handler
    registered for ``HTTPException`` sees the app's errors only, and one registered for
    ``HTTPError`` — or for ``starlette.exceptions.HTTPException``, which Heron maps to it —
    sees them all.

    Args:
        status_code: The HTTP status to answer with.
        detail: Anything JSON-serialisable; defaults to the status phrase.
        headers: Extra response headers (e.g. ``WWW-Authenticate``).
    """

    def __init__(
        self,
        status_code: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if detail is None:
            detail = http.HTTPStatus(status_code).phrase
        self.status_code = status_code
        self.detail = detail
        self.headers = headers
        super().__init__(status_code, detail)

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class HTTPException(HTTPError):
    """An error answered to the client with ``status_code``: raise it in endpoints.

    Args:
        status_code: The HTTP status to answer with.
        detail: Anything JSON-serialisable; defaults to the status phrase.
        headers: Extra response headers (e.g. ``WWW-Authenticate``).
    """


class AbortWithResponse(HTTPException):
    """Flask's ``abort(response)``: stop the request and answer with ``response`` as it is.

    Raised by :func:`heron.abort` given a response (``abort(redirect(url_for("login")))``
    in a dependency or a hook); the default ``HTTPException`` handler sends the response.

    Args:
        response: The response to send.
    """

    def __init__(self, response: Any) -> None:
        super().__init__(response.status_code)
        self.response = response


class FormError(HTTPException):
    """The endpoint refuses a form's input: field errors and/or form-level messages.

    On a route with ``form_template=`` the form's page is rendered again with these errors
    and the values the user typed (see ``heron.forms``); elsewhere, and for clients asking
    for JSON, the answer is FastAPI's validation error body, ``{"detail": [errors]}``.

    Args:
        errors: A form-level message, or field errors as ``{field: message}`` (or a list of
            messages per field).
        status_code: The response status (422 by default).

    Attributes:
        field_errors: Messages by field name.
        form_errors: Messages about the whole form.
    """

    def __init__(
        self, errors: str | Mapping[str, str | Sequence[str]], /, *, status_code: int = 422
    ) -> None:
        self.field_errors: dict[str, list[str]] = {}
        self.form_errors: list[str] = []
        if isinstance(errors, str):
            self.form_errors.append(errors)
        else:
            for name, messages in errors.items():
                found = [messages] if isinstance(messages, str) else list(messages)
                self.field_errors[str(name)] = [str(message) for message in found]
        detail = [
            {"type": "form_error", "loc": ["body"], "msg": message, "input": None}
            for message in self.form_errors
        ] + [
            {"type": "form_error", "loc": ["body", name], "msg": message, "input": None}
            for name, messages in self.field_errors.items()
            for message in messages
        ]
        super().__init__(status_code, detail)


class CSRFError(HTTPError):
    """A request that could come from another site's form lacks a valid CSRF token: 403.

    Args:
        detail: ``"CSRF token missing"`` or ``"CSRF token invalid"``.
    """

    def __init__(self, detail: str = "CSRF token invalid") -> None:
        super().__init__(403, detail)


class SessionTooLarge(HeronError):
    """The session does not fit in a cookie: browsers drop cookies over 4 KB silently.

    Raised when the response starts, so the request ends in a 500 whose log names the size;
    store less in the session, or keep it on the server (``RedisSessionStore``).

    Args:
        size: The size of ``name=value`` of the cookie that would have been sent, in bytes.
        limit: The largest size allowed.
    """

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"The session cookie would be {size} bytes, over the {limit}-byte limit browsers "
            "keep (they drop larger cookies silently). Store less in the session, or keep "
            "sessions on the server with a SessionStore (heron.sessions.RedisSessionStore)."
        )


class SessionStoreUnavailable(HTTPError):
    """The server-side session store could not be reached; answered with 503.

    Args:
        detail: The response detail (kept generic: the cause is logged, not sent).
    """

    def __init__(self, detail: str = "Session store unavailable") -> None:
        super().__init__(503, detail)


class WebSocketException(Exception):
    """Close the WebSocket with ``code`` (and ``reason``).

    Args:
        code: A WebSocket close code, e.g. ``status.WS_1008_POLICY_VIOLATION``.
        reason: A short text sent with the close frame.
    """

    def __init__(self, code: int, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""
        super().__init__(code, self.reason)

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r})"


class WebSocketMessageError(WebSocketException, ValueError):
    """A received message the endpoint cannot use; the socket is closed with ``code``.

    Raised by ``WebSocket.receive_*`` for a message of the wrong frame type (1003), one
    that is not valid UTF-8 JSON or does not validate (1007), or one over the size limit
    (1009). Heron's WebSocket routes answer it like any ``WebSocketException``: a close
    with that code and reason.

    Args:
        code: The WebSocket close code.
        reason: A short text for the client (at most 123 bytes are sent).
        errors: Pydantic-shaped error dicts, for a message that did not validate.
    """

    def __init__(self, code: int, reason: str | None = None, errors: Sequence[Any] = ()) -> None:
        super().__init__(code, reason)
        self.errors = list(errors)


class WebSocketJSONDecodeError(WebSocketMessageError, json.JSONDecodeError):
    """A message ``receive_json`` could not parse as JSON; closes the socket with 1007.

    COMPAT(starlette): it is also a ``json.JSONDecodeError``, the error Starlette's
    ``receive_json`` lets through, so code catching that keeps working.

    Args:
        error: The error raised by the JSON parser.
    """

    def __init__(self, error: json.JSONDecodeError) -> None:
        # Both bases' initialisers would call Exception.__init__ with their own arguments:
        # set the attributes of each here instead.
        self.code = 1007
        self.reason = f"Invalid JSON: {error.msg}"
        self.errors = []
        self.msg, self.doc, self.pos = error.msg, error.doc, error.pos
        self.lineno, self.colno = error.lineno, error.colno
        Exception.__init__(self, self.code, self.reason)

    def __reduce__(self) -> Any:
        return (type(self), (json.JSONDecodeError(self.msg, self.doc, self.pos),))


class WebSocketDisconnect(Exception):
    """The WebSocket peer closed the connection.

    Args:
        code: The close code received.
        reason: The close reason received.
    """

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""
        super().__init__(code, self.reason)


class SubscriberOverflow(Exception):
    """A broadcast subscription fell more than its queue behind.

    Raised by the subscription's iterator under the ``"disconnect"`` overflow policy.

    Args:
        channel: The channel subscribed to.
        max_queue: The queue size that was exceeded.
    """

    def __init__(self, channel: str, max_queue: int) -> None:
        self.channel = channel
        self.max_queue = max_queue
        super().__init__(
            f"The subscriber of {channel!r} fell more than {max_queue} messages behind"
        )


class ClientDisconnect(OSError):
    """The client disconnected before its request body was read."""


class RangeNotSatisfiable(Exception):
    """The ``Range`` header asks for bytes outside the file (or is malformed)."""


class RangeIgnored(Exception):
    """The ``Range`` header is to be ignored: the whole file is sent with a 200.

    For a range unit other than ``bytes`` (RFC 9110 14.2: MUST ignore) and for more than
    ``MAX_RANGES`` ranges (a broken client or a denial-of-service attempt: MAY ignore).
    """


class ValidationException(Exception):
    """Base of the pydantic-error carrying exceptions.

    Args:
        errors: Error dicts in pydantic's shape (``type``, ``loc``, ``msg``, ``input``, ``ctx``).
    """

    def __init__(self, errors: Sequence[Any]) -> None:
        self._errors = errors

    def errors(self) -> Sequence[Any]:
        """Return the validation errors."""
        return self._errors

    def __str__(self) -> str:
        lines = [f"{len(self._errors)} validation error(s):"]
        lines.extend(f"  {error}" for error in self._errors)
        return "\n".join(lines)


class RequestValidationError(ValidationException):
    """The request did not match the endpoint's declared parameters; answered with 422.

    Args:
        errors: The pydantic errors, with ``loc`` starting at the source (``"query"``, ``"body"``…).
        body: The request body as received, when there was one.
    """

    def __init__(self, errors: Sequence[Any], *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body


class WebSocketRequestValidationError(ValidationException):
    """A WebSocket's parameters did not validate; the socket is closed with 1008."""


class ResponseValidationError(ValidationException):
    """The endpoint returned a value its ``response_model`` rejects (a server bug: 500).

    Args:
        errors: The pydantic errors.
        body: The value the endpoint returned.
    """

    def __init__(self, errors: Sequence[Any], *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body


class BroadcastUnavailable(HTTPError):
    """The broadcast backend (Redis) could not be reached to publish; answered with 503.

    Args:
        detail: The response detail (kept generic: the cause is logged, not sent).
    """

    def __init__(self, detail: str = "Broadcast unavailable") -> None:
        super().__init__(503, detail)


class DatabaseUnavailable(HTTPError):
    """The SQL database could not be reached, or went away mid-request; answered with 503.

    Raised by ``heron.sql``'s session dependency for connection failures (refused, timed
    out, unreachable file, authentication), connections lost mid-request and a busy SQLite
    file; the app's handlers answer it (a 503 handler can render an HTML page). Other
    database errors (``IntegrityError``, a bad query) stay what they are.

    Args:
        detail: The response detail (kept generic: the cause is logged, not sent).
    """

    def __init__(self, detail: str = "Database unavailable") -> None:
        super().__init__(503, detail)
