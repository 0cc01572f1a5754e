"""What the differential tests of ``heron.flask`` share (``tests/flask/test_differential*.py``).

Each of those tests builds the same small app from one of two modules, ``flask`` (Flask
3.1 itself) or ``heron.flask``, sends requests through the app's own ``test_client()``
and asserts what a user sees: the status, the body, the headers that matter, and what the
hooks saw. The expected values are Flask's: the ``flask`` run of a test proves them, the
``heron.flask`` run compares. A known difference is marked with :func:`heron_bug`, which
expects the ``heron.flask`` run (only) to fail.

A test module takes the module as its ``fl`` fixture::

    @pytest.fixture(params=MODULES)
    def fl(request: pytest.FixtureRequest) -> FlaskModule:
        return cast(FlaskModule, request.param)

The two modules' classes are different types: :class:`FlaskModule` and :class:`Scaffold`
say what the tests need of either (the registration decorators keep the decorated
function's type); everything else is ``Any``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NoReturn, Protocol, TypeVar, cast

import click
import pytest
import werkzeug.utils
from werkzeug.exceptions import MethodNotAllowed, NotFound

__all__ = [
    "FLASK",
    "HERON",
    "HTML",
    "MODULES",
    "NOT_ALLOWED_BODY",
    "NOT_FOUND_BODY",
    "FlaskModule",
    "Scaffold",
    "allow",
    "heron_bug",
    "redirect_body",
    "seen",
    "submodule",
]

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")


class Scaffold(Protocol):
    """An app or a blueprint of either module: its decorators typed, the rest ``Any``."""

    cli: click.Group

    def route(self, rule: str, **options: Any) -> Callable[[_F], _F]: ...
    def get(self, rule: str, **options: Any) -> Callable[[_F], _F]: ...
    def post(self, rule: str, **options: Any) -> Callable[[_F], _F]: ...
    def put(self, rule: str, **options: Any) -> Callable[[_F], _F]: ...
    def delete(self, rule: str, **options: Any) -> Callable[[_F], _F]: ...
    def patch(self, rule: str, **options: Any) -> Callable[[_F], _F]: ...
    def endpoint(self, endpoint: str) -> Callable[[_F], _F]: ...
    def errorhandler(self, code_or_exception: type[Exception] | int) -> Callable[[_F], _F]: ...
    def app_errorhandler(self, code: type[Exception] | int) -> Callable[[_F], _F]: ...
    def template_filter(self, name: str | None = None) -> Callable[[_F], _F]: ...
    def template_test(self, name: str | None = None) -> Callable[[_F], _F]: ...
    def template_global(self, name: str | None = None) -> Callable[[_F], _F]: ...
    def app_template_filter(self, name: str | None = None) -> Callable[[_F], _F]: ...
    def app_template_test(self, name: str | None = None) -> Callable[[_F], _F]: ...
    def app_template_global(self, name: str | None = None) -> Callable[[_F], _F]: ...
    def before_request(self, f: _F) -> _F: ...
    def after_request(self, f: _F) -> _F: ...
    def teardown_request(self, f: _F) -> _F: ...
    def teardown_appcontext(self, f: _F) -> _F: ...
    def url_value_preprocessor(self, f: _F) -> _F: ...
    def url_defaults(self, f: _F) -> _F: ...
    def context_processor(self, f: _F) -> _F: ...
    def before_app_request(self, f: _F) -> _F: ...
    def after_app_request(self, f: _F) -> _F: ...
    def teardown_app_request(self, f: _F) -> _F: ...
    def record(self, f: _F) -> _F: ...
    def record_once(self, f: _F) -> _F: ...
    def __call__(self, *args: Any) -> Any: ...
    def __getattr__(self, name: str) -> Any: ...
    def __setattr__(self, name: str, value: Any) -> None: ...


class FlaskModule(Protocol):
    """``flask`` or ``heron.flask``: what the tests call, typed where a type helps."""

    Flask: Callable[..., Scaffold]
    Blueprint: Callable[..., Scaffold]

    def abort(self, code: Any, *args: Any, **kwargs: Any) -> NoReturn: ...
    def after_this_request(self, f: _F) -> _F: ...
    def copy_current_request_context(self, f: _F) -> _F: ...
    def stream_with_context(self, generator_or_function: _T) -> _T: ...
    def __getattr__(self, name: str) -> Any: ...


# `import flask` in tests/ would be sorted as first-party (tests/flask is in a ruff src root).
FLASK = cast(FlaskModule, importlib.import_module("flask"))
HERON = cast(FlaskModule, importlib.import_module("heron.flask"))
if FLASK is HERON or FLASK.__name__ != "flask":
    # Under the drop-in switch (HERON_DROP_IN=flask) both would be heron.flask.
    raise RuntimeError("The differential tests need the real Flask, not heron.flask's drop-in")

#: The ``fl`` fixture's parameters: each test runs on Flask, then on heron.flask.
MODULES = [pytest.param(FLASK, id="flask"), pytest.param(HERON, id="heron")]

HTML = "text/html; charset=utf-8"
NOT_FOUND_BODY: str = NotFound().get_body()
NOT_ALLOWED_BODY: str = MethodNotAllowed().get_body()


def heron_bug(reason: str) -> pytest.MarkDecorator:
    """Run on both modules; the ``heron.flask`` run is expected to fail (strict xfail).

    Args:
        reason: What heron.flask does differently, in one line.
    """
    return pytest.mark.parametrize(
        "fl",
        [
            pytest.param(FLASK, id="flask"),
            pytest.param(
                HERON,
                id="heron",
                marks=pytest.mark.xfail(strict=True, reason=f"heron.flask: {reason}"),
            ),
        ],
    )


def submodule(fl: FlaskModule, name: str) -> Any:
    """``flask.<name>`` or ``heron.flask.<name>``."""
    return importlib.import_module(f"{fl.__name__}.{name}")


def seen(response: Any, *names: str) -> dict[str, Any]:
    """The status, body and the named headers (missing ones as None) of a response.

    Without names: ``Content-Type`` and ``Content-Length``.
    """
    names = names or ("Content-Type", "Content-Length")
    return {
        "status": response.status,
        "body": response.data,
        **{name: response.headers.get(name) for name in names},
    }


def allow(response: Any) -> set[str]:
    """The methods of the ``Allow`` header (Werkzeug's order comes from a set)."""
    header = response.headers.get("Allow", "")
    return {method.strip() for method in header.split(",") if method.strip()}


def redirect_body(location: str) -> bytes:
    """The HTML body of Werkzeug's redirect response to ``location``."""
    return werkzeug.utils.redirect(location).get_data()
