"""The ``flask`` command line of ``heron.flask``: finding the app, FlaskGroup, ``flask run``.

Most tests are differential (see ``tests/flask_differential.py``): the same modules and
command lines on Flask and on ``heron.flask``, the same outcome. ``flask run`` differs by
design at the last step, the server (uvicorn instead of Werkzeug's): those tests are
``heron.flask``'s only, with ``uvicorn.run`` replaced by a recorder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import click
import pytest
import uvicorn
from click.testing import CliRunner
from werkzeug.debug import DebuggedApplication

from flask_differential import MODULES, FlaskModule, submodule
from heron.flask import Flask as HeronFlask, cli as heron_cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """What the commands set (FLASK_DEBUG, FLASK_RUN_FROM_CLI...) is undone after each test.

    And the modules the test imported are forgotten, ``sys.path`` restored.
    """
    for name in (
        "FLASK_APP",
        "FLASK_DEBUG",
        "FLASK_ENV_FILE",
        "FLASK_RUN_FROM_CLI",
        "FLASK_SKIP_DOTENV",
        "HERON_DEBUG",
        "HERON_FLASK_RUN",
        "HERON_RUN_FROM_CLI",
    ):
        monkeypatch.delenv(name, raising=False)
    environ = dict(os.environ)  # what the commands add too (monkeypatch restores what it set)
    modules = set(sys.modules)
    path = sys.path[:]
    yield
    os.environ.clear()
    os.environ.update(environ)
    for name in set(sys.modules) - modules:
        del sys.modules[name]
    sys.path[:] = path


def write_app(folder: Path, name: str, fl: FlaskModule, body: str) -> Path:
    """A module ``name`` in ``folder`` importing the module under test as ``flask``."""
    path = folder / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"import {fl.__name__} as flask\n\n" + textwrap.dedent(body))
    return path


def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click >= 8.2 keeps stderr apart by itself
        return CliRunner()


# ------------------------------------------------------------------ finding the app


def test_find_best_app_prefers_app_then_the_only_app_then_factories(fl: FlaskModule) -> None:
    cli = submodule(fl, "cli")
    first, second = fl.Flask("first"), fl.Flask("second")
    assert cli.find_best_app(types.SimpleNamespace(__name__="m", app=first, x=second)) is first
    module = types.ModuleType("single")
    module.something = first  # type: ignore[attr-defined]
    assert cli.find_best_app(module) is first
    module = types.ModuleType("factory")
    module.make_app = lambda: None  # type: ignore[attr-defined]
    with pytest.raises(cli.NoAppException, match="Failed to find Flask application"):
        cli.find_best_app(module)  # a factory that gives no app
    module.make_app = lambda: second  # type: ignore[attr-defined]
    assert cli.find_best_app(module) is second
    module.create_app = lambda: first  # type: ignore[attr-defined]
    assert cli.find_best_app(module) is first  # create_app is tried first


def test_find_best_app_explains_what_to_write(fl: FlaskModule) -> None:
    cli = submodule(fl, "cli")
    two = types.ModuleType("two")
    two.a, two.b = fl.Flask("a"), fl.Flask("b")  # type: ignore[attr-defined]
    with pytest.raises(cli.NoAppException) as multiple:
        cli.find_best_app(two)
    assert str(multiple.value) == (
        "Detected multiple Flask applications in module 'two'. Use 'two:name' to specify the"
        " correct one."
    )

    def create_app(config: str) -> Any:
        return fl.Flask(config)

    needs_args = types.ModuleType("needs_args")
    needs_args.create_app = create_app  # type: ignore[attr-defined]
    with pytest.raises(cli.NoAppException, match=r"'needs_args:create_app\(args\)'"):
        cli.find_best_app(needs_args)

    def broken_factory() -> Any:
        raise TypeError("a bug inside the factory")

    broken = types.ModuleType("broken")
    broken.create_app = broken_factory  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="a bug inside the factory"):
        cli.find_best_app(broken)


@pytest.mark.parametrize(
    ("app_name", "expected"),
    [
        ("application", "plain"),
        ("create_app", "made-dev"),
        ("create_app()", "made-dev"),
        ("create_app('prod')", "made-prod"),
        (" create_app ( config = 'kw' , ) ", "made-kw"),
    ],
)
def test_locate_app_by_name_and_factory_call(
    fl: FlaskModule, tmp_path: Path, app_name: str, expected: str
) -> None:
    cli = submodule(fl, "cli")
    write_app(
        tmp_path,
        "located",
        fl,
        """
        application = flask.Flask("plain")

        def create_app(config="dev"):
            return flask.Flask(f"made-{config}")
        """,
    )
    sys.path.insert(0, str(tmp_path))
    assert cli.locate_app("located", app_name).name == expected


@pytest.mark.parametrize(
    ("app_name", "message"),
    [
        ("create_app(", "Failed to parse 'create_app(' as an attribute name or function call."),
        ("a.b", "Failed to parse 'a.b' as an attribute name or function call."),
        ("x.f()", "Function reference must be a simple name: 'x.f()'."),
        ("create_app(os)", "Failed to parse arguments as literal values: 'create_app(os)'."),
        ("missing", "Failed to find attribute 'missing' in 'located'."),
        (
            "create_app(1, 2, 3)",
            "The factory 'create_app(1, 2, 3)' in module 'located' could not be called with the"
            " specified arguments.",
        ),
        ("nothing()", "A valid Flask application was not obtained from 'located:nothing()'."),
    ],
)
def test_locate_app_errors_say_what_went_wrong(
    fl: FlaskModule, tmp_path: Path, app_name: str, message: str
) -> None:
    cli = submodule(fl, "cli")
    write_app(
        tmp_path,
        "located",
        fl,
        """
        def create_app(config="dev"):
            return flask.Flask(config)

        def nothing():
            return None
        """,
    )
    sys.path.insert(0, str(tmp_path))
    with pytest.raises(cli.NoAppException) as caught:
        cli.locate_app("located", app_name)
    assert str(caught.value) == message


def test_locate_app_tells_a_missing_module_from_a_broken_one(
    fl: FlaskModule, tmp_path: Path
) -> None:
    cli = submodule(fl, "cli")
    write_app(tmp_path, "broken_import", fl, "import a_module_nobody_wrote\n")
    sys.path.insert(0, str(tmp_path))
    assert cli.locate_app("not_a_module_here", None, raise_if_not_found=False) is None
    with pytest.raises(cli.NoAppException, match=r"^Could not import 'not_a_module_here'\.$"):
        cli.locate_app("not_a_module_here", None)
    # An ImportError raised by the module's own code is always reported, with its traceback.
    with pytest.raises(cli.NoAppException) as caught:
        cli.locate_app("broken_import", None, raise_if_not_found=False)
    assert "While importing 'broken_import', an ImportError was raised" in str(caught.value)
    assert "No module named 'a_module_nobody_wrote'" in str(caught.value)


def test_prepare_import_puts_the_package_root_on_the_path(fl: FlaskModule, tmp_path: Path) -> None:
    cli = submodule(fl, "cli")
    package = tmp_path / "project" / "pkg" / "sub"
    package.mkdir(parents=True)
    for folder in (package, package.parent):
        (folder / "__init__.py").write_text("")
    (package / "web.py").write_text("")
    assert cli.prepare_import(str(package / "web.py")) == "pkg.sub.web"
    assert sys.path[0] == str((tmp_path / "project").resolve())
    assert cli.prepare_import(str(package / "__init__.py")) == "pkg.sub"
    assert cli.prepare_import(str(tmp_path / "loose.py")) == "loose"
    assert sys.path[0] == str(tmp_path.resolve())


def test_script_info_loads_a_file_path_then_the_default_files(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = submodule(fl, "cli")
    path = write_app(tmp_path / "a", "hello", fl, 'app = flask.Flask("hello")\n')
    info = cli.ScriptInfo(app_import_path=str(path))
    assert info.load_app().name == "hello"
    assert info.load_app() is info.load_app()
    factory_path = write_app(
        tmp_path / "b", "made", fl, "def build(n):\n    return flask.Flask(n)\n"
    )
    assert cli.ScriptInfo(app_import_path=f"{factory_path}:build('x')").load_app().name == "x"
    monkeypatch.chdir(tmp_path / "a")
    with pytest.raises(cli.NoAppException, match="Could not locate a Flask application"):
        cli.ScriptInfo().load_app()
    (tmp_path / "a" / "wsgi.py").write_text("from hello import app\n")
    assert cli.ScriptInfo().load_app().name == "hello"


@pytest.mark.parametrize(("flag", "debug"), [("1", True), ("0", False)])
def test_script_info_sets_debug_from_flask_debug(
    fl: FlaskModule, monkeypatch: pytest.MonkeyPatch, flag: str, debug: bool
) -> None:
    cli = submodule(fl, "cli")
    monkeypatch.setenv("FLASK_DEBUG", flag)

    def create_app() -> Any:
        app = fl.Flask("d")
        app.debug = not debug
        return app

    assert cli.ScriptInfo(create_app=create_app).load_app().debug is debug
    kept = cli.ScriptInfo(create_app=create_app, set_debug_flag=False).load_app()
    assert kept.debug is not debug


# ------------------------------------------------------------------ FlaskGroup


def test_the_app_option_finds_the_apps_commands(fl: FlaskModule, tmp_path: Path) -> None:
    path = write_app(
        tmp_path,
        "commands_app",
        fl,
        """
        import click

        app = flask.Flask("commands_app")

        @app.cli.command("hello")
        @click.argument("name")
        def hello(name):
            click.echo(f"Hello {name} from {flask.current_app.name}")
        """,
    )
    group = submodule(fl, "cli").FlaskGroup()
    result = runner().invoke(group, ["--app", str(path), "hello", "Ann"])
    assert (result.exit_code, result.stdout) == (0, "Hello Ann from commands_app\n")
    listed = runner().invoke(group, ["--app", str(path), "--help"])
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.stdout.split("Commands:\n")[1].splitlines()] == [
        "hello",
        "routes",
        "run",
        "shell",
    ]


def test_flask_app_from_the_environment(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_app(tmp_path, "env_app", fl, 'app = flask.Flask("env_app")\n')
    monkeypatch.setenv("FLASK_APP", str(path))
    result = runner().invoke(submodule(fl, "cli").FlaskGroup(), ["routes"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2].split() == ["static", "GET", "/static/<path:filename>"]


@pytest.mark.parametrize(("option", "expected"), [("--debug", "1 True"), ("--no-debug", "0 False")])
def test_the_debug_option_sets_flask_debug_before_the_app_loads(
    fl: FlaskModule, option: str, expected: str
) -> None:
    def create_app() -> Any:
        app = fl.Flask("debugging")

        @app.cli.command("show")
        def show() -> None:
            click.echo(f"{os.environ['FLASK_DEBUG']} {fl.current_app.debug}")

        return app

    group = submodule(fl, "cli").FlaskGroup(create_app=create_app)
    result = runner().invoke(group, [option, "show"])
    assert (result.exit_code, result.stdout) == (0, f"{expected}\n")


def test_env_file_wins_over_dotenv_files_and_the_environment_wins_over_all(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".flaskenv").write_text("HERON_T_A=flaskenv\nHERON_T_B=flaskenv\n")
    (tmp_path / ".env").write_text("HERON_T_A=env\nHERON_T_C=env\n")
    (tmp_path / "extra.env").write_text("HERON_T_C=extra\nHERON_T_D=extra\n")
    for name in "ABCD":
        monkeypatch.delenv(f"HERON_T_{name}", raising=False)
    monkeypatch.setenv("HERON_T_D", "set")
    monkeypatch.chdir(tmp_path)

    def create_app() -> Any:
        app = fl.Flask("dotenv")

        @app.cli.command("show")
        def show() -> None:
            click.echo(" ".join(os.environ[f"HERON_T_{name}"] for name in "ABCD"))

        return app

    group = submodule(fl, "cli").FlaskGroup(create_app=create_app)
    result = runner().invoke(group, ["--env-file", "extra.env", "show"])
    assert (result.exit_code, result.stdout) == (0, "env flaskenv extra set\n")


def test_flask_skip_dotenv_turns_the_default_files_off(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("HERON_T_SKIPPED=1\n")
    monkeypatch.delenv("HERON_T_SKIPPED", raising=False)
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    monkeypatch.chdir(tmp_path)
    runner().invoke(submodule(fl, "cli").FlaskGroup(), [])
    assert "HERON_T_SKIPPED" not in os.environ
    assert submodule(fl, "cli").load_dotenv() is True  # called directly, it still loads
    assert os.environ["HERON_T_SKIPPED"] == "1"


def test_load_dotenv_with_a_path_only(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = submodule(fl, "cli")
    (tmp_path / "only.env").write_text("HERON_T_ONLY=yes\n")
    monkeypatch.delenv("HERON_T_ONLY", raising=False)
    assert cli.load_dotenv(tmp_path / "missing.env", load_defaults=False) is False
    assert cli.load_dotenv(tmp_path / "only.env", load_defaults=False) is True
    assert os.environ["HERON_T_ONLY"] == "yes"


def test_without_an_app_the_error_names_flask_app(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = submodule(fl, "cli")
    monkeypatch.chdir(tmp_path)
    missing = runner().invoke(cli.cli, ["missing"])
    helped = runner().invoke(cli.cli, ["--help"])
    assert missing.exit_code == 2
    assert "FLASK_APP" in missing.stderr and "No such command 'missing'" in missing.stderr
    assert helped.exit_code == 0
    assert "FLASK_APP" in helped.stderr
    assert helped.stdout.startswith("Usage: flask [OPTIONS] COMMAND [ARGS]...")


def test_a_factory_that_fails_is_reported_under_help(fl: FlaskModule) -> None:
    def create_app() -> Any:
        raise RuntimeError("the factory broke")

    result = runner().invoke(submodule(fl, "cli").FlaskGroup(create_app=create_app), ["--help"])
    assert result.exit_code == 0
    assert "RuntimeError: the factory broke" in result.stderr
    assert "Usage:" in result.stdout


def test_shell_runs_in_the_app_context_with_its_shell_context(
    fl: FlaskModule, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(sys, "__interactivehook__", raising=False)
    monkeypatch.delenv("PYTHONSTARTUP", raising=False)
    app = fl.Flask("shelled")
    app.shell_context_processor(lambda: {"answer": 42})
    group = submodule(fl, "cli").FlaskGroup(create_app=lambda: app)
    result = runner().invoke(group, ["shell"], input="print(app.name, answer, g)\n")
    assert result.exit_code == 0
    assert "shelled 42 <flask.g of 'shelled'>" in result.stdout


def test_python_dash_m_heron_flask_runs_the_flask_command(tmp_path: Path) -> None:
    (tmp_path / "m_app.py").write_text(
        "from heron.flask import Flask\napp = Flask('m_app', static_folder=None)\n"
        "app.add_url_rule('/', 'index', lambda: '')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "HERON_"))}
    done = subprocess.run(
        [sys.executable, "-m", "heron.flask", "--app", "m_app", "routes"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[2].split() == ["index", "GET", "/"]


# ------------------------------------------------------------------ flask run: the options


def run_context(fl: FlaskModule, *args: str) -> dict[str, Any]:
    context = submodule(fl, "cli").run_command.make_context("run", list(args))
    return cast(dict[str, Any], context.params)


def test_run_cert_needs_a_key_and_a_key_needs_a_cert(fl: FlaskModule) -> None:
    here = __file__
    with pytest.raises(click.BadParameter, match=r'Required when using "--cert"\.'):
        run_context(fl, "--cert", here)
    with pytest.raises(click.BadParameter, match=r'"--cert" must also be specified\.'):
        run_context(fl, "--key", here)
    for args in (("--cert", here, "--key", here), ("--key", here, "--cert", here)):
        assert run_context(fl, *args)["cert"] == (here, here)


def test_run_cert_adhoc_or_an_ssl_context(fl: FlaskModule, monkeypatch: pytest.MonkeyPatch) -> None:
    import ssl

    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(click.BadParameter, match="requires the cryptography library"):
        run_context(fl, "--cert", "adhoc")
    monkeypatch.setitem(sys.modules, "cryptography", types.ModuleType("cryptography"))
    assert run_context(fl, "--cert", "adhoc")["cert"] == "adhoc"
    with pytest.raises(click.BadParameter, match='When "--cert" is "adhoc"'):
        run_context(fl, "--cert", "adhoc", "--key", __file__)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    monkeypatch.setitem(sys.modules, "heron_test_ssl_context", context)
    assert run_context(fl, "--cert", "heron_test_ssl_context")["cert"] is context
    with pytest.raises(click.BadParameter, match="an SSLContext object"):
        run_context(fl, "--cert", "heron_test_ssl_context", "--key", __file__)
    with pytest.raises(click.BadParameter):
        run_context(fl, "--cert", "os")  # importable, not an SSLContext


def test_run_path_lists(fl: FlaskModule) -> None:
    params = run_context(fl, "--extra-files", os.pathsep.join([__file__, __file__]))
    assert params["extra_files"] == [__file__, __file__]
    assert run_context(fl, "--exclude-patterns", "*.tmp")["exclude_patterns"] == ["*.tmp"]


# ------------------------------------------------------------------ flask run: uvicorn


class Served:
    """What ``uvicorn.run`` was called with (nothing is served)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def __call__(self, app: Any, **options: Any) -> None:
        self.calls.append((app, options))


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Served:
    recorder = Served()
    monkeypatch.setattr(uvicorn, "run", recorder)
    return recorder


def test_flask_run_serves_the_app_with_uvicorn(served: Served) -> None:
    app = HeronFlask("served")
    group = heron_cli.FlaskGroup(create_app=lambda: app)
    result = runner().invoke(group, ["run", "--host", "0.0.0.0", "-p", "8123"])
    assert result.exit_code == 0, result.output
    assert result.stdout == " * Debug mode: off\n"
    assert served.calls == [(app, {"host": "0.0.0.0", "port": 8123})]
    assert not isinstance(app.wsgi_app, DebuggedApplication)


def test_flask_run_debug_reloads_through_a_factory_uvicorn_can_import(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "reloaded.py").write_text("from heron.flask import Flask\napp = Flask('r')\n")
    (tmp_path / "data.yaml").write_text("")
    monkeypatch.chdir(tmp_path)
    args = ["--app", "reloaded", "--debug", "run", "--extra-files", "data.yaml"]
    result = runner().invoke(heron_cli.FlaskGroup(), args)
    assert result.exit_code == 0, result.output
    assert result.stdout == " * Serving Flask app 'reloaded'\n * Debug mode: on\n"
    [(target, options)] = served.calls
    assert target == "heron.flask.cli:_reloaded_app"
    assert options["factory"] is options["reload"] is True
    assert options["reload_dirs"] == [os.getcwd()]  # data.yaml's folder too
    assert options["reload_includes"] == ["*.py", "data.yaml"]
    # What a process started by the reloader does: the same app, found the same way, with
    # Werkzeug's debugger (on with --debug).
    child = heron_cli._reloaded_app()
    assert child.name == "r" and child.debug is True
    assert isinstance(child.wsgi_app, DebuggedApplication)


def test_flask_run_without_an_import_path_cannot_reload(served: Served) -> None:
    app = HeronFlask("factory_made")
    group = heron_cli.FlaskGroup(create_app=lambda: app)
    result = runner().invoke(group, ["run", "--reload", "--debugger"])
    assert result.exit_code == 0, result.output
    assert "Reloader off: a new process cannot get a create_app function." in result.stderr
    assert " * Debugger is active (traceback pages; no interactive console)." in result.stdout
    assert served.calls == [(app, {"host": "127.0.0.1", "port": 5000})]
    assert isinstance(app.wsgi_app, DebuggedApplication)
    assert app.wsgi_app.evalex is False  # no console: nothing typed into the page runs
    response = app.test_client().get("/missing")  # the debugger passes answers through
    assert response.status_code == 404


def test_flask_run_with_a_certificate_file(served: Served, tmp_path: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("")
    key.write_text("")
    app = HeronFlask("tls")
    group = heron_cli.FlaskGroup(create_app=lambda: app)
    result = runner().invoke(group, ["run", "--cert", str(cert), "--key", str(key)])
    assert result.exit_code == 0, result.output
    [(_, options)] = served.calls
    assert (options["ssl_certfile"], options["ssl_keyfile"]) == (str(cert), str(key))


def test_flask_run_fails_before_serving_when_the_app_does_not_load(served: Served) -> None:
    result = runner().invoke(heron_cli.FlaskGroup(), ["--app", "no_such_module_here", "run"])
    assert result.exit_code == 2
    assert "Could not import 'no_such_module_here'." in result.stderr
    assert served.calls == []


def test_app_run_is_a_no_op_under_the_flask_command(
    served: Served, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    HeronFlask("inside").run()
    assert served.calls == []
    assert "the 'flask' command serves the app" in capsys.readouterr().err


def test_app_run_takes_server_name_and_attaches_the_debugger_in_debug(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    app = HeronFlask("direct")
    app.config["SERVER_NAME"] = "example.test:8080"
    app.run(port=0, debug=True, load_dotenv=False, use_reloader=True, threaded=False)
    assert served.calls == [(app, {"host": "example.test", "port": 0, "log_level": "debug"})]
    assert isinstance(app.wsgi_app, DebuggedApplication)
    assert " * Debug mode: on" in capsys.readouterr().out
