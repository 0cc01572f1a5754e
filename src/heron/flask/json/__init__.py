"""JSON helpers that follow the current application: Flask's ``flask.json``.

While an application context is active, :func:`dumps`, :func:`dump`, :func:`loads` and
:func:`load` call that application's provider (``app.json``, a
:class:`~heron.flask.json.provider.JSONProvider`), so its settings apply (sorted keys,
ASCII output, a custom library...). Outside a context they use the standard library's
:mod:`json`, with the extra types of
:class:`~heron.flask.json.provider.DefaultJSONProvider` (dates, decimals, UUIDs,
dataclasses, HTML) but the standard library's own defaults otherwise (keys in insertion
order). :func:`jsonify` builds a response, so it needs an application.
"""

from __future__ import annotations

import json as _json
from typing import IO, TYPE_CHECKING, Any, AnyStr, Protocol

from heron.exceptions import OutsideContextError
from heron.flask.globals import _find_app
from heron.flask.json.provider import JSONProvider, _to_json_value

if TYPE_CHECKING:
    from werkzeug.sansio.response import Response

__all__ = ["dump", "dumps", "jsonify", "load", "loads"]

# COMPAT(flask): the first line of Flask's message for a missing application context.
_NO_APP_MESSAGE = (
    "Working outside of application context.\n\n"
    "jsonify() builds a response with the current application's JSON provider, and no "
    "application is active. Call it while handling a request, or inside "
    "'with app.app_context():'."
)


class _JSONApp(Protocol):
    """What these functions read from the current application."""

    @property
    def json(self) -> JSONProvider: ...


def _current_app_or_none() -> _JSONApp | None:
    """The application of the active context, or ``None`` outside any."""
    app: _JSONApp | None = _find_app()
    return app


def dumps(obj: Any, **kwargs: Any) -> str:
    """Serialize ``obj`` to a JSON string.

    Args:
        obj: The data to serialize.
        **kwargs: Passed to the current application's ``app.json.dumps``, or to
            :func:`json.dumps` outside an application context.

    Returns:
        The JSON text.
    """
    app = _current_app_or_none()
    if app is not None:
        return app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", _to_json_value)
    return _json.dumps(obj, **kwargs)


def dump(obj: Any, fp: IO[str], **kwargs: Any) -> None:
    """Serialize ``obj`` as JSON into a text file.

    Args:
        obj: The data to serialize.
        fp: A file open for writing text (UTF-8, for the result to be valid JSON).
        **kwargs: Passed to the current application's ``app.json.dump``, or to
            :func:`json.dump` outside an application context.
    """
    app = _current_app_or_none()
    if app is not None:
        app.json.dump(obj, fp, **kwargs)
        return
    kwargs.setdefault("default", _to_json_value)
    _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: Any) -> Any:
    """Parse a JSON document.

    Args:
        s: The JSON text, or its UTF-8 bytes.
        **kwargs: Passed to the current application's ``app.json.loads``, or to
            :func:`json.loads` outside an application context.

    Returns:
        The Python data.
    """
    app = _current_app_or_none()
    if app is not None:
        return app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: IO[AnyStr], **kwargs: Any) -> Any:
    """Parse the JSON document a file holds.

    Args:
        fp: A file open for reading text, or UTF-8 bytes.
        **kwargs: Passed to the current application's ``app.json.load``, or to
            :func:`json.load` outside an application context.

    Returns:
        The Python data.
    """
    app = _current_app_or_none()
    if app is not None:
        return app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """Build an ``application/json`` response from the arguments.

    A view may also return a dict or a list, which becomes the same response. The body
    is indented in debug mode (see
    :attr:`~heron.flask.json.provider.DefaultJSONProvider.compact`).

    Args:
        *args: One value to serialize, or several to serialize as a list. With no
            arguments at all the body is ``null``.
        **kwargs: The members of an object to serialize (not with ``args``).

    Returns:
        A response of the current application's ``response_class``.

    Raises:
        OutsideContextError: No application context is active (a ``RuntimeError``).
        TypeError: Both positional and keyword arguments were given.
    """
    app = _current_app_or_none()
    if app is None:
        raise OutsideContextError(_NO_APP_MESSAGE)
    return app.json.response(*args, **kwargs)
