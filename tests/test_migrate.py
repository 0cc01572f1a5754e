"""``heron migrate flask``: the import rewriting (heron.migrate) and the command."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from heron.cli import cli
from heron.migrate import (
    FLASK,
    SKIPPED_DIRECTORIES,
    TABLES,
    DynamicImport,
    Failure,
    MigratedFile,
    Report,
    Result,
    Table,
    iter_python_files,
    migrate_paths,
    rewrite_source,
)

ROOT = Path(__file__).resolve().parent.parent

EXTENSIONS_NOTE = (
    "Extensions (flask_*) are not rewritten and import flask themselves:"
    " run the app with HERON_DROP_IN=flask so that they run on Heron."
)


def migrated(source: str) -> str:
    return rewrite_source(source, FLASK).code


# ---------------------------------------------------------------- sources


REWRITES = {
    "import": ("import flask\n", "import heron.flask as flask\n"),
    "import as": ("import flask as f\n", "import heron.flask as f\n"),
    "import as the same name": ("import flask as flask\n", "import heron.flask as flask\n"),
    "import among others": (
        "import os, flask, sys\n",
        "import os, heron.flask as flask, sys\n",
    ),
    "submodule": (
        "import flask.json\n",
        "import heron.flask as flask\nimport heron.flask.json\n",
    ),
    "submodule as": ("import flask.json as fj\n", "import heron.flask.json as fj\n"),
    "submodules, one binding": (
        "import flask.json, flask.views\n",
        "import heron.flask as flask\nimport heron.flask.json, heron.flask.views\n",
    ),
    "submodule after the package, same statement": (
        "import flask, flask.json\n",
        "import heron.flask as flask, heron.flask.json\n",
    ),
    "submodule after the package, line above": (
        "import flask\nimport flask.json\n",
        "import heron.flask as flask\nimport heron.flask.json\n",
    ),
    "submodule after the package, imports between": (
        "import flask\nimport os\nfrom flask import g\nimport flask.json\n",
        "import heron.flask as flask\nimport os\n"
        "from heron.flask import g\nimport heron.flask.json\n",
    ),
    "submodule after an existing binding": (
        "import heron.flask as flask\nimport flask.views\n",
        "import heron.flask as flask\nimport heron.flask.views\n",
    ),
    "submodule before the package": (
        "import flask.json\nimport flask\n",
        "import heron.flask as flask\nimport heron.flask.json\nimport heron.flask as flask\n",
    ),
    "submodule among others on its line": (
        "import os, flask.json\n",
        "import heron.flask as flask\nimport os, heron.flask.json\n",
    ),
    "submodule in a line of statements": (
        "import os; import flask.json; import flask.views\n",
        "import os; import heron.flask as flask, heron.flask.json; import heron.flask.views\n",
    ),
    "submodule in a one-line block": (
        "if True: import flask.json\n",
        "if True: import heron.flask as flask, heron.flask.json\n",
    ),
    "submodule after another statement": (
        "import flask\nx = 1\nimport flask.json\n",
        "import heron.flask as flask\nx = 1\n"
        "import heron.flask as flask\nimport heron.flask.json\n",
    ),
    "submodule after a name rebound by a from-import": (
        "import flask\nfrom mylib import flask\nimport flask.json\n",
        "import heron.flask as flask\nfrom mylib import flask\n"
        "import heron.flask as flask\nimport heron.flask.json\n",
    ),
    "submodule after a name rebound by an as-import": (
        "import flask\nimport mylib as flask\nimport flask.json\n",
        "import heron.flask as flask\nimport mylib as flask\n"
        "import heron.flask as flask\nimport heron.flask.json\n",
    ),
    "submodule after a star import": (
        "import flask\nfrom mylib import *\nimport flask.json\n",
        "import heron.flask as flask\nfrom mylib import *\n"
        "import heron.flask as flask\nimport heron.flask.json\n",
    ),
    "submodule after a block": (
        "if x:\n    import flask\nimport flask.json\n",
        "if x:\n    import heron.flask as flask\n"
        "import heron.flask as flask\nimport heron.flask.json\n",
    ),
    "submodule in a block after the package outside": (
        "import flask\n\n\ndef f():\n    import flask.json\n",
        "import heron.flask as flask\n\n\n"
        "def f():\n    import heron.flask as flask\n    import heron.flask.json\n",
    ),
    "submodule in an except clause": (
        "try:\n    import flask\nexcept ImportError:\n    import flask.json\n",
        "try:\n    import heron.flask as flask\nexcept ImportError:\n"
        "    import heron.flask as flask\n    import heron.flask.json\n",
    ),
    "from": (
        "from flask import Flask, request as req\n",
        "from heron.flask import Flask, request as req\n",
    ),
    "from a submodule": (
        "from flask.views import MethodView\n",
        "from heron.flask.views import MethodView\n",
    ),
    "from, star": ("from flask import *\n", "from heron.flask import *\n"),
    "from, parenthesized, comments": (
        "from flask import (  # the app\n    Flask,\n    g,  # per request\n)\n",
        "from heron.flask import (  # the app\n    Flask,\n    g,  # per request\n)\n",
    ),
    "comments and blank lines around a submodule import": (
        '"""Doc."""\n\n# JSON helpers\nimport flask.json  # noqa: F401\n\nx = 1  # one\n',
        '"""Doc."""\n\n# JSON helpers\nimport heron.flask as flask\n'
        "import heron.flask.json  # noqa: F401\n\nx = 1  # one\n",
    ),
    "formatting of the rest": (
        "import flask\ndef f( a ,b ):\n    return {'a':a}  # k\n",
        "import heron.flask as flask\ndef f( a ,b ):\n    return {'a':a}  # k\n",
    ),
    "indented": (
        "def f():\n    if x:\n        from flask import g\n        return g\n",
        "def f():\n    if x:\n        from heron.flask import g\n        return g\n",
    ),
    "CRLF": (
        "import flask.json\r\nx = flask.json.dumps(1)\r\n",
        "import heron.flask as flask\r\nimport heron.flask.json\r\nx = flask.json.dumps(1)\r\n",
    ),
    "no newline at the end": ("import flask", "import heron.flask as flask"),
    "byte-order mark": ("\ufeffimport flask\n", "\ufeffimport heron.flask as flask\n"),
}


@pytest.mark.parametrize(("before", "after"), REWRITES.values(), ids=REWRITES.keys())
def test_rewrites(before: str, after: str) -> None:
    result = rewrite_source(before, FLASK)
    assert result.code == after
    assert result.changed
    assert result.source == before


@pytest.mark.parametrize("after", [after for _, after in REWRITES.values()], ids=REWRITES.keys())
def test_a_second_run_changes_nothing(after: str) -> None:
    result = rewrite_source(after, FLASK)
    assert result.code == after
    assert result.rewritten == 0
    assert not result.changed


UNTOUCHED = {
    "relative": "from . import flask\nfrom .flask import views\nfrom ..flask.views import V\n",
    "other packages": "import flask_login, flasky, myflask\nimport myflask.flask\n",
    "other packages, from": "from flask_login import current_user\nfrom flasky import app\n",
    "strings": 'name = "flask"\npatch("flask.request")\nimport_name = "flask.json"\n',
    "attribute named flask": "import app\napp.flask.Flask\n",
    "dynamic imports": '__import__("flask")\nimportlib.import_module("flask.json")\n',
    "already Heron's": (
        "import heron.flask as flask\nimport heron.flask.json\nfrom heron import g\n"
    ),
}


@pytest.mark.parametrize("source", UNTOUCHED.values(), ids=UNTOUCHED.keys())
def test_untouched(source: str) -> None:
    result = rewrite_source(source, FLASK)
    assert result.code == source
    assert result.rewritten == 0


def test_rewritten_counts_statements() -> None:
    source = "import flask, flask.json\nimport os\nfrom flask import g\nfrom flask.views import V\n"
    assert rewrite_source(source, FLASK).rewritten == 3


def test_a_file_of_everything_keeps_its_comments_and_layout() -> None:
    before = '''\
#!/usr/bin/env python
"""The app."""

from __future__ import annotations

import os  # the environment
import flask
from flask import (
    Flask,   # aligned
    request as req,
)


def view(  a,b ):
    # "flask" in a comment, and in a string:
    return {"flask": req.args [a]}
'''
    after = before.replace("import flask\n", "import heron.flask as flask\n").replace(
        "from flask import (", "from heron.flask import ("
    )
    assert migrated(before) == after


def test_a_parse_error_is_libcsts() -> None:
    with pytest.raises(cst.ParserSyntaxError):
        rewrite_source("def f(:\n    pass\n", FLASK)


# ---------------------------------------------------------------- dynamic imports


@pytest.mark.parametrize(
    ("source", "call", "module", "target", "column"),
    [
        ('__import__("flask")\n', "__import__", "flask", "heron.flask", 1),
        ("x = importlib.import_module('flask.json')\n", "importlib.import_module", "flask.json",
         "heron.flask.json", 5),
        ('importlib.__import__("flask")\n', "importlib.__import__", "flask", "heron.flask", 1),
        ('import_module(name="flask.views")\n', "import_module", "flask.views",
         "heron.flask.views", 1),
        ('import_module(package=None, name="flask")\n', "import_module", "flask",
         "heron.flask", 1),
        ('__import__("fl" "ask")\n', "__import__", "flask", "heron.flask", 1),
    ],
)  # fmt: skip
def test_dynamic_imports_are_reported(
    source: str, call: str, module: str, target: str, column: int
) -> None:
    result = rewrite_source("import os\n\n" + source, FLASK)
    assert not result.changed
    assert result.dynamic_imports == (DynamicImport(3, column, call, module, target),)


@pytest.mark.parametrize(
    "source",
    [
        '__import__("os")\n',
        "importlib.import_module(name)\n",
        "__import__()\n",
        'import_module(package="flask")\n',
        '__import__(f"flask")\n',
        '__import__(b"flask")\n',
        'load("flask")\n',
        'loaders[0]("flask")\n',
        '__import__("flask_login")\n',
    ],
)
def test_other_calls_are_not_reported(source: str) -> None:
    assert rewrite_source(source, FLASK).dynamic_imports == ()


def test_a_dynamic_import_is_described_with_its_file_and_line() -> None:
    dynamic = DynamicImport(4, 9, "__import__", "flask", "heron.flask")
    assert dynamic.describe(Path("pkg/app.py")) == (
        "pkg/app.py:4:9: warning: __import__('flask') is not rewritten: name 'heron.flask' there"
    )


# ---------------------------------------------------------------- extensions and tables


def test_extensions_imported_are_listed_once_sorted() -> None:
    source = (
        "import flask_wtf.csrf\nfrom flask_login import current_user\nimport flask_login\n"
        "import flasky\nfrom .flask_local import x\n"
    )
    result = rewrite_source(source, FLASK)
    assert result.extensions == ("flask_login", "flask_wtf")
    assert not result.changed


def test_the_flask_table() -> None:
    assert TABLES == {"flask": FLASK}
    assert FLASK.target("flask") == "heron.flask"
    assert FLASK.target("flask.sessions") == "heron.flask.sessions"
    assert FLASK.target("flask_login") is None
    assert FLASK.target("flasky.flask") is None
    assert FLASK.is_extension("flask_sqlalchemy.model")
    assert not FLASK.is_extension("flask")
    assert not FLASK.is_extension("flasky")


def test_a_table_maps_packages_only() -> None:
    with pytest.raises(ValueError, match=r"maps submodules \['starlette.requests'\]"):
        Table(name="x", modules={"starlette.requests": "heron.requests"})


#: The shape a later `heron migrate fastapi` takes: one more table, two packages.
TWO_PACKAGES = Table(name="fastapi", modules={"fastapi": "heron", "starlette": "heron.starlette"})


def test_another_table_with_two_packages() -> None:
    before = (
        "import fastapi.responses, starlette.requests\n"
        "from starlette.routing import Route\nimport flask\n"
    )
    assert rewrite_source(before, TWO_PACKAGES).code == (
        "import heron as fastapi\nimport heron.starlette as starlette\n"
        "import heron.responses, heron.starlette.requests\n"
        "from heron.starlette.routing import Route\nimport flask\n"
    )


# ---------------------------------------------------------------- files


def write(path: Path, text: str = "import flask\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    return path


def test_directories_are_walked_in_order_skipping_what_is_not_the_project(
    tmp_path: Path,
) -> None:
    for name in ["b.py", "a.py", "notes.txt", "pkg/z.py", "pkg/sub/y.py", "pkg/.cache/x.py"]:
        write(tmp_path / name)
    for skipped in [*SKIPPED_DIRECTORIES, ".git", ".tox"]:
        write(tmp_path / skipped / "module.py")
    found = [path.relative_to(tmp_path).as_posix() for path in iter_python_files([tmp_path])]
    assert found == ["a.py", "b.py", "pkg/z.py", "pkg/sub/y.py"]


def test_paths_given_are_taken_as_they_are_and_once(tmp_path: Path) -> None:
    script = write(tmp_path / "bin" / "manage")  # a script with no .py: named, so taken
    hidden = write(tmp_path / ".hidden" / "h.py")
    app = write(tmp_path / "app.py")
    found = list(iter_python_files([script, tmp_path / ".hidden", app, tmp_path, str(app)]))
    assert found == [script, hidden, app]


def test_migrate_paths_reports_without_writing(tmp_path: Path) -> None:
    app = write(tmp_path / "app.py", "import flask\nimport flask_login\n")
    same = write(tmp_path / "same.py", "import os\n")
    report = migrate_paths([tmp_path], FLASK)
    assert app.read_text() == "import flask\nimport flask_login\n"
    assert not report.written
    assert [file.path for file in report.files] == [app, same]
    assert [file.path for file in report.changed] == [app]
    assert report.rewritten == 1
    assert report.extensions == ["flask_login"]
    assert report.failures == []


def test_migrate_paths_writes_keeping_line_breaks_and_encoding(tmp_path: Path) -> None:
    crlf = write(tmp_path / "crlf.py", "# é\r\nimport flask.json\r\n")
    bom = write(tmp_path / "bom.py", "\ufeffimport flask\n")
    untouched = write(tmp_path / "untouched.py", "import os\r\n")
    before = untouched.stat().st_mtime_ns
    report = migrate_paths([tmp_path], FLASK, write=True)
    assert report.written
    assert crlf.read_bytes() == (
        "# é\r\nimport heron.flask as flask\r\nimport heron.flask.json\r\n".encode()
    )
    assert bom.read_bytes() == "\ufeffimport heron.flask as flask\n".encode()
    assert untouched.stat().st_mtime_ns == before  # not written at all
    assert migrate_paths([tmp_path], FLASK, write=True).changed == []


def test_files_that_cannot_be_read_or_parsed_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "a_bad.py", "import flask\n\ndef f(:\n    pass\n")
    (tmp_path / "b_latin1.py").write_bytes("import flask  # caf\xe9\n".encode("latin-1"))
    (tmp_path / "c_dangling.py").symlink_to(tmp_path / "nowhere.py")
    good = write(tmp_path / "d_good.py")
    report = migrate_paths([tmp_path], FLASK, write=True)
    assert good.read_text() == "import heron.flask as flask\n"
    assert (tmp_path / "a_bad.py").read_text() == "import flask\n\ndef f(:\n    pass\n"
    bad, latin1, dangling = report.failures
    assert (bad.path.name, bad.line) == ("a_bad.py", 4)
    assert bad.message.startswith("parser error")
    assert bad.describe() == f"{bad.path}:4: error: {bad.message} (file skipped)"
    assert latin1 == Failure(tmp_path / "b_latin1.py", "not UTF-8 (invalid continuation byte)")
    assert latin1.describe() == (
        f"{tmp_path / 'b_latin1.py'}: error: not UTF-8 (invalid continuation byte) (file skipped)"
    )
    assert dangling == Failure(tmp_path / "c_dangling.py", "No such file or directory")
    assert [file.path for file in report.files] == [good]


def test_the_diff_of_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = rewrite_source("import os\nimport flask\nx = 1", FLASK)
    relative = MigratedFile(Path("pkg/app.py"), result)
    assert relative.diff() == (
        "--- a/pkg/app.py\n+++ b/pkg/app.py\n@@ -1,3 +1,3 @@\n import os\n"
        "-import flask\n+import heron.flask as flask\n x = 1\n\\ No newline at end of file\n"
    )
    absolute = MigratedFile(tmp_path / "app.py", result)
    assert absolute.diff().splitlines()[:2] == [
        f"--- {(tmp_path / 'app.py').as_posix()}",
        f"+++ {(tmp_path / 'app.py').as_posix()}",
    ]


def test_a_form_feed_is_not_a_line_break_in_the_diff() -> None:
    result = rewrite_source("x = 1\x0c\nimport flask\n", FLASK)
    assert MigratedFile(Path("a.py"), result).diff().split("\n")[3:] == [
        " x = 1\x0c",
        "-import flask",
        "+import heron.flask as flask",
        "",
    ]


def test_describe_a_file() -> None:
    one = MigratedFile(Path("a.py"), Result("import flask\n", "x", rewritten=1))
    two = MigratedFile(Path("b.py"), Result("", "x", rewritten=2))
    assert one.describe(written=True) == "rewrote a.py (1 import)"
    assert two.describe(written=False) == "would rewrite b.py (2 imports)"


def test_summary_lines() -> None:
    changed = MigratedFile(Path("a.py"), Result("a", "b", rewritten=3, extensions=("flask_wtf",)))
    same = MigratedFile(Path("b.py"), Result("a", "a"))
    failure = Failure(Path("c.py"), "bad", 1)
    written = Report(FLASK, written=True, files=[changed, same], failures=[failure])
    assert written.summary() == [
        "3 files scanned, 1 changed, 3 imports rewritten.",
        "1 file skipped: could not be parsed.",
        "Extensions (flask_wtf) are not rewritten and import flask themselves:"
        " run the app with HERON_DROP_IN=flask so that they run on Heron.",
    ]
    dry = Report(FLASK, written=False, files=[same])
    assert dry.summary() == [
        "1 file scanned, 0 would change, 0 imports to rewrite.",
        EXTENSIONS_NOTE,
    ]
    no_drop_in = Report(TWO_PACKAGES, written=True)
    assert no_drop_in.summary() == ["0 files scanned, 0 changed, 0 imports rewritten."]


def test_warnings_name_file_and_line(tmp_path: Path) -> None:
    app = write(tmp_path / "app.py", 'import os\nmod = __import__("flask")\n')
    assert migrate_paths([app], FLASK).warnings() == [
        f"{app}:2:7: warning: __import__('flask') is not rewritten: name 'heron.flask' there"
    ]


# ---------------------------------------------------------------- the command


def project(root: Path) -> dict[str, Path]:
    return {
        "app": write(root / "app.py", "import flask\nfrom flask import request, jsonify\n"),
        "views": write(root / "blog" / "views.py", "from flask.views import MethodView\n"),
        "plain": write(root / "blog" / "plain.py", "import os\n"),
        "venv": write(root / ".venv" / "lib" / "flask.py", "import flask\n"),
    }


def texts(files: dict[str, Path]) -> dict[str, str]:
    return {name: path.read_text() for name, path in files.items()}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["migrate", "flask", *args])
    return result.exit_code, result.stdout, result.stderr


def test_command_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    files = project(tmp_path)
    code, out, err = invoke(".")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "rewrote app.py (2 imports)",
        "rewrote blog/views.py (1 import)",
        "3 files scanned, 2 changed, 3 imports rewritten.",
        EXTENSIONS_NOTE,
    ]
    assert texts(files) == {
        "app": "import heron.flask as flask\nfrom heron.flask import request, jsonify\n",
        "views": "from heron.flask.views import MethodView\n",
        "plain": "import os\n",
        "venv": "import flask\n",
    }
    code, out, _ = invoke(".")
    assert code == 0
    assert out.splitlines()[0] == "3 files scanned, 0 changed, 0 imports rewritten."


def test_command_diff_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    files = project(tmp_path)
    before = texts(files)
    code, out, err = invoke("--diff", "app.py", "blog")
    assert code == 0
    assert texts(files) == before
    assert out == (
        "--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,2 @@\n"
        "-import flask\n-from flask import request, jsonify\n"
        "+import heron.flask as flask\n+from heron.flask import request, jsonify\n"
        "--- a/blog/views.py\n+++ b/blog/views.py\n@@ -1 +1 @@\n"
        "-from flask.views import MethodView\n+from heron.flask.views import MethodView\n"
    )
    assert err.splitlines() == [
        "3 files scanned, 2 would change, 3 imports to rewrite.",
        EXTENSIONS_NOTE,
    ]


def test_command_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    files = project(tmp_path)
    before = texts(files)
    code, out, _ = invoke("--check", ".")
    assert code == 1
    assert texts(files) == before
    assert out.splitlines()[:3] == [
        "would rewrite app.py (2 imports)",
        "would rewrite blog/views.py (1 import)",
        "3 files scanned, 2 would change, 3 imports to rewrite.",
    ]
    assert invoke(".")[0] == 0
    code, out, _ = invoke("--check", ".")
    assert code == 0
    assert out.splitlines()[0] == "3 files scanned, 0 would change, 0 imports to rewrite."


def test_command_check_with_diff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "app.py")
    code, out, _ = invoke("--check", "--diff", ".")
    assert code == 1
    assert out.startswith("--- a/app.py\n")
    assert (tmp_path / "app.py").read_text() == "import flask\n"


def test_command_skips_a_file_it_cannot_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "bad.py", "import flask\nprint 'hello'\n")
    good = write(tmp_path / "good.py", 'import flask\nflask_json = __import__("flask.json")\n')
    code, out, err = invoke(".")
    assert code == 1
    assert good.read_text().startswith("import heron.flask as flask\n")
    assert (tmp_path / "bad.py").read_text() == "import flask\nprint 'hello'\n"
    assert out.splitlines()[:3] == [
        "rewrote good.py (1 import)",
        "2 files scanned, 1 changed, 1 import rewritten.",
        "1 file skipped: could not be parsed.",
    ]
    warning, error = err.splitlines()
    assert warning == (
        "good.py:2:14: warning: __import__('flask.json') is not rewritten:"
        " name 'heron.flask.json' there"
    )
    assert re.fullmatch(r"bad\.py:2: error: parser error: .+ \(file skipped\)", error), error


def test_command_needs_paths_that_exist(tmp_path: Path) -> None:
    assert invoke()[0] == 2
    code, _, err = invoke(str(tmp_path / "missing"))
    assert code == 2
    assert "does not exist" in err


def test_command_without_libcst(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What `import libcst` does when it is not installed.
    monkeypatch.setitem(sys.modules, "libcst", None)
    monkeypatch.delitem(sys.modules, "heron.migrate")
    code, _, err = invoke(str(tmp_path))
    assert code == 1
    assert err == "Error: heron migrate needs libcst: pip install 'heron[migrate]'\n"


def test_command_does_not_hide_other_import_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "heron.migrate", None)
    result = CliRunner().invoke(cli, ["migrate", "flask", str(tmp_path)])
    assert isinstance(result.exception, ModuleNotFoundError)
    assert result.exception.name == "heron.migrate"


def test_command_help_matches_the_docs() -> None:
    page = (ROOT / "docs" / "migrate.md").read_text()
    synopsis = re.search(r"```text\n(heron migrate flask .*)\n```", page)
    assert synopsis is not None
    help_text = CliRunner().invoke(cli, ["migrate", "flask", "--help"]).output
    assert "Usage: cli migrate flask [OPTIONS] PATHS..." in help_text
    options = re.findall(r"--[a-z]+", synopsis.group(1))
    assert options == ["--diff", "--check"]
    assert all(re.search(rf"^\s+{option}\s", help_text, re.MULTILINE) for option in options)
    listed = CliRunner().invoke(cli, ["migrate", "--help"]).output
    assert re.search(r"^\s+flask\s+Rewrite imports of flask to heron\.flask", listed, re.MULTILINE)


# ---------------------------------------------------------------- end to end


FLASK_APP = '''\
"""A small Flask app, as people write them."""

import flask
from flask import request, jsonify

app = flask.Flask(__name__)


@app.route("/echo", methods=["POST"])
def echo():
    # Flask's request proxy and JSON helper.
    return jsonify(name=request.get_json()["name"], length=len(request.data))
'''


def flask_modules_imported(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return [name for name in found if name == "flask" or name.startswith("flask.")]


def test_a_flask_app_is_rewritten_to_import_nothing_from_flask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_file = write(tmp_path / "app.py", FLASK_APP)
    # The app works with Flask before the rewrite: it is a real Flask app.
    namespace: dict[str, object] = {"__name__": "flask_app_under_test"}
    exec(compile(FLASK_APP, str(app_file), "exec"), namespace)
    flask_app = namespace["app"]
    client = flask_app.test_client()  # type: ignore[attr-defined]
    response = client.post("/echo", json={"name": "ann"})
    assert response.get_json() == {"name": "ann", "length": 15}
    assert flask_modules_imported(FLASK_APP) == ["flask", "flask"]

    monkeypatch.chdir(tmp_path)
    code, out, _ = invoke(".")
    assert code == 0
    assert out.splitlines()[0] == "rewrote app.py (2 imports)"
    rewritten = app_file.read_text()
    assert flask_modules_imported(rewritten) == []
    assert "import heron.flask as flask\nfrom heron.flask import request, jsonify\n" in rewritten
    # Everything but the two imports is as it was.
    assert (
        rewritten.replace("heron.flask", "flask").replace("import flask as flask", "import flask")
        == FLASK_APP
    )
