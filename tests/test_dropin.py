"""The drop-in switch: ``import flask`` gives ``heron.flask`` (heron._dropin, docs/drop-in.md).

The generic mechanism is tested in this process with aliases of throwaway packages written to
``tmp_path`` (``fakeflask_<token>`` → ``dropin_target_<token>``), which touch no real module.
Everything that switches the Flask drop-in on runs in a fresh interpreter of this venv: this
process keeps the real Flask, which other tests compare Heron with.

The examples of docs/drop-in.md are ``py`` blocks, not ``python`` ones (tests/test_docs.py
runs those in its own process): each runs here, in a fresh interpreter.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import pickle
import re
import runpy
import subprocess
import sys
import sysconfig
import textwrap
import types
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask
import httpx
import pytest
from click.testing import CliRunner

from heron import _dropin
from heron.cli import cli
from heron_run import heron_run

ROOT = Path(__file__).resolve().parent.parent
PTH_SOURCE = ROOT / "src" / "heron_dropin.pth"
DOC = ROOT / "docs" / "drop-in.md"
VARIABLE = _dropin.ENVIRONMENT_VARIABLE
REAL_FLASK = Path(flask.__file__)  # imported by this process, before any switch


# ---------------------------------------------------------------- helpers


def _environment(drop_in: str | None = None, **extra: str) -> dict[str, str]:
    """This process's environment without HERON_DROP_IN, plus ``drop_in`` and ``extra``."""
    env = {name: value for name, value in os.environ.items() if name != VARIABLE}
    if drop_in is not None:
        env[VARIABLE] = drop_in
    return {**env, **extra}


def python(
    code: str, cwd: Path, *, drop_in: str | None = None, options: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter of this venv (``HERON_DROP_IN`` as given)."""
    return subprocess.run(
        [sys.executable, *options, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=_environment(drop_in),
        capture_output=True,
        text=True,
        timeout=60,
    )


@dataclass
class Fake:
    """Throwaway packages on ``sys.path``: ``target`` is the "Heron module" of ``alias``."""

    root: Path
    token: str

    @property
    def alias(self) -> str:
        return f"fakeflask_{self.token}"

    @property
    def target(self) -> str:
        return f"dropin_target_{self.token}"

    def name(self, prefix: str) -> str:
        """A top-level module name of this test (cleaned up from ``sys.modules`` after it)."""
        return f"{prefix}_{self.token}"

    def write(self, relative: str, source: str = "") -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        importlib.invalidate_caches()  # the path finders see the new file at once
        return path

    def module(self, prefix: str, source: str) -> types.ModuleType:
        """Write module ``<prefix>_<token>`` holding ``source``, and import it."""
        name = self.name(prefix)
        self.write(f"{name}.py", source)
        return importlib.import_module(name)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fake]:
    fake = Fake(tmp_path, uuid.uuid4().hex[:10])
    fake.write(
        f"{fake.target}/__init__.py",
        """
        class Thing:
            def __init__(self, value: int) -> None:
                self.value = value
        """,
    )
    fake.write(f"{fake.target}/json/__init__.py")
    fake.write(f"{fake.target}/json/tag.py", "NAME = 'tag'\n")
    fake.write(f"{fake.target}/__main__.py", "RAN_AS = __name__\n")
    fake.write(f"{fake.target}/broken.py", f"import dropin_missing_dependency_{fake.token}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        yield fake
    finally:
        _dropin.uninstall()
        for name in list(sys.modules):
            if name.partition(".")[0].endswith(fake.token):
                del sys.modules[name]


# ---------------------------------------------------------------- the mechanism (in process)


def test_an_alias_is_the_heron_module_under_a_second_name(fake: Fake) -> None:
    _dropin.install({fake.alias: fake.target})
    user = fake.module(
        "user",
        f"""
        import {fake.alias}
        import {fake.alias}.json.tag
        from {fake.alias} import json
        from {fake.alias}.json import tag
        """,
    )
    target = importlib.import_module(fake.target)
    tag = importlib.import_module(f"{fake.target}.json.tag")
    aliased = getattr(user, fake.alias)
    assert aliased is target is sys.modules[fake.alias]
    assert user.json is sys.modules[f"{fake.alias}.json"] is sys.modules[f"{fake.target}.json"]
    assert user.tag is aliased.json.tag is tag is sys.modules[f"{fake.alias}.json.tag"]
    # The module keeps its own identity: its name, spec, package and classes are Heron's.
    assert target.__name__ == fake.target
    assert target.__spec__ is not None and target.__spec__.name == fake.target
    assert tag.__spec__ is not None and tag.__spec__.name == f"{fake.target}.json.tag"
    assert tag.__package__ == f"{fake.target}.json"
    assert target.Thing.__module__ == fake.target
    payload = pickle.dumps(target.Thing(7))
    assert fake.target.encode() in payload and fake.alias.encode() not in payload
    assert pickle.loads(payload).value == 7
    assert importlib.reload(aliased) is target  # reloads by its own name


def test_a_heron_module_imported_first_is_the_one_the_alias_gives(fake: Fake) -> None:
    target = importlib.import_module(fake.target)
    tag = importlib.import_module(f"{fake.target}.json.tag")
    _dropin.install({fake.alias: fake.target})
    assert importlib.import_module(f"{fake.alias}.json.tag") is tag
    assert sys.modules[fake.alias] is target


def test_a_hand_made_module_without_a_spec_is_aliased_too(fake: Fake) -> None:
    made = types.ModuleType(fake.name("made"))
    made.__spec__ = None
    sys.modules[made.__name__] = made
    alias = fake.name("madealias")
    _dropin.install({alias: made.__name__})
    assert importlib.import_module(alias) is made


def test_a_module_heron_does_not_provide(fake: Fake) -> None:
    _dropin.install({fake.alias: fake.target})
    with pytest.raises(ModuleNotFoundError) as caught:
        importlib.import_module(f"{fake.alias}.missing")
    message = str(caught.value)
    assert message.startswith(f"No module named '{fake.alias}.missing': the Heron drop-in")
    assert f"maps '{fake.alias}' to '{fake.target}'" in message
    assert f"does not provide '{fake.target}.missing' yet" in message
    assert "shadowed" in message
    assert caught.value.name == f"{fake.alias}.missing"
    # `from alias import name` stays Python's own error: a name there may be an attribute.
    with pytest.raises(ImportError, match="cannot import name 'missing'"):
        fake.module("user", f"from {fake.alias} import missing\n")


@pytest.mark.parametrize(
    "where",
    [
        "dropin_no_such_package_{token}",
        "dropin_no_such_package_{token}.inner",
        "{target}.json.tag.x",
    ],
    ids=["no-package", "no-parent", "parent-is-a-module"],
)
def test_an_alias_of_a_module_that_does_not_exist(fake: Fake, where: str) -> None:
    target = where.format(token=fake.token, target=fake.target)
    alias = fake.name("missingalias")
    _dropin.install({alias: target})
    with pytest.raises(ModuleNotFoundError, match=f"does not provide '{re.escape(target)}' yet"):
        importlib.import_module(alias)


def test_a_missing_dependency_of_a_heron_module_is_reported_as_it_is(fake: Fake) -> None:
    _dropin.install({fake.alias: fake.target})
    with pytest.raises(ModuleNotFoundError) as caught:
        importlib.import_module(f"{fake.alias}.broken")
    assert caught.value.name == f"dropin_missing_dependency_{fake.token}"
    assert "drop-in" not in str(caught.value)
    # The same when the missing one is imported by the parent of the aliased module.
    fake.write(f"{fake.name('badinit')}/__init__.py", f"import dropin_gone_{fake.token}\n")
    fake.write(f"{fake.name('badinit')}/inner.py")
    alias = fake.name("badalias")
    _dropin.install({alias: f"{fake.name('badinit')}.inner"})
    with pytest.raises(ModuleNotFoundError) as caught:
        importlib.import_module(alias)
    assert caught.value.name == f"dropin_gone_{fake.token}"
    assert "drop-in" not in str(caught.value)


def test_install_is_idempotent_and_uninstall_undoes_it(fake: Fake) -> None:
    aliases = {fake.alias: fake.target}
    assert _dropin.active_aliases() == {}
    assert importlib.util.find_spec(fake.alias) is None  # nothing of it before the switch
    _dropin.install(aliases)
    finder = sys.meta_path[0]
    _dropin.install(aliases)
    assert sys.meta_path[0] is finder and sys.meta_path.count(finder) == 1
    assert _dropin.active_aliases() == aliases

    class Other(importlib.abc.MetaPathFinder):
        pass

    other = Other()
    sys.meta_path.insert(0, other)
    try:
        _dropin.install(aliases)  # back to the front, still once
        assert sys.meta_path[:2] == [finder, other] and sys.meta_path.count(finder) == 1
    finally:
        sys.meta_path.remove(other)

    importlib.import_module(f"{fake.alias}.json")
    _dropin.uninstall()
    assert _dropin.active_aliases() == {}
    assert finder not in sys.meta_path
    assert fake.alias not in sys.modules and f"{fake.alias}.json" not in sys.modules
    assert fake.target in sys.modules and f"{fake.target}.json" in sys.modules
    with pytest.raises(ModuleNotFoundError) as caught:
        importlib.import_module(fake.alias)
    assert "drop-in" not in str(caught.value)
    _dropin.uninstall()  # again: nothing to do
    assert finder not in sys.meta_path


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        ({"a.b": "x"}, "top-level module name"),
        ({"x": "x"}, "a module inside it"),
        ({"x": "x.y"}, "a module inside it"),
    ],
    ids=["dotted-alias", "itself", "inside-itself"],
)
def test_install_refuses_what_cannot_be_an_alias(
    fake: Fake, aliases: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _dropin.install(aliases)
    assert _dropin.active_aliases() == {}


def test_an_alias_keeps_its_heron_module(fake: Fake) -> None:
    _dropin.install({fake.alias: fake.target})
    with pytest.raises(ValueError, match=f"already an alias of '{fake.target}'"):
        _dropin.install({fake.alias: "somewhere_else", fake.name("newalias"): fake.target})
    assert _dropin.active_aliases() == {fake.alias: fake.target}  # nothing of it installed


def test_the_real_package_imported_first_is_an_error(fake: Fake) -> None:
    real = fake.write(f"{fake.alias}/__init__.py")  # a package with the alias's own name
    importlib.import_module(fake.alias)
    with pytest.raises(RuntimeError) as caught:
        _dropin.install({fake.alias: fake.target})
    message = str(caught.value)
    assert f"switched on after '{fake.alias}' was imported" in message
    assert f"before the first `import {fake.alias}`" in message
    assert str(real) in message and VARIABLE in message
    assert _dropin.active_aliases() == {}
    assert sys.modules[fake.alias].__file__ == str(real)  # left as it was


def test_find_spec_finds_the_alias_without_running_it(fake: Fake) -> None:
    _dropin.install({fake.alias: fake.target})
    spec = importlib.util.find_spec(fake.alias)
    assert spec is not None and spec.name == fake.alias
    assert spec.origin == str(fake.root / fake.target / "__init__.py")
    assert spec.submodule_search_locations == [str(fake.root / fake.target)]
    assert isinstance(spec.loader, _dropin._AliasLoader) and spec.loader.is_package(fake.alias)
    assert fake.target not in sys.modules  # found, not imported
    tag = importlib.util.find_spec(f"{fake.alias}.json.tag")
    assert tag is not None and tag.origin == str(fake.root / fake.target / "json" / "tag.py")
    assert tag.submodule_search_locations is None
    assert importlib.util.find_spec(fake.name("unrelated")) is None


def test_python_dash_m_runs_the_heron_modules_main(fake: Fake) -> None:
    _dropin.install({fake.alias: fake.target})
    namespace: dict[str, Any] = runpy.run_module(fake.alias, run_name="__main__")
    assert namespace["RAN_AS"] == "__main__"
    assert namespace["__spec__"].name == f"{fake.alias}.__main__"
    made = types.ModuleType(fake.name("made"))  # a module without a loader has no code
    made.__spec__ = None
    sys.modules[made.__name__] = made
    _dropin.install({fake.name("madealias"): made.__name__})
    made_spec = importlib.util.find_spec(fake.name("madealias"))
    assert made_spec is not None and isinstance(made_spec.loader, _dropin._AliasLoader)
    assert made_spec.loader.get_code(fake.name("madealias")) is None


def test_switching_on_by_name(fake: Fake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_dropin.DROP_INS, "fake", {fake.alias: fake.target})
    for name in ("fastapi", "FastAPI", "1"):
        with pytest.raises(_dropin.DropInNotAvailableError, match="not available yet"):
            _dropin.switch_on(name)
    with pytest.raises(
        ValueError, match=re.escape("Unknown Heron drop-in 'django'. Accepted: 'flask'")
    ):
        _dropin.switch_on("django")
    assert _dropin.active_aliases() == {}
    monkeypatch.setenv(VARIABLE, "0,fastapi")
    _dropin.switch_on(" Fake ", export=True)
    assert _dropin.active_aliases() == {fake.alias: fake.target}
    assert os.environ[VARIABLE] == "fastapi,fake"


def test_the_environment_names_the_drop_ins(fake: Fake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_dropin.DROP_INS, "fake", {fake.alias: fake.target})
    for off in ({}, {VARIABLE: ""}, {VARIABLE: "0"}, {VARIABLE: " , "}):
        _dropin.install_from_environment(off)
    assert _dropin.active_aliases() == {}
    with pytest.warns(RuntimeWarning) as warned:
        _dropin.install_from_environment({VARIABLE: "fastapi, django,FAKE"})
    messages = [str(warning.message) for warning in warned]
    assert len(messages) == 2
    assert messages[0].startswith(f"{VARIABLE}='fastapi, django,FAKE': The FastAPI drop-in")
    assert "Unknown Heron drop-in 'django'" in messages[1]
    assert _dropin.active_aliases() == {fake.alias: fake.target}
    monkeypatch.setenv(VARIABLE, "fake")  # the default: os.environ
    _dropin.uninstall()
    _dropin.install_from_environment()
    assert _dropin.active_aliases() == {fake.alias: fake.target}


# ---------------------------------------------------------------- heron run --drop-in (in process)


@pytest.fixture
def fake_uvicorn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    served: list[str] = []

    def run(app: str, **_options: Any) -> None:
        served.append(app)

    monkeypatch.setattr("uvicorn.run", run)
    return served


def test_run_drop_in_switches_on_before_the_app_is_imported(
    fake: Fake, monkeypatch: pytest.MonkeyPatch, fake_uvicorn: list[str]
) -> None:
    monkeypatch.setitem(_dropin.DROP_INS, "flask", {fake.alias: fake.target})
    monkeypatch.setenv(VARIABLE, "")  # restored after the test
    fake.write(f"{fake.name('app')}.py", f"import {fake.alias}\n\nSEEN = {fake.alias}\napp = 1\n")
    result = CliRunner().invoke(cli, ["run", fake.name("app"), "--drop-in", "flask"])
    assert result.exit_code == 0, result.output
    assert fake_uvicorn == [f"{fake.name('app')}:app"]
    assert sys.modules[fake.name("app")].SEEN is sys.modules[fake.target]
    assert os.environ[VARIABLE] == "flask"  # for the reload and worker processes
    assert _dropin.active_aliases() == {fake.alias: fake.target}


def test_run_drop_in_fastapi_is_not_available_yet(
    fake: Fake, monkeypatch: pytest.MonkeyPatch, fake_uvicorn: list[str]
) -> None:
    monkeypatch.setenv(VARIABLE, "")
    fake.write(f"{fake.name('app')}.py", "app = 1\n")
    result = CliRunner().invoke(cli, ["run", fake.name("app"), "--drop-in", "fastapi"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Warning: The FastAPI drop-in")
    assert "not available yet" in result.stderr
    assert fake_uvicorn == [f"{fake.name('app')}:app"]  # served all the same
    assert os.environ[VARIABLE] == "" and _dropin.active_aliases() == {}
    refused = CliRunner().invoke(cli, ["run", fake.name("app"), "--drop-in", "django"])
    assert refused.exit_code == 2 and "'flask', 'fastapi'" in refused.output


def test_run_drop_in_after_the_real_package_is_an_error(
    fake: Fake, monkeypatch: pytest.MonkeyPatch, fake_uvicorn: list[str]
) -> None:
    monkeypatch.setitem(_dropin.DROP_INS, "flask", {fake.alias: fake.target})
    monkeypatch.setenv(VARIABLE, "")
    fake.write(f"{fake.alias}/__init__.py")
    importlib.import_module(fake.alias)
    fake.write(f"{fake.name('app')}.py", "app = 1\n")
    result = CliRunner().invoke(cli, ["run", fake.name("app"), "--drop-in", "flask"])
    assert result.exit_code == 1
    assert f"Error: The Heron drop-in for '{fake.alias}' was switched on after" in result.output
    assert fake_uvicorn == [] and os.environ[VARIABLE] == ""


# ---------------------------------------------------------------- Flask, in fresh interpreters

HERON_FLASK = """
    import importlib.util
    import sys

    import flask
    import heron.flask
    from heron import _dropin

    assert flask is heron.flask is sys.modules["flask"], flask.__file__
    assert _dropin.active_aliases() == {"flask": "heron.flask"}
    spec = importlib.util.find_spec("flask")
    assert spec is not None and spec.origin == heron.flask.__file__, spec
    if importlib.util.find_spec("heron.flask.json") is not None:
        import flask.json
        import heron.flask.json

        assert flask.json is heron.flask.json
    print(flask.__name__)
"""

REAL_FLASK_ONLY = """
    import sys

    import flask

    assert "heron" not in sys.modules, "heron was imported at start-up"
    assert "heron._dropin" not in {type(finder).__module__ for finder in sys.meta_path}
    print(flask.__file__)
"""


@pytest.mark.parametrize("value", ["flask", "Flask", "django, flask"])
def test_the_environment_variable_switches_flask_on(tmp_path: Path, value: str) -> None:
    result = python(HERON_FLASK, tmp_path, drop_in=value)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "heron.flask\n"
    assert ("Unknown Heron drop-in 'django'" in result.stderr) == ("django" in value)


@pytest.mark.parametrize("value", [None, "", "0"], ids=["unset", "empty", "zero"])
def test_without_the_switch_flask_is_the_real_flask(tmp_path: Path, value: str | None) -> None:
    result = python(REAL_FLASK_ONLY, tmp_path, drop_in=value)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == REAL_FLASK
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("fastapi", "The FastAPI drop-in"),
        ("1", "The FastAPI drop-in"),
        ("django", "Accepted: 'flask'; 'fastapi' (or '1') is reserved"),
    ],
    ids=["fastapi", "1", "unknown"],
)
def test_a_drop_in_not_built_or_unknown_warns_and_start_up_goes_on(
    tmp_path: Path, value: str, said: str
) -> None:
    result = python(
        "import fastapi, flask; print(flask.__file__); print(fastapi.__file__)",
        tmp_path,
        drop_in=value,
    )
    assert result.returncode == 0, result.stderr
    flask_file, fastapi_file = result.stdout.split()
    assert Path(flask_file) == REAL_FLASK
    assert Path(fastapi_file).parent.name == "fastapi"  # the real one: nothing is switched on
    assert "RuntimeWarning" in result.stderr and said in result.stderr


def test_the_pth_line_costs_nothing_when_the_variable_is_unset(tmp_path: Path) -> None:
    imported = re.compile(r"\|\s+heron", re.MULTILINE)  # -X importtime: "| heron_dropin"
    off = python("pass", tmp_path, options=["-X", "importtime"])
    assert off.returncode == 0 and not imported.search(off.stderr)
    on = python("pass", tmp_path, drop_in="flask", options=["-X", "importtime"])
    assert on.returncode == 0 and re.search(r"\|\s+heron_dropin$", on.stderr, re.MULTILINE)
    # Set, it still imports no heron module (nor pydantic, anyio) until flask is imported.
    assert not re.search(r"\|\s+heron(\.|$)", on.stderr, re.MULTILINE), on.stderr
    assert not re.search(r"\|\s+(anyio|pydantic)$", on.stderr, re.MULTILINE)


def test_the_installed_pth_file_is_the_one_in_the_source_tree() -> None:
    installed = Path(sysconfig.get_paths()["purelib"]) / PTH_SOURCE.name
    assert installed.is_file(), f"no {installed}: reinstall (pip install -e '.[test]')"
    assert installed.read_text("utf-8") == PTH_SOURCE.read_text("utf-8"), "reinstall"
    # Python runs a .pth line that starts with `import`; the others are paths or comments.
    lines = [line for line in PTH_SOURCE.read_text("utf-8").splitlines() if line.strip()]
    code = [line for line in lines if not line.startswith("#")]
    assert len(code) == 1 and code[0].startswith("import os; ")
    # After the editable install's own path entry, which makes heron importable.
    editable = sorted(installed.parent.glob("_*heron*.pth"))
    assert all(path.name < installed.name for path in editable)


@pytest.mark.timeout(300)
def test_the_wheel_carries_the_pth_file_at_its_root(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("heron-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(PTH_SOURCE.name).decode() == PTH_SOURCE.read_text("utf-8")
        record = next(name for name in archive.namelist() if name.endswith(".dist-info/RECORD"))
        assert f"{PTH_SOURCE.name}," in archive.read(record).decode()


def test_import_heron_dropin_flask_first_in_a_script(tmp_path: Path) -> None:
    script = tmp_path / "main.py"
    script.write_text(
        "import heron.dropin_flask  # noqa: F401\n\nimport importlib.metadata\n"
        + textwrap.dedent(HERON_FLASK)
        + 'print(importlib.metadata.version("flask"))\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # The metadata is the installed real Flask's, as docs/drop-in.md says.
    assert result.stdout.split() == ["heron.flask", importlib.metadata.version("flask")]


def test_import_heron_dropin_flask_after_flask_is_an_error(tmp_path: Path) -> None:
    result = python("import flask\nimport heron.dropin_flask\n", tmp_path)
    assert result.returncode == 1
    assert "RuntimeError: The Heron drop-in for 'flask' was switched on after" in result.stderr
    assert "before the first `import flask`" in result.stderr
    assert "HERON_DROP_IN=flask" in result.stderr and str(REAL_FLASK) in result.stderr


def test_the_module_switches_the_flask_drop_in_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # Its code, run here with switch_on recorded (importing it would switch Flask off here).
    switched: list[str] = []
    monkeypatch.setattr(_dropin, "switch_on", switched.append)
    runpy.run_path(str(ROOT / "src" / "heron" / "dropin_flask.py"), run_name="heron.dropin_flask")
    assert switched == ["flask"]


@pytest.mark.parametrize("how", ["-p", "addopts", "off"])
def test_the_pytest_plugin(tmp_path: Path, how: str) -> None:
    ini = "[pytest]\n" + ("addopts = -p heron.dropin_flask\n" if how == "addopts" else "")
    (tmp_path / "pytest.ini").write_text(ini, encoding="utf-8")
    (tmp_path / "conftest.py").write_text(
        "import flask\nimport heron.flask\n\nassert flask is heron.flask, flask.__file__\n",
        encoding="utf-8",
    )
    (tmp_path / "test_app.py").write_text(
        "import flask\n\n\ndef test_flask_is_heron() -> None:\n"
        "    assert flask.__name__ == 'heron.flask'\n",
        encoding="utf-8",
    )
    options = ["-p", "heron.dropin_flask"] if how == "-p" else []
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options],
        cwd=tmp_path,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if how == "off":
        assert result.returncode != 0 and "AssertionError" in result.stdout + result.stderr
    else:
        assert result.returncode == 0, result.stdout + result.stderr
        assert "1 passed" in result.stdout


ASGI_APP = """
import os

import flask
import heron.flask

assert flask is heron.flask, flask.__file__


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = f"{flask.__name__} {os.environ.get('HERON_DROP_IN')} {os.getpid()}"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body.encode()})
"""


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["one-process", "2-workers"])
def test_heron_run_drop_in_flask_serves_an_app_that_imports_flask(
    tmp_path: Path, workers: list[str]
) -> None:
    name = f"dropin_app_{uuid.uuid4().hex[:10]}"
    (tmp_path / f"{name}.py").write_text(ASGI_APP, encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    env = {"PYTHONPATH": path, VARIABLE: ""}
    with heron_run(f"{name}:app", "--drop-in", "flask", *workers, env=env) as served:
        response = httpx.get(f"http://127.0.0.1:{served.port}/", timeout=20)
        master = served.proc.pid
    assert response.status_code == 200
    module, variable, pid = response.text.split()
    assert (module, variable) == ("heron.flask", "flask")
    # With workers, a worker process served it: the .pth file switched it on at start-up.
    assert (int(pid) != master) == bool(workers)


def test_heron_run_without_drop_in_gives_the_app_the_real_flask(tmp_path: Path) -> None:
    name = f"dropin_app_{uuid.uuid4().hex[:10]}"
    (tmp_path / f"{name}.py").write_text(ASGI_APP, encoding="utf-8")
    env = {"PYTHONPATH": str(tmp_path), VARIABLE: ""}
    with pytest.raises(RuntimeError, match="AssertionError"), heron_run(f"{name}:app", env=env):
        pass


# ---------------------------------------------------------------- docs/drop-in.md

_PY_BLOCK = re.compile(r"^```py\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _doc_examples() -> list[str]:
    return [match.group(1) for match in _PY_BLOCK.finditer(DOC.read_text("utf-8"))]


def test_the_page_has_its_examples() -> None:
    assert len(_doc_examples()) >= 4


@pytest.mark.parametrize(
    "source", _doc_examples(), ids=[f"drop-in.md#{i}" for i in range(len(_doc_examples()))]
)
def test_a_doc_example_holds_in_a_fresh_interpreter(tmp_path: Path, source: str) -> None:
    result = python(source, tmp_path)
    assert result.returncode == 0, result.stderr
