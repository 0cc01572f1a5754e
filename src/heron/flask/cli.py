"""Flask's command line API: ``AppGroup``, ``with_appcontext``, ``ScriptInfo``, ``FlaskGroup``.

Called by apps and extensions that add commands (``@app.cli.command()``,
``@click.command() @with_appcontext``), by ``app.test_cli_runner()``, and by
:meth:`Flask.run`. Commands run inside the application's context, as in Flask. The
``flask`` program itself is Heron's ``heron`` command (``heron run``, ``heron routes``, and
the app's own commands); :class:`FlaskGroup` is here for projects that build their own
``click`` entry point on it.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Callable
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, TypeVar

import click

import heron
from heron.applications import Heron
from heron.flask.globals import current_app
from heron.flask.helpers import FLASK_VERSION

if TYPE_CHECKING:
    from heron.flask.app import Flask

__all__ = [
    "AppGroup",
    "FlaskGroup",
    "NoAppException",
    "ScriptInfo",
    "load_dotenv",
    "pass_script_info",
    "run_app",
    "with_appcontext",
]

_F = TypeVar("_F", bound=Callable[..., Any])


class NoAppException(click.UsageError):
    """No application could be found or created."""


class ScriptInfo:
    """How a command finds the application (``--app``, ``FLASK_APP`` or ``create_app``).

    Args:
        app_import_path: ``module:name`` or ``module:factory()``.
        create_app: A function returning the app.
        set_debug_flag: Whether ``--debug`` sets the app's debug flag.
        load_dotenv_defaults: Whether ``.env`` files are loaded.
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
        self.data: dict[Any, Any] = {}
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = load_dotenv_defaults
        self._loaded_app: Flask | None = None

    def load_app(self) -> Flask:
        """The application (loaded once).

        Raises:
            NoAppException: Neither a factory nor an import path finds an app.
        """
        if self._loaded_app is not None:
            return self._loaded_app
        app: Any = None
        if self.create_app is not None:
            app = self.create_app()
        else:
            path = self.app_import_path or os.environ.get("FLASK_APP")
            if path:
                app = _locate_app(path)
            else:
                for module in ("wsgi", "app"):
                    try:
                        app = _locate_app(module)
                    except NoAppException:
                        continue
                    break
        if app is None:
            raise NoAppException(
                "Could not locate a Flask application. Use the 'flask --app' option,"
                " 'FLASK_APP' environment variable, or a 'wsgi.py' or 'app.py' file in the"
                " current directory."
            )
        self._loaded_app = app
        return app  # type: ignore[no-any-return]


def _locate_app(path: str) -> Any:
    import importlib

    module_name, _, name = path.partition(":")
    sys.path.insert(0, os.getcwd()) if os.getcwd() not in sys.path else None
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise NoAppException(f"Could not import {module_name!r}.") from None
        raise
    if not name:
        for attribute in ("app", "application"):
            if isinstance(getattr(module, attribute, None), Heron):
                return getattr(module, attribute)
        for attribute in ("create_app", "make_app"):
            factory = getattr(module, attribute, None)
            if callable(factory):
                return factory()
        found = [v for v in vars(module).values() if isinstance(v, Heron)]
        if len(found) == 1:
            return found[0]
        raise NoAppException(
            f"Failed to find Flask application or factory in module {module_name!r}."
        )
    if name.endswith("()"):
        return getattr(module, name[:-2])()
    try:
        return getattr(module, name)
    except AttributeError:
        raise NoAppException(f"Failed to find attribute {name!r} in {module_name!r}.") from None


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


class FlaskGroup(AppGroup):
    """A ``click`` group loading the app, with its commands and ``run``/``shell``/``routes``.

    Args:
        add_default_commands: Add ``run``, ``shell`` and ``routes``.
        create_app: A factory returning the app.
        add_version_option: Add ``--version``.
        load_dotenv: Load ``.env`` and ``.flaskenv``.
        set_debug_flag: Whether ``--debug`` sets the app's debug flag.
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
        params = list(extra.pop("params", None) or ())
        params.append(
            click.Option(
                ["--app", "-A"],
                help="The app: 'module:name'.",
                expose_value=False,
                callback=_set_app,
                is_eager=True,
            )
        )
        if add_version_option:
            params.append(
                click.Option(
                    ["--version"],
                    is_flag=True,
                    expose_value=False,
                    is_eager=True,
                    callback=_print_version,
                    help="Show the Flask (heron.flask) version.",
                )
            )
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(_routes_command)
            self.add_command(_shell_command)

    def _app_commands(self, ctx: click.Context) -> click.Group | None:
        info = ctx.ensure_object(ScriptInfo)
        if info.create_app is None and self.create_app is not None:
            info.create_app = self.create_app
        try:
            return info.load_app().cli
        except NoAppException:
            return None

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """A built-in command, or one of the app's."""
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        group = self._app_commands(ctx)
        if group is None:
            return None
        app = ctx.ensure_object(ScriptInfo).load_app()
        if not current_app or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
            ctx.with_resource(app.app_context())
        return group.get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The built-in commands and the app's."""
        names = set(super().list_commands(ctx))
        group = self._app_commands(ctx)
        if group is not None:
            names.update(group.list_commands(ctx))
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """A context whose object is the :class:`ScriptInfo`."""
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app, set_debug_flag=self.set_debug_flag
            )
        return super().make_context(info_name, args, parent=parent, **extra)


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    # COMPAT(flask): Flask's three lines, then the Heron release that serves it.
    click.echo(
        f"Python {sys.version.split()[0]}\nFlask {FLASK_VERSION}\n"
        f"Werkzeug {importlib.metadata.version('werkzeug')}\nHeron {heron.__version__}"
    )
    ctx.exit()


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


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
def _routes_command(sort: str, all_methods: bool) -> None:
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


@click.command("shell", short_help="Run a shell in the app context.")
@with_appcontext
def _shell_command() -> None:  # pragma: no cover - interactive
    import code

    code.interact(
        banner=f"Python {sys.version} on {sys.platform}\nApp: {current_app.import_name}",
        local=current_app.make_shell_context(),
    )


def load_dotenv(path: str | os.PathLike[str] | None = None) -> bool:
    """Load ``.env`` and ``.flaskenv`` (or ``path``) with python-dotenv, when installed."""
    try:
        import dotenv
    except ImportError:
        return False
    if path is not None:
        return bool(dotenv.load_dotenv(path, encoding="utf-8"))
    loaded = False
    for name in (".env", ".flaskenv"):
        found = dotenv.find_dotenv(name, usecwd=True)
        if found:
            dotenv.load_dotenv(found, encoding="utf-8", override=False)
            loaded = True
    return loaded


def run_app(
    app: Flask,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    load_dotenv: bool = True,
    **options: Any,
) -> None:
    """Flask's ``app.run``: serve the app with uvicorn for development.

    Under the ``heron`` (or ``flask``) command the module is being imported to be served,
    so this is a no-op with a note, as in Flask.
    """
    if (
        os.environ.get("FLASK_RUN_FROM_CLI") == "true"
        or os.environ.get("HERON_RUN_FROM_CLI") == "true"
    ):
        click.secho(
            " * Ignoring a call to 'app.run()': the 'heron' command serves the app.",
            fg="yellow",
            err=True,
        )
        return
    if load_dotenv:
        globals()["load_dotenv"]()
    if debug is not None:
        app.debug = bool(debug)
    server_name = app.config.get("SERVER_NAME")
    sn_host = sn_port = None
    if server_name:
        sn_host, _, sn_port = server_name.partition(":")
    host = host or sn_host or "127.0.0.1"
    port = int(port or sn_port or 5000)
    options.pop("use_reloader", None)
    options.pop("use_debugger", None)
    options.pop("threaded", None)
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="debug" if app.debug else "info", **options)
