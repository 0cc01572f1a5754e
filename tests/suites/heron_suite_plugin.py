"""The pytest plugin ``suites.py`` loads into every suite it runs (``-p heron_suite_plugin``).

It runs inside the suite's own pytest process, on real Flask and on Heron alike, and does
four things, each configured by an environment variable that ``suites.py`` sets:

- **Records** each test's outcome as one JSON object per line in the file
  ``HERON_SUITES_EVENTS`` names: ``start`` when a test begins; ``test`` when it ends, with
  its outcome (``passed``, ``failed``, ``error``, ``skipped``, ``xfailed``, ``xpassed``),
  the first line of its error and its traceback; ``collect_error`` for a module that
  failed to import; ``collected`` with the test ids and the module ``import flask`` gave
  (``flask``, or ``heron.flask`` under the switch); and ``finish`` at the end of the
  session. Lines are flushed as they are written, so what happened before a crash is on
  disk.
- **Bounds each test** to ``HERON_SUITES_TEST_TIMEOUT`` seconds. A test that takes longer
  gets :class:`SuiteTestTimeout` raised in the main thread (it derives from
  ``SystemExit`` so that an event loop the test is running, ``app.run()`` serving forever,
  lets it through); pytest reports the test failed and the session goes on. A test that
  has still not ended ``HERON_SUITES_TEST_GRACE`` seconds later (2 by default: blocked in
  C code, or in a loop that swallowed the exception) is recorded as ``hard_timeout`` and
  the process exits; ``suites.py`` then starts pytest again for the tests that did not run
  yet. pytest-timeout does neither: its signal method did not end a test blocked in
  uvicorn's loop, and its thread method ends the whole session.
- **Skips** the other parameter sets of a test function after ``HERON_SUITES_MAX_TIMEOUTS``
  of them ran past the timeout, recording them as timeouts.
- **Deselects** the test ids listed in the file ``HERON_SUITES_DESELECT`` (one per line):
  those a previous, killed process already ran.

It also restores ``_pytest.monkeypatch.notset``, a private name that Flask's test suite
imports and that the pytest installed here (9.2) no longer has (Flask 3.1.3's lock file has
pytest 9.0): the one shim needed to run the pinned suites on this project's pytest.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Generator
from pathlib import Path
from typing import IO, Any

import _pytest.monkeypatch
import pytest
from _pytest.compat import NOTSET

EVENTS_VARIABLE = "HERON_SUITES_EVENTS"
DESELECT_VARIABLE = "HERON_SUITES_DESELECT"
TIMEOUT_VARIABLE = "HERON_SUITES_TEST_TIMEOUT"
GRACE_VARIABLE = "HERON_SUITES_TEST_GRACE"
MAX_TIMEOUTS_VARIABLE = "HERON_SUITES_MAX_TIMEOUTS"
#: How long a test gets after the injected exception before the process is ended.
HARD_TIMEOUT_GRACE = float(os.environ.get(GRACE_VARIABLE) or 2.0)
#: The characters of a failure's traceback kept in its event.
DETAILS_LIMIT = 8000
#: The exit code of a process ended by the watchdog (``suites.py`` knows it by the event).
HARD_TIMEOUT_EXIT_CODE = 77

if not hasattr(_pytest.monkeypatch, "notset"):
    _pytest.monkeypatch.notset = NOTSET  # type: ignore[attr-defined]


class SuiteTestTimeout(SystemExit):
    """Raised in the main thread when a test runs past ``HERON_SUITES_TEST_TIMEOUT``."""

    def __init__(self, *args: object) -> None:
        timeout = os.environ.get(TIMEOUT_VARIABLE, "?")
        super().__init__(*(args or (f"the test ran past the per-test timeout ({timeout} s)",)))


class _Events:
    """The JSON-lines event file (or nowhere, when the variable is not set)."""

    def __init__(self, path: str | None) -> None:
        self._file: IO[str] | None = None
        self._lock = threading.Lock()
        if path:
            self._file = Path(path).open("a", encoding="utf-8")

    def close(self) -> None:
        """Close the file (at the end of the session: no ResourceWarning at exit)."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def write(self, **event: Any) -> None:
        """Append one event and flush it to disk."""
        if self._file is None:
            return
        with self._lock:
            self._file.write(json.dumps(event) + "\n")
            self._file.flush()


_EVENTS = _Events(os.environ.get(EVENTS_VARIABLE))


class _Watchdog:
    """One thread that bounds the running test: an exception first, then the exit."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._condition = threading.Condition()
        self._nodeid: str | None = None
        self._deadline = 0.0
        self._injected = False
        self._main = threading.main_thread().ident or 0
        thread = threading.Thread(target=self._watch, name="heron-suite-watchdog", daemon=True)
        thread.start()

    def arm(self, nodeid: str) -> None:
        """Start the clock for the test ``nodeid``."""
        with self._condition:
            self._nodeid = nodeid
            self._deadline = time.monotonic() + self.timeout
            self._injected = False
            self._condition.notify()

    def disarm(self) -> None:
        """Stop the clock; drop an exception injected but not raised yet."""
        with self._condition:
            if self._injected:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self._main), ctypes.py_object()
                )
                if self._nodeid is not None:
                    _TIMED_OUT[_function_id(self._nodeid)] += 1
            self._nodeid = None
            self._injected = False

    def _watch(self) -> None:
        with self._condition:
            while True:
                if self._nodeid is None:
                    self._condition.wait()
                    continue
                remaining = self._deadline - time.monotonic()
                if remaining > 0:
                    self._condition.wait(remaining)
                    continue
                if not self._injected:
                    self._injected = True
                    self._deadline = time.monotonic() + HARD_TIMEOUT_GRACE
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(self._main), ctypes.py_object(SuiteTestTimeout)
                    )
                    continue
                _EVENTS.write(event="hard_timeout", nodeid=self._nodeid)
                os._exit(HARD_TIMEOUT_EXIT_CODE)


_WATCHDOG: _Watchdog | None = None
#: How many tests of each test function ran past the timeout in this process.
_TIMED_OUT: dict[str, int] = defaultdict(int)


def _function_id(nodeid: str) -> str:
    """The test function a test id belongs to: the id without its parameters."""
    return nodeid.split("[", 1)[0]


def _first_line(report: pytest.CollectReport | pytest.TestReport) -> str:
    """The first line of a report's error: the exception line, not the traceback."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (path, line, "Skipped: reason")
        return str(longrepr[2]).splitlines()[0] if longrepr[2] else "Skipped"
    crash = getattr(longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    if isinstance(message, str) and message.strip():
        return message.strip().splitlines()[0]
    text = str(longrepr)
    for line in text.splitlines():
        if line.startswith("E   "):
            return line[1:].strip()
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _details(report: pytest.CollectReport | pytest.TestReport) -> str:
    """The report's traceback as pytest prints it (``--tb``), cut at :data:`DETAILS_LIMIT`."""
    text = str(report.longrepr)
    return text if len(text) <= DETAILS_LIMIT else f"{text[:DETAILS_LIMIT]}\n[…]"


def pytest_configure(config: pytest.Config) -> None:
    """Start the watchdog when a per-test timeout is configured (and the skipping with it)."""
    global _WATCHDOG
    timeout = float(os.environ.get(TIMEOUT_VARIABLE) or 0)
    if timeout > 0 and _WATCHDOG is None:
        _WATCHDOG = _Watchdog(timeout)
        config.pluginmanager.register(_SkipAfterTimeouts(), "heron-suite-skip-after-timeouts")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the tests a previous process of the same run already ran."""
    path = os.environ.get(DESELECT_VARIABLE)
    if not path:
        return
    done = set(Path(path).read_text(encoding="utf-8").splitlines())
    kept = [item for item in items if item.nodeid not in done]
    deselected = [item for item in items if item.nodeid in done]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_collection_finish(session: pytest.Session) -> None:
    """Record the ids of the tests about to run, and which Flask the suite imported."""
    flask = sys.modules.get("flask")
    _EVENTS.write(
        event="collected",
        nodeids=[item.nodeid for item in session.items],
        flask=getattr(flask, "__name__", None),
        flask_file=getattr(flask, "__file__", None),
    )


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """Record a module (or conftest) that could not be collected."""
    if report.failed:
        _EVENTS.write(
            event="collect_error",
            nodeid=report.nodeid,
            message=_first_line(report),
            details=_details(report),
        )


class _SkipAfterTimeouts:
    """A second plugin object: this module already has a ``pytest_runtest_protocol``."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> bool | None:
        """Record, without running it, a test whose function's other tests ran past the timeout.

        After ``HERON_SUITES_MAX_TIMEOUTS`` of one test function's parameter sets ran past
        the timeout, the others most likely would too: the time is not spent on them.
        """
        limit = int(os.environ.get(MAX_TIMEOUTS_VARIABLE) or 0)
        function = _function_id(item.nodeid)
        count = _TIMED_OUT.get(function, 0)
        if _WATCHDOG is None or not limit or function == item.nodeid or count < limit:
            return None
        message = (
            f"Timeout: the test did not end within {_WATCHDOG.timeout:g} s (not run: {count} "
            "parameter sets of this test ran past it before)"
        )
        _EVENTS.write(event="test", nodeid=item.nodeid, outcome="timeout", message=message)
        return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Record the start of each test and bound it with the watchdog."""
    _EVENTS.write(event="start", nodeid=item.nodeid)
    _RESULTS.pop(item.nodeid, None)
    if _WATCHDOG is not None:
        _WATCHDOG.arm(item.nodeid)
    try:
        return (yield)
    finally:
        if _WATCHDOG is not None:
            _WATCHDOG.disarm()


#: The outcome of the test running now, built from its setup, call and teardown reports.
_RESULTS: dict[str, dict[str, Any]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Fold the three phase reports of a test into one outcome and message."""
    result = _RESULTS.setdefault(report.nodeid, {"outcome": "passed", "message": ""})
    duration = result.get("duration", 0.0) + report.duration
    result["duration"] = round(duration, 3)
    if result["outcome"] != "passed":
        return  # the first phase that did not pass decides
    wasxfail = getattr(report, "wasxfail", None)
    if report.skipped:
        result["outcome"] = "xfailed" if wasxfail is not None else "skipped"
        result["message"] = _first_line(report)
    elif report.failed:
        result["outcome"] = "failed" if report.when == "call" else "error"
        result["message"] = _first_line(report)
        result["details"] = _details(report)
        if report.when != "call":
            result["message"] = f"[{report.when}] {result['message']}"
    elif report.when == "call" and wasxfail is not None:
        result["outcome"] = "xpassed"


def pytest_runtest_logfinish(nodeid: str) -> None:
    """Record the outcome of a test that ended."""
    result = _RESULTS.pop(nodeid, {"outcome": "error", "message": "no report"})
    _EVENTS.write(event="test", nodeid=nodeid, **result)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Record that the session ended normally."""
    _EVENTS.write(event="finish", exitstatus=int(exitstatus))


def pytest_unconfigure(config: pytest.Config) -> None:
    """Close the event file."""
    _EVENTS.close()
