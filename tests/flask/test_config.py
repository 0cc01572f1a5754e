"""``heron.flask.config``: Flask's ``Config`` loaders and ``ConfigAttribute``.

Every loader runs on ``heron.flask.config.Config`` and on the real ``flask.Config`` with
the same inputs; both must end with the same values, return the same result, or raise the
same exception type with the same message.
"""

from __future__ import annotations

import copy
import errno
import json
import os
import subprocess
import sys
import tomllib
import traceback
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.config import Config as FlaskConfig, ConfigAttribute as FlaskConfigAttribute
from werkzeug.utils import ImportStringError

from heron.flask.config import Config, ConfigAttribute


@dataclass
class Outcome:
    """What one loader call did: its result and the values after it, or its error."""

    result: object
    values: dict[str, Any]
    error: tuple[type[BaseException], str] | None


def outcome(config: dict[str, Any], load: Callable[[Any], object]) -> Outcome:
    try:
        result = load(config)
    except Exception as exc:
        return Outcome(None, dict(config), (type(exc), str(exc)))
    return Outcome(result, dict(config), None)


def same_as_flask(
    root: str | os.PathLike[str],
    load: Callable[[Any], object],
    defaults: dict[str, Any] | None = None,
) -> Outcome:
    """Run ``load`` on both configs (each with its own copy of ``defaults``), compared."""
    ours = outcome(Config(root, copy.deepcopy(defaults)), load)
    theirs = outcome(FlaskConfig(root, copy.deepcopy(defaults)), load)
    assert ours == theirs
    return ours


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No FLASK_/MYAPP_ variables from the environment running the tests."""
    for name in list(os.environ):
        if name.startswith(("FLASK", "MYAPP")):
            monkeypatch.delenv(name)
    yield monkeypatch


# ---------------------------------------------------------------- the dict itself


def test_defaults_are_copied_and_root_path_kept(tmp_path: Path) -> None:
    defaults = {"DEBUG": False, "lower": 1}
    config = Config(tmp_path, defaults)
    defaults["DEBUG"] = True
    assert config == {"DEBUG": False, "lower": 1}
    assert config.root_path == tmp_path
    assert Config("/srv") == {}
    assert isinstance(config, dict)


def test_repr_names_the_class() -> None:
    class Settings(Config):
        pass

    assert repr(Config("/", {"A": 1})) == repr(FlaskConfig("/", {"A": 1})) == "<Config {'A': 1}>"
    assert repr(Settings("/", {"A": 1})) == "<Settings {'A': 1}>"


# ---------------------------------------------------------------- from_pyfile


def test_from_pyfile_loads_upper_case_names(tmp_path: Path) -> None:
    write(
        tmp_path / "settings.cfg",
        "SECRET_KEY = 'dev'\nDEBUG = True\nlower = 'skipped'\nMixed = 1\n"
        "FILE = __file__\nMODULE = __name__\nDERIVED = SECRET_KEY * 2\n",
    )
    done = same_as_flask(tmp_path, lambda c: c.from_pyfile("settings.cfg"), {"KEPT": 1})
    assert done.result is True
    assert done.values == {
        "KEPT": 1,
        "SECRET_KEY": "dev",
        "DEBUG": True,
        "FILE": str(tmp_path / "settings.cfg"),
        "MODULE": "config",
        "DERIVED": "devdev",
    }


def test_from_pyfile_absolute_path_ignores_root(tmp_path: Path) -> None:
    path = write(tmp_path / "abs.py", "A = 1\n")
    done = same_as_flask("/nowhere", lambda c: c.from_pyfile(path))
    assert done.values == {"A": 1}


def test_from_pyfile_missing_file_names_it(tmp_path: Path) -> None:
    done = same_as_flask(tmp_path, lambda c: c.from_pyfile("missing.cfg"))
    missing = str(tmp_path / "missing.cfg")
    assert done.error == (
        FileNotFoundError,
        f"[Errno 2] Unable to load configuration file (No such file or directory): {missing!r}",
    )
    with pytest.raises(FileNotFoundError) as caught:
        Config(tmp_path).from_pyfile("missing.cfg")
    assert caught.value.errno == errno.ENOENT
    assert caught.value.filename == missing


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("missing.cfg", id="ENOENT"),
        pytest.param("a_directory", id="EISDIR"),
        pytest.param("plain.txt/settings.cfg", id="ENOTDIR"),
    ],
)
def test_from_pyfile_silent_when_the_file_is_not_there(tmp_path: Path, name: str) -> None:
    (tmp_path / "a_directory").mkdir()
    write(tmp_path / "plain.txt", "")
    done = same_as_flask(tmp_path, lambda c: c.from_pyfile(name, silent=True))
    assert done == Outcome(False, {}, None)


def test_from_pyfile_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.cfg", "A = 1\nB = (\n")
    done = same_as_flask(tmp_path, lambda c: c.from_pyfile("broken.cfg", silent=True))
    assert done.error is not None and done.error[0] is SyntaxError
    with pytest.raises(SyntaxError) as caught:
        Config(tmp_path).from_pyfile("broken.cfg", silent=True)
    assert caught.value.filename == str(path)


def test_from_pyfile_runtime_error_traceback_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "fails.cfg", "A = 1\nB = 1 / 0\n")
    done = same_as_flask(tmp_path, lambda c: c.from_pyfile("fails.cfg"))
    assert done.error == (ZeroDivisionError, "division by zero")
    assert done.values == {}  # nothing is loaded from a file that failed
    with pytest.raises(ZeroDivisionError) as caught:
        Config(tmp_path).from_pyfile("fails.cfg")
    last = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert (last.filename, last.lineno) == (str(path), 2)


def test_from_pyfile_os_error_of_the_file_code_is_reworded(tmp_path: Path) -> None:
    write(tmp_path / "reads.cfg", "A = open('not-there.txt').read()\n")
    done = same_as_flask(tmp_path, lambda c: c.from_pyfile("reads.cfg"))
    assert done.error == (
        FileNotFoundError,
        "[Errno 2] Unable to load configuration file (No such file or directory): 'not-there.txt'",
    )
    done = same_as_flask(tmp_path, lambda c: c.from_pyfile("reads.cfg", silent=True))
    assert done == Outcome(False, {}, None)


# ---------------------------------------------------------------- from_envvar


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_from_envvar_without_the_variable(clean_env: pytest.MonkeyPatch, value: str | None) -> None:
    if value is not None:
        clean_env.setenv("MYAPP_SETTINGS", value)
    done = same_as_flask("/", lambda c: c.from_envvar("MYAPP_SETTINGS"))
    assert done.error == (
        RuntimeError,
        "The environment variable 'MYAPP_SETTINGS' is not set and as such configuration"
        " could not be loaded. Set this variable and make it point to a configuration file",
    )
    done = same_as_flask("/", lambda c: c.from_envvar("MYAPP_SETTINGS", silent=True))
    assert done == Outcome(False, {}, None)


def test_from_envvar_loads_the_named_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write(tmp_path / "prod.cfg", "SERVER_NAME = 'example.org'\n")
    clean_env.setenv("MYAPP_SETTINGS", "prod.cfg")
    done = same_as_flask(tmp_path, lambda c: c.from_envvar("MYAPP_SETTINGS"))
    assert done == Outcome(True, {"SERVER_NAME": "example.org"}, None)


def test_from_envvar_passes_silent_to_the_file(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("MYAPP_SETTINGS", "gone.cfg")
    done = same_as_flask(tmp_path, lambda c: c.from_envvar("MYAPP_SETTINGS", silent=True))
    assert done == Outcome(False, {}, None)
    done = same_as_flask(tmp_path, lambda c: c.from_envvar("MYAPP_SETTINGS"))
    assert done.error is not None and done.error[0] is FileNotFoundError


# ---------------------------------------------------------------- from_prefixed_env


def test_from_prefixed_env_parses_json_and_keeps_text(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in {
        "FLASK_SECRET_KEY": "not json",
        "FLASK_PORT": "5000",
        "FLASK_DEBUG": "true",
        "FLASK_NAME": '"quoted"',
        "FLASK_HOSTS": '["a", "b"]',
        "FLASK_EMPTY": "",
        "FLASK": "no underscore",
        "FLASKY_X": "other prefix",
        "OTHER_FLASK_Y": "not at the start",
        "FLASK_lower": "1",
    }.items():
        clean_env.setenv(name, value)
    done = same_as_flask("/", lambda c: c.from_prefixed_env())
    assert done.result is True
    assert done.values == {
        "DEBUG": True,
        "EMPTY": "",
        "HOSTS": ["a", "b"],
        "NAME": "quoted",
        "PORT": 5000,
        "SECRET_KEY": "not json",
        "lower": 1,
    }
    # Sorted order: the keys are set in the order of the variables' names.
    assert list(done.values) == ["DEBUG", "EMPTY", "HOSTS", "NAME", "PORT", "SECRET_KEY", "lower"]


def test_from_prefixed_env_nests_on_double_underscores(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FLASK_DB__HOST", "db.local")
    clean_env.setenv("FLASK_DB__POOL__SIZE", "5")
    clean_env.setenv("FLASK_CACHE__TTL", "60")
    done = same_as_flask(
        "/", lambda c: c.from_prefixed_env(), {"CACHE": {"TYPE": "redis"}, "DB": {"PORT": 1}}
    )
    assert done.values == {
        "CACHE": {"TYPE": "redis", "TTL": 60},
        "DB": {"PORT": 1, "HOST": "db.local", "POOL": {"SIZE": 5}},
    }


def test_from_prefixed_env_through_a_value_that_is_not_a_dict(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("FLASK_DB__HOST", "db.local")
    done = same_as_flask("/", lambda c: c.from_prefixed_env(), {"DB": "sqlite://"})
    assert done.error == (TypeError, "'str' object does not support item assignment")


def test_from_prefixed_env_prefix_and_loads(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("MYAPP_PORT", "5000")
    clean_env.setenv("MYAPP_BAD", "boom")
    clean_env.setenv("FLASK_PORT", "1")

    def loads(text: str) -> object:
        if text == "boom":
            raise LookupError(text)  # any exception means "keep the string"
        return int(text) * 2

    done = same_as_flask("/", lambda c: c.from_prefixed_env("MYAPP", loads=loads))
    assert done.values == {"BAD": "boom", "PORT": 10000}


# ---------------------------------------------------------------- from_object


class DefaultSettings:
    DEBUG = False
    SECRET_KEY = "dev"
    helper = "not loaded"
    Mixed = "not loaded"

    @property
    def DATABASE_URI(self) -> str:
        return f"sqlite:///{self.SECRET_KEY}.db"


@pytest.fixture
def settings_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """An importable module ``heron_test_settings`` (only in ``sys.modules``)."""
    module = types.ModuleType("heron_test_settings")
    module.__dict__.update(TIMEOUT=30, lower=1, Production=DefaultSettings)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def test_from_object_copies_upper_case_attributes() -> None:
    done = same_as_flask("/", lambda c: c.from_object(DefaultSettings()))
    assert done.result is None
    assert done.values == {
        "DATABASE_URI": "sqlite:///dev.db",
        "DEBUG": False,
        "SECRET_KEY": "dev",
    }
    # A class's properties are property objects, not values (documented).
    done = same_as_flask("/", lambda c: c.from_object(DefaultSettings))
    assert isinstance(done.values["DATABASE_URI"], property)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("heron_test_settings", {"TIMEOUT": 30}),
        ("heron_test_settings.Production", {"DEBUG": False, "SECRET_KEY": "dev"}),
        ("heron_test_settings:Production", {"DEBUG": False, "SECRET_KEY": "dev"}),
    ],
)
def test_from_object_import_string(
    settings_module: types.ModuleType, name: str, expected: dict[str, Any]
) -> None:
    done = same_as_flask("/", lambda c: c.from_object(name))
    assert {k: v for k, v in done.values.items() if k != "DATABASE_URI"} == expected


def test_from_object_unknown_import_string() -> None:
    done = same_as_flask("/", lambda c: c.from_object("heron_no_such_module.Settings"))
    assert done.error is not None and done.error[0] is ImportStringError
    assert "heron_no_such_module" in done.error[1]


def test_from_object_dict_keys_are_not_attributes() -> None:
    done = same_as_flask("/", lambda c: c.from_object({"DEBUG": True}))
    assert done == Outcome(None, {}, None)


# ---------------------------------------------------------------- from_file, from_mapping


def test_from_file_json_and_toml(tmp_path: Path) -> None:
    write(tmp_path / "config.json", json.dumps({"PORT": 5000, "lower": 1, "NESTED": {"a": 1}}))
    done = same_as_flask(tmp_path, lambda c: c.from_file("config.json", load=json.load))
    assert done == Outcome(True, {"PORT": 5000, "NESTED": {"a": 1}}, None)
    write(tmp_path / "config.toml", 'NAME = "heron"\nlower = 2\n')
    done = same_as_flask(
        tmp_path, lambda c: c.from_file("config.toml", load=tomllib.load, text=False)
    )
    assert done == Outcome(True, {"NAME": "heron"}, None)


def test_from_file_text_mode_decides_what_load_gets(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", 'NAME = "heron"\n')
    # tomllib.load needs a binary file: the default text mode fails inside load.
    done = same_as_flask(tmp_path, lambda c: c.from_file("config.toml", load=tomllib.load))
    assert done.error is not None and done.error[0] is TypeError


def test_from_file_missing(tmp_path: Path) -> None:
    done = same_as_flask(tmp_path, lambda c: c.from_file("gone.json", load=json.load))
    assert done.error == (
        FileNotFoundError,
        "[Errno 2] Unable to load configuration file (No such file or directory): "
        f"{str(tmp_path / 'gone.json')!r}",
    )


@pytest.mark.parametrize("name", ["gone.json", "a_directory"], ids=["ENOENT", "EISDIR"])
def test_from_file_silent_when_the_file_is_not_there(tmp_path: Path, name: str) -> None:
    (tmp_path / "a_directory").mkdir()
    done = same_as_flask(tmp_path, lambda c: c.from_file(name, load=json.load, silent=True))
    assert done == Outcome(False, {}, None)


def test_from_file_silent_does_not_cover_enotdir(tmp_path: Path) -> None:
    write(tmp_path / "plain.txt", "")
    done = same_as_flask(
        tmp_path, lambda c: c.from_file("plain.txt/c.json", load=json.load, silent=True)
    )
    assert done.error is not None and done.error[0] is NotADirectoryError
    assert "Unable to load configuration file (Not a directory)" in done.error[1]


def test_from_file_os_error_raised_by_load(tmp_path: Path) -> None:
    write(tmp_path / "config.json", "{}")

    def load_missing(file: Any) -> dict[str, Any]:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "include.json")

    def load_denied(file: Any) -> dict[str, Any]:
        raise PermissionError(errno.EACCES, "Permission denied", "secret.json")

    done = same_as_flask(
        tmp_path, lambda c: c.from_file("config.json", load=load_missing, silent=True)
    )
    assert done == Outcome(False, {}, None)
    done = same_as_flask(
        tmp_path, lambda c: c.from_file("config.json", load=load_denied, silent=True)
    )
    assert done.error == (
        PermissionError,
        "[Errno 13] Unable to load configuration file (Permission denied): 'secret.json'",
    )


def test_from_mapping_upper_case_keys_and_kwargs_win() -> None:
    done = same_as_flask(
        "/", lambda c: c.from_mapping({"A": 1, "b": 2, "C": 3}, C=4, d=5, E=6), {"Z": 0}
    )
    assert done == Outcome(True, {"Z": 0, "A": 1, "C": 4, "E": 6}, None)
    assert same_as_flask("/", lambda c: c.from_mapping()) == Outcome(True, {}, None)
    assert same_as_flask("/", lambda c: c.from_mapping(None, X=1)).values == {"X": 1}


# ---------------------------------------------------------------- get_namespace


@pytest.mark.parametrize("lowercase", [True, False])
@pytest.mark.parametrize("trim_namespace", [True, False])
def test_get_namespace(lowercase: bool, trim_namespace: bool) -> None:
    values = {
        "IMAGE_STORE_TYPE": "fs",
        "IMAGE_STORE_Path": "/var/images",
        "IMAGE_STORES": "other",
        "MAIL_SERVER": "smtp",
    }
    ours = Config("/", values).get_namespace("IMAGE_STORE_", lowercase, trim_namespace)
    theirs = FlaskConfig("/", values).get_namespace("IMAGE_STORE_", lowercase, trim_namespace)
    assert ours == theirs
    expected = {
        (True, True): {"type": "fs", "path": "/var/images"},
        (True, False): {"image_store_type": "fs", "image_store_path": "/var/images"},
        (False, True): {"TYPE": "fs", "Path": "/var/images"},
        (False, False): {"IMAGE_STORE_TYPE": "fs", "IMAGE_STORE_Path": "/var/images"},
    }
    assert ours == expected[lowercase, trim_namespace]


def test_get_namespace_default_arguments() -> None:
    config = Config("/", {"MAIL_SERVER": "smtp", "MAIL_PORT": 25, "DEBUG": True})
    assert config.get_namespace("MAIL_") == {"server": "smtp", "port": 25}


# ---------------------------------------------------------------- ConfigAttribute


class App:
    """A stand-in for the application: what ConfigAttribute needs is ``config``."""

    secret_key = ConfigAttribute[str | None]("SECRET_KEY")
    lifetime = ConfigAttribute[timedelta](
        "LIFETIME", get_converter=lambda v: timedelta(seconds=v) if isinstance(v, int) else v
    )

    def __init__(self, **values: Any) -> None:
        self.config = Config("/", values)


class FlaskLikeApp:
    secret_key = FlaskConfigAttribute[str | None]("SECRET_KEY")
    lifetime = FlaskConfigAttribute[timedelta](
        "LIFETIME", get_converter=lambda v: timedelta(seconds=v) if isinstance(v, int) else v
    )

    def __init__(self, **values: Any) -> None:
        self.config = FlaskConfig("/", values)


def test_config_attribute_reads_and_writes_the_key() -> None:
    # Any: flask's descriptor is typed for flask's own App class, not for this stand-in.
    apps: list[Any] = [App(SECRET_KEY="s", LIFETIME=60), FlaskLikeApp(SECRET_KEY="s", LIFETIME=60)]
    for app in apps:
        assert app.secret_key == "s"
        assert app.lifetime == timedelta(minutes=1)
        app.secret_key = "t"
        app.lifetime = 120  # stored as given: the converter applies to reads only
        assert dict(app.config) == {"SECRET_KEY": "t", "LIFETIME": 120}
        assert app.lifetime == timedelta(minutes=2)
        app.config["SECRET_KEY"] = None
        assert app.secret_key is None


def test_config_attribute_on_the_class_and_missing_key() -> None:
    attribute = App.__dict__["secret_key"]
    assert App.secret_key is attribute
    assert isinstance(attribute, ConfigAttribute)
    assert attribute.__name__ == "SECRET_KEY"
    assert attribute.get_converter is None
    with pytest.raises(KeyError, match="SECRET_KEY"):
        _ = App().secret_key


# ---------------------------------------------------------------- independence from flask


def test_importing_does_not_import_flask() -> None:
    code = "import sys, heron.flask.config; assert 'flask' not in sys.modules, 'flask imported'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
