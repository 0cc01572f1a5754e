"""JSON providers: how a ``heron.flask`` application turns data into JSON and back.

Flask's ``flask.json.provider``. An application owns one provider (``app.json``); the
functions of :mod:`heron.flask.json` (``dumps``, ``loads``, ``jsonify``...) call it while
an application context is active, so an application changes its JSON behaviour (another
library, other defaults) by setting ``app.json`` or its ``json_provider_class``.

:class:`JSONProvider` is the interface: a subclass implements :meth:`~JSONProvider.dumps`
and :meth:`~JSONProvider.loads` and inherits the rest. :class:`DefaultJSONProvider` is the
standard library's :mod:`json` with Flask's extra types and defaults (sorted keys, ASCII
output, compact responses out of debug mode).

A provider only needs two things from its application: ``debug`` (a bool) and
``response_class`` (called as ``response_class(body, mimetype=...)``).
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import uuid
import weakref
from collections.abc import Callable
from datetime import date
from typing import IO, TYPE_CHECKING, Any, AnyStr, Protocol

from werkzeug.http import http_date

if TYPE_CHECKING:
    from werkzeug.sansio.response import Response

__all__ = ["DefaultJSONProvider", "JSONProvider"]


class _ProviderApp(Protocol):
    """What a provider reads from its application."""

    @property
    def debug(self) -> bool: ...

    @property
    def response_class(self) -> Callable[..., Response]: ...


def _to_json_value(o: Any) -> Any:
    """Turn one of Flask's extra types into something :mod:`json` can write.

    Used as the ``default`` hook of :func:`json.dumps`: it is only called for objects the
    encoder does not know, so ``str`` (and ``Markup``, a ``str``) never reach it.
    """
    # ``datetime`` is a ``date`` subclass: both become an HTTP date (RFC 822), in UTC.
    if isinstance(o, date):
        return http_date(o)
    if isinstance(o, decimal.Decimal | uuid.UUID):
        return str(o)
    # ``is_dataclass`` is true for the class too, which ``asdict`` refuses: a class falls
    # through to the TypeError below like any other unknown object.
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    # COMPAT(flask): the standard library's message, which Flask repeats.
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class JSONProvider:
    """The JSON operations of one application; subclass it to change them.

    A subclass must implement :meth:`dumps` and :meth:`loads`; :meth:`dump`, :meth:`load`
    and :meth:`response` are built on those two. Install a provider by setting
    ``app.json`` to an instance, or ``json_provider_class`` on the application class.

    Args:
        app: The application. Kept as a weak proxy (``self._app``): the application
            owns its provider, and the provider must not keep it alive.
    """

    def __init__(self, app: _ProviderApp) -> None:
        # COMPAT(flask): subclasses written for Flask reach the application as ``_app``.
        self._app: _ProviderApp = weakref.proxy(app)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize ``obj`` to a JSON string.

        Args:
            obj: The data to serialize.
            **kwargs: Options for the JSON library.

        Returns:
            The JSON text.
        """
        raise NotImplementedError

    def dump(self, obj: Any, fp: IO[str], **kwargs: Any) -> None:
        """Serialize ``obj`` as JSON into a text file.

        Args:
            obj: The data to serialize.
            fp: A file open for writing text (UTF-8, for the result to be valid JSON).
            **kwargs: Options for :meth:`dumps`.
        """
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse a JSON document.

        Args:
            s: The JSON text, or its UTF-8 bytes.
            **kwargs: Options for the JSON library.

        Returns:
            The Python data.
        """
        raise NotImplementedError

    def load(self, fp: IO[AnyStr], **kwargs: Any) -> Any:
        """Parse the JSON document a file holds.

        Args:
            fp: A file open for reading text, or UTF-8 bytes.
            **kwargs: Options for :meth:`loads`.

        Returns:
            The Python data.
        """
        return self.loads(fp.read(), **kwargs)

    # COMPAT(flask): the name third-party providers call from their own ``response``.
    def _prepare_response_obj(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The one value ``response(*args, **kwargs)`` serializes."""
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        if kwargs:
            return kwargs
        if not args:
            return None
        # One argument is the value itself; several are a list (a tuple serializes as one).
        return args[0] if len(args) == 1 else args

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Build a JSON response (``application/json``) from the arguments.

        :func:`heron.flask.json.jsonify` calls this on the current application's provider.

        Args:
            *args: One value to serialize, or several to serialize as a list.
            **kwargs: The members of an object to serialize (not with ``args``).

        Returns:
            An instance of the application's ``response_class``.

        Raises:
            TypeError: Both positional and keyword arguments were given.
        """
        body = self.dumps(self._prepare_response_obj(args, kwargs))
        return self._app.response_class(body, mimetype="application/json")


class DefaultJSONProvider(JSONProvider):
    """The standard library's :mod:`json`, with Flask's extra types and defaults.

    Besides JSON's own types it writes:

    * ``datetime.datetime`` and ``datetime.date`` as HTTP dates (RFC 822, in UTC);
    * ``decimal.Decimal`` and ``uuid.UUID`` as strings;
    * dataclass instances as dicts (:func:`dataclasses.asdict`);
    * anything with an ``__html__`` method (``markupsafe.Markup``...) as that HTML.

    The class attributes below are the defaults; change them on an instance
    (``app.json.sort_keys = False``) or in a subclass.
    """

    #: Called by :func:`json.dumps` for an object it cannot write: returns a JSON value
    #: or raises ``TypeError``.
    default: Callable[[Any], Any] = staticmethod(_to_json_value)
    #: Escape non-ASCII characters (``"\u00e9"``): safer for old clients, a little larger.
    ensure_ascii: bool = True
    #: Write object keys sorted, so equal data gives equal text (caches, ETags). The keys
    #: must then all be strings.
    sort_keys: bool = True
    #: Whether :meth:`response` leaves out indentation and spaces: ``None`` means compact
    #: except in debug mode.
    compact: bool | None = None
    #: The ``Content-Type`` :meth:`response` sets.
    mimetype: str = "application/json"

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize ``obj`` with :func:`json.dumps`.

        ``default``, ``ensure_ascii`` and ``sort_keys`` come from this provider's
        attributes unless given.

        Args:
            obj: The data to serialize.
            **kwargs: Passed to :func:`json.dumps`.

        Returns:
            The JSON text.
        """
        options = {
            "default": self.default,
            "ensure_ascii": self.ensure_ascii,
            "sort_keys": self.sort_keys,
            **kwargs,
        }
        return json.dumps(obj, **options)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse a JSON document with :func:`json.loads`.

        Args:
            s: The JSON text, or its UTF-8 bytes.
            **kwargs: Passed to :func:`json.loads`.

        Returns:
            The Python data.
        """
        return json.loads(s, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Build a JSON response, indented in debug mode, with a final newline.

        The body is indented by two spaces when :attr:`compact` is ``False``, or ``None``
        while the application is in debug mode; otherwise it has no spaces at all. The
        ``Content-Type`` is :attr:`mimetype`.

        Args:
            *args: One value to serialize, or several to serialize as a list.
            **kwargs: The members of an object to serialize (not with ``args``).

        Returns:
            An instance of the application's ``response_class``.

        Raises:
            TypeError: Both positional and keyword arguments were given.
        """
        obj = self._prepare_response_obj(args, kwargs)
        readable = self.compact is False or (self.compact is None and self._app.debug)
        # ``indent`` alone: json then separates items with "," and a newline (no trailing
        # spaces) and keys from values with ": ".
        layout: dict[str, Any] = {"indent": 2} if readable else {"separators": (",", ":")}
        body = self.dumps(obj, **layout)
        # COMPAT(flask): the body ends with a newline, which terminals and curl like.
        return self._app.response_class(body + "\n", mimetype=self.mimetype)
