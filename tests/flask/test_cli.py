"""``heron.flask.cli``: the ``flask`` command's edges, beyond finding the app.

Most tests run on Flask 3.1 and on ``heron.flask`` (see ``tests/flask_differential.py``):
``FlaskGroup`` without its defaults, plugin commands, the app's context already active,
dotenv files without python-dotenv, ``shell`` with ``PYTHONSTARTUP`` and the interactive
hook, ``routes`` sorted, ``main()``. The server is uvicorn instead of Werkzeug's by
design: those tests (``flask run``, ``app.run``) are ``heron.flask``'s, with
``uvicorn.run`` replaced by a recorder. ``tests/flask/test_cli_discovery.py`` covers how
the app is found.
"""

from __future__ import annotations

import code
import importlib
import importlib.metadata
import os
import runpy
import ssl
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import click
import pytest
import uvicorn
from click.testing import CliRunner, Result
from werkzeug.debug import DebuggedApplication

from flask_differential import MODULES, FlaskModule, submodule
from heron.flask import Flask as HeronFlask, cli as heron_cli


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The environment, modules and ``sys.path`` a command changes are restored after it."""
    for name in (
        "FLASK_APP",
        "FLASK_DEBUG",
        "FLASK_ENV_FILE",
        "FLASK_RUN_FROM_CLI",
        "FLASK_SKIP_DOTENV",
        "HERON_DEBUG",
        "HERON_FLASK_RUN",
        "HERON_RUN_FROM_CLI",
        "PYTHONSTARTUP",
    ):
        monkeypatch.delenv(name, raising=False)
    environ = dict(os.environ)
    modules = set(sys.modules)
    path = sys.path[:]
    yield
    os.environ.clear()
    os.environ.update(environ)
    for name in set(sys.modules) - modules:
        del sys.modules[name]
    sys.path[:] = path


def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click >= 8.2 keeps stderr apart by itself
        return CliRunner()


def group_of(fl: FlaskModule, app: Any, **options: Any) -> click.Group:
    return cast(click.Group, submodule(fl, "cli").FlaskGroup(create_app=lambda: app, **options))


def hello_app(fl: FlaskModule) -> Any:
    app = fl.Flask("cli_app")

    @app.cli.command("hello")
    def hello() -> None:
        click.echo(f"hello {fl.g.get('marker')} {os.environ.get('FROM_FILE')}")

    return app


# ------------------------------------------------------------------ FlaskGroup


def test_a_group_without_default_commands_or_version(fl: FlaskModule) -> None:
    group = group_of(fl, hello_app(fl), add_default_commands=False, add_version_option=False)
    help_text = runner().invoke(group, ["--help"]).output
    commands = help_text.partition("Commands:")[2].split()
    assert commands == ["hello"]
    version = runner().invoke(group, ["--version"])
    assert version.exit_code == 2
    assert "No such option '--version'" in version.stderr
    assert runner().invoke(group, ["run"]).exit_code == 2


def test_plugin_commands_of_installed_packages(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "heron_test_plugin.py").write_text(
        "import click\n\n@click.command()\ndef greet():\n    click.echo('plugin greets')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    entry_point = importlib.metadata.EntryPoint(
        name="greet", value="heron_test_plugin:greet", group="flask.commands"
    )
    real_entry_points = importlib.metadata.entry_points

    def entry_points(**selection: Any) -> Any:
        if selection.get("group") == "flask.commands":
            return [entry_point]
        return real_entry_points(**selection)  # pragma: no cover - nothing else asks

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    # No app can be loaded: the plugin's command is there all the same.
    group = submodule(fl, "cli").FlaskGroup()
    monkeypatch.chdir(tmp_path)
    result = runner().invoke(group, ["greet"])
    assert (result.exit_code, result.stdout) == (0, "plugin greets\n")
    listed = runner().invoke(group, ["--help"])
    assert "greet" in listed.stdout.partition("Commands:")[2].split()


def test_an_app_command_in_the_apps_active_context(fl: FlaskModule) -> None:
    app = hello_app(fl)
    group = group_of(fl, app)
    assert runner().invoke(group, ["hello"]).stdout == "hello None None\n"
    with app.app_context():
        fl.g.marker = "outer"
        # The app's context is active: the command runs in it, not in a new one.
        assert runner().invoke(group, ["hello"]).stdout == "hello outer None\n"


def test_show_server_banner_without_a_debug_flag(
    fl: FlaskModule, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = submodule(fl, "cli")
    cli.show_server_banner(None, "hello:app")
    cli.show_server_banner(False, None)
    assert capsys.readouterr().out == " * Serving Flask app 'hello:app'\n * Debug mode: off\n"


def test_main_is_the_flask_command(
    fl: FlaskModule, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["flask", "--help"])
    with pytest.raises(SystemExit) as exit_:
        submodule(fl, "cli").main()
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: flask [OPTIONS] COMMAND [ARGS]...")
    assert "A general utility script for Flask applications." in out


# ------------------------------------------------------------------ dotenv files


def test_a_variable_without_a_value_is_not_set(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("FROM_FILE=env\nHERON_TEST_BARE\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HERON_TEST_BARE", raising=False)
    assert submodule(fl, "cli").load_dotenv() is True
    assert os.environ["FROM_FILE"] == "env"
    assert "HERON_TEST_BARE" not in os.environ


def test_an_env_file_needs_python_dotenv(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dotenv", None)
    env_file = tmp_path / "settings.env"
    env_file.write_text("FROM_FILE=settings\n")
    result = runner().invoke(group_of(fl, hello_app(fl)), ["-e", str(env_file), "hello"])
    assert result.exit_code == 2
    assert "python-dotenv must be installed to load an env file." in result.stderr
    assert "FROM_FILE" not in os.environ


def test_dotenv_files_without_python_dotenv_get_a_tip(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dotenv", None)
    monkeypatch.chdir(tmp_path)
    group = group_of(fl, hello_app(fl))
    quiet = runner().invoke(group, ["hello"])
    assert (quiet.stdout, quiet.stderr) == ("hello None None\n", "")
    (tmp_path / ".flaskenv").write_text("FROM_FILE=flaskenv\n")
    tipped = runner().invoke(group, ["hello"])
    # The command runs; the files are not read.
    assert tipped.stdout == "hello None None\n"
    assert tipped.stderr == (
        " * Tip: There are .env files present. Install python-dotenv to use them.\n"
    )
    assert submodule(fl, "cli").load_dotenv(str(tmp_path / ".flaskenv")) is False


# ------------------------------------------------------------------ run's options


def test_a_certificate_needs_ssl(fl: FlaskModule, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ssl", None)
    with pytest.raises(click.BadParameter) as error:
        submodule(fl, "cli").run_command.make_context("run", ["--cert", __file__])
    assert error.value.message == 'Using "--cert" requires Python to be compiled with SSL support.'


# ------------------------------------------------------------------ shell


@pytest.mark.parametrize("readline_installed", [True, False], ids=["readline", "no-readline"])
def test_shell_runs_pythonstartup_and_the_interactive_hook(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, readline_installed: bool
) -> None:
    startup = tmp_path / "startup.py"
    startup.write_text("from_startup = 'yes'\napp = 'replaced by the shell context'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    hooked: list[str] = []
    monkeypatch.setattr(sys, "__interactivehook__", lambda: hooked.append("hook"), raising=False)
    completers: list[Callable[[str, int], str | None]] = []
    if readline_installed:
        import readline

        monkeypatch.setattr(readline, "set_completer", completers.append)
    else:
        monkeypatch.setitem(sys.modules, "readline", None)
    interactions: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        code, "interact", lambda banner, local, **_: interactions.append((banner, local))
    )
    app = fl.Flask("shell_app", instance_path=str(tmp_path / "instance"))
    app.shell_context_processor(lambda: {"answer": 42})
    result = runner().invoke(group_of(fl, app), ["shell"])
    assert result.exit_code == 0, result.output
    [(banner, namespace)] = interactions
    assert banner == (
        f"Python {sys.version} on {sys.platform}\nApp: shell_app\nInstance: {tmp_path}/instance"
    )
    assert (namespace["from_startup"], namespace["app"], namespace["answer"]) == ("yes", app, 42)
    assert hooked == ["hook"]
    if readline_installed:
        # Completion of the shell's names (importing rlcompleter sets one of its own first).
        assert completers[-1]("answ", 0) == "answer"


def test_shell_without_an_interactive_hook(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(sys, "__interactivehook__", raising=False)
    # A PYTHONSTARTUP that does not exist is skipped.
    monkeypatch.setenv("PYTHONSTARTUP", str(tmp_path / "missing.py"))
    namespaces: list[dict[str, Any]] = []
    monkeypatch.setattr(code, "interact", lambda banner, local, **_: namespaces.append(local))
    app = fl.Flask("shell_app")
    assert runner().invoke(group_of(fl, app), ["shell"]).exit_code == 0
    assert sorted(namespaces[0]) == ["app", "g"]


# ------------------------------------------------------------------ routes


def routes_app(fl: FlaskModule, subdomains: bool) -> Any:
    app = fl.Flask("routes_app", static_folder=None, subdomain_matching=subdomains)
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/zeta", "alpha", lambda: "", methods=["POST"])
    app.add_url_rule("/alpha", "zeta", lambda: "")
    if subdomains:
        app.add_url_rule("/", "api", lambda: "", subdomain="api")
    return app


def routes_output(fl: FlaskModule, app: Any, *args: str) -> list[str]:
    result: Result = runner().invoke(group_of(fl, app), ["routes", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_routes_in_match_order(fl: FlaskModule) -> None:
    assert routes_output(fl, routes_app(fl, False), "--sort", "match") == [
        "Endpoint  Methods  Rule  ",
        "--------  -------  ------",
        "alpha     POST     /zeta ",
        "zeta      GET      /alpha",
    ]


def test_routes_sorted_by_domain_without_domains_keep_their_order(fl: FlaskModule) -> None:
    lines = routes_output(fl, routes_app(fl, False), "--sort", "domain")
    assert [line.split()[0] for line in lines[2:]] == ["alpha", "zeta"]


def test_routes_sorted_by_subdomain(fl: FlaskModule) -> None:
    assert routes_output(fl, routes_app(fl, True), "--sort", "domain", "--all-methods") == [
        "Endpoint  Methods             Subdomain  Rule  ",
        "--------  ------------------  ---------  ------",
        "alpha     OPTIONS, POST                  /zeta ",
        "zeta      GET, HEAD, OPTIONS             /alpha",
        "api       GET, HEAD, OPTIONS  api        /     ",
    ]


# ------------------------------------------------------------------ flask run and app.run (uvicorn)


class Served:
    """What ``uvicorn.run`` (or an SSL ``uvicorn.Server``) was given; nothing is served."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def __call__(self, app: Any, **options: Any) -> None:
        self.calls.append((app, options))


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Served:
    recorder = Served()
    monkeypatch.setattr(uvicorn, "run", recorder)
    return recorder


def test_run_with_an_ssl_context_serves_it_as_it_is(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    monkeypatch.setitem(sys.modules, "heron_test_ssl_context", context)
    configs: list[uvicorn.Config] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, *_: configs.append(server.config))
    app = HeronFlask("tls")
    group = heron_cli.FlaskGroup(create_app=lambda: app)
    # A reload would need a new process, which cannot get the context object.
    result = runner().invoke(group, ["run", "--cert", "heron_test_ssl_context", "--reload"])
    assert result.exit_code == 0, result.output
    assert "Reloader off: a new process cannot get an SSLContext object." in result.stderr
    assert served.calls == []
    [config] = configs
    assert (config.app, config.host, config.port, config.ssl) == (app, "127.0.0.1", 5000, context)


def test_run_with_an_adhoc_certificate(
    served: Served, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # cryptography is what Werkzeug's make_ssl_devcert needs; here a stand-in makes the files.
    monkeypatch.setitem(sys.modules, "cryptography", types.ModuleType("cryptography"))
    made: list[str] = []

    def make_ssl_devcert(base_path: str) -> tuple[str, str]:
        made.append(base_path)
        for suffix in (".crt", ".key"):
            Path(base_path + suffix).write_text("pem")
        return base_path + ".crt", base_path + ".key"

    monkeypatch.setattr(heron_cli, "make_ssl_devcert", make_ssl_devcert)
    app = HeronFlask("adhoc")
    result = runner().invoke(
        heron_cli.FlaskGroup(create_app=lambda: app), ["run", "--cert", "adhoc"]
    )
    assert result.exit_code == 0, result.output
    [(_, options)] = served.calls
    [base] = made
    assert (options["ssl_certfile"], options["ssl_keyfile"]) == (f"{base}.crt", f"{base}.key")
    assert os.path.basename(base) == "adhoc"
    assert Path(options["ssl_certfile"]).read_text() == "pem"


def test_a_reloaded_process_without_the_debugger(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "reloaded_plain.py").write_text("from heron.flask import Flask\napp = Flask('p')\n")
    monkeypatch.chdir(tmp_path)
    args = ["--app", "reloaded_plain", "run", "--reload", "--no-debugger"]
    result = runner().invoke(heron_cli.FlaskGroup(), args)
    assert result.exit_code == 0, result.output
    [(target, options)] = served.calls
    assert (target, options["reload"]) == ("heron.flask.cli:_reloaded_app", True)
    child = heron_cli._reloaded_app()
    assert child.name == "p"
    assert not isinstance(child.wsgi_app, DebuggedApplication)


def test_the_debugger_wraps_the_app_once(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    app = HeronFlask("twice")
    app.run(debug=True, load_dotenv=False)
    debugger = app.wsgi_app
    app.run(debug=True, load_dotenv=False)
    assert isinstance(debugger, DebuggedApplication)
    assert app.wsgi_app is debugger
    assert capsys.readouterr().out.count(" * Debugger is active") == 1


def test_app_run_reads_flask_debug_from_dotenv_files(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".flaskenv").write_text("FLASK_DEBUG=1\n")
    monkeypatch.chdir(tmp_path)
    app = HeronFlask("from_files")
    app.run()
    [(served_app, options)] = served.calls
    assert (served_app, options) == (app, {"host": "127.0.0.1", "port": 5000, "log_level": "debug"})
    assert app.debug is True
    assert isinstance(app.wsgi_app, DebuggedApplication)


def test_app_run_outside_debug_has_no_debugger(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no dotenv files here
    app = HeronFlask("plain")
    app.run(host="0.0.0.0", port=8001, workers=2)
    assert served.calls == [
        (app, {"host": "0.0.0.0", "port": 8001, "workers": 2, "log_level": "info"})
    ]
    assert not isinstance(app.wsgi_app, DebuggedApplication)


def test_app_run_is_a_no_op_under_the_heron_command(
    served: Served, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HERON_RUN_FROM_CLI", "true")
    HeronFlask("inside").run()
    assert served.calls == []
    assert capsys.readouterr().err == (
        " * Ignoring a call to 'app.run()': the 'heron' command serves the app.\n"
    )


@pytest.fixture
def serves_one_request(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Both servers replaced by one that answers a single request, then stops."""
    statuses: list[int] = []

    def serve(app: Any, *args: Any, **kwargs: Any) -> None:
        statuses.append(app.test_client().get("/").status_code)

    import werkzeug.serving

    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda host, port, app, **_: serve(app))
    monkeypatch.setattr(uvicorn, "run", serve)
    return statuses


def test_the_app_can_be_set_up_again_after_run_returns(
    fl: FlaskModule, serves_one_request: list[int]
) -> None:
    app = fl.Flask("rerun")
    app.add_url_rule("/", "index", lambda: "index")
    app.run(load_dotenv=False)
    assert serves_one_request == [200]
    # From an interactive shell: stop the server, add a route, run again.
    app.add_url_rule("/more", "more", lambda: "more")
    assert app.test_client().get("/more").text == "more"


# ------------------------------------------------------------------ finding the app: edges


def test_a_factory_raising_type_error_in_its_body_is_not_a_usage_error(
    fl: FlaskModule, tmp_path: Path
) -> None:
    (tmp_path / "heron_test_factory.py").write_text(
        textwrap.dedent(
            f"""\
            import {fl.__name__} as flask

            def create_app():
                raise TypeError("the factory's own error")
            """
        )
    )
    info = submodule(fl, "cli").ScriptInfo(f"{tmp_path}/heron_test_factory.py:create_app()")
    with pytest.raises(TypeError) as error:
        info.load_app()
    assert str(error.value) == "the factory's own error"


def test_a_windows_drive_in_the_app_path(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "C:" / "apps"
    folder.mkdir(parents=True)
    (folder / "heron_test_drive.py").write_text(
        f"import {fl.__name__} as flask\n\ndef create():\n    return flask.Flask('drive')\n"
    )
    monkeypatch.chdir(tmp_path)
    cli = submodule(fl, "cli")
    # The drive's colon is no "module:name" separator; the next colon is.
    assert cli.ScriptInfo("C:/apps/heron_test_drive.py:create").load_app().name == "drive"
    with pytest.raises(cli.NoAppException) as error:
        cli.ScriptInfo("C:/apps/heron_test_drive.py").load_app()
    assert "Failed to find Flask application or factory in module" in error.value.message


def test_an_app_path_that_is_no_module_name() -> None:
    # Flask lets ValueError('Empty module name') escape; Heron says it cannot import it.
    result = runner().invoke(heron_cli.FlaskGroup(), ["--app", "/", "routes"])
    assert result.exit_code == 2
    assert "Error: Could not import ''." in result.stderr
    assert heron_cli.locate_app("", None, raise_if_not_found=False) is None


def test_python_dash_m_heron_flask(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In this process (tests/flask/test_cli_discovery.py runs it in a new one).
    monkeypatch.setattr(sys, "argv", ["python -m heron.flask", "--version"])
    monkeypatch.delitem(sys.modules, "heron.flask.__main__", raising=False)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("heron.flask", run_name="__main__")
    assert exit_.value.code == 0
    assert capsys.readouterr().out.splitlines()[1:2] == ["Flask 3.1.3"]


def test_importing_heron_flask_main_runs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    sys.modules.pop("heron.flask.__main__", None)
    module = importlib.import_module("heron.flask.__main__")
    assert module.__all__ == []
    assert capsys.readouterr() == ("", "")
