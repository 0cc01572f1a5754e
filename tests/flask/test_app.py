"""``heron.flask.app``: the application's settings, folders and extension points.

Each test runs on Flask 3.1 and on ``heron.flask`` (see ``tests/flask_differential.py``):
``debug`` and the Jinja environment's reloading, the name of an app run as a script, the
instance folder (given, found, opened), URL build error handlers that decline or fail,
the shell context, and the classes of the test client and CLI runner.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any, cast

import pytest
from werkzeug.routing import BuildError

from flask_differential import MODULES, FlaskModule, submodule
from heron.flask import Flask as HeronFlask


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


# ------------------------------------------------------------------ debug and templates


def test_debug_set_after_the_jinja_env_exists_changes_auto_reload(fl: FlaskModule) -> None:
    app = fl.Flask("app_app")
    assert app.jinja_env.auto_reload is False
    app.debug = True
    assert (app.debug, app.config["DEBUG"], app.jinja_env.auto_reload) == (True, True, True)
    app.debug = False
    assert app.jinja_env.auto_reload is False


def test_debug_before_the_jinja_env_exists(fl: FlaskModule) -> None:
    app = fl.Flask("app_app")
    app.debug = True
    assert app.jinja_env.auto_reload is True


def test_templates_auto_reload_wins_over_debug(fl: FlaskModule) -> None:
    app = fl.Flask("app_app")
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    assert app.jinja_env.auto_reload is False
    app.debug = True
    assert app.jinja_env.auto_reload is False


def test_auto_reload_in_jinja_options_wins(fl: FlaskModule) -> None:
    class ReloadingApp(fl.Flask):  # type: ignore[misc, name-defined]
        jinja_options = {"auto_reload": True, "trim_blocks": True}

    app: Any = ReloadingApp("app_app")
    assert (app.debug, app.jinja_env.auto_reload, app.jinja_env.trim_blocks) == (
        False,
        True,
        True,
    )


# ------------------------------------------------------------------ the app's name


@pytest.mark.parametrize(
    ("main_file", "name"), [(None, "__main__"), ("/srv/site/manage.py", "manage")]
)
def test_the_name_of_an_app_run_as_a_script(
    fl: FlaskModule,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    main_file: str | None,
    name: str,
) -> None:
    main = types.ModuleType("__main__")
    if main_file is not None:
        main.__file__ = main_file
    monkeypatch.setitem(sys.modules, "__main__", main)
    app = fl.Flask("__main__", root_path=str(tmp_path), instance_path=str(tmp_path / "i"))
    assert app.name == name
    assert app.logger.name == name


# ------------------------------------------------------------------ the instance folder


def test_a_relative_instance_path_is_refused(fl: FlaskModule) -> None:
    with pytest.raises(ValueError) as error:
        fl.Flask("app_app", instance_path="instance")
    assert str(error.value) == (
        "If an instance path is provided it must be absolute. A relative path was given instead."
    )


def test_open_instance_resource_writes_and_reads(fl: FlaskModule, tmp_path: Path) -> None:
    app = fl.Flask("app_app", instance_path=str(tmp_path))
    with app.open_instance_resource("notes.txt", "w") as f:
        f.write("ünïcode\n")
    with app.open_instance_resource("notes.txt") as f:
        assert f.read() == "ünïcode\n".encode()
    with app.open_instance_resource("notes.txt", "r") as f:
        assert f.read() == "ünïcode\n"
    with app.open_instance_resource("notes.txt", "a", encoding="latin-1") as f:
        f.write("é")
    assert (tmp_path / "notes.txt").read_bytes() == "ünïcode\n".encode() + b"\xe9"


def test_instance_relative_config(fl: FlaskModule, tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("GREETING = 'from the instance folder'\n")
    app = fl.Flask("app_app", instance_path=str(tmp_path), instance_relative_config=True)
    assert app.config.from_pyfile("settings.py")
    assert app.config["GREETING"] == "from the instance folder"


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Packages installed in site-packages folders of another prefix than ``sys.prefix``."""
    layouts = {
        "heron_unix_pkg": tmp_path / "user" / "lib" / "python3.11" / "site-packages",
        "heron_windows_pkg": tmp_path / "win" / "Lib" / "site-packages",
        "heron_flat_pkg": tmp_path / "flat" / "site-packages",
    }
    for name, site in layouts.items():
        (site / name).mkdir(parents=True)
        (site / name / "__init__.py").write_text("")
        monkeypatch.syspath_prepend(str(site))
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "prefix"),
    [("heron_unix_pkg", "user"), ("heron_windows_pkg", "win"), ("heron_flat_pkg", "flat")],
)
def test_a_package_installed_in_sys_prefix(
    fl: FlaskModule, installed: Path, monkeypatch: pytest.MonkeyPatch, name: str, prefix: str
) -> None:
    monkeypatch.setattr(sys, "prefix", str(installed / prefix))
    assert fl.Flask(name).instance_path == str(installed / prefix / "var" / f"{name}-instance")


def test_a_module_under_sys_prefix_outside_site_packages(
    fl: FlaskModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "heron_lib_module.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    monkeypatch.delitem(sys.modules, "heron_lib_module", raising=False)
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert fl.Flask("heron_lib_module").instance_path == str(
        tmp_path / "var" / "heron_lib_module-instance"
    )


@pytest.mark.parametrize(
    ("name", "prefix"),
    [("heron_unix_pkg", "user"), ("heron_windows_pkg", "win"), ("heron_flat_pkg", "flat")],
)
def test_a_package_installed_outside_sys_prefix(
    fl: FlaskModule, installed: Path, name: str, prefix: str
) -> None:
    # A user site (~/.local/lib/pythonX.Y/site-packages) or another environment's: Flask
    # finds that installation's prefix, as for sys.prefix.
    assert fl.Flask(name).instance_path == str(installed / prefix / "var" / f"{name}-instance")


def test_a_package_installed_in_a_nested_prefix_under_sys_prefix(
    fl: FlaskModule, installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "prefix", str(installed))
    # Flask: anything under sys.prefix is installed there.
    assert fl.Flask("heron_unix_pkg").instance_path == str(
        installed / "var" / "heron_unix_pkg-instance"
    )


@pytest.fixture
def namespace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``heron_ns``, a namespace package in two folders: ``first/`` (searched first), ``second/``.

    ``first/heron_ns/one.py``; ``second/heron_ns/two.py`` and ``second/heron_ns/sub/``.
    """
    (tmp_path / "first" / "heron_ns").mkdir(parents=True)
    (tmp_path / "first" / "heron_ns" / "one.py").write_text("")
    (tmp_path / "second" / "heron_ns" / "sub").mkdir(parents=True)
    (tmp_path / "second" / "heron_ns" / "two.py").write_text("")
    (tmp_path / "second" / "heron_ns" / "sub" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "second"))
    monkeypatch.syspath_prepend(str(tmp_path / "first"))
    for name in ("heron_ns", "heron_ns.one", "heron_ns.two", "heron_ns.sub"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("import_name", "folder"),
    [("heron_ns.one", "first"), ("heron_ns.sub", "second"), ("heron_ns.missing", "first")],
)
def test_the_instance_folder_of_a_namespace_package(
    fl: FlaskModule, namespace: Path, import_name: str, folder: str
) -> None:
    # Beside the namespace folder that holds the module (the first one when none does).
    assert fl.Flask(import_name).instance_path == str(namespace / folder / "instance")


@pytest.mark.parametrize(
    ("import_name", "folder"),
    [("heron_ns.two", "second"), ("heron_ns", "first"), ("heron_ns.missing.deeper", "first")],
)
def test_the_instance_folder_of_a_namespace_package_where_flask_differs(
    namespace: Path, import_name: str, folder: str
) -> None:
    # Flask 3.1: heron_ns.two -> first/instance (the first folder for any plain module);
    # heron_ns and heron_ns.missing.deeper raise (StopIteration, ModuleNotFoundError).
    assert HeronFlask(import_name).instance_path == str(namespace / folder / "instance")


# ------------------------------------------------------------------ URL build errors


def url_app(fl: FlaskModule) -> Any:
    app = fl.Flask("app_app")
    app.add_url_rule("/", "index", lambda: "index")
    return app


def test_url_build_error_handlers_that_decline(fl: FlaskModule) -> None:
    app = url_app(fl)
    asked: list[str] = []

    def decline(error: BuildError, endpoint: str, values: dict[str, Any]) -> None:
        asked.append(endpoint)

    def answer(error: BuildError, endpoint: str, values: dict[str, Any]) -> str:
        asked.append(f"answer {endpoint}")
        return f"/moved/{endpoint}"

    app.url_build_error_handlers.extend([decline, answer])
    with app.test_request_context():
        assert fl.url_for("gone") == "/moved/gone"
        app.url_build_error_handlers.remove(answer)
        with pytest.raises(BuildError) as error:
            fl.url_for("gone", x=1)
    assert error.value.endpoint == "gone"
    assert asked == ["gone", "answer gone", "gone"]


def test_a_url_build_error_handler_raising_its_own_build_error(fl: FlaskModule) -> None:
    app = url_app(fl)
    raised: list[BuildError] = []

    def refuse(error: BuildError, endpoint: str, values: dict[str, Any]) -> str:
        raised.append(BuildError(f"{endpoint}-replacement", values, None))
        raise raised[0]

    app.url_build_error_handlers.append(refuse)
    with app.test_request_context(), pytest.raises(BuildError) as error:
        fl.url_for("gone")
    # The handler's error is the one raised.
    assert error.value is raised[0]
    assert error.value.endpoint == "gone-replacement"


def test_handle_url_build_error_called_directly_raises_the_error(fl: FlaskModule) -> None:
    app = url_app(fl)
    error = BuildError("gone", {}, None)
    with app.app_context(), pytest.raises(BuildError) as raised:
        app.handle_url_build_error(error, "gone", {})
    assert raised.value is error


# ------------------------------------------------------------------ shell, test classes


def test_make_shell_context_with_processors(fl: FlaskModule) -> None:
    app = fl.Flask("app_app")
    app.shell_context_processor(lambda: {"db": "database", "app": "shadowed"})
    app.shell_context_processor(lambda: {"answer": 42})
    with app.app_context():
        context = app.make_shell_context()
    assert context == {"app": "shadowed", "g": fl.g, "db": "database", "answer": 42}


def test_make_shell_context_without_processors(fl: FlaskModule) -> None:
    app = fl.Flask("app_app")
    context = app.make_shell_context()
    assert sorted(context) == ["app", "g"]
    assert context["app"] is app


def test_custom_test_client_and_cli_runner_classes(fl: FlaskModule) -> None:
    testing = submodule(fl, "testing")

    class Client(testing.FlaskClient):  # type: ignore[misc, name-defined]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.extra = kwargs.pop("extra", None)
            super().__init__(*args, **kwargs)

    class Runner(testing.FlaskCliRunner):  # type: ignore[misc, name-defined]
        pass

    app = url_app(fl)
    app.test_client_class = Client
    app.test_cli_runner_class = Runner
    client = app.test_client(use_cookies=False, extra="kwarg")
    assert (type(client), client.extra, client.get("/").text) == (Client, "kwarg", "index")
    runner = app.test_cli_runner()
    assert type(runner) is Runner
    assert runner.app is app
