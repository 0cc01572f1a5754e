"""The registration decorators shared by ``APIRouter`` and ``Heron``.

``get/post/put/patch/delete/head/options/trace`` (FastAPI's), ``route`` (Flask's) and
``websocket``; each lands in the subclass's ``api_route`` or ``add_api_websocket_route``.
``TemplateDecorators`` (Flask's ``context_processor``, ``template_filter``…) only record
what they are given; ``heron.templating`` reads it when it builds the app's environment.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

__all__ = ["RouteDecorators", "TemplateDecorators", "TemplateHooks"]

_Decorated = Callable[[Callable[..., Any]], Callable[..., Any]]
_T = TypeVar("_T", bound=Callable[..., Any])


class RouteDecorators:
    """The registration decorators shared by ``APIRouter`` and ``Heron``.

    Subclasses provide :meth:`api_route` and :meth:`add_api_websocket_route`.
    """

    def api_route(
        self, path: str, *, methods: Collection[str] | None = None, **options: Any
    ) -> _Decorated:
        """Decorator registering an endpoint whose arguments come from its signature."""
        raise NotImplementedError

    def add_api_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None, **options: Any
    ) -> None:
        """Register a WebSocket endpoint."""
        raise NotImplementedError

    def route(
        self, path: str, methods: Collection[str] | None = None, **options: Any
    ) -> _Decorated:
        """Flask's decorator: ``str`` returns are HTML, ``dict`` JSON, tuples set status/headers.

        Args:
            path: The path (``/post/<int:id>`` or ``/post/{id:int}``).
            methods: Allowed methods, ``["GET"]`` by default.
            **options: As for :meth:`add_api_route`; ``endpoint=`` names the route, as in Flask.
        """
        if "endpoint" in options:
            options["name"] = options.pop("endpoint")
        return self.api_route(path, methods=methods, flask_style=True, **options)

    def _method(self, method: str, path: str, options: dict[str, Any]) -> _Decorated:
        return self.api_route(path, methods=[method], **options)

    def get(self, path: str, **options: Any) -> _Decorated:
        """Register a GET endpoint (HEAD is answered too)."""
        return self._method("GET", path, options)

    def put(self, path: str, **options: Any) -> _Decorated:
        """Register a PUT endpoint."""
        return self._method("PUT", path, options)

    def post(self, path: str, **options: Any) -> _Decorated:
        """Register a POST endpoint."""
        return self._method("POST", path, options)

    def delete(self, path: str, **options: Any) -> _Decorated:
        """Register a DELETE endpoint."""
        return self._method("DELETE", path, options)

    def options(self, path: str, **options: Any) -> _Decorated:
        """Register an OPTIONS endpoint."""
        return self._method("OPTIONS", path, options)

    def head(self, path: str, **options: Any) -> _Decorated:
        """Register a HEAD endpoint."""
        return self._method("HEAD", path, options)

    def patch(self, path: str, **options: Any) -> _Decorated:
        """Register a PATCH endpoint."""
        return self._method("PATCH", path, options)

    def trace(self, path: str, **options: Any) -> _Decorated:
        """Register a TRACE endpoint."""
        return self._method("TRACE", path, options)

    def websocket(self, path: str, name: str | None = None, **options: Any) -> _Decorated:
        """Decorator registering a WebSocket endpoint."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_api_websocket_route(path, func, name=name, **options)
            return func

        return decorator


# ---------------------------------------------------------------- templates


@dataclass
class TemplateHooks:
    """What an app or a router registered for templates.

    Attributes:
        context_processors: ``() -> dict`` called at every render; on a router, only for
            requests to that router's routes (Flask's blueprint ``context_processor``).
        app_context_processors: ``() -> dict`` called at every render, app-wide.
        filters: Jinja filters by name (app-wide: one environment per app).
        tests: Jinja tests by name.
        globals: Jinja globals by name.
    """

    context_processors: list[Callable[[], dict[str, Any]]] = field(default_factory=list)
    app_context_processors: list[Callable[[], dict[str, Any]]] = field(default_factory=list)
    filters: dict[str, Callable[..., Any]] = field(default_factory=dict)
    tests: dict[str, Callable[..., Any]] = field(default_factory=dict)
    globals: dict[str, Any] = field(default_factory=dict)


class TemplateDecorators:
    """Flask's template registrations, shared by ``Heron`` and ``APIRouter``.

    Filters, tests and globals are app-wide whichever registers them (the app has one
    Jinja environment); register them before the first template is rendered. The
    ``app_*`` names are Flask's blueprint spellings of the same thing.
    """

    @property
    def template_hooks(self) -> TemplateHooks:
        """The registrations made so far."""
        hooks: TemplateHooks | None = self.__dict__.get("_template_hooks")
        if hooks is None:
            hooks = self.__dict__["_template_hooks"] = TemplateHooks()
        return hooks

    def context_processor(self, func: _T) -> _T:
        """Register ``func() -> dict``, merged into the context of every template.

        On the app: every render. On a router: renders during requests to its routes.
        Values passed to ``render_template`` win over a processor's.
        """
        self.template_hooks.context_processors.append(func)
        return func

    def app_context_processor(self, func: _T) -> _T:
        """Register ``func() -> dict`` for every render of the app (from a router too)."""
        self.template_hooks.app_context_processors.append(func)
        return func

    @overload
    def template_filter(self, name: _T) -> _T: ...
    @overload
    def template_filter(self, name: str | None = None) -> Callable[[_T], _T]: ...
    def template_filter(self, name: Any = None) -> Any:
        """Register a Jinja filter, under the function's name by default.

        Usable as ``@template_filter()``, ``@template_filter("name")`` or bare.
        """
        return self._template_decorator("filters", name)

    @overload
    def template_test(self, name: _T) -> _T: ...
    @overload
    def template_test(self, name: str | None = None) -> Callable[[_T], _T]: ...
    def template_test(self, name: Any = None) -> Any:
        """Register a Jinja test (``{% if x is name %}``), as :meth:`template_filter`."""
        return self._template_decorator("tests", name)

    @overload
    def template_global(self, name: _T) -> _T: ...
    @overload
    def template_global(self, name: str | None = None) -> Callable[[_T], _T]: ...
    def template_global(self, name: Any = None) -> Any:
        """Register a function every template can call, as :meth:`template_filter`."""
        return self._template_decorator("globals", name)

    def add_template_filter(self, func: Callable[..., Any], name: str | None = None) -> None:
        """Register ``func`` as a Jinja filter."""
        self._add_template_hook("filters", name or func.__name__, func)

    def add_template_test(self, func: Callable[..., Any], name: str | None = None) -> None:
        """Register ``func`` as a Jinja test."""
        self._add_template_hook("tests", name or func.__name__, func)

    def add_template_global(self, func: Callable[..., Any], name: str | None = None) -> None:
        """Register ``func`` as a template global."""
        self._add_template_hook("globals", name or func.__name__, func)

    def _template_decorator(self, kind: str, name: Any) -> Any:
        if callable(name):  # used bare: @app.template_filter
            self._add_template_hook(kind, name.__name__, name)
            return name

        def decorator(func: _T) -> _T:
            self._add_template_hook(kind, name or func.__name__, func)
            return func

        return decorator

    def _add_template_hook(self, kind: str, name: str, value: Any) -> None:
        getattr(self.template_hooks, kind)[name] = value
        # An app whose environment exists already: update it too (Jinja's attribute names
        # are the same: filters, tests, globals).
        env = self.__dict__.get("_jinja_env")
        if env is not None:
            getattr(env, kind)[name] = value

    # Flask's blueprint spellings.
    app_template_filter = template_filter
    app_template_test = template_test
    app_template_global = template_global
    add_app_template_filter = add_template_filter
    add_app_template_test = add_template_test
    add_app_template_global = add_template_global

