"""Differential tests: every app in ``apps/`` answers the same under FastAPI and Heron.

One test per (app, request): status code, body (JSON-decoded for JSON responses, else
bytes) and the headers a client relies on must be equal. See ``README.md`` and
``compat_harness.py``; ``report.py`` writes the failures to ``REPORT.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import compat_harness as harness  # noqa: E402

_CASES = harness.cases()
_KNOWN_GAPS = {
    line.split("#", 1)[0].strip()
    for line in (Path(__file__).resolve().parent / "known_gaps.txt").read_text().splitlines()
} - {""}


def _marked(case: harness.Case) -> object:
    if case.id.split(" ", 1)[0] in _KNOWN_GAPS:
        reason = "known difference, listed in known_gaps.txt (see REPORT.md)"
        return pytest.param(case, id=case.id, marks=pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(case, id=case.id)


@pytest.mark.parametrize("case", [_marked(c) for c in _CASES])
def test_same_answer(case: harness.Case) -> None:
    if case.kind == "skip":
        pytest.skip(f"{case.app_name}: {case.label}")
    verdict = harness.compare(case)
    if verdict.fastapi_load_error:
        pytest.fail(f"corpus bug: {verdict.explain()}", pytrace=False)
    if verdict.heron_load_error:
        pytest.fail(f"{verdict.explain()}\n{verdict.heron_traceback or ''}", pytrace=False)
    if not verdict.ok:
        pytest.fail(verdict.explain(), pytrace=False)


@pytest.mark.parametrize("app_name", harness.app_names())
def test_corpus_is_deterministic(app_name: str) -> None:
    """Two independent FastAPI copies of each app give the same answers (no clock, no luck)."""
    reason = harness.unsupported_reason(app_name)
    if reason is not None:
        pytest.skip(reason)
    assert harness.nondeterministic_cases(app_name) == []


def test_corpus_size() -> None:
    assert len(harness.app_names()) >= 60


def test_rename_source() -> None:
    source = (
        "from fastapi import FastAPI, Depends\n"
        "from fastapi.responses import JSONResponse\n"
        "import fastapi\n"
        "app = FastAPI()\n"
        "x = 'fastapi stays in strings'\n"
        "class FastAPIError(Exception): ...\n"
    )
    assert harness.rename_source(source) == (
        "from heron import Heron, Depends\n"
        "from heron.responses import JSONResponse\n"
        "import heron\n"
        "app = Heron()\n"
        "x = 'fastapi stays in strings'\n"
        "class FastAPIError(Exception): ...\n"
    )
