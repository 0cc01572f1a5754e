"""``Flask``: a Heron application with Flask's constructor, registration and request steps.

Called by user code (``app = Flask(__name__)``) and, under the drop-in switch, by every
extension that does ``from flask import Flask``. It is a :class:`heron.Heron` (middleware,
WebSockets, lifespan, Heron-style routes and routers work on it), whose HTTP requests for
Flask rules go through Flask's steps, run in a worker thread (``heron.flask.asgi``)::

    __call__ (ASGI) → heron.flask.asgi.serve_http: the WSGI environ from the scope
      → wsgi_app (in a worker thread; WSGI middleware may wrap it)
        → request_context(environ).push(): the app context, the session, URL matching
        → full_dispatch_request: request_started → preprocess_request (url value
          preprocessors, before_request) → dispatch_request (the view) → finalize_request
          (make_response → process_response: after_this_request, after_request, the
          session saved) → request_finished
        → errors: handle_user_exception / handle_http_exception / handle_exception (500)
        → ctx.pop(): teardown_request, teardown_appcontext
      → the response sent by the event loop (streamed bodies pulled chunk by chunk)

URL rules, matching and building are Werkzeug's routing (``app.url_map``), as in Flask.
Called with two arguments (``app(environ, start_response)``) the app is a WSGI
application: the test client, Werkzeug's middleware and WSGI servers use it that way.
"""

from __future__ import annotations

import asyncio.coroutines
import importlib.util
import inspect
import logging
import os
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from functools import cached_property, partial
from itertools import chain
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote as _url_quote

import anyio.from_thread
from werkzeug.datastructures import ImmutableDict
from werkzeug.exceptions import Aborter, HTTPException, NotFound
from werkzeug.routing import BuildError, Map, MapAdapter, Rule
from werkzeug.wrappers import Response as BaseResponse

from heron.applications import Heron
from heron.flask import asgi
from heron.flask.cli import run_app
from heron.flask.config import Config, ConfigAttribute
from heron.flask.ctx import AppContext, RequestContext, _AppCtxGlobals
from heron.flask.globals import _cv_app, _cv_request, g, request, session
from heron.flask.helpers import get_debug_flag, get_flashed_messages
from heron.flask.json.provider import DefaultJSONProvider, JSONProvider
from heron.flask.logging import create_logger
from heron.flask.scaffold import Scaffold, _endpoint_from_view_func, setupmethod
from heron.flask.sessions import SecureCookieSessionInterface, SessionInterface
from heron.flask.steps import RequestSteps
from heron.flask.templating import DispatchingJinjaLoader, Environment
from heron.flask.testing import EnvironBuilder, FlaskClient, FlaskCliRunner
from heron.flask.wrappers import Request, Response
from heron.matching import Match
from heron.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from heron.flask.blueprints import Blueprint

__all__ = ["Flask"]

_F = TypeVar("_F", bound=Callable[..., Any])
_SENTINEL: Any = object()


def _make_timedelta(value: timedelta | int | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


#: COMPAT(flask): Flask 3.1's default configuration, key for key.
DEFAULT_CONFIG: ImmutableDict[str, Any] = ImmutableDict(
    {
        "DEBUG": None,
        "TESTING": False,
        "PROPAGATE_EXCEPTIONS": None,
        "SECRET_KEY": None,
        "SECRET_KEY_FALLBACKS": None,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
        "USE_X_SENDFILE": False,
        "TRUSTED_HOSTS": None,
        "SERVER_NAME": None,
        "APPLICATION_ROOT": "/",
        "SESSION_COOKIE_NAME": "session",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_PATH": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_PARTITIONED": False,
        "SESSION_COOKIE_SAMESITE": None,
        "SESSION_REFRESH_EACH_REQUEST": True,
        "MAX_CONTENT_LENGTH": None,
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 1_000,
        "SEND_FILE_MAX_AGE_DEFAULT": None,
        "TRAP_BAD_REQUEST_ERRORS": None,
        "TRAP_HTTP_EXCEPTIONS": False,
        "EXPLAIN_TEMPLATE_LOADING": False,
        "PREFERRED_URL_SCHEME": "http",
        "TEMPLATES_AUTO_RELOAD": None,
        "MAX_COOKIE_SIZE": 4093,
        "PROVIDE_AUTOMATIC_OPTIONS": True,
    }
)


class Flask(RequestSteps, Scaffold, Heron):  # type: ignore[misc]
    """A Flask application on Heron.

    Args:
        import_name: The application's module (``__name__``): its folder holds
            ``static/`` and ``templates/``.
        static_url_path: The URL prefix of static files (``/static``).
        static_folder: The static files folder, relative to ``root_path``.
        static_host: The host of the static route, with ``host_matching``.
        host_matching: Match rules on the ``Host`` too (``url_map.host_matching``).
        subdomain_matching: Match the subdomain relative to ``SERVER_NAME``.
        template_folder: The templates folder, relative to ``root_path``.
        instance_path: The instance folder (absolute); ``instance/`` beside the app by
            default.
        instance_relative_config: Relative config file names are relative to the instance
            folder.
        root_path: The application's folder (found from ``import_name`` by default).
    """

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    aborter_class: type[Aborter] = Aborter
    jinja_environment: type[Environment] = Environment
    app_ctx_globals_class: type[_AppCtxGlobals] = _AppCtxGlobals
    config_class: type[Config] = Config
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    url_rule_class: type[Rule] = Rule
    url_map_class: type[Map] = Map
    test_client_class: type[FlaskClient] | None = None
    test_cli_runner_class: type[FlaskCliRunner] | None = None
    _session_interface: SessionInterface = SecureCookieSessionInterface()
    default_config = DEFAULT_CONFIG
    jinja_options: dict[str, Any] = {}

    testing = ConfigAttribute[bool]("TESTING")
    secret_key = ConfigAttribute[str | bytes | None]("SECRET_KEY")
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME",
        get_converter=_make_timedelta,  # type: ignore[arg-type]
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        # Heron's own settings first (no OpenAPI pages, folders, sessions or CSRF of its
        # own: Flask's are below); its assignments to debug/secret_key land in a scratch
        # dict until the real config exists.
        self.config = {}  # type: ignore[assignment]
        Heron.__init__(
            self,
            import_name,
            title=import_name,
            openapi_url=None,
            docs_url=None,
            redoc_url=None,
            template_folder=None,
            static_folder=None,
            csrf=False,
        )
        # A subclass may set `secret_key = "..."` as a class attribute (Flask-WTF's tests
        # do): Heron's assignment above must not shadow it.
        self.__dict__.pop("secret_key", None)
        self._restore_session_interface()
        Scaffold.__init__(
            self,
            import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(
                "If an instance path is provided it must be absolute. A relative path was"
                " given instead."
            )
        self.instance_path = instance_path
        self.config = self.make_config(instance_relative_config)
        self.aborter = self.make_aborter()
        self.json: JSONProvider = self.json_provider_class(self)
        self.url_build_error_handlers: list[Callable[[Exception, str, dict[str, Any]], str]] = []
        self.teardown_appcontext_funcs: list[Callable[[BaseException | None], None]] = []
        self.shell_context_processors: list[Callable[[], dict[str, Any]]] = []
        self.blueprints: dict[str, Blueprint] = {}
        self.extensions: dict[str, Any] = {}
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        self._got_first_request = False
        if self.has_static_folder:
            assert bool(static_host) == host_matching, (
                "Invalid static_host/host_matching combination"
            )
            # NOTE: a weak reference: the view must not keep the app alive.
            app_ref = weakref.ref(self)
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=lambda **kw: app_ref().send_static_file(**kw),  # type: ignore[union-attr]
            )
        self.cli.name = self.name

    # ------------------------------------------------------------ settings

    @property  # type: ignore[override]
    def session_interface(self) -> SessionInterface:
        """How sessions are opened and saved (Flask's signed cookie by default)."""
        return self._session_interface

    @session_interface.setter  # type: ignore[override]
    def session_interface(self, value: SessionInterface | None) -> None:
        # Heron's core sets None to say it keeps no session of its own: Flask's stays.
        if value is not None:
            self._session_interface = value

    def _restore_session_interface(self) -> None:
        # A subclass may set `session_interface = MyInterface()` as a class attribute (it
        # replaces the property): Heron's core then stores None on the instance.
        if "session_interface" in self.__dict__ and self.__dict__["session_interface"] is None:
            del self.__dict__["session_interface"]

    def build_middleware_stack(self) -> ASGIApp:
        """Heron's stack (lifespan, WebSockets, Heron routes), Flask's session kept."""
        stack = super().build_middleware_stack()
        self._restore_session_interface()
        return stack

    def _own_sessions(self) -> None:
        # The Flask steps open and save the session; Heron's cookie session stays off.
        return None

    @property
    def debug(self) -> bool:
        """Debug mode (``DEBUG``): tracebacks propagate, templates reload."""
        return bool(self.config.get("DEBUG"))

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config.get("TEMPLATES_AUTO_RELOAD") is None and "jinja_env" in self.__dict__:
            self.jinja_env.auto_reload = value

    @cached_property
    def name(self) -> str:  # type: ignore[override]
        """The application's name: its module, or the script's name when run as ``__main__``."""
        if self.import_name == "__main__":
            filename = getattr(sys.modules["__main__"], "__file__", None)
            if filename is None:
                return "__main__"
            return os.path.splitext(os.path.basename(filename))[0]  # type: ignore[no-any-return]
        return self.import_name

    @cached_property
    def logger(self) -> logging.Logger:  # type: ignore[override]
        """The app's ``logging`` logger (:func:`heron.flask.logging.create_logger`)."""
        return create_logger(self)

    def make_config(self, instance_relative: bool = False) -> Config:
        """The app's config: Flask's defaults, ``DEBUG`` from ``FLASK_DEBUG``."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        return self.config_class(root_path, defaults)

    def make_aborter(self) -> Aborter:
        """The object behind ``abort()``."""
        return self.aborter_class()

    def auto_find_instance_path(self) -> str:
        """Flask's instance folder: ``instance/`` beside the top-level package or module.

        For ``flaskr/__init__.py`` that is ``flaskr``'s parent folder (the project), not
        the package itself; for an app installed into ``site-packages``,
        ``<prefix>/var/<name>-instance``.
        """
        top = self.import_name.partition(".")[0]
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):  # __main__ run as a script has no spec
            spec = None
        locations = list(spec.submodule_search_locations or ()) if spec is not None else []
        if spec is not None and spec.origin in (None, "namespace") and locations:
            project = _namespace_project(self.import_name, locations)
        elif spec is None or spec.origin in (None, "built-in", "frozen"):
            project = os.getcwd()
        elif locations:  # a package: its parent folder
            project = os.path.dirname(os.path.dirname(os.path.abspath(spec.origin)))
        else:
            project = os.path.dirname(os.path.abspath(spec.origin))
        prefix = _install_prefix(project)
        if prefix is not None:
            # Installed: no folder of its own to write to.
            return os.path.join(prefix, "var", f"{self.name}-instance")
        return os.path.join(project, "instance")

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> Any:
        """Open a file of the instance folder (writing allowed)."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the application. It"
                " has already handled its first request, any changes will not be applied"
                " consistently.\nMake sure all imports, decorators, functions, etc. needed to"
                " set up the application are done before running it."
            )

    # ------------------------------------------------------------ templates

    @cached_property
    def jinja_env(self) -> Environment:
        """The application's Jinja environment (made on first use)."""
        return self.create_jinja_environment()

    def create_jinja_environment(self) -> Environment:
        """The Jinja environment with Flask's globals (``url_for``, ``config``, ``request``…)."""
        options = dict(self.jinja_options)
        options.setdefault("autoescape", self.select_jinja_autoescape)
        if "auto_reload" not in options:
            auto_reload = self.config["TEMPLATES_AUTO_RELOAD"]
            options["auto_reload"] = self.debug if auto_reload is None else auto_reload
        env = self.jinja_environment(self, **options)
        env.globals.update(
            url_for=self.url_for,
            get_flashed_messages=get_flashed_messages,
            config=self.config,
            request=request,
            session=session,
            g=g,
        )
        env.policies["json.dumps_function"] = self.json.dumps
        return env

    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        """The loader looking in the app's and the blueprints' template folders."""
        return DispatchingJinjaLoader(self)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Autoescape ``.html``, ``.htm``, ``.xml``, ``.xhtml`` and ``.svg`` templates."""
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))

    def update_template_context(self, context: dict[str, Any]) -> None:
        """Add the context processors' values to ``context`` (explicit values win)."""
        names: Iterable[str | None] = (None,)
        if (ctx := _cv_request.get(None)) is not None:
            names = chain(names, reversed(ctx.request.blueprints))
        original = context.copy()
        for name in names:
            for func in self.template_context_processors.get(name, ()):
                context.update(self.ensure_sync(func)())
        context.update(original)

    @setupmethod
    def template_filter(self, name: str | None = None) -> Callable[[_F], _F]:  # type: ignore[override]
        """Decorator registering a Jinja filter."""

        def decorator(f: _F) -> _F:
            self.add_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_filter(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Register a Jinja filter."""
        self.jinja_env.filters[name or f.__name__] = f

    @setupmethod
    def template_test(self, name: str | None = None) -> Callable[[_F], _F]:  # type: ignore[override]
        """Decorator registering a Jinja test."""

        def decorator(f: _F) -> _F:
            self.add_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_test(self, f: Callable[..., bool], name: str | None = None) -> None:
        """Register a Jinja test."""
        self.jinja_env.tests[name or f.__name__] = f

    @setupmethod
    def template_global(self, name: str | None = None) -> Callable[[_F], _F]:  # type: ignore[override]
        """Decorator registering a Jinja global."""

        def decorator(f: _F) -> _F:
            self.add_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_global(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Register a Jinja global."""
        self.jinja_env.globals[name or f.__name__] = f

    # ------------------------------------------------------------ registration

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register a URL rule and its view.

        Args:
            rule: The URL rule (Werkzeug syntax: ``/post/<int:post_id>``).
            endpoint: The endpoint name (the view's ``__name__`` by default).
            view_func: The view; may be added later with :meth:`endpoint`.
            provide_automatic_options: Answer ``OPTIONS`` automatically.
            **options: Werkzeug ``Rule`` options: ``methods``, ``defaults``,
                ``strict_slashes``, ``subdomain``, ``host``, ``redirect_to``…

        Raises:
            TypeError: ``methods`` is a string.
            AssertionError: Another view already has this endpoint.
        """
        if endpoint is None:
            assert view_func is not None, "expected view func if endpoint is not provided."
            endpoint = _endpoint_from_view_func(view_func)
        options["endpoint"] = endpoint
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                "Allowed methods must be a list of strings, for example:"
                ' @app.route(..., methods=["POST"])'
            )
        method_set = {method.upper() for method in methods}
        required = set(getattr(view_func, "required_methods", ()))
        if provide_automatic_options is None:
            provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
        if provide_automatic_options is None:
            provide_automatic_options = "OPTIONS" not in method_set and bool(
                self.config["PROVIDE_AUTOMATIC_OPTIONS"]
            )
            if provide_automatic_options:
                required.add("OPTIONS")
        rule_obj = self.url_rule_class(rule, methods=method_set | required, **options)
        rule_obj.provide_automatic_options = provide_automatic_options  # type: ignore[attr-defined]
        self.url_map.add(rule_obj)
        if view_func is not None:
            existing = self.view_functions.get(endpoint)
            if existing is not None and existing != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing endpoint function:"
                    f" {endpoint}"
                )
            self.view_functions[endpoint] = view_func

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Register ``blueprint``: its routes, hooks, folders and commands join the app's.

        Args:
            blueprint: The blueprint.
            **options: ``url_prefix``, ``subdomain``, ``url_defaults``, ``name``
                (registering one blueprint twice under two names), ``cli_group``.
        """
        blueprint.register(self, options)

    def iter_blueprints(self) -> Iterator[Blueprint]:
        """The registered blueprints, in registration order."""
        return iter(self.blueprints.values())

    @setupmethod
    def teardown_appcontext(self, f: _F) -> _F:
        """Run ``f(error)`` when the application context pops."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def shell_context_processor(self, f: _F) -> _F:
        """Add ``f()``'s dict to ``flask shell``'s namespace."""
        self.shell_context_processors.append(f)
        return f

    def make_shell_context(self) -> dict[str, Any]:
        """The namespace of ``flask shell``: ``app``, ``g`` and the processors' values."""
        namespace: dict[str, Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            namespace.update(processor())
        return namespace

    # ------------------------------------------------------------ URLs

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """The URL adapter of a request, or of the app (needs ``SERVER_NAME``)."""
        if request is not None:
            if (trusted := self.config["TRUSTED_HOSTS"]) is not None:
                request.trusted_hosts = trusted
            # Validate the host against TRUSTED_HOSTS now, before anything reads it.
            request.host  # noqa: B018
            return self._bind(request.environ)
        if self.config["SERVER_NAME"] is not None:
            return self.url_map.bind(
                self.config["SERVER_NAME"],
                script_name=self.config["APPLICATION_ROOT"],
                url_scheme=self.config["PREFERRED_URL_SCHEME"],
            )
        return None

    def _bind(self, environ: dict[str, Any]) -> MapAdapter:
        """The URL map bound to a request's environ (its host, subdomain and root path)."""
        if self.url_map.host_matching:
            return self.url_map.bind_to_environ(environ)
        # COMPAT(flask): with subdomain matching off, "" (no subdomain): a request for
        # another host than SERVER_NAME is still matched, and URLs are built with it.
        subdomain = None if self.subdomain_matching else self.url_map.default_subdomain or ""
        return self.url_map.bind_to_environ(
            environ, server_name=self.config["SERVER_NAME"], subdomain=subdomain
        )

    def url_for(
        self,
        endpoint: str,
        /,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        """The URL of ``endpoint``: its rule's variables from ``values``, the rest as query.

        Args:
            endpoint: The endpoint; ``.name`` is relative to the current blueprint.
            _anchor: A fragment to append.
            _method: The method the rule must allow.
            _scheme: The scheme of an external URL.
            _external: An absolute URL (the default outside a request).
            **values: The rule's variables and query arguments.

        Raises:
            RuntimeError: Outside a request without ``SERVER_NAME``.
            ValueError: ``_scheme`` without ``_external``.
            BuildError: No rule builds from these values.
        """
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            adapter = req_ctx.url_adapter
            blueprint = req_ctx.request.blueprint
            if endpoint.startswith("."):
                endpoint = f"{blueprint}{endpoint}" if blueprint is not None else endpoint[1:]
            if _external is None:
                _external = _scheme is not None
        else:
            app_ctx = _cv_app.get(None)
            adapter = app_ctx.url_adapter if app_ctx is not None else self.create_url_adapter(None)
            if adapter is None:
                raise RuntimeError(
                    "Unable to build URLs outside an active request without 'SERVER_NAME'"
                    " configured. Also configure 'APPLICATION_ROOT' and"
                    " 'PREFERRED_URL_SCHEME' as needed."
                )
            if _external is None:
                _external = True
        if _scheme is not None and not _external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")
        self.inject_url_defaults(endpoint, values)
        assert adapter is not None
        try:
            url = adapter.build(
                endpoint, values, method=_method, url_scheme=_scheme, force_external=_external
            )
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)
        if _anchor is not None:
            url += "#" + _url_quote(_anchor, safe="%!#$&'()*+,/:;=?@")
        return url

    def inject_url_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
        """Run the ``url_defaults`` functions of the app and of the endpoint's blueprints."""
        names: Iterable[str | None] = (None,)
        if "." in endpoint:
            # The app's first, then the outermost blueprint's, down to the endpoint's own.
            parts = endpoint.rpartition(".")[0].split(".")
            names = chain(names, (".".join(parts[:i]) for i in range(1, len(parts) + 1)))
        for name in names:
            for func in self.url_default_functions.get(name, ()):
                func(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, Any]
    ) -> str:
        """Ask the ``url_build_error_handlers``; re-raise when none builds the URL."""
        for handler in self.url_build_error_handlers:
            try:
                url = handler(error, endpoint, values)
            except BuildError as exc:
                error = exc
            else:
                if url is not None:
                    return url
        if error is sys.exc_info()[1]:
            raise
        raise error

    def redirect(self, location: str, code: int = 302) -> BaseResponse:
        """A redirect response of the app's response class."""
        from werkzeug.utils import redirect

        return redirect(location, code=code, Response=self.response_class)

    # ------------------------------------------------------------ contexts

    def app_context(self) -> AppContext:  # type: ignore[override]
        """A new application context (``with app.app_context(): ...``)."""
        return AppContext(self)

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        """The request context of a WSGI environ."""
        return RequestContext(self, environ)

    def test_request_context(self, *args: Any, **kwargs: Any) -> RequestContext:
        """A request context for a request built like the test client's (``path``, ``data``…)."""
        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def test_client(self, use_cookies: bool = True, **kwargs: Any) -> FlaskClient:
        """A client sending requests to the app in the same thread (Werkzeug's ``Client``)."""
        cls = self.test_client_class
        if cls is None:
            cls = FlaskClient
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: Any) -> FlaskCliRunner:
        """A runner invoking the app's CLI commands (``runner.invoke(args=["hello"])``)."""
        cls = self.test_cli_runner_class
        if cls is None:
            cls = FlaskCliRunner
        return cls(self, **kwargs)

    # ------------------------------------------------------------ sync and async

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func``, or a sync wrapper running it on the event loop when it is async."""
        if inspect.iscoroutinefunction(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """A sync function awaiting ``func`` (on Heron's event loop during a request)."""

        def run(*args: Any, **kwargs: Any) -> Any:
            call = partial(func, *args, **kwargs)
            if asgi.in_request_thread():
                # An async view may read request.form synchronously: the body comes first.
                asgi.preload_body()
                return anyio.from_thread.run(call)
            return anyio.run(call)

        return run

    # ------------------------------------------------------------ serving

    def __call__(self, scope: Any, receive: Any, send: Send | None = None) -> Any:
        """ASGI with three arguments, WSGI with two (``app(environ, start_response)``)."""
        if send is None:
            return self.wsgi_app(scope, receive)
        return self._asgi(scope, receive, send)

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self
        if scope["type"] == "http":
            environ = asgi.environ_of(scope, None)
            # Flask rules first; a Heron route (an APIRouter, a mount) takes what they leave.
            if (
                not self.router.routes
                or self._flask_rule_matches(environ)
                or not self._heron_route_matches(scope)
            ):
                await asgi.serve_http(self, scope, receive, send, environ)
                return
        # WebSockets, lifespan and Heron-style routes: Heron's own path.
        stack = self.middleware_stack
        if stack is None:
            stack = self.middleware_stack = self.build_middleware_stack()
        await stack(scope, receive, send)

    def _flask_rule_matches(self, environ: dict[str, Any]) -> bool:
        """Whether a Flask rule takes the request's path (a 405 or a slash redirect counts)."""
        try:
            self._bind(environ).match()
        except NotFound:
            return False
        except HTTPException:  # MethodNotAllowed, RequestRedirect: the rule's answer
            return True
        return True

    def _heron_route_matches(self, scope: Scope) -> bool:
        """Whether a Heron-style route (``app.include_router``, ``app.mount``) takes ``scope``."""
        for route in self.router.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return True
        return False

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: Any,
    ) -> None:
        """Serve the app with uvicorn (Flask's ``app.run``; a no-op under ``heron run``)."""
        run_app(self, host=host, port=port, debug=debug, load_dotenv=load_dotenv, **options)


# The ASGI servers (uvicorn, granian) call an app whose __call__ is a coroutine function
# with three arguments; Flask's app also answers WSGI's two. Marked so servers see ASGI 3.
Flask.__call__._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]


def _install_prefix(folder: str) -> str | None:
    """The installation prefix of a package's folder, None when it is not installed.

    Flask's rule: under ``sys.prefix``, that prefix; in another ``site-packages``
    (``<prefix>/lib/pythonX.Y/site-packages``, ``<prefix>/Lib/site-packages``), its prefix.
    """
    prefix = os.path.abspath(sys.prefix)
    if folder == prefix or folder.startswith(prefix.rstrip(os.sep) + os.sep):
        return prefix
    parent, name = os.path.split(folder)
    if name.lower() != "site-packages":
        return None
    grandparent, parent_name = os.path.split(parent)
    if parent_name.lower() == "lib":  # <prefix>/Lib/site-packages (Windows)
        return grandparent
    if os.path.basename(grandparent).lower() == "lib":  # <prefix>/lib/pythonX.Y/site-packages
        return os.path.dirname(grandparent)
    return parent


def _namespace_project(import_name: str, locations: list[str]) -> str:
    """The project of a module in a namespace package: the parent of the folder holding it."""
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    where = spec.origin if spec is not None else None
    for location in locations:
        if where and os.path.abspath(where).startswith(os.path.join(os.path.abspath(location), "")):
            return os.path.dirname(location)
    return os.path.dirname(locations[0])
