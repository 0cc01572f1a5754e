"""Other projects' test suites on Heron: each passes at least as many tests as recorded.

One test per suite of ``suites.py``: the suite's pytest runs with the drop-in switch on, and
its pass count must reach the floor in ``floors.json`` (measured; raised with
``python tests/suites/suites.py --report --update-floors`` as heron.flask improves). A test
of the harness itself checks, on a small suite made here, that it counts what happened:
passes, failures, skips, a module that cannot be imported, a test that hangs in Python, one
that blocks in C code, and a process that dies. See ``README.md``.

The first run downloads the pinned sdists (``pip download``, from the configured index) into
``.cache/suites/``; the suites on Heron take about two minutes together.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from suites import suites

_FLOORS = suites.read_floors()


def test_every_suite_has_a_floor() -> None:
    assert set(_FLOORS) == set(suites.SUITES)
    assert all(floor > 0 for floor in _FLOORS.values())


@pytest.mark.timeout(suites.SUITE_TIMEOUT + 120)
@pytest.mark.parametrize("name", list(suites.SUITES))
def test_heron_passes_at_least_the_floor(name: str) -> None:
    run = suites.run_suite(suites.SUITES[name], "heron")
    assert run.flask_module == "heron.flask", run.problems
    if run.passed < _FLOORS[name]:
        failures = "\n".join(
            f"{len(results):5}  {label}  (e.g. {results[0].nodeid})"
            for label, results in suites.group(run.failures())[:15]
        )
        errors = "\n".join(f"  {where}: {error}" for where, error in run.collect_errors.items())
        problems = "".join(f"problem: {problem}\n" for problem in run.problems)
        pytest.fail(
            f"{run.summary()}: fewer than the floor of {_FLOORS[name]} (floors.json).\n"
            f"{problems}not collected:\n{errors}\nfailures by error:\n{failures}\n"
            f"by hand: {run.command}",
            pytrace=False,
        )


_SYNTHETIC = {
    "pyproject.toml": """
        [tool.pytest.ini_options]
        testpaths = ["tests"]
        filterwarnings = ["error"]
    """,
    "tests/test_counted.py": """
        import os
        import time

        import pytest


        def test_passes():
            pass


        def test_fails():
            assert 1 == 2


        @pytest.fixture
        def broken():
            raise LookupError("no such fixture value")


        def test_setup_error(broken):
            pass


        def test_skips():
            pytest.skip("not here")


        @pytest.mark.xfail(reason="known")
        def test_xfails():
            raise ValueError


        @pytest.mark.parametrize("n", [1, 2, 3])
        def test_loops(n):  # interrupted at the timeout, the run goes on
            while True:
                time.sleep(0.01)


        @pytest.mark.parametrize("n", [1, 2, 3])
        def test_blocks(n):  # in C: the process is ended, then started again
            time.sleep(60)


        def test_dies():
            os._exit(3)


        def test_after_all_that():
            pass
    """,
    "tests/test_unimportable.py": """
        import no_such_module_anywhere


        def test_never_collected():
            pass
    """,
}


@pytest.mark.timeout(120)
def test_the_harness_counts_what_happened(tmp_path: Path) -> None:
    for name, text in _SYNTHETIC.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    sdist = suites.Sdist("synthetic", "0", "synthetic-0.tar.gz", "0" * 64)
    suite = suites.Suite("synthetic", "a suite made by the test", sdist, pythonpath=())
    run = suites.run_suite(suite, "flask", test_timeout=1.0, grace=0.5, source=tmp_path)

    outcomes = {nodeid.split("::", 1)[1]: run.outcome(nodeid) for nodeid in run.test_ids()}
    assert {name: result.outcome for name, result in outcomes.items()} == {
        "test_passes": "passed",
        "test_fails": "failed",
        "test_setup_error": "error",
        "test_skips": "skipped",
        "test_xfails": "xfailed",
        "test_loops[1]": "timeout",
        "test_loops[2]": "timeout",
        "test_loops[3]": "timeout",  # not run: two parameter sets ran past the timeout
        "test_blocks[1]": "timeout",
        "test_blocks[2]": "timeout",
        "test_blocks[3]": "timeout",  # not run: two parameter sets blocked before
        "test_dies": "crashed",
        "test_after_all_that": "passed",
    }
    assert outcomes["test_fails"].message == "assert 1 == 2"
    assert outcomes["test_setup_error"].message == "[setup] LookupError: no such fixture value"
    assert "not run" in outcomes["test_blocks[3]"].message
    assert "not run" not in outcomes["test_loops[2]"].message
    assert "not run" in outcomes["test_loops[3]"].message
    assert "exit code 3" in outcomes["test_dies"].message
    assert run.passed == 2
    assert run.processes == 4  # the first, then one after each of two blocks and the death
    assert run.problems == []
    assert run.flask_module is None  # the suite never imports flask
    assert list(run.collect_errors) == ["tests/test_unimportable.py"]
    assert (
        "No module named 'no_such_module_anywhere'"
        in run.collect_errors["tests/test_unimportable.py"]
    )
    missing = run.outcome("tests/test_unimportable.py::test_never_collected")
    assert missing.outcome == "not collected"
    assert "no_such_module_anywhere" in missing.message
    labels = [label for label, _ in suites.group(run.failures())]
    assert labels[0] == "Timeout: the test did not end within 1 s"
