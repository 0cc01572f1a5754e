"""Flask's command line: the ``flask`` command, ``FlaskGroup``, ``AppGroup``, app discovery.

Called by the ``flask`` script and ``python -m flask`` under the drop-in switch
(:func:`main`, :data:`cli`), by projects that build their own ``click`` entry point on
:class:`FlaskGroup`, by apps and extensions that add commands (``@app.cli.command()``,
``@click.command() @with_appcontext``), by ``app.test_cli_runner()`` and by
:meth:`Flask.run` (:func:`run_app`). Finding the app follows Flask's rules::

    --app / FLASK_APP "module:name", "path/to/file.py:create_app('dev')", or nothing
      → prepare_import: the module's folder on sys.path, its dotted name
      → locate_app: import it → find_app_by_string(name) | find_best_app(module)
    nothing given → wsgi.py, then app.py, of the current folder

``flask run`` checks its options as Flask does; the server is uvicorn (Heron's), not
Werkzeug's development server: ``--reload`` is uvicorn's reloader, ``--debugger`` wraps
the app's ``wsgi_app`` in Werkzeug's debugger without its console, ``--with-threads`` is always
on (each request runs in a worker thread). Heron's own command, ``heron``, serves and
inspects a ``heron.flask`` app too.
"""

from __future__ import annotations

import atexit
import code
import importlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

import click
from click.core import ParameterSource
from werkzeug.serving import make_ssl_devcert
from werkzeug.utils import import_string

import heron
from heron.flask._discovery import (
    NoAppException,
    find_app_by_string,
    find_best_app,
    locate_app,
    prepare_import,
    split_app_path,
)
from heron.flask.globals import current_app
from heron.flask.helpers import FLASK_VERSION, get_debug_flag, get_load_dotenv

if TYPE_CHECKING:
    import ssl

    from heron.flask.app import Flask

__all__ = [
    "AppGroup",
    "CertParamType",
    "FlaskGroup",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_app",
    "run_command",
    "shell_command",
    "show_server_banner",
    "version_option",
    "with_appcontext",
]

_F = TypeVar("_F", bound=Callable[..., Any])


def get_version(ctx: click.Context, param: click.Parameter | None, value: Any) -> None:
    """``--version``: the versions of Python, Flask (the API served), Werkzeug and Heron."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(
        f"Python {platform.python_version()}\nFlask {FLASK_VERSION}\n"
        f"Werkzeug {importlib.metadata.version('werkzeug')}\nHeron {heron.__version__}",
        color=ctx.color,
    )
    ctx.exit()


#: ``--version`` of :class:`FlaskGroup`.
version_option = click.Option(
    ["--version"],
    help="Show the Flask version.",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=get_version,
)


class ScriptInfo:
    """How a command finds the application (``--app``, a ``create_app`` function, a file).

    Args:
        app_import_path: ``module:name``, ``path/to/app.py``, ``module:factory(args)``.
        create_app: A function returning the app (wins over the import path).
        set_debug_flag: Whether loading sets ``app.debug`` from ``FLASK_DEBUG``.
        load_dotenv_defaults: Whether the ``.env`` and ``.flaskenv`` files are loaded
            (``FLASK_SKIP_DOTENV`` can turn it off); ``ScriptInfo`` itself loads nothing.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[..., Flask] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        #: Anything a project wants to keep with the script's state.
        self.data: dict[Any, Any] = {}
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self._loaded_app: Flask | None = None

    def load_app(self) -> Flask:
        """The application, loaded on the first call.

        Raises:
            NoAppException: No app is found.
        """
        if self._loaded_app is not None:
            return self._loaded_app
        app: Flask | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            path, name = split_app_path(self.app_import_path)
            app = locate_app(prepare_import(path), name)
        else:
            for candidate in ("wsgi.py", "app.py"):
                app = locate_app(prepare_import(candidate), None, raise_if_not_found=False)
                if app is not None:
                    break
        if app is None:
            raise NoAppException(
                "Could not locate a Flask application. Use the 'flask --app' option,"
                " 'FLASK_APP' environment variable, or a 'wsgi.py' or 'app.py' file in the"
                " current directory."
            )
        if self.set_debug_flag:
            # Through the property, so what depends on debug mode follows.
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


#: Passes the :class:`ScriptInfo` of the command line to a command (made if missing).
pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: _F) -> _F:
    """Run a command inside the application's context (loading the app first)."""

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        if not current_app:
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return update_wrapper(decorator, f)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A ``click`` group whose commands run inside the application's context."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        """``click.Group.command`` in the app context (unless ``with_appcontext=False``)."""
        wrap_for_ctx = kwargs.pop("with_appcontext", True)

        def decorator(f: Callable[..., Any]) -> click.Command:
            if wrap_for_ctx:
                f = with_appcontext(f)
            return click.Group.command(self, *args, **kwargs)(f)  # type: ignore[no-any-return]

        return decorator

    def group(self, *args: Any, **kwargs: Any) -> Any:
        """``click.Group.group``, its commands in the application's context too."""
        kwargs.setdefault("cls", AppGroup)
        return click.Group.group(self, *args, **kwargs)


# ---------------------------------------------------------------- FlaskGroup's options


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> bool | None:
    if param.name is None or ctx.get_parameter_source(param.name) in (
        ParameterSource.DEFAULT,
        ParameterSource.DEFAULT_MAP,
    ):
        return None  # not given: FLASK_DEBUG decides
    # The environment, not the ScriptInfo: an app factory reads it while it runs.
    os.environ["FLASK_DEBUG"] = "1" if value else "0"
    return value


def _load_env_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and importlib.util.find_spec("dotenv") is None:
        raise click.BadParameter(
            "python-dotenv must be installed to load an env file.", ctx=ctx, param=param
        )
    defaults = ctx.ensure_object(ScriptInfo).load_dotenv_defaults
    if value is not None or defaults:
        load_dotenv(value, load_defaults=defaults)
    return value


# Eager, and in this order: the env file can set FLASK_APP, which --app reads; --app is
# read before --help (eager too), so the help lists the app's commands.
_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help="Load environment variables from this file, taking precedence over those set by"
    " '.env' and '.flaskenv'. Variables set directly in the environment take highest"
    " precedence. python-dotenv must be installed.",
    is_eager=True,
    expose_value=False,
    callback=_load_env_file,
)
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help="The Flask application or factory function to load, in the form 'module:name'."
    " Module can be a dotted import or file path. Name is not required if it is 'app',"
    " 'application', 'create_app', or 'make_app', and can be 'name(args)' to pass"
    " arguments.",
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)
_debug_option = click.Option(
    ["--debug/--no-debug"],
    help="Set debug mode.",
    expose_value=False,
    callback=_set_debug,
)


class FlaskGroup(AppGroup):
    """The ``flask`` command: ``run``, ``shell``, ``routes``, plugins' and the app's commands.

    Its options (``--env-file``, ``--app``, ``--debug``, ``--version``) are handled by
    their own callbacks, so a custom group callback keeps them.

    Args:
        add_default_commands: Add ``run``, ``shell`` and ``routes``.
        create_app: A function returning the app (instead of ``--app``).
        add_version_option: Add ``--version``.
        load_dotenv: Load ``.env`` and ``.flaskenv`` (unless ``FLASK_SKIP_DOTENV``).
        set_debug_flag: Whether loading sets the app's debug flag from ``FLASK_DEBUG``.
        **extra: ``click.Group`` options.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: Callable[..., Flask] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: Any,
    ) -> None:
        params = [
            *(extra.pop("params", None) or ()),
            _env_file_option,
            _app_option,
            _debug_option,
        ]
        if add_version_option:
            params.append(version_option)
        settings = extra.setdefault("context_settings", {})
        settings.setdefault("auto_envvar_prefix", "FLASK")  # FLASK_APP, FLASK_RUN_PORT...
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)
        self._plugins_loaded = False

    def _load_plugin_commands(self) -> None:
        """Add the commands installed packages declare (entry points ``flask.commands``)."""
        if self._plugins_loaded:
            return
        for entry_point in importlib.metadata.entry_points(group="flask.commands"):
            self.add_command(entry_point.load(), entry_point.name)
        self._plugins_loaded = True

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """A built-in or plugin command (even without an app), or one of the app's."""
        self._load_plugin_commands()
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as exc:
            click.secho(f"Error: {exc.format_message()}\n", err=True, fg="red")
            return None
        # The app's context for the command and its options' callbacks.
        if not current_app or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The built-in, plugin and app commands; a failing app is reported, not fatal."""
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        try:
            names.update(ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx))
        except NoAppException as exc:
            click.secho(f"Error: {exc.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """A context whose object is the :class:`ScriptInfo`."""
        # A module that calls app.run() when imported must not start a server here.
        os.environ["FLASK_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse; with no arguments or only ``--help``, read the env file and app first.

        Help for a bare command skips the eager options, so their environment variables
        (``FLASK_ENV_FILE``, ``FLASK_APP``) are handled here: the help lists the app's
        commands.
        """
        help_only = len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        if help_only or (not args and self.no_args_is_help):
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Set environment variables from dotenv files (python-dotenv), never overriding.

    ``path`` wins over ``.env``, which wins over ``.flaskenv`` (the nearest of each,
    searched from the current folder up); a variable already in the environment wins over
    them all. Without python-dotenv this does nothing (and says so if files exist).

    Args:
        path: A file to load (ignored when it does not exist).
        load_defaults: Whether to look for ``.env`` and ``.flaskenv``.

    Returns:
        Whether any variable was read from a file.
    """
    try:
        # OPTIONAL: python-dotenv.
        import dotenv
    except ImportError:
        if path or os.path.isfile(".env") or os.path.isfile(".flaskenv"):
            click.secho(
                " * Tip: There are .env files present. Install python-dotenv to use them.",
                fg="yellow",
                err=True,
            )
        return False
    values: dict[str, str | None] = {}
    if load_defaults:
        # Lowest precedence first: each file's values override the ones before.
        for name in (".flaskenv", ".env"):
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                values.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        values.update(dotenv.dotenv_values(path, encoding="utf-8"))
    for key, value in values.items():
        if value is not None:
            os.environ.setdefault(key, value)
    return bool(values)


# ---------------------------------------------------------------- flask run


class CertParamType(click.ParamType):  # type: ignore[type-arg]
    """``--cert``: a certificate file, ``adhoc``, or the import name of an ``SSLContext``."""

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The file's absolute path, ``"adhoc"``, or the ``ssl.SSLContext`` object."""
        try:
            ssl_module = importlib.import_module("ssl")
        except ImportError:
            raise click.BadParameter(
                'Using "--cert" requires Python to be compiled with SSL support.', ctx, param
            ) from None
        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            text = click.STRING(value, param, ctx)
            if text.lower() == "adhoc":
                try:
                    importlib.import_module("cryptography")
                except ImportError:
                    raise click.BadParameter(
                        "Using ad-hoc certificates requires the cryptography library.", ctx, param
                    ) from None
                return "adhoc"
            context = import_string(text, silent=True)
            if isinstance(context, ssl_module.SSLContext):
                return context
            raise


def _is_ssl_context(value: object) -> TypeGuard[ssl.SSLContext]:
    ssl_module = sys.modules.get("ssl")  # no ssl module: no SSLContext either
    return ssl_module is not None and isinstance(value, ssl_module.SSLContext)


def _validate_key(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--key``: required with a certificate file (``cert`` becomes ``(cert, key)``).

    Refused without ``--cert``, and with an ``adhoc`` or ``SSLContext`` certificate.
    """
    cert = ctx.params.get("cert")
    if cert == "adhoc" or _is_ssl_context(cert):
        if value is not None:
            what = '"adhoc"' if cert == "adhoc" else "an SSLContext object"
            raise click.BadParameter(f'When "--cert" is {what}, "--key" is not used.', ctx, param)
    elif value is not None:
        if not cert:
            raise click.BadParameter('"--cert" must also be specified.', ctx, param)
        ctx.params["cert"] = (cert, value)
    elif cert:
        raise click.BadParameter('Required when using "--cert".', ctx, param)
    return value


class SeparatedPathType(click.Path):
    """Several paths in one value, separated by ``os.pathsep`` (``:``; ``;`` on Windows)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Each path checked as ``click.Path`` does; a list."""
        check = super().convert
        return [check(item, param, ctx) for item in self.split_envvar_value(value)]


def show_server_banner(debug: bool | None, app_import_path: str | None) -> None:
    """Print which app is served and whether debug mode is on."""
    if app_import_path is not None:
        click.echo(f" * Serving Flask app '{app_import_path}'")
    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")


def _attach_debugger(app: Flask, host: str | None = None) -> None:
    """Werkzeug's debugger around the app's ``wsgi_app``: traceback pages, no console."""
    # SECURITY: Flask's runs Python typed into the page (PIN-protected); remote code
    # execution is not a Heron feature, so evalex stays off: nothing typed runs.
    # PERF: Werkzeug's debugger (its traceback pages) loads when it is used.
    from werkzeug.debug import DebuggedApplication

    if isinstance(app.wsgi_app, DebuggedApplication):
        return
    debugger = DebuggedApplication(app.wsgi_app, evalex=False)
    if host and host not in debugger.trusted_hosts:
        debugger.trusted_hosts.append(host)
    app.wsgi_app = debugger  # type: ignore[method-assign]
    click.echo(" * Debugger is active (traceback pages; no interactive console).")


#: How a process started by uvicorn's reloader loads the app ``flask run`` serves.
_RELOADED_APP = "HERON_FLASK_RUN"


def _reloaded_app() -> Flask:
    """The app factory uvicorn calls in each process its reloader starts."""
    settings = json.loads(os.environ[_RELOADED_APP])
    info = ScriptInfo(settings["app"], set_debug_flag=settings["set_debug_flag"])
    app = info.load_app()
    if settings["debugger"]:
        _attach_debugger(app, settings["host"])
    return app


def _serve(
    info: ScriptInfo,
    app: Flask,
    options: dict[str, Any],
    cert: ssl.SSLContext | tuple[str, str] | str | None,
    reload: bool,
    debugger: bool,
    watch: tuple[list[str] | None, list[str] | None],
) -> None:
    """Serve with uvicorn (``options``: the host and port).

    ``watch`` holds the extra files the reloader watches and the patterns it ignores.
    """
    # PERF: uvicorn (and uvloop, httptools) load only to serve.
    import uvicorn

    if cert == "adhoc":
        folder = tempfile.mkdtemp(prefix="heron-flask-cert-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        cert = make_ssl_devcert(os.path.join(folder, "adhoc"))
    if isinstance(cert, tuple):
        options["ssl_certfile"], options["ssl_keyfile"] = cert
    context = cert if _is_ssl_context(cert) else None
    if reload and (info.create_app is not None or context is not None):
        why = "an SSLContext object" if context is not None else "a create_app function"
        click.secho(f" * Reloader off: a new process cannot get {why}.", fg="yellow", err=True)
        reload = False
    if reload:
        extra_files, excluded = watch
        settings = {"app": info.app_import_path, "set_debug_flag": info.set_debug_flag}
        settings.update(debugger=debugger, host=options["host"])
        os.environ[_RELOADED_APP] = json.dumps(settings)
        folders = [os.getcwd(), *(os.path.dirname(os.path.abspath(f)) for f in extra_files or ())]
        uvicorn.run(
            f"{__name__}:_reloaded_app",
            factory=True,
            reload=True,
            reload_dirs=list(dict.fromkeys(folders)),
            reload_includes=["*.py", *(os.path.basename(f) for f in extra_files or ())],
            reload_excludes=excluded or None,
            **options,
        )
        return
    if debugger:
        _attach_debugger(app, options["host"])
    if context is None:
        uvicorn.run(app, **options)
        return
    config = uvicorn.Config(app, **options)
    config.load()
    config.ssl = context  # uvicorn builds contexts from files only: this one as it is
    uvicorn.Server(config).run()


@click.command("run", short_help="Run a development server.")
@click.option("--host", "-h", default="127.0.0.1", help="The interface to bind to.")
@click.option("--port", "-p", default=5000, help="The port to bind to.")
@click.option(
    "--cert", type=CertParamType(), is_eager=True, help="Specify a certificate file to use HTTPS."
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    help="The key file to use when specifying a certificate.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Enable or disable the reloader. By default the reloader is active if debug is enabled.",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    help="Enable or disable the debugger. By default the debugger is active if debug is enabled.",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    help="Accepted for Flask's sake: Heron always runs each request in a worker thread.",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    help="Extra files that trigger a reload on change. Multiple paths are separated by"
    f" {os.path.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    help="Files matching these patterns will not trigger a reload on change. Multiple"
    f" patterns are separated by {os.path.pathsep!r}.",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: ssl.SSLContext | tuple[str, str] | str | None,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Run a local development server (uvicorn).

    It is for development only. The reloader and the debugger are on by default with the
    '--debug' option.
    """
    app = info.load_app()  # a broken app fails the command before anything is served
    debug = get_debug_flag()
    show_server_banner(debug, info.app_import_path)
    _serve(
        info,
        app,
        {"host": host, "port": port},
        cert,
        reload=debug if reload is None else reload,
        debugger=debug if debugger is None else debugger,
        watch=(extra_files, exclude_patterns),
    )


run_command.params.insert(0, _debug_option)


@click.command("shell", short_help="Run a shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Run an interactive Python shell in the context of the application.

    Its names are the app's shell context (``app``, ``g`` and what the
    ``shell_context_processor`` functions return), after those of ``PYTHONSTARTUP``.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    namespace: dict[str, Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as file:
            exec(compile(file.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())
    interactive_hook = getattr(sys, "__interactivehook__", None)
    if interactive_hook is not None:
        # As `python` itself: readline with history; completion of the shell's names.
        try:
            import readline  # OPTIONAL: missing on some platforms.
            import rlcompleter
        except ImportError:
            pass
        else:
            readline.set_completer(rlcompleter.Completer(namespace).complete)
        interactive_hook()
    banner = (
        f"Python {sys.version} on {sys.platform}\nApp: {app.import_name}\n"
        f"Instance: {app.instance_path}"
    )
    code.interact(banner=banner, local=namespace)


@click.command("routes", short_help="Show the routes for the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help="The column to sort by ('match': the order rules are matched in).",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show every URL rule: endpoint, methods, subdomain or host, rule."""
    rules = list(current_app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    by_host = current_app.url_map.host_matching
    with_domain = any(rule.host if by_host else rule.subdomain for rule in rules)
    headers = ["Endpoint", "Methods"]
    if with_domain:
        headers.append("Host" if by_host else "Subdomain")
    headers.append("Rule")
    rows = []
    for rule in rules:
        row = [rule.endpoint, ", ".join(sorted((rule.methods or set()) - hidden))]
        if with_domain:
            row.append((rule.host if by_host else rule.subdomain) or "")
        rows.append([*row, rule.rule])
    columns = ["endpoint", "methods", *(["domain"] if with_domain else []), "rule"]
    if sort in columns:  # "match" keeps the order of the map
        index = columns.index(sort)
        rows.sort(key=lambda row: row[index])
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    # COMPAT(flask): every column padded to its width, as Flask's table.
    for row in [headers, ["-" * width for width in widths], *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


#: The ``flask`` command (``flask --app hello run``).
cli = FlaskGroup(
    name="flask",
    help="A general utility script for Flask applications.\n\nAn application to load must be"
    " given with the '--app' option, 'FLASK_APP' environment variable, or with a 'wsgi.py' or"
    " 'app.py' file in the current directory.",
)


def main() -> None:
    """Entry point of the ``flask`` script and ``python -m flask`` (under the drop-in)."""
    cli.main()


#: ``app.run`` options of Werkzeug's server that uvicorn has no use for.
_WERKZEUG_ONLY = ("use_reloader", "use_evalex", "threaded", "processes", "passthrough_errors")


def run_app(
    app: Flask,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    load_dotenv: bool = True,
    **options: Any,
) -> None:
    """Flask's ``app.run``: serve the app with uvicorn for development.

    The host and port default to ``SERVER_NAME``'s, then 127.0.0.1:5000. ``use_debugger``
    (default: debug mode) wraps the app in Werkzeug's debugger; ``use_reloader``,
    ``threaded``... are Werkzeug's and ignored; other options go to ``uvicorn.run``. Under
    the ``flask`` or ``heron`` command the module is being imported to be served, so this
    is a no-op with a note, as in Flask.
    """
    for command in ("flask", "heron"):
        if os.environ.get(f"{command.upper()}_RUN_FROM_CLI") == "true":
            click.secho(
                f" * Ignoring a call to 'app.run()': the '{command}' command serves the app.",
                fg="yellow",
                err=True,
            )
            return
    if get_load_dotenv(load_dotenv):
        _load_dotenv_files()
        if "FLASK_DEBUG" in os.environ:
            app.debug = get_debug_flag()
    if debug is not None:
        app.debug = bool(debug)
    server_host, _, server_port = (app.config.get("SERVER_NAME") or "").partition(":")
    host = host or server_host or "127.0.0.1"
    port = int(port if port is not None else server_port or 5000)
    use_debugger = options.pop("use_debugger", app.debug)
    for werkzeug_only in _WERKZEUG_ONLY:
        options.pop(werkzeug_only, None)
    show_server_banner(app.debug, app.name)
    if use_debugger:
        _attach_debugger(app, host)
    options.setdefault("log_level", "debug" if app.debug else "info")
    # PERF: uvicorn (and uvloop, httptools) load only to serve.
    import uvicorn

    try:
        uvicorn.run(app, host=host, port=port, **options)
    finally:
        # COMPAT(flask): once the server stops, the app may be set up again (tests do).
        app._got_first_request = False


_load_dotenv_files = load_dotenv  # run_app's `load_dotenv` argument hides the function
