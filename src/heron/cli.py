"""The ``heron`` command: ``run``, ``routes``.

The app is named as ``module:attribute`` (``module`` alone means ``module:app``), by
the ``HERON_APP`` environment variable, or found as ``app`` in ``app.py``/``main.py`` of
the current directory — Flask's ``FLASK_APP`` habits.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

__all__ = ["cli", "load_app", "main"]


def _resolve_target(target: str | None) -> str:
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
    try:
        app = getattr(module, attribute)
    except AttributeError:
        raise click.UsageError(f"Module {module_name!r} has no attribute {attribute!r}.") from None
    return import_string, app


@click.group(help="Heron: run and inspect Heron applications.")
@click.version_option(package_name="heron")
def cli() -> None:
    """The command group."""


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
) -> None:
    """Serve the app."""
    import_string, _ = load_app(app)  # fail early, with a readable error
    if server == "granian":
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
        ).serve()
        return
    import uvicorn

    uvicorn.run(
        import_string,
        host=host,
        port=port,
        reload=reload,
        workers=workers if workers > 1 else None,
        root_path=root_path,
        log_level=log_level,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
    )


def _route_rows(routes: list[Any], prefix: str = "") -> list[tuple[str, str, str, str]]:
    from heron.routing import Host, Mount, WebSocketRoute

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


@cli.command("routes", help="List every route: methods, path, name, endpoint.")
@click.argument("app", required=False)
def routes_command(app: str | None) -> None:
    """Print the route table."""
    _, application = load_app(app)
    rows = [("Methods", "Path", "Name", "Endpoint"), *_route_rows(application.routes)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for index, row in enumerate(rows):
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if index == 0:
            click.echo("  ".join("-" * width for width in widths))


def main() -> None:
    """Entry point of the ``heron`` script."""
    cli(prog_name="heron")
