"""Other projects' own test suites, pinned, run on real Flask and on Heron's drop-in.

Each suite in :data:`SUITES` is the test suite a project ships in its sdist (Flask's tutorial
app, Flask itself, Flask-Login, Flask-WTF, Flask-SQLAlchemy). The sdist is downloaded once
with ``pip download`` at the pinned version, checked against the sha256 pinned here, and
extracted into a cache directory (``.cache/suites/``, git-ignored; ``HERON_SUITES_CACHE``
moves it). The suite's pytest then runs in a subprocess, with the suite's own configuration,
twice:

- **flask**: as the project runs it, on the real Flask installed in the venv;
- **heron**: with the drop-in switch, ``-p heron.dropin_flask`` and ``HERON_DROP_IN=flask``,
  so that every ``import flask`` gives ``heron.flask``.

``heron_suite_plugin.py`` (loaded into that pytest) writes each test's outcome and the first
line of its error to a JSON-lines file, which :func:`run_suite` reads. Each test is bounded
(:data:`TEST_TIMEOUT`); a test that hangs past it in C code ends the process, and pytest is
started again for the tests that did not run (after :data:`MAX_HANGS_PER_TEST` such hangs of
one test function, its other parameter sets are recorded as hung without running). The
whole suite is bounded too (:data:`SUITE_TIMEOUT`).

Command line (see ``README.md``)::

    .venv/bin/python tests/suites/suites.py --report                # every suite, twice: REPORT.md
    .venv/bin/python tests/suites/suites.py --suite flask --heron   # one suite: its failures
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Final, Literal

HERE: Final = Path(__file__).resolve().parent
ROOT: Final = HERE.parent.parent
REPORT_PATH: Final = HERE / "REPORT.md"
FLOORS_PATH: Final = HERE / "floors.json"
#: Where sdists, their extracted trees, overlays and logs go (git-ignored).
DEFAULT_CACHE: Final = ROOT / ".cache" / "suites"
CACHE_VARIABLE: Final = "HERON_SUITES_CACHE"
#: The plugin loaded into each suite's pytest (``heron_suite_plugin.py``, beside this file).
PLUGIN: Final = "heron_suite_plugin"
#: The seconds one run of one suite may take, restarts included.
SUITE_TIMEOUT: Final = 300.0
#: The seconds one test may take (the suites' slowest test takes well under one second).
TEST_TIMEOUT: Final = 5.0
#: The seconds a test interrupted at its timeout has to end before its process is ended.
TEST_GRACE: Final = 2.0
#: Timeouts of one test function after which its other parameter sets are not run.
MAX_HANGS_PER_TEST: Final = 2
#: How many pytest processes one run may start (the first, then one per hang).
MAX_PROCESSES: Final = 40

Framework = Literal["flask", "heron"]
FRAMEWORKS: Final[tuple[Framework, ...]] = ("flask", "heron")
_LABELS: Final = {"flask": "real Flask", "heron": "Heron"}

#: Outcomes that count as a failure of the test (``not collected``: its module or conftest
#: failed to import, or pytest did not start; ``not run``: the suite's time ran out).
FAILING: Final = frozenset({"failed", "error", "timeout", "crashed", "not collected", "not run"})

_ENV_DROPPED_PREFIXES: Final = ("PYTEST_", "COV_CORE_", "HERON_SUITES_")
_ENV_DROPPED: Final = frozenset({"COVERAGE_PROCESS_START", "HERON_DROP_IN", "PYTHONPATH"})


class SuiteError(RuntimeError):
    """A suite could not be prepared: download, checksum or extraction failed."""


@dataclasses.dataclass(frozen=True)
class Sdist:
    """A source distribution, pinned by version and sha256.

    Attributes:
        project: The name ``pip download`` is given.
        version: The pinned version.
        filename: The file ``pip download`` writes.
        sha256: The file's sha256, as PyPI lists it.
    """

    project: str
    version: str
    filename: str
    sha256: str

    @property
    def requirement(self) -> str:
        """The pinned requirement, ``flask==3.1.3``."""
        return f"{self.project}=={self.version}"


@dataclasses.dataclass(frozen=True)
class Suite:
    """One project's test suite, and how to run it.

    Attributes:
        name: The suite's name on the command line and in the report.
        title: What it is, for the report.
        sdist: The sdist that ships the tests.
        workdir: Where pytest runs, relative to the sdist's top directory.
        config: The suite's pytest configuration file, relative to ``workdir``.
        paths: What pytest is given to collect, relative to ``workdir``.
        pythonpath: Directories put on ``sys.path``, relative to the top directory: the
            project's own code (``src``), which the tests import from the sdist itself.
        overlay: Pinned requirements installed into a directory of their own, put first on
            ``sys.path`` for this suite only (the venv's version breaks the pinned suite).
        notes: Why the suite is run the way it is, for the report.
        by_design: Tests not run on Heron (node id prefixes), each with why: they test
            what Heron deliberately does otherwise (and would only time out).
    """

    name: str
    title: str
    sdist: Sdist
    workdir: str = "."
    config: str = "pyproject.toml"
    paths: tuple[str, ...] = ("tests",)
    pythonpath: tuple[str, ...] = ("src",)
    overlay: tuple[str, ...] = ()
    notes: str = ""
    by_design: tuple[tuple[str, str], ...] = ()


_FLASK = Sdist(
    "flask",
    "3.1.3",
    "flask-3.1.3.tar.gz",
    "0ef0e52b8a9cd932855379197dd8f94047b359ca0a78695144304cb45f87c9eb",
)

_APP_RUN = (
    "replaces werkzeug.serving.run_simple with a stub and calls app.run(): Heron serves with "
    "uvicorn, so the test would start a real server and hang"
)

#: The suites, in the report's order.
SUITES: Final[dict[str, Suite]] = {
    suite.name: suite
    for suite in (
        Suite(
            "flaskr",
            "Flask's tutorial app (examples/tutorial)",
            _FLASK,
            workdir="examples/tutorial",
            pythonpath=("examples/tutorial", "src"),
        ),
        Suite(
            "flask",
            "Flask's own test suite (tests/)",
            _FLASK,
            notes=(
                "The venv's pytest (9.2) no longer has `_pytest.monkeypatch.notset`, which "
                "tests/test_cli.py imports; heron_suite_plugin.py puts it back. "
                "`tests/test_reqctx.py::test_bad_environ_raises_bad_request` fails on real "
                "Flask with the venv's Werkzeug (3.1.8 and later give an empty host for a Host "
                "header with invalid characters instead of a 400; Flask 3.1.3's lock file has "
                "Werkzeug 3.1.5)."
            ),
            by_design=tuple(
                (test, _APP_RUN)
                for test in (
                    "tests/test_basic.py::test_werkzeug_passthrough_errors",
                    "tests/test_basic.py::test_run_defaults",
                    "tests/test_basic.py::test_run_server_port",
                    "tests/test_basic.py::test_run_from_config",
                    "tests/test_templating.py::test_templates_auto_reload_debug_run",
                )
            ),
        ),
        Suite(
            "flask-login",
            "Flask-Login",
            Sdist(
                "flask-login",
                "0.6.3",
                "Flask-Login-0.6.3.tar.gz",
                "5e23d14a607ef12806c699590b89d0f0e0d67baeec599d75947bf9c147330333",
            ),
            config="setup.cfg",
        ),
        Suite(
            "flask-wtf",
            "Flask-WTF",
            Sdist(
                "flask-wtf",
                "1.2.2",
                "flask_wtf-1.2.2.tar.gz",
                "79d2ee1e436cf570bccb7d916533fa18757a2f18c290accffab1b9a0b684666b",
            ),
        ),
        Suite(
            "flask-sqlalchemy",
            "Flask-SQLAlchemy",
            Sdist(
                "flask-sqlalchemy",
                "3.1.1",
                "flask_sqlalchemy-3.1.1.tar.gz",
                "e4b68bb881802dda1a7d878b2fc84c06d1ee57fb40b874d3dc97dabfa36b8312",
            ),
            overlay=("sqlalchemy==2.0.35",),
            notes=(
                "Runs on SQLAlchemy 2.0.35 (an overlay; the venv has 2.1 for heron.sql): "
                "SQLAlchemy 2.1 fails 154 of its tests on real Flask (dataclass bases), "
                "2.0.36 to 2.0.x fail 2 (an explicit `__table__` on a dataclass model)."
            ),
        ),
    )
}


# --------------------------------------------------------------------------------------
# Preparing: download, verify, extract


def cache_dir() -> Path:
    """The cache directory (``HERON_SUITES_CACHE``, else ``.cache/suites`` in the checkout)."""
    configured = os.environ.get(CACHE_VARIABLE)
    path = Path(configured) if configured else DEFAULT_CACHE
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise SuiteError(f"`pip {' '.join(args)}` failed:\n{done.stderr.strip()}")


def sdist_path(sdist: Sdist) -> Path:
    """The sdist's file in the cache, downloaded first if needed, its sha256 checked.

    Raises:
        SuiteError: pip failed, gave another file, or the file's sha256 is not the pinned one.
    """
    target = cache_dir() / "sdists" / sdist.filename
    if target.is_file() and _sha256(target) == sdist.sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        _pip("download", "--no-deps", "--no-binary", ":all:", "-d", tmp, sdist.requirement)
        found = Path(tmp) / sdist.filename
        if not found.is_file():
            names = sorted(path.name for path in Path(tmp).iterdir())
            raise SuiteError(f"pip download {sdist.requirement} gave {names}, no {sdist.filename}")
        digest = _sha256(found)
        if digest != sdist.sha256:
            raise SuiteError(
                f"{sdist.filename}: sha256 {digest}, but {sdist.sha256} is pinned in suites.py"
            )
        os.replace(found, target)
    return target


def source_dir(sdist: Sdist) -> Path:
    """The sdist's top directory, extracted into the cache (once per sha256).

    Raises:
        SuiteError: See :func:`sdist_path`; or the archive is not one top directory.
    """
    base = cache_dir() / "src" / sdist.filename.removesuffix(".tar.gz")
    marker = base / ".sha256"
    if marker.is_file() and marker.read_text(encoding="utf-8") == sdist.sha256:
        return _top_directory(base)
    archive = sdist_path(sdist)
    base.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=base.parent, prefix=f".{base.name}-"))
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
        (staging / ".sha256").write_text(sdist.sha256, encoding="utf-8")
        _top_directory(staging)
        shutil.rmtree(base, ignore_errors=True)
        os.replace(staging, base)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _top_directory(base)


def _top_directory(base: Path) -> Path:
    tops = [path for path in base.iterdir() if path.is_dir()]
    if len(tops) != 1:
        raise SuiteError(f"{base}: expected one top directory, found {[p.name for p in tops]}")
    return tops[0]


def overlay_dir(suite: Suite) -> Path | None:
    """The directory holding the suite's overlay requirements (installed once), if any.

    Raises:
        SuiteError: pip could not install them.
    """
    if not suite.overlay:
        return None
    key = hashlib.sha256("\n".join(suite.overlay).encode()).hexdigest()[:12]
    target = cache_dir() / "overlays" / f"{suite.name}-{key}"
    if (target / ".installed").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        _pip(
            "install",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--target",
            str(staging),
            *suite.overlay,
        )
        (staging / ".installed").write_text("\n".join(suite.overlay), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


# --------------------------------------------------------------------------------------
# Running


@dataclasses.dataclass
class TestResult:
    """The outcome of one test in one run.

    Attributes:
        nodeid: pytest's id of the test, relative to the suite's ``workdir``.
        outcome: ``passed``, ``failed``, ``error`` (setup or teardown), ``skipped``,
            ``xfailed``, ``xpassed``, ``timeout``, ``crashed``, ``not collected``, ``not run``.
        message: The first line of its error (or of its skip reason).
        duration: Seconds, setup and teardown included.
        details: The traceback of a failure, as pytest prints it.
    """

    __test__ = False  # not a pytest test class

    nodeid: str
    outcome: str
    message: str = ""
    duration: float = 0.0
    details: str = ""

    @property
    def label(self) -> str:
        """The line failures are grouped by: the error's first line, or the outcome."""
        if self.outcome in {"failed", "error"}:
            return self.message or self.outcome
        if self.outcome == "timeout":  # one group, whether it blocked or was not run after
            return self.message.split(" (", 1)[0]
        if self.outcome == "skipped":
            return f"(skipped) {self.message}"
        return self.message or self.outcome


@dataclasses.dataclass
class Run:
    """One run of one suite on one framework.

    Attributes:
        suite: The suite's name.
        framework: ``flask`` or ``heron``.
        collected: The test ids pytest collected, in order.
        results: The outcome of each test that ran (or hung, or was skipped after hangs).
        collect_errors: The first line of the error of each module that failed to import.
        seconds: Wall time, restarts included.
        processes: How many pytest processes were started.
        problems: What went wrong with the run itself (pytest did not start, time ran out).
        command: How to run the suite by hand (a shell line).
        log: The file holding pytest's output (of every process of the run).
        tracebacks: The file holding each failure's traceback, by group.
        flask_module: What ``import flask`` gave in the suite (``flask``, or ``heron.flask``
            under the switch), or None if nothing imported it before the tests ran.
        by_design: The suite's tests deselected on this run (node id prefixes), and why.
    """

    suite: str
    framework: Framework
    collected: list[str] = dataclasses.field(default_factory=list)
    results: dict[str, TestResult] = dataclasses.field(default_factory=dict)
    collect_errors: dict[str, str] = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    processes: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)
    command: str = ""
    log: str = ""
    tracebacks: str = ""
    flask_module: str | None = None
    by_design: tuple[tuple[str, str], ...] = ()

    @property
    def passed(self) -> int:
        """How many tests passed."""
        return sum(1 for result in self.results.values() if result.outcome == "passed")

    def counts(self) -> dict[str, int]:
        """How many tests had each outcome (tests collected but without one: ``not run``)."""
        counts: dict[str, int] = defaultdict(int)
        for nodeid in self.test_ids():
            counts[self.outcome(nodeid).outcome] += 1
        return dict(counts)

    def test_ids(self) -> list[str]:
        """Every test this run knows of: collected, or with a result."""
        return list(dict.fromkeys([*self.collected, *self.results]))

    def outcome(self, nodeid: str) -> TestResult:
        """The test's result; for a test this run never ran, why (``not collected``…)."""
        result = self.results.get(nodeid)
        if result is not None:
            return result
        if nodeid in self.collected:
            return TestResult(nodeid, "not run", "not run: the suite's time ran out")
        for where, message in self.collect_errors.items():
            if where in {"", "."} or nodeid.startswith((f"{where}::", f"{where}/")):
                return TestResult(nodeid, "not collected", f"(collection) {message}")
        for prefix, why in self.by_design:
            if nodeid.startswith(prefix):
                return TestResult(nodeid, "by design", why)
        if self.problems:
            return TestResult(nodeid, "not collected", self.problems[0].splitlines()[0])
        return TestResult(nodeid, "not collected", f"not collected on {_LABELS[self.framework]}")

    def failures(self) -> list[TestResult]:
        """The tests whose outcome counts as a failure."""
        found = (self.outcome(nodeid) for nodeid in self.test_ids())
        return [result for result in found if result.outcome in FAILING]

    def summary(self) -> str:
        """One line: the counts and the time."""
        counts = self.counts()
        total = sum(counts.values())
        parts = [f"{count} {outcome}" for outcome, count in sorted(counts.items())]
        return (
            f"{self.suite} on {_LABELS[self.framework]}: {self.passed}/{total} passed "
            f"({', '.join(parts) or 'no tests'}) in {self.seconds:.1f} s, "
            f"{self.processes} pytest process{'es' if self.processes != 1 else ''}"
            + (f"; `import flask` gave {self.flask_module}" if self.flask_module else "")
        )


def _environment(
    suite: Suite,
    framework: Framework,
    top: Path,
    overlay: Path | None,
    tmp: Path,
    test_timeout: float,
) -> dict[str, str]:
    """The suite's environment: this process's, less what would leak into the suite."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _ENV_DROPPED and not key.startswith(_ENV_DROPPED_PREFIXES)
    }
    paths = [str(HERE)]
    if overlay is not None:
        paths.append(str(overlay))
    paths.extend(str(top / path) for path in suite.pythonpath)
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["HERON_SUITES_EVENTS"] = str(tmp / "events.jsonl")
    env["HERON_SUITES_DESELECT"] = str(tmp / "deselect.txt")
    env["HERON_SUITES_TEST_TIMEOUT"] = str(test_timeout)
    if framework == "heron":
        env["HERON_DROP_IN"] = "flask"
    return env


def _command(suite: Suite, framework: Framework, basetemp: Path) -> list[str]:
    command = [sys.executable, "-m", "pytest", *suite.paths, "-c", suite.config]
    command += ["--rootdir", ".", "-p", PLUGIN, "-p", "no:cacheprovider"]
    command += ["--continue-on-collection-errors", "-q", "--tb=short", "--basetemp", str(basetemp)]
    if framework == "heron":
        command += ["-p", "heron.dropin_flask"]
        for test, _why in suite.by_design:
            command += ["--deselect", test]
    return command


def _shell_line(suite: Suite, framework: Framework, top: Path, overlay: Path | None) -> str:
    paths = [str(HERE), *([str(overlay)] if overlay else [])]
    paths += [str(top / path) for path in suite.pythonpath]
    command = [sys.executable, "-m", "pytest", *suite.paths, "-c", suite.config, "-p", PLUGIN]
    command += ["-p", "no:cacheprovider", "--continue-on-collection-errors"]
    prefix = f"PYTHONPATH={os.pathsep.join(paths)}"
    if framework == "heron":
        command += ["-p", "heron.dropin_flask"]
        prefix = f"HERON_DROP_IN=flask {prefix}"
    return f"cd {top / suite.workdir} && {prefix} {' '.join(command)}"


def _read_events(path: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    if not path.is_file():
        return [], offset
    with path.open("rb") as file:
        file.seek(offset)
        data = file.read()
    complete = data[: data.rfind(b"\n") + 1]
    events = [json.loads(line) for line in complete.decode("utf-8").splitlines() if line]
    return events, offset + len(complete)


class _Normalizer:
    """Masks what changes between runs in a message: temporary paths, addresses."""

    def __init__(self, top: Path, tmp: Path) -> None:
        self._replacements = [(str(tmp), "<tmp>"), (str(top), "<sdist>"), (f"{ROOT}/", "")]

    def text(self, text: str) -> str:
        """Any text with the paths masked (a traceback)."""
        for old, new in self._replacements:
            text = text.replace(old, new)
        return re.sub(r"<tmp>/basetemp\d+", "<tmp>", text)

    def __call__(self, message: str) -> str:
        """A one-line message with paths and addresses masked, at most 240 characters."""
        message = re.sub(r"\b0x[0-9a-fA-F]{6,}\b", "0x…", self.text(message))
        return message if len(message) <= 240 else message[:239] + "…"


def _function_id(nodeid: str) -> str:
    return nodeid.split("[", 1)[0]


def _hang_message(test_timeout: float, why: str) -> str:
    return f"Timeout: the test did not end within {test_timeout:g} s ({why})"


class _Collector:
    """Folds the events of the run's successive pytest processes into a :class:`Run`."""

    def __init__(self, run: Run, normalize: _Normalizer, test_timeout: float) -> None:
        self.run = run
        self.normalize = normalize
        self.test_timeout = test_timeout
        self.hangs: dict[str, int] = defaultdict(int)
        self.collect_details: dict[str, str] = {}

    def fold(self, events: Iterable[dict[str, Any]]) -> tuple[bool, str | None, str | None]:
        """Add one process's events; say whether it finished, which test hung or was running."""
        finished = False
        hung: str | None = None
        running: str | None = None
        run = self.run
        for event in events:
            kind = event.get("event")
            if kind == "collected":
                run.flask_module = run.flask_module or event.get("flask")
                known = set(run.collected)
                run.collected.extend(n for n in event["nodeids"] if n not in known)
            elif kind == "collect_error":
                run.collect_errors[event["nodeid"]] = self.normalize(event["message"])
                self.collect_details[event["nodeid"]] = self.normalize.text(
                    event.get("details", "")
                )
            elif kind == "start":
                running = event["nodeid"]
            elif kind == "test":
                result = TestResult(
                    event["nodeid"],
                    event["outcome"],
                    self.normalize(event.get("message", "")),
                    float(event.get("duration", 0.0)),
                    self.normalize.text(event.get("details", "")),
                )
                if "SuiteTestTimeout" in result.message:
                    result.outcome = "timeout"
                    result.message = _hang_message(self.test_timeout, "ended by the harness")
                run.results[result.nodeid] = result
                running = None
            elif kind == "hard_timeout":
                hung = event["nodeid"]
            elif kind == "finish":
                finished = True
        return finished, hung, running

    def record_hang(self, nodeid: str) -> None:
        """Record a hung test; skip its function's other parameter sets after too many."""
        run = self.run
        why = "it blocked; pytest was ended and started again after it"
        run.results[nodeid] = TestResult(nodeid, "timeout", _hang_message(self.test_timeout, why))
        function = _function_id(nodeid)
        self.hangs[function] += 1
        if self.hangs[function] < MAX_HANGS_PER_TEST or function == nodeid:
            return
        why = f"not run: {self.hangs[function]} parameter sets of this test blocked before"
        for other in run.collected:
            if other not in run.results and _function_id(other) == function:
                run.results[other] = TestResult(
                    other, "timeout", _hang_message(self.test_timeout, why)
                )


def _write_tracebacks(path: Path, run: Run, collect_details: dict[str, str]) -> None:
    """Every failure's traceback, by group (pytest prints them only when a session ends)."""
    lines = [f"# {run.summary()}", ""]
    for where, details in collect_details.items():
        lines += [f"=== {where or '.'}: collection error", details, ""]
    for label, results in group(run.failures()):
        lines += [f"##### {len(results)} tests: {label}", ""]
        for result in results:
            lines += [
                f"=== {result.nodeid} [{result.outcome}]",
                result.details or result.message,
                "",
            ]
    path.write_text("\n".join(lines), encoding="utf-8")


def run_suite(
    suite: Suite,
    framework: Framework,
    *,
    suite_timeout: float = SUITE_TIMEOUT,
    test_timeout: float = TEST_TIMEOUT,
    grace: float = TEST_GRACE,
    source: Path | None = None,
) -> Run:
    """Run the suite's pytest on real Flask or on Heron, and gather each test's outcome.

    Args:
        suite: The suite.
        framework: ``flask`` (no switch) or ``heron`` (the drop-in switch on).
        suite_timeout: Seconds for the whole run, restarts included.
        test_timeout: Seconds for one test, before it is interrupted.
        grace: Seconds an interrupted test has to end before its process is ended.
        source: The suite's top directory if it is already on disk (the harness's own
            tests); by default the pinned sdist, downloaded and extracted.

    Raises:
        SuiteError: The suite could not be prepared (see :func:`source_dir`).
    """
    top = source if source is not None else source_dir(suite.sdist)
    overlay = overlay_dir(suite)
    workdir = top / suite.workdir
    logs = cache_dir() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{suite.name}-{framework}.log"
    run = Run(suite.name, framework, command=_shell_line(suite, framework, top, overlay))
    if framework == "heron":
        run.by_design = suite.by_design
    run.log = str(log)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"heron-suite-{suite.name}-") as tmp_name:
        tmp = Path(tmp_name)
        env = _environment(suite, framework, top, overlay, tmp, test_timeout)
        env["HERON_SUITES_TEST_GRACE"] = str(grace)
        env["HERON_SUITES_MAX_TIMEOUTS"] = str(MAX_HANGS_PER_TEST)
        collector = _Collector(run, _Normalizer(top, tmp), test_timeout)
        offset = 0
        while run.processes < MAX_PROCESSES:
            remaining = started + suite_timeout - time.monotonic()
            if remaining <= 0:
                run.problems.append(f"the suite's time ({suite_timeout:g} s) ran out")
                break
            (tmp / "deselect.txt").write_text("\n".join(run.results), encoding="utf-8")
            run.processes += 1
            command = _command(suite, framework, tmp / f"basetemp{run.processes}")
            returncode: int | None
            with log.open("w" if run.processes == 1 else "a", encoding="utf-8") as output:
                output.write(f"=== pytest process {run.processes}: {' '.join(command)}\n")
                output.flush()
                try:
                    done = subprocess.run(
                        command,
                        cwd=workdir,
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        timeout=remaining,
                        check=False,
                    )
                    returncode = done.returncode
                except subprocess.TimeoutExpired:
                    returncode = None
            before = len(run.results)
            events, offset = _read_events(tmp / "events.jsonl", offset)
            finished, hung, running = collector.fold(events)
            if finished:
                break
            if returncode is None:
                run.problems.append(f"the suite's time ({suite_timeout:g} s) ran out")
                break
            if hung is not None:
                collector.record_hang(hung)
                continue
            if running is not None:
                message = f"the pytest process ended during this test (exit code {returncode})"
                run.results[running] = TestResult(running, "crashed", message)
                continue
            if len(run.results) == before:
                tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
                last = tail[-1] if tail else "no output"
                run.problems.append(
                    f"pytest exited with code {returncode} before running a test: {last}"
                )
                break
        else:
            run.problems.append(f"stopped after {MAX_PROCESSES} pytest processes")
    run.seconds = time.monotonic() - started
    run.tracebacks = str(logs / f"{suite.name}-{framework}.failures.txt")
    _write_tracebacks(Path(run.tracebacks), run, collector.collect_details)
    expected = {"flask": "flask", "heron": "heron.flask"}[framework]
    if run.flask_module not in {None, expected}:
        run.problems.append(
            f"`import flask` gave {run.flask_module!r}, not {expected!r}: the run does not "
            f"measure {_LABELS[framework]}"
        )
    return run


# --------------------------------------------------------------------------------------
# Comparing and reporting


@dataclasses.dataclass
class Comparison:
    """A suite's two runs, side by side.

    Attributes:
        suite: The suite.
        flask: The run on real Flask (the reference: its tests are the suite's tests).
        heron: The run on Heron.
    """

    suite: Suite
    flask: Run
    heron: Run

    def tests(self) -> list[str]:
        """The suite's tests: those of the run on real Flask."""
        return self.flask.test_ids()

    def flask_failures(self) -> list[TestResult]:
        """The tests that fail on real Flask (known failures of the pinned suite)."""
        return self.flask.failures()

    def heron_failures(self) -> tuple[list[TestResult], list[TestResult]]:
        """Heron's failures: those that pass on real Flask, and those that fail on both.

        A test fails on Heron if its outcome there is a failure, or if it passed on real
        Flask and did not pass on Heron (a skip that only Heron causes counts); tests the
        suite does not run on Heron by design are listed apart.
        """
        only: list[TestResult] = []
        both: list[TestResult] = []
        for nodeid in self.tests():
            on_heron = self.heron.outcome(nodeid)
            on_flask = self.flask.outcome(nodeid)
            if on_heron.outcome in {"passed", "by design"}:
                continue
            if on_heron.outcome in FAILING or on_flask.outcome == "passed":
                (both if on_flask.outcome in FAILING else only).append(on_heron)
        return only, both

    def heron_only_tests(self) -> list[str]:
        """Test ids that only the run on Heron has (parameter ids that differ)."""
        known = set(self.tests())
        return [nodeid for nodeid in self.heron.test_ids() if nodeid not in known]


def group(results: Iterable[TestResult]) -> list[tuple[str, list[TestResult]]]:
    """Results grouped by :attr:`TestResult.label`, the biggest group first."""
    groups: dict[str, list[TestResult]] = defaultdict(list)
    for result in results:
        groups[result.label].append(result)
    return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def render_report(comparisons: Sequence[Comparison]) -> str:
    """REPORT.md's text: the table, then each suite's Heron failures grouped by error."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    versions = ", ".join(
        f"{name} {_version(name)}" for name in ("flask", "werkzeug", "heron", "pytest")
    )
    lines = [
        "# Other projects' test suites on real Flask and on Heron",
        "",
        f"Generated by `python tests/suites/suites.py --report` on {now} (Python "
        f"{platform.python_version()}; {versions}). Do not edit: see `README.md`.",
        "",
        "Each suite is the project's own, from its pinned sdist, run by its own pytest "
        "configuration: once on real Flask, once with the drop-in switch "
        "(`-p heron.dropin_flask`, `HERON_DROP_IN=flask`). *Tests* are those collected on "
        f"real Flask. Each test is bounded to {TEST_TIMEOUT:g} s.",
        "",
        "| Suite | Version | Tests | Passed on Flask | Passed on Heron | Time on Flask | "
        "Time on Heron |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for comparison in comparisons:
        suite = comparison.suite
        lines.append(
            f"| {suite.name} | {suite.sdist.version} | {len(comparison.tests())} | "
            f"{comparison.flask.passed} | {comparison.heron.passed} | "
            f"{comparison.flask.seconds:.1f} s | {comparison.heron.seconds:.1f} s |"
        )
    lines += [
        "",
        "Suites: " + "; ".join(f"**{c.suite.name}**: {c.suite.title}" for c in comparisons),
    ]
    lines.append("")
    for comparison in comparisons:
        lines += _suite_section(comparison)
    return "\n".join(lines).rstrip() + "\n"


def _suite_section(comparison: Comparison) -> list[str]:
    suite = comparison.suite
    only, both = comparison.heron_failures()
    lines = [f"## {suite.name} {suite.sdist.version}", ""]
    if suite.notes:
        lines += [suite.notes, ""]
    lines.append(f"- {comparison.flask.summary()}")
    lines.append(f"- {comparison.heron.summary()}")
    lines += [
        f"- Problem on {_LABELS[run.framework]}: {problem}"
        for run in (comparison.flask, comparison.heron)
        for problem in run.problems
    ]
    extra = comparison.heron_only_tests()
    if extra:
        lines.append(f"- {len(extra)} test ids exist only on Heron (e.g. `{extra[0]}`)")
    lines.append("")
    flask_failures = comparison.flask_failures()
    if flask_failures:
        lines += [f"Failing on real Flask too ({len(flask_failures)}; not Heron's to fix):", ""]
        lines += [f"- `{r.nodeid}`: {_cell(r.label)}" for r in flask_failures]
        lines.append("")
    designed = [
        comparison.heron.outcome(nodeid)
        for nodeid in comparison.tests()
        if comparison.heron.outcome(nodeid).outcome == "by design"
    ]
    if designed:
        lines += [f"Not run on Heron, by design ({len(designed)}):", ""]
        for label, results in group(designed):
            lines.append(f"- {len(results)} (e.g. `{results[0].nodeid}`): {_cell(label)}")
        lines.append("")
    if not only and not both:
        other = "other " if designed else ""
        lines += [f"Every {other}test that passes on real Flask passes on Heron.", ""]
        return lines
    lines += [
        f"Failing on Heron, by the first line of the error ({len(only)} tests):",
        "",
        "| Tests | First line of the error | Example |",
        "|---:|---|---|",
    ]
    for label, results in group(only):
        lines.append(f"| {len(results)} | {_cell(label)} | `{results[0].nodeid}` |")
    lines.append("")
    if both:
        lines += [f"Also failing on Heron, and on real Flask ({len(both)}):", ""]
        lines += [f"- `{r.nodeid}`: {_cell(r.label)}" for r in both]
        lines.append("")
    lines += ["<details><summary>Every failing test, by group</summary>", ""]
    for label, results in group(only):
        lines.append(f"- {_cell(label)} ({len(results)})")
        lines += [f"  - `{result.nodeid}`" for result in results]
    lines += ["", "</details>", ""]
    return lines


def read_floors(path: Path = FLOORS_PATH) -> dict[str, int]:
    """The recorded floors: for each suite, the fewest tests that must pass on Heron."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(name): int(value) for name, value in data["heron_passed_at_least"].items()}


def write_floors(runs: Iterable[Run], path: Path = FLOORS_PATH) -> dict[str, int]:
    """Record the Heron pass counts of these runs as floors (other suites keep theirs)."""
    floors = read_floors(path) if path.is_file() else {}
    for run in runs:
        if run.framework == "heron":
            floors[run.suite] = run.passed
    ordered = {name: floors[name] for name in SUITES if name in floors}
    data = {
        "about": (
            "The fewest tests of each suite that must pass on Heron "
            "(tests/suites/test_suites.py); measured, then written by "
            "`python tests/suites/suites.py --report --update-floors`."
        ),
        "heron_passed_at_least": ordered,
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return ordered


# --------------------------------------------------------------------------------------
# Command line


def _print_failures(run: Run, *, limit: int) -> None:
    print(run.summary())
    for problem in run.problems:
        print(f"  problem: {problem}")
    print(f"  log: {run.log}")
    print(f"  tracebacks: {run.tracebacks}")
    print(f"  by hand: {run.command}")
    for where, message in run.collect_errors.items():
        print(f"  not collected: {where or '.'}: {message}")
    failures = run.failures()
    if not failures:
        return
    print(f"\n{len(failures)} failing, by the first line of the error:")
    for label, results in group(failures):
        print(f"\n{len(results):5}  {label}")
        for result in results[:limit]:
            print(f"         {result.nodeid}")
        if len(results) > limit:
            print(f"         … and {len(results) - limit} more")


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: ``--report``, or ``--suite NAME --heron`` for a developer."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--report", action="store_true", help="run every suite twice, write REPORT.md"
    )
    parser.add_argument("--output", type=Path, default=REPORT_PATH, help="where --report writes")
    parser.add_argument(
        "--update-floors",
        action="store_true",
        help="with --report: record Heron's passes in floors.json",
    )
    parser.add_argument(
        "--suite", action="append", choices=list(SUITES), help="only this suite (repeatable)"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--heron", action="store_true", help="run on Heron and print its failures")
    which.add_argument(
        "--flask", action="store_true", help="run on real Flask and print its failures"
    )
    parser.add_argument("--list", action="store_true", help="list the suites")
    parser.add_argument("--limit", type=int, default=20, help="test ids printed per group")
    parser.add_argument("--test-timeout", type=float, default=TEST_TIMEOUT)
    parser.add_argument("--suite-timeout", type=float, default=SUITE_TIMEOUT)
    args = parser.parse_args(argv)
    names: list[str] = args.suite or list(SUITES)
    timeouts = {"suite_timeout": args.suite_timeout, "test_timeout": args.test_timeout}
    if args.list:
        for suite in SUITES.values():
            print(f"{suite.name:18} {suite.sdist.requirement:26} {suite.title}")
        return 0
    if args.heron or args.flask:
        framework: Framework = "heron" if args.heron else "flask"
        for name in names:
            _print_failures(run_suite(SUITES[name], framework, **timeouts), limit=args.limit)
            print()
        return 0
    if not args.report:
        parser.error("say --report, --list, or --suite NAME with --heron or --flask")
    comparisons = []
    for name in names:
        runs = {
            framework: run_suite(SUITES[name], framework, **timeouts) for framework in FRAMEWORKS
        }
        for run in runs.values():
            print(run.summary(), flush=True)
        comparisons.append(Comparison(SUITES[name], runs["flask"], runs["heron"]))
    args.output.write_text(render_report(comparisons), encoding="utf-8")
    print(f"wrote {args.output}")
    if args.update_floors:
        floors = write_floors(comparison.heron for comparison in comparisons)
        print(f"wrote {FLOORS_PATH}: {floors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
