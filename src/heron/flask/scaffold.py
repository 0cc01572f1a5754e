"""What ``Flask`` and ``Blueprint`` share: routes, hooks, error handlers, folders.

Called by user code (``@app.route``, ``@bp.before_request``, ``@app.errorhandler(404)``).
Registration only fills the dictionaries below, keyed by blueprint name (``None`` for the
application), which the request steps of :mod:`heron.flask.app` read; a blueprint's are
copied into the application's when it is registered.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from functools import cached_property
from typing import IO, TYPE_CHECKING, Any, TypeVar

from jinja2 import FileSystemLoader
from werkzeug.exceptions import HTTPException, default_exceptions

from heron.flask.cli import AppGroup
from heron.flask.globals import _cv_app, _cv_request, current_app
from heron.flask.helpers import get_root_path, send_from_directory

if TYPE_CHECKING:
    import click

    from heron.flask.wrappers import Response

__all__ = ["Scaffold", "setupmethod"]

_F = TypeVar("_F", bound=Callable[..., Any])


def setupmethod(func: _F) -> _F:
    """Mark a registration method: calling it once the app has served a request is an error."""

    def wrapper(self: Scaffold, *args: Any, **kwargs: Any) -> Any:
        self._check_setup_finished(func.__name__)
        return func(self, *args, **kwargs)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    wrapper.__qualname__ = func.__qualname__
    wrapper.__wrapped__ = func  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def _endpoint_from_view_func(view_func: Callable[..., Any]) -> str:
    assert view_func is not None, "expected view func if endpoint is not provided."
    return view_func.__name__


class Scaffold:
    """Registration shared by the application and blueprints.

    Args:
        import_name: The module of the app or blueprint (its folder holds ``static/`` and
            ``templates/``).
        static_folder: The static files folder, relative to ``root_path``.
        static_url_path: The URL prefix of static files.
        template_folder: The templates folder, relative to ``root_path``.
        root_path: The folder the others are relative to (found from ``import_name``).
    """

    name: str
    _static_folder: str | None = None
    _static_url_path: str | None = None

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        self.template_folder = template_folder
        if root_path is None:
            root_path = get_root_path(self.import_name)
        self.root_path = root_path
        self.view_functions: dict[str, Callable[..., Any]] = {}
        self.error_handler_spec: dict[
            str | None, dict[int | None, dict[type[BaseException], Callable[..., Any]]]
        ] = defaultdict(lambda: defaultdict(dict))
        self.before_request_funcs: dict[str | None, list[Callable[..., Any]]] = defaultdict(list)
        self.after_request_funcs: dict[str | None, list[Callable[..., Any]]] = defaultdict(list)
        self.teardown_request_funcs: dict[str | None, list[Callable[..., Any]]] = defaultdict(list)
        self.template_context_processors: dict[str | None, list[Callable[..., Any]]] = defaultdict(
            list, {None: [_default_template_ctx_processor]}
        )
        self.url_value_preprocessors: dict[str | None, list[Callable[..., Any]]] = defaultdict(list)
        self.url_default_functions: dict[str | None, list[Callable[..., Any]]] = defaultdict(list)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def _check_setup_finished(self, f_name: str) -> None:
        raise NotImplementedError

    @cached_property
    def cli(self) -> click.Group:
        """The ``click`` group of this object's commands (``flask <group> <command>``)."""
        return AppGroup(self.name)

    # ------------------------------------------------------------ folders

    @property
    def static_folder(self) -> str | None:
        """The absolute path of the static folder, None when not set."""
        if self._static_folder is not None:
            return os.path.join(self.root_path, self._static_folder)
        return None

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        if value is not None:
            value = os.fspath(value).rstrip(r"\/")
        self._static_folder = value

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is set."""
        return self.static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix of static files (``/`` + the folder's name by default)."""
        if self._static_url_path is not None:
            return self._static_url_path
        if self.static_folder is not None:
            basename = os.path.basename(self.static_folder)
            return f"/{basename}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        if value is not None:
            value = value.rstrip("/")
        self._static_url_path = value

    @cached_property
    def jinja_loader(self) -> FileSystemLoader | None:
        """A loader for this object's template folder, None when it has none."""
        if self.template_folder is not None:
            return FileSystemLoader(os.path.join(self.root_path, self.template_folder))
        return None

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """The cache max-age of static files (``SEND_FILE_MAX_AGE_DEFAULT``)."""
        value = current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if hasattr(value, "total_seconds"):
            return int(value.total_seconds())
        return int(value)

    def send_static_file(self, filename: str) -> Response:
        """The view of the ``static`` route: a file of the static folder.

        Raises:
            RuntimeError: No static folder is set.
        """
        if not self.has_static_folder:
            raise RuntimeError("'static_folder' must be set to serve static_files.")
        max_age = self.get_send_file_max_age(filename)
        assert self.static_folder is not None
        return send_from_directory(self.static_folder, filename, max_age=max_age)

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = None
    ) -> IO[Any]:
        """Open a file relative to ``root_path`` for reading.

        Raises:
            ValueError: ``mode`` would write.
        """
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # ------------------------------------------------------------ routes

    def _method_route(self, method: str, rule: str, options: dict[str, Any]) -> Callable[[_F], _F]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to use the 'methods' argument.")
        return self.route(rule, methods=[method], **options)

    @setupmethod
    def get(self, rule: str, **options: Any) -> Callable[[_F], _F]:
        """``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    @setupmethod
    def post(self, rule: str, **options: Any) -> Callable[[_F], _F]:
        """``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    @setupmethod
    def put(self, rule: str, **options: Any) -> Callable[[_F], _F]:
        """``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    @setupmethod
    def delete(self, rule: str, **options: Any) -> Callable[[_F], _F]:
        """``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    @setupmethod
    def patch(self, rule: str, **options: Any) -> Callable[[_F], _F]:
        """``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    @setupmethod
    def route(self, rule: str, **options: Any) -> Callable[[_F], _F]:
        """Decorator registering a view for ``rule`` (``/post/<int:id>``).

        Args:
            rule: The URL rule, Werkzeug's syntax.
            **options: ``methods``, ``endpoint``, ``defaults``, ``strict_slashes``… as for
                :meth:`add_url_rule`.
        """

        def decorator(f: _F) -> _F:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register a URL rule (see :meth:`heron.flask.app.Flask.add_url_rule`)."""
        raise NotImplementedError

    @setupmethod
    def endpoint(self, endpoint: str) -> Callable[[_F], _F]:
        """Decorator making ``f`` the view of ``endpoint`` (a rule added without a view)."""

        def decorator(f: _F) -> _F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # ------------------------------------------------------------ hooks

    @setupmethod
    def before_request(self, f: _F) -> _F:
        """Run ``f()`` before each request; a value it returns is the response."""
        self.before_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def after_request(self, f: _F) -> _F:
        """Run ``f(response)`` after each request; it returns the response to send."""
        self.after_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def teardown_request(self, f: _F) -> _F:
        """Run ``f(error)`` when the request context pops, even after an error."""
        self.teardown_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def context_processor(self, f: _F) -> _F:
        """Run ``f()`` before rendering a template; its dict joins the template's context."""
        self.template_context_processors[None].append(f)
        return f

    @setupmethod
    def url_value_preprocessor(self, f: _F) -> _F:
        """Run ``f(endpoint, values)`` on the matched URL's values before the hooks."""
        self.url_value_preprocessors[None].append(f)
        return f

    @setupmethod
    def url_defaults(self, f: _F) -> _F:
        """Run ``f(endpoint, values)`` when building URLs, to fill values in place."""
        self.url_default_functions[None].append(f)
        return f

    @setupmethod
    def errorhandler(self, code_or_exception: type[Exception] | int) -> Callable[[_F], _F]:
        """Decorator registering a handler for a status code or an exception class."""

        def decorator(f: _F) -> _F:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[Exception] | int, f: Callable[..., Any]
    ) -> None:
        """Register ``f(error)`` for a status code or an exception class."""
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f

    @staticmethod
    def _get_exc_class_and_code(
        exc_class_or_code: type[Exception] | int,
    ) -> tuple[type[Exception], int | None]:
        """The exception class and the code a handler key stands for.

        Raises:
            KeyError: A status code Werkzeug has no exception for.
            TypeError: An exception instance, or a class that is no exception.
            ValueError: A Werkzeug HTTP exception used directly.
        """
        if isinstance(exc_class_or_code, int):
            try:
                exc_class: Any = default_exceptions[exc_class_or_code]
            except KeyError:
                raise ValueError(
                    f"'{exc_class_or_code}' is not a recognized HTTP error code. Use a"
                    " subclass of HTTPException with that code instead."
                ) from None
        else:
            exc_class = exc_class_or_code
        if isinstance(exc_class, Exception):
            raise TypeError(
                f"{exc_class!r} is an instance, not a class. Handlers can only be"
                " registered for Exception classes or HTTP error codes."
            )
        if not isinstance(exc_class, type) or not issubclass(exc_class, Exception):
            raise ValueError(
                f"'{getattr(exc_class, '__name__', exc_class)}' is not a subclass of"
                " Exception. Handlers can only be registered for Exception classes or HTTP"
                " error codes."
            )
        if issubclass(exc_class, HTTPException):
            return exc_class, exc_class.code
        return exc_class, None


def _default_template_ctx_processor() -> dict[str, Any]:
    """``g``, ``request`` and ``session`` in every template, when they are active."""
    app_ctx = _cv_app.get(None)
    request_ctx = _cv_request.get(None)
    values: dict[str, Any] = {}
    if app_ctx is not None:
        values["g"] = app_ctx.g
    if request_ctx is not None:
        # COMPAT(flask): Flask 3.1.3 leaves `session` to the environment's global, so a
        # template that never uses it does not mark the session accessed.
        values["request"] = request_ctx.request
    return values
