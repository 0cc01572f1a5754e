"""Flask's spellings Heron's asynchronous ``Request`` cannot take, and the errors naming both.

Flask reads the body synchronously (``request.form["user"]``, ``request.json``,
``request.data``…); Heron's request is FastAPI's and Starlette's, where reading the body
is awaited (``await request.form()``). Where the two spellings clash, Heron keeps its
own and the Flask one raises an error that says what to write instead, and that
``heron.flask`` has Flask's. Called by ``requests``: its ``form`` and ``json`` attributes,
and the Flask-only names (``data``, ``files``, ``values``, ``get_json``, ``get_data``).

PERF: class attributes, read only when code names them. Not a ``__getattr__`` on
``Request``: a class with one loses CPython's fast attribute reads on every attribute
(``request.method`` 79 → 104 ns, ``request.query_params`` 52 → 90 ns, Python 3.11).
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar, NoReturn

__all__ = ["FlaskOnly", "FormMethod", "JSONMethod", "flask_spelling"]

#: What Heron's request offers instead of each Flask spelling.
_INSTEAD = {
    "form": "use `await request.form()` in an async handler, or a `Form()` parameter",
    "json": (
        "use `await request.json()` in an async handler, or a body parameter (a pydantic "
        "model, `dict`, `Body()`)"
    ),
    "get_json()": "use `await request.json()` in an async handler, or a body parameter",
    "data": "use `await request.body()` in an async handler, or a `bytes` body parameter",
    "get_data()": "use `await request.body()` in an async handler",
    "files": (
        "use the `UploadFile` values of `await request.form()`, or `UploadFile` / `File()` "
        "parameters"
    ),
    "values": (
        "use `request.query_params` and `await request.form()`, or `Query()` and `Form()` "
        "parameters"
    ),
}

_METHODS = {"get_json": "get_json()", "get_data": "get_data()"}


def flask_spelling(name: str) -> str | None:
    """The error message for Flask's request attribute ``name``; None for other names."""
    spelled = _METHODS.get(name, name)
    instead = _INSTEAD.get(spelled)
    if instead is None:
        return None
    if name in ("form", "json"):
        heron = f"Heron's request.{name} is asynchronous"
    else:
        heron = f"Heron's request has no `{spelled}`"
    return (
        f"{heron}: {instead}; Flask's synchronous `request.{spelled}` is in heron.flask "
        "(`from heron.flask import request`)"
    )


class FlaskOnly:
    """A Flask request attribute Heron's request has not: reading it raises ``AttributeError``.

    The message says what to write instead (``hasattr(request, "data")`` stays false). A
    non-data descriptor: a subclass's instances may still set the name themselves.
    """

    __slots__ = ("name",)

    def __init__(self) -> None:
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            return self
        raise AttributeError(flask_spelling(self.name), name=self.name, obj=obj)


class _AsyncReader(functools.partial[Any]):
    """A request's body reader bound to the request: call it, then await the result.

    ``request.form`` is this object rather than a bound method so that Flask's
    synchronous uses of it (``request.form["user"]``, ``request.form.get("user")``,
    ``"user" in request.form``, iterating) raise an error naming both spellings instead
    of Python's "'method' object is not subscriptable". A ``partial``, made and called in
    C: ``request.form()`` costs ~0.2 µs more than a bound method's call (see ``requests``).
    """

    __slots__ = ()
    flask_name: ClassVar[str]

    def _refuse(self) -> NoReturn:
        raise TypeError(flask_spelling(self.flask_name))

    def __getitem__(self, key: object) -> NoReturn:
        self._refuse()

    def __contains__(self, key: object) -> NoReturn:
        self._refuse()

    def __iter__(self) -> NoReturn:
        self._refuse()

    def __getattr__(self, name: str) -> NoReturn:
        # Dunder lookups (introspection, copy, pickle) get Python's plain error.
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(flask_spelling(self.flask_name), name=name, obj=self)

    def __repr__(self) -> str:
        return f"<bound method Request.{self.flask_name} of {self.args[0]!r}>"


class FormMethod(_AsyncReader):
    """``request.form``: ``await request.form()``; Flask's ``request.form[...]`` raises."""

    __slots__ = ()
    flask_name = "form"


class JSONMethod(_AsyncReader):
    """``request.json``: ``await request.json()``; Flask's ``request.json[...]`` raises."""

    __slots__ = ()
    flask_name = "json"
