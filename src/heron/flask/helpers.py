"""Flask's helper functions: ``url_for``, ``redirect``, ``abort``, ``flash``, files, streams.

Called by views, templates and extensions. Each works through the active contexts
(:mod:`heron.flask.globals`); the file helpers use Werkzeug's ``send_file`` (conditional
requests, ranges, ``X-Sendfile``) with the request's environ.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast, overload

import werkzeug.utils
from werkzeug.exceptions import abort as _werkzeug_abort

from heron.flask.globals import _cv_app, _cv_request, current_app, request, request_ctx, session
from heron.flask.signals import message_flashed

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as BaseResponse

    from heron.flask.wrappers import Response

__all__ = [
    "abort",
    "flash",
    "get_debug_flag",
    "get_flashed_messages",
    "get_load_dotenv",
    "get_root_path",
    "get_template_attribute",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]

_T = TypeVar("_T")

#: COMPAT(flask): the Flask release whose API heron.flask follows (``flask.__version__``).
FLASK_VERSION = "3.1.3"


def get_debug_flag() -> bool:
    """Whether ``FLASK_DEBUG`` (or ``HERON_DEBUG``) asks for debug mode."""
    value = os.environ.get("FLASK_DEBUG") or os.environ.get("HERON_DEBUG")
    return bool(value and value.lower() not in {"0", "false", "no"})


def get_load_dotenv(default: bool = True) -> bool:
    """Whether ``.env`` files should be loaded (``FLASK_SKIP_DOTENV`` unset)."""
    value = os.environ.get("FLASK_SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in {"0", "false", "no"}


def get_root_path(import_name: str) -> str:
    """The folder of the module or package ``import_name`` (the cwd when it has none).

    Raises:
        RuntimeError: A namespace package (no single folder).
    """
    module = sys.modules.get(import_name)
    filename = getattr(module, "__file__", None)
    if module is not None and filename is not None:
        return os.path.dirname(os.path.abspath(filename))  # type: ignore[no-any-return]
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin in {None, "built-in", "frozen"}:
        return os.getcwd()
    if spec.origin is None:  # pragma: no cover - namespace package (handled above)
        raise RuntimeError(f"No root path can be found for the provided module {import_name!r}.")
    return os.path.dirname(os.path.abspath(spec.origin))


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: Any,
) -> str:
    """The URL of ``endpoint`` with ``values`` (see :meth:`Flask.url_for`)."""
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def redirect(
    location: str, code: int = 302, Response: type[BaseResponse] | None = None
) -> BaseResponse:
    """A response redirecting to ``location`` (the app's ``redirect`` when one is active)."""
    if _cv_app.get(None) is not None:
        return current_app.redirect(location, code=code)
    return werkzeug.utils.redirect(location, code=code, Response=Response)


def abort(code: int | BaseResponse, *args: Any, **kwargs: Any) -> NoReturn:
    """Raise the HTTP exception of ``code`` (or a response to send as it is)."""
    if _cv_app.get(None) is not None:
        current_app.aborter(code, *args, **kwargs)
    _werkzeug_abort(code, *args, **kwargs)


def make_response(*args: Any) -> Response:
    """A response object from a view's return value, to add headers before returning it.

    ``make_response()`` is an empty response; one argument or a tuple is what a view may
    return (``make_response(("body", 201, headers))`` or ``make_response("body", 201)``).
    """
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return current_app.make_response(args)


def get_template_attribute(template_name: str, attribute: str) -> Any:
    """A macro or variable a template exports (``get_template_attribute("m.html", "hello")``)."""
    return getattr(current_app.jinja_env.get_template(template_name).module, attribute)


def flash(message: str, category: str = "message") -> None:
    """Keep ``message`` in the session for the next request's ``get_flashed_messages``."""
    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    session["_flashes"] = flashes
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    message_flashed.send(app, _async_wrapper=app.ensure_sync, message=message, category=category)


def get_flashed_messages(
    with_categories: bool = False, category_filter: Any = ()
) -> list[str] | list[tuple[str, str]]:
    """The messages flashed for this request, taken out of the session once per request.

    Args:
        with_categories: ``(category, message)`` pairs instead of messages.
        category_filter: Only these categories.
    """
    flashes = request_ctx.flashes
    if flashes is None:
        flashes = session.pop("_flashes") if "_flashes" in session else []
        request_ctx.flashes = flashes
    if category_filter:
        flashes = [f for f in flashes if f[0] in category_filter]
    if not with_categories:
        return [message for _, message in flashes]
    return [tuple(item) for item in flashes]


def send_file(
    path_or_file: os.PathLike[str] | str | Any,
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: Any = None,
    max_age: Any = None,
) -> Response:
    """Send a file (a path or a binary file object) with Werkzeug's ``send_file``.

    Relative paths are relative to the application's ``root_path``; the default ``max_age``
    is the app's ``get_send_file_max_age``.
    """
    app = current_app
    if max_age is None:
        max_age = app.get_send_file_max_age
    return cast(
        "Response",
        werkzeug.utils.send_file(
            path_or_file,
            request.environ,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=conditional,
            etag=etag,
            last_modified=last_modified,
            max_age=max_age,
            use_x_sendfile=app.config["USE_X_SENDFILE"],
            response_class=app.response_class,
            _root_path=app.root_path,
        ),
    )


def send_from_directory(
    directory: os.PathLike[str] | str, path: os.PathLike[str] | str, **kwargs: Any
) -> Response:
    """Send ``path`` from ``directory``, refusing paths that leave it (404).

    Relative directories are relative to the application's ``root_path``.
    """
    app = current_app
    if kwargs.get("max_age") is None:
        kwargs["max_age"] = app.get_send_file_max_age
    return cast(
        "Response",
        werkzeug.utils.send_from_directory(
            directory,
            path,
            request.environ,
            use_x_sendfile=app.config["USE_X_SENDFILE"],
            response_class=app.response_class,
            _root_path=app.root_path,
            **kwargs,
        ),
    )


@overload
def stream_with_context(generator_or_function: Iterator[_T]) -> Iterator[_T]: ...
@overload
def stream_with_context(
    generator_or_function: Callable[..., Iterator[_T]],
) -> Callable[..., Iterator[_T]]: ...
def stream_with_context(
    generator_or_function: Iterator[_T] | Callable[..., Iterator[_T]],
) -> Iterator[_T] | Callable[..., Iterator[_T]]:
    """Keep the request context active while a streamed response's generator runs.

    Use it on the generator (or as a decorator of the generator function) a view returns:
    the view's context is popped before the body is sent, so ``request`` would not be
    available otherwise.

    Raises:
        RuntimeError: No request context is active.
    """
    if callable(generator_or_function) and not hasattr(generator_or_function, "__next__"):
        function = generator_or_function

        def decorator(*args: Any, **kwargs: Any) -> Iterator[_T]:
            return stream_with_context(function(*args, **kwargs))

        return update_wrapper(decorator, function)
    iterator = iter(cast("Iterator[_T]", generator_or_function))
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'stream_with_context' can only be used when a request context is active, such"
            " as in a view function."
        )

    app_ctx = _cv_app.get()

    def generate() -> Iterator[_T]:
        # COMPAT(flask): the view's contexts are pushed again when the body starts (its
        # first chunk), wherever that is: the view's own pop has run its teardown
        # functions, which run once more when the body is done. Heron pulls every chunk in
        # the request's own contextvars.Context (heron.flask.asgi), so the push and the pop
        # pair up even across worker threads, and an async view's generator works too.
        with app_ctx, ctx:
            try:
                yield from iterator
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()

    return generate()
