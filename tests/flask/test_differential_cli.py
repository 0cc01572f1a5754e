"""Differential tests (see ``tests/flask_differential.py``): the CLI and the config.

Commands run by ``app.test_cli_runner()`` (``@app.cli.command()``, groups, the app
context), the ``routes`` command and ``--version`` of ``FlaskGroup``, and ``app.config``.
"""

from __future__ import annotations

from typing import Any, cast

import click
import pytest

from flask_differential import FLASK, MODULES, FlaskModule, Scaffold, submodule


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


# ------------------------------------------------------------------ commands


def test_cli_command(fl: FlaskModule) -> None:
    app = fl.Flask("cli_app")

    @app.cli.command()
    def hello() -> None:
        """Say hello."""
        click.echo(f"Hello from {fl.current_app.name}")

    @app.cli.command("greet")
    @click.argument("name")
    @click.option("--shout", is_flag=True)
    def greet(name: str, shout: bool) -> None:
        message = f"Hi {name}"
        click.echo(message.upper() if shout else message)

    @app.cli.command("fail")
    def fail() -> None:
        raise click.ClickException("nope")

    runner = app.test_cli_runner()
    result = runner.invoke(args=["hello"])
    assert (result.exit_code, result.output) == (0, "Hello from cli_app\n")
    assert runner.invoke(args=["greet", "Ann", "--shout"]).output == "HI ANN\n"
    failed = runner.invoke(args=["fail"])
    assert (failed.exit_code, failed.output) == (1, "Error: nope\n")
    missing = runner.invoke(args=["greet"])
    assert missing.exit_code == 2
    assert "Missing argument 'NAME'" in missing.output


def test_cli_command_without_app_context(fl: FlaskModule) -> None:
    app = fl.Flask("cli_app")

    @app.cli.command(with_appcontext=False)
    def bare() -> None:
        click.echo(str(fl.has_app_context()))

    @app.cli.command()
    def inside() -> None:
        click.echo(str(fl.has_app_context()))

    runner = app.test_cli_runner()
    assert [runner.invoke(args=["bare"]).output, runner.invoke(args=["inside"]).output] == [
        "False\n",
        "True\n",
    ]


def test_cli_group(fl: FlaskModule) -> None:
    app = fl.Flask("cli_app")
    cli = submodule(fl, "cli")
    group = cast(click.Group, cli.AppGroup("db"))

    @group.command("init")
    def init() -> None:
        click.echo(f"init {fl.current_app.name}")

    app.cli.add_command(group)
    assert app.test_cli_runner().invoke(args=["db", "init"]).output == "init cli_app\n"


def test_cli_with_appcontext_and_groups(fl: FlaskModule) -> None:
    cli = submodule(fl, "cli")
    app = fl.Flask("cli_app")

    def plain() -> None:
        click.echo(fl.current_app.name)

    app.cli.add_command(click.command("plain")(cli.with_appcontext(plain)))

    @app.cli.group("grp")
    def group() -> None:
        pass

    @group.command("sub")
    def sub() -> None:
        click.echo(f"sub {fl.current_app.name}")

    runner = app.test_cli_runner()
    assert [runner.invoke(args=["plain"]).output, runner.invoke(args="grp sub").output] == [
        "cli_app\n",
        "sub cli_app\n",
    ]
    assert runner.invoke(args=["--help"]).output == (
        "Usage: cli_app [OPTIONS] COMMAND [ARGS]...\n\n"
        "Options:\n  --help  Show this message and exit.\n\n"
        "Commands:\n  grp\n  plain\n"
    )


# ------------------------------------------------------------------ the routes command


def routes_app(fl: FlaskModule) -> Scaffold:
    app = fl.Flask(__name__, static_folder=None, subdomain_matching=True)
    app.add_url_rule("/a", "zeta", lambda: "")
    app.add_url_rule("/z", "alpha", lambda: "", methods=["POST"])
    app.add_url_rule("/m", "mid", lambda: "", methods=["GET", "DELETE"])
    return app


def run_routes(fl: FlaskModule, app: Any, *args: str) -> Any:
    cli = submodule(fl, "cli")
    return app.test_cli_runner().invoke(cli.FlaskGroup(create_app=lambda: app), ["routes", *args])


def test_routes_command_without_routes(fl: FlaskModule) -> None:
    app = fl.Flask(__name__, static_folder=None)
    assert run_routes(fl, app).output == "No routes were registered.\n"


def test_routes_command(fl: FlaskModule) -> None:
    result = run_routes(fl, routes_app(fl))
    assert (result.exit_code, result.output) == (
        0,
        "Endpoint  Methods      Rule\n"
        "--------  -----------  ----\n"
        "alpha     POST         /z  \n"
        "mid       DELETE, GET  /m  \n"
        "zeta      GET          /a  \n",
    )


@pytest.mark.parametrize(
    ("args", "first_column"),
    [
        (("--sort", "rule"), ["zeta", "mid", "alpha"]),
        (("--sort", "methods"), ["mid", "zeta", "alpha"]),
        (("--all-methods",), ["alpha", "mid", "zeta"]),
    ],
)
def test_routes_command_options(
    fl: FlaskModule, args: tuple[str, ...], first_column: list[str]
) -> None:
    result = run_routes(fl, routes_app(fl), *args)
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()[2:]] == first_column


def test_routes_command_subdomain_column(fl: FlaskModule) -> None:
    app = routes_app(fl)
    app.add_url_rule("/api", "api", lambda: "", subdomain="api")
    result = run_routes(fl, app)
    assert result.output.splitlines()[0].split() == ["Endpoint", "Methods", "Subdomain", "Rule"]


def test_flask_group_version(fl: FlaskModule) -> None:
    cli = submodule(fl, "cli")
    app = fl.Flask(__name__)
    result = app.test_cli_runner().invoke(cli.FlaskGroup(create_app=lambda: app), ["--version"])
    assert (result.exit_code, result.output.splitlines()[1]) == (0, "Flask 3.1.3")


# ------------------------------------------------------------------ config


def test_config_from_mapping_and_attributes(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.config.from_mapping({"KEY": 1, "lower": 2}, OTHER="x")
    assert (app.config["KEY"], app.config["OTHER"], "lower" in app.config) == (1, "x", False)
    app.testing = True
    app.secret_key = "k"
    assert (app.config["TESTING"], app.config["SECRET_KEY"]) == (True, "k")
    app.config["TESTING"] = False
    assert app.testing is False
    assert app.config.get_namespace("OTH") == {"er": "x"}
    assert (app.debug, app.config["DEBUG"]) == (False, False)


def test_default_config(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    reference = FLASK.Flask(__name__)
    assert dict(app.config) == dict(reference.config)
