"""Flask's ``Blueprint`` on Heron's ``APIRouter``: a named group of routes, hooks and folders.

Called by user code (``bp = Blueprint("blog", __name__, url_prefix="/blog")``) and by
``Heron.register_blueprint``; builds on ``heron.routing.APIRouter``, so a blueprint has
every decorator (``@bp.route``, ``@bp.get``…), its own ``before_request``,
``errorhandler``, middleware and ``cli`` (``heron.hooks.RouterScope``), and on
``heron.staticfiles`` for its static folder. What it adds is Flask's naming: its routes
are named ``blueprint.view``, so ``url_for("blog.index")`` (and ``url_for(".index")``
from one of its views, see ``heron.globals``) finds them; a nested blueprint's are
``parent.child.view``.

A native blueprint is a live router, not Flask's recorded setup: routes added after
registration are served too. Where that model cannot take Flask's spelling (a
registration ``url_prefix`` replacing the blueprint's own, ``subdomain``,
``url_defaults``, registering twice under another ``name``), the error says so and
points to ``heron.flask``, which has Flask's own ``Blueprint``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, TypeVar

from heron.exceptions import HeronError
from heron.hooks import _UNSET as _DEFAULT_GROUP
from heron.routes import WebSocketRoute, endpoint_name
from heron.routing import APIRouter
from heron.staticfiles import app_directory, static_folder_route

if TYPE_CHECKING:
    from heron.applications import Heron

__all__ = ["Blueprint", "registration_options"]

_F = TypeVar("_F", bound=Callable[..., Any])

#: Flask's ``register_blueprint`` options a native blueprint has no equivalent for.
_FLASK_ONLY_OPTIONS = ("name", "subdomain", "url_defaults", "cli_group")


def _flask_only(what: str) -> HeronError:
    return HeronError(
        f"{what} is Flask's, and a native Heron blueprint is a live router without it; "
        "Flask's Blueprint, with every option, is in heron.flask (`from heron.flask import "
        "Blueprint, Flask`)"
    )


def _url_prefix(url_prefix: str | None) -> str:
    # COMPAT(flask): "/blog/" is "/blog"; "/" is no prefix.
    return (url_prefix or "").rstrip("/")


def registration_options(blueprint: APIRouter, options: dict[str, Any]) -> dict[str, Any]:
    """``include_router``'s arguments for Flask's ``register_blueprint(blueprint, **options)``.

    ``url_prefix`` becomes ``prefix``; the other options go to ``include_router``
    (``tags``, ``dependencies``…).

    Raises:
        HeronError: An option only Flask's blueprints have, or a ``url_prefix`` that would
            replace the blueprint's own (Flask's rule; Heron's prefixes add up).
    """
    for key in _FLASK_ONLY_OPTIONS:
        if options.pop(key, None) is not None:
            raise _flask_only(f"register_blueprint({key}=...)")
    prefix = _url_prefix(options.pop("url_prefix", None))
    if prefix and blueprint.prefix and prefix != blueprint.prefix:
        raise HeronError(
            f"Blueprint {blueprint.name!r} has url_prefix {blueprint.prefix!r}: Flask's "
            f"register_blueprint(url_prefix={prefix!r}) replaces it, and a native Heron "
            "blueprint's routes carry their prefix. Create the blueprint without "
            "url_prefix, or add a prefix in front of its own with "
            f"app.include_router(bp, prefix={prefix!r}); heron.flask has Flask's Blueprint."
        )
    return {"prefix": "" if blueprint.prefix else prefix, **options}


class Blueprint(APIRouter):
    """Flask's ``Blueprint``: routes named ``name.view`` under ``url_prefix``, with folders.

    Register it with ``app.register_blueprint(bp)`` (Flask's name for ``include_router``).

    Args:
        name: The blueprint's name, the first part of its routes' names; no dot.
        import_name: The module defining it (``__name__``): its directory is ``root_path``.
        static_folder: A folder served at ``url_prefix + static_url_path`` by a route
            named ``name.static`` (``url_for("blog.static", filename="blog.css")``);
            relative to ``root_path``.
        static_url_path: The static folder's URL (``/`` and the folder's name by default).
        template_folder: A folder ``render_template`` searches after the app's (and after
            blueprints registered before); relative to ``root_path``. Register the
            blueprint before the first template renders.
        url_prefix: The path prefix of its routes.
        subdomain: Flask's; not supported natively (``heron.routing.Host`` routes by host).
        url_defaults: Flask's; not supported natively.
        root_path: The blueprint's directory (the ``import_name`` module's by default).
        cli_group: The name of its ``heron`` command group (``name`` by default; None puts
            its commands at the top level).
        **options: ``APIRouter``'s other options (``tags``, ``dependencies``,
            ``middleware``, ``exception_handlers``…).

    Raises:
        ValueError: An empty name, or one with a dot (Flask's rule).
        HeronError: ``subdomain`` or ``url_defaults``.
    """

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _DEFAULT_GROUP,
        **options: Any,
    ) -> None:
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError("'name' may not contain a dot '.' character.")
        if subdomain is not None:
            raise _flask_only("Blueprint(subdomain=...)")
        if url_defaults is not None:
            raise _flask_only("Blueprint(url_defaults=...)")
        super().__init__(prefix=_url_prefix(url_prefix), name=name, cli_group=cli_group, **options)
        self.name: str = name
        self.import_name = import_name
        self.url_prefix = url_prefix
        self.root_path = root_path or app_directory(import_name)
        self.template_folder = None if template_folder is None else os.fspath(template_folder)
        self.static_folder: str | None = None
        self.static_url_path = static_url_path
        # App-wide registrations (before_app_request…), made on each app it is registered on.
        self._app_setup: list[Callable[[Heron], Any]] = []
        self._apps: list[Heron] = []
        if static_folder is not None:
            self._add_static_route(os.path.join(self.root_path, static_folder))

    def _add_static_route(self, folder: str) -> None:
        self.static_folder = folder
        if self.static_url_path is None:
            self.static_url_path = "/" + os.path.basename(folder.rstrip("/\\"))
        route = static_folder_route(folder, self.prefix + self.static_url_path)
        if route is not None:
            route.name = f"{self.name}.static"
            self.add_route(route)

    # ------------------------------------------------------------ routes named name.view

    def _endpoint(self, name: str | None, endpoint: Callable[..., Any]) -> str:
        view = endpoint_name(endpoint) if name is None else name
        if "." in view:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        return f"{self.name}.{view}"

    def add_api_route(
        self, path: str, endpoint: Callable[..., Any], *, name: str | None = None, **options: Any
    ) -> None:
        """Register ``endpoint`` at ``url_prefix + path``, named ``blueprint.view``.

        Raises:
            ValueError: A route name with a dot (Flask's rule).
        """
        if self.prefix and path and not path.startswith("/"):
            path = "/" + path  # COMPAT(flask): "/blog" + "post" is "/blog/post"
        super().add_api_route(path, endpoint, name=self._endpoint(name, endpoint), **options)

    def add_api_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None, **options: Any
    ) -> None:
        """Register a WebSocket endpoint, named ``blueprint.view``."""
        super().add_api_websocket_route(path, endpoint, self._endpoint(name, endpoint), **options)

    def add_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None
    ) -> None:
        """Register a Starlette-style WebSocket endpoint, named ``blueprint.view``."""
        route = WebSocketRoute(self.prefix + path, endpoint, name=self._endpoint(name, endpoint))
        self.add_route(route)

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        *,
        methods: Collection[str] | None = None,
        **options: Any,
    ) -> None:
        """Flask's registration without a decorator: ``@bp.route(rule, endpoint=...)``.

        ``methods`` default to the view's ``methods`` attribute (class-based views), else
        ``GET``; ``provide_automatic_options`` is Flask's: Heron answers ``OPTIONS`` as
        the app's middleware decides (CORS).

        Raises:
            HeronError: No ``view_func`` (Flask's ``@bp.endpoint`` is in heron.flask).
        """
        if view_func is None:
            raise _flask_only("add_url_rule() without a view_func")
        methods = methods or getattr(view_func, "methods", None)
        self.route(rule, methods=methods, endpoint=endpoint, **options)(view_func)

    # ------------------------------------------------------------ nesting, app-wide hooks

    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Nest ``blueprint``: its routes are ``name.child.view`` under both prefixes.

        Raises:
            HeronError: As :meth:`heron.applications.Heron.register_blueprint`.
        """
        arguments = registration_options(blueprint, options)
        self.include_router(blueprint, name_prefix=f"{self.name}.", **arguments)
        for app in self._apps:
            blueprint.registered(app)

    def registered(self, app: Heron) -> None:
        """Make the app-wide registrations of this blueprint and those nested in it on ``app``.

        Called by ``Heron.register_blueprint``; later ones are made on ``app`` at once.
        """
        for router in (self, *self.included_routers()):
            if isinstance(router, Blueprint) and app not in router._apps:
                router._apps.append(app)
                for setup in router._app_setup:
                    setup(app)

    def _on_apps(self, setup: Callable[[Heron], Any]) -> None:
        self._app_setup.append(setup)
        for app in self._apps:
            setup(app)

    def before_app_request(self, func: _F) -> _F:
        """Flask's: register ``func`` as a ``before_request`` hook of the whole app."""
        self._on_apps(lambda app: app.before_request(func))
        return func

    def after_app_request(self, func: _F) -> _F:
        """Flask's: register ``func`` as an ``after_request`` hook of the whole app."""
        self._on_apps(lambda app: app.after_request(func))
        return func

    def teardown_app_request(self, func: _F) -> _F:
        """Flask's: register ``func`` as a ``teardown_request`` hook of the whole app."""
        self._on_apps(lambda app: app.teardown_request(func))
        return func

    def app_errorhandler(self, code_or_exception: int | type[Exception]) -> Callable[[_F], _F]:
        """Flask's: register an ``errorhandler`` of the whole app (every route's errors)."""

        def decorator(func: _F) -> _F:
            self._on_apps(lambda app: app.register_error_handler(code_or_exception, func))
            return func

        return decorator
