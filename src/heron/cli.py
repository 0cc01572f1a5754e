"""The ``heron`` command: ``run``, ``routes``, ``openapi``, ``shell`` and the app's own commands.

The app is named as ``module:attribute`` (``module`` alone means ``module:app``): as the
command's argument, by ``heron --app``, by the ``HERON_APP`` environment variable, or found
as ``app`` in ``app.py``/``main.py`` of the current directory — Flask's ``FLASK_APP`` habits.

``app.cli`` is an :class:`AppGroup`: commands added with ``@app.cli.command()`` become
``heron`` subcommands, run with the app's lifespan and app context around them
(``current_app``, and ``g`` holding the lifespan state); ``async def`` commands run on the
lifespan's event loop. Each included router's ``router.cli`` group joins them (Flask's
``blueprint.cli``): ``heron <group> <command>``.

``heron migrate flask PATHS...`` rewrites a project's Flask imports (:mod:`heron.migrate`).
"""

from __future__ import annotations

import code
import importlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from heron import _dropin
from heron.commands import APP_LOADER, AppGroup, running
from heron.exceptions import ConfigError, HeronError
from heron.globals import current_app, g
from heron.routes import Host, Mount, WebSocketRoute

__all__ = ["AppGroup", "cli", "load_app", "main"]


@dataclass
class _AppOption:
    """``heron --app``'s value, kept in the click context for every subcommand."""

    target: str | None = None


def _remember_app(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    ctx.ensure_object(_AppOption).target = value
    ctx.meta[APP_LOADER] = load_app  # for the commands of groups that are not an app's


def _resolve_target(target: str | None) -> str:
    if not target:
        ctx = click.get_current_context(silent=True)
        option = ctx.find_object(_AppOption) if ctx is not None else None
        target = option.target if option is not None else None
    if target:
        return target if ":" in target else f"{target}:app"
    env = os.environ.get("HERON_APP")
    if env:
        return env if ":" in env else f"{env}:app"
    for candidate in ("app", "main"):
        if Path(f"{candidate}.py").exists():
            return f"{candidate}:app"
    raise click.UsageError(
        "No app given: pass MODULE:APP, set HERON_APP, or run where app.py or main.py is."
    )


def load_app(target: str | None) -> tuple[str, Any]:
    """Import the app; returns ``(import_string, app)``.

    Raises:
        click.UsageError: The module or attribute does not exist.
        click.ClickException: The app's configuration does not validate (the message
            names each variable; no traceback).
    """
    import_string = _resolve_target(target)
    module_name, _, attribute = import_string.partition(":")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name.split(".")[0] and exc.name != module_name:
            raise
        raise click.UsageError(f"Could not import module {module_name!r}.") from exc
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    factory = attribute.endswith("()")
    name = attribute.removesuffix("()")
    if not hasattr(module, name) and attribute == "app":
        # Flask's app factory convention: no ``app`` but a ``create_app()``/``make_app()``.
        name = next((n for n in _FACTORY_NAMES if callable(getattr(module, n, None))), name)
        factory = name != "app"
    try:
        app = getattr(module, name)
    except AttributeError:
        raise click.UsageError(f"Module {module_name!r} has no attribute {attribute!r}.") from None
    if factory:
        app = app()
        import_string = f"{module_name}:{name}()"
    return import_string, app


#: What a module without ``app`` may offer instead, called with no arguments (Flask's names).
_FACTORY_NAMES = ("create_app", "make_app")


def _server_target(import_string: str) -> tuple[str, bool]:
    """``(import string, is a factory)`` for uvicorn and granian (``mod:create_app()``)."""
    return import_string.removesuffix("()"), import_string.endswith("()")


class _HeronGroup(click.Group):
    """The ``heron`` group: its own commands, then those of the app's ``app.cli``."""

    def _app_cli(self) -> click.Group | None:
        app_cli = getattr(load_app(None)[1], "cli", None)
        return app_cli if isinstance(app_cli, click.Group) else None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        try:
            app_cli = self._app_cli()
        except click.UsageError as exc:
            raise click.UsageError(f"No such command {cmd_name!r}. {exc.message}") from exc
        if app_cli is None:
            return None
        command = app_cli.get_command(ctx, cmd_name)
        if command is not None and not isinstance(app_cli, AppGroup):
            # COMPAT(flask): a heron.flask app's commands (plain click commands added with
            # app.cli.add_command, as Flask's tutorial does) run in its app context, as
            # Flask's FlaskGroup runs them; Heron's own AppGroup sets up its commands itself.
            ctx.with_resource(load_app(None)[1].app_context())
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        try:
            app_cli = self._app_cli()
        except click.ClickException:  # no app here: `heron --help` still lists the rest
            return names
        if app_cli is None:
            return names
        return sorted({*names, *app_cli.list_commands(ctx)})


@click.group(cls=_HeronGroup, help="Heron: run and inspect Heron applications.")
@click.option(
    "--app",
    "-A",
    metavar="MODULE:NAME",
    callback=_remember_app,
    expose_value=False,
    is_eager=True,
    help="The app (default: $HERON_APP, else app.py or main.py here).",
)
@click.version_option(package_name="heron")
def cli() -> None:
    """The command group."""


# uvicorn's own default for --ws-max-size (and Heron's default message size limit).
_UVICORN_WS_MAX_SIZE = 16 * 1024 * 1024


@cli.command("run", help="Serve the app (uvicorn by default).")
@click.argument("app", required=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
@click.option("--reload", is_flag=True, help="Restart when code changes (development).")
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
@click.option(
    "--server", type=click.Choice(["uvicorn", "granian"]), default="uvicorn", show_default=True
)
@click.option("--root-path", default="", help="Path prefix when served behind a proxy.")
@click.option("--log-level", default="info", show_default=True)
@click.option(
    "--proxy-headers/--no-proxy-headers",
    default=True,
    show_default=True,
    help="Trust X-Forwarded-* from --forwarded-allow-ips.",
)
@click.option("--forwarded-allow-ips", default=None, help="Proxies trusted for X-Forwarded-*.")
@click.option(
    "--ws-max-size",
    type=click.IntRange(min=1),
    default=None,
    help="Largest WebSocket message the server reads, in bytes (uvicorn; default 16 MiB).",
)
@click.option(
    "--drop-in",
    type=click.Choice(["flask", "fastapi"]),
    default=None,
    help="`import flask` gives heron.flask, in reload and worker processes too (docs/drop-in.md).",
)
def run_command(
    app: str | None,
    host: str,
    port: int,
    reload: bool,
    workers: int,
    server: str,
    root_path: str,
    log_level: str,
    proxy_headers: bool,
    forwarded_allow_ips: str | None,
    ws_max_size: int | None,
    drop_in: str | None,
) -> None:
    """Serve the app."""
    if drop_in is not None:
        _switch_drop_in_on(drop_in)
    import_string, _ = load_app(app)  # fail early, with a readable error
    import_string, factory = _server_target(import_string)
    if server == "granian":
        if ws_max_size is not None:
            raise click.UsageError("--ws-max-size is uvicorn's; granian has no such setting.")
        # OPTIONAL: granian is the `heron[granian]` extra.
        from granian import Granian
        from granian.constants import Interfaces

        Granian(
            import_string,
            address=host,
            port=port,
            interface=Interfaces.ASGI,
            workers=workers,
            reload=reload,
            url_path_prefix=root_path or None,
            factory=factory,
        ).serve()
        return
    # PERF: uvicorn (and uvloop, httptools) load only for the command that serves.
    import uvicorn

    uvicorn.run(
        import_string,
        factory=factory,
        host=host,
        port=port,
        reload=reload,
        workers=workers if workers > 1 else None,
        root_path=root_path,
        log_level=log_level,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        # The server's limit bounds the memory of one message before the app sees it;
        # Heron's (WebSocketOptions.max_message_size) applies after (docs/websockets.md).
        ws_max_size=ws_max_size or _UVICORN_WS_MAX_SIZE,
    )


def _switch_drop_in_on(name: str) -> None:
    """``run --drop-in``: the aliases here, before the app is imported, and ``HERON_DROP_IN``.

    The variable reaches the processes ``--reload`` and ``--workers`` start: Heron's .pth
    file switches the drop-in on in them at start-up.
    """
    try:
        _dropin.switch_on(name, export=True)
    except _dropin.DropInNotAvailableError as exc:
        click.echo(f"Warning: {exc}", err=True)
    except RuntimeError as exc:  # the real package is already imported in this process
        raise click.ClickException(str(exc)) from exc


def _route_rows(routes: list[Any], prefix: str = "") -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    for route in routes:
        if isinstance(route, Mount):
            children = route.routes
            if children:
                rows.extend(_route_rows(children, prefix + route.path))
            else:
                app_name = type(route.app).__name__
                rows.append(("*", prefix + route.path + "/*", route.name or "", app_name))
            continue
        if isinstance(route, Host):
            rows.extend(_route_rows(route.routes, prefix))
            continue
        endpoint = getattr(route, "endpoint", None)
        where: str = ""
        if endpoint is not None:
            where = (
                f"{getattr(endpoint, '__module__', '?')}.{getattr(endpoint, '__qualname__', '?')}"
            )
        if isinstance(route, WebSocketRoute):
            methods = "WS"
        else:
            methods = ",".join(sorted(getattr(route, "methods", None) or ["*"]))
        rows.append((methods, prefix + route.path, route.name or "", where))
    return rows


def _url_map_rows(application: Any) -> list[tuple[str, str, str, str]]:
    """The Werkzeug rules of a ``heron.flask`` app (``app.url_map``), matched before its routes."""
    url_map = getattr(application, "url_map", None)
    if url_map is None:
        return []
    views = getattr(application, "view_functions", {})
    rows = []
    for rule in url_map.iter_rules():
        view = views.get(rule.endpoint)
        where = f"{view.__module__}.{view.__qualname__}" if view is not None else ""
        methods = ",".join(sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"})) or "*"
        rows.append((methods, rule.rule, rule.endpoint, where))
    return rows


@cli.command("routes", help="List every route: methods, path, name, endpoint.")
@click.argument("app", required=False)
def routes_command(app: str | None) -> None:
    """Print the route table."""
    _, application = load_app(app)
    rows = [
        ("Methods", "Path", "Name", "Endpoint"),
        *_url_map_rows(application),
        *_route_rows(application.routes),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for index, row in enumerate(rows):
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if index == 0:
            click.echo("  ".join("-" * width for width in widths))


@cli.command("openapi", help="Print the app's OpenAPI document as JSON.")
@click.argument("app", required=False)
@click.option(
    "--indent",
    default=2,
    show_default=True,
    type=click.IntRange(min=0),
    help="Spaces per nesting level; 0 prints one line.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the document to this file instead of standard output.",
)
def openapi_command(app: str | None, indent: int, output: Path | None) -> None:
    """Print (or write) ``app.openapi()``, for client generators and CI diffs."""
    import_string, application = load_app(app)
    openapi = getattr(application, "openapi", None)
    if not callable(openapi):
        raise click.UsageError(f"{import_string} is not a Heron app: it has no openapi().")
    try:
        document = openapi()
    except HeronError as exc:  # e.g. a type no schema can describe, named with its route
        raise click.ClickException(str(exc)) from exc
    # Keys stay in the document's order (the order clients and FastAPI use); UTF-8 as the
    # /openapi.json response, so a diff shows the text people wrote.
    text = json.dumps(document, indent=indent or None, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"Could not write {output}: {exc.strerror}") from exc


# ---------------------------------------------------------------- heron shell


def _interact(namespace: dict[str, Any], banner: str, interface: str) -> None:
    if interface == "auto":
        has_ipython = importlib.util.find_spec("IPython") is not None
        interface = "ipython" if has_ipython and sys.stdin.isatty() else "python"
    if interface == "ipython":
        try:
            ipython = importlib.import_module("IPython")
        except ImportError:
            raise click.UsageError("IPython is not installed (pip install ipython).") from None
        click.echo(banner)
        ipython.start_ipython(argv=["--no-banner"], user_ns=namespace)
        return
    # NOTE: as `python -i`: the user's PYTHONSTARTUP file runs in the shell's namespace.
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as file:
            exec(compile(file.read(), startup, "exec"), namespace)
    if sys.stdin.isatty():
        # OPTIONAL: readline is missing on some platforms (Windows).
        import readline
        import rlcompleter

        readline.set_completer(rlcompleter.Completer(namespace).complete)
        readline.parse_and_bind("tab: complete")
        code.interact(banner=banner, local=namespace, exitmsg="")
        return
    # NOTE: input from a pipe or a file: no ">>> " prompts mixed into the output, as
    # `python < script.py`; the banner still goes to standard error.
    prompts = {name: getattr(sys, name, None) for name in ("ps1", "ps2")}
    sys.ps1 = sys.ps2 = ""
    try:
        code.interact(banner=banner, local=namespace, exitmsg="")
    finally:
        for name, value in prompts.items():
            if value is None:
                delattr(sys, name)
            else:
                setattr(sys, name, value)


@cli.command("shell", help="A Python shell with the app loaded and its lifespan running.")
@click.argument("app", required=False)
@click.option(
    "--interface",
    "-i",
    type=click.Choice(["auto", "ipython", "python"]),
    default="auto",
    show_default=True,
    help="auto: IPython when installed and in a terminal, else the standard shell.",
)
def shell_command(app: str | None, interface: str) -> None:
    """Start an interactive shell with ``app``, ``current_app`` and ``g`` defined."""
    import_string, application = load_app(app)
    title = getattr(application, "title", type(application).__name__)
    banner = (
        f"Python {sys.version.split()[0]} on {sys.platform}\n"
        f"App: {import_string} ({title}); names: app, current_app, g"
    )
    with running(application) as call:
        namespace = {
            "__name__": "__console__",
            "app": application,
            "current_app": current_app,
            "g": g,
        }
        call(_interact, namespace, banner, interface)


# ---------------------------------------------------------------- heron migrate


@cli.group("migrate", help="Rewrite a project's imports of another framework to Heron's.")
def migrate_group() -> None:
    """The ``heron migrate`` group: one command per framework (``heron.migrate.TABLES``)."""


@migrate_group.command("flask", help="Rewrite imports of flask to heron.flask, in place.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--diff", is_flag=True, help="Print a unified diff; write nothing.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file would change.")
def migrate_flask_command(paths: tuple[Path, ...], diff: bool, check: bool) -> None:
    """Rewrite the Flask imports of the files and directories given."""
    _migrate("flask", paths, diff=diff, check=check)


def _migrate(framework: str, paths: tuple[Path, ...], *, diff: bool, check: bool) -> None:
    try:
        # OPTIONAL: libcst is the `heron[migrate]` extra.
        from heron.migrate import TABLES, migrate_paths
    except ModuleNotFoundError as exc:
        if exc.name != "libcst":
            raise
        raise click.ClickException(
            "heron migrate needs libcst: pip install 'heron[migrate]'"
        ) from None
    report = migrate_paths(paths, TABLES[framework], write=not (diff or check))
    for file in report.changed:
        if diff:
            click.echo(file.diff(), nl=False)
        else:
            click.echo(file.describe(written=report.written))
    for line in report.warnings() + [failure.describe() for failure in report.failures]:
        click.echo(line, err=True)
    # With --diff, standard output is the diff alone, ready for `git apply`.
    for line in report.summary():
        click.echo(line, err=diff)
    if report.failures or (check and report.changed):
        click.get_current_context().exit(1)


def main() -> None:
    """Entry point of the ``heron`` script."""
    # COMPAT(flask): as FLASK_RUN_FROM_CLI: an `app.run()` the imported module calls at
    # import is a no-op that says the command serves the app (Heron.run, heron.flask's
    # run_app), here and in the processes `--reload` and `--workers` start.
    os.environ["HERON_RUN_FROM_CLI"] = "true"
    cli(prog_name="heron")
