"""Differential tests of the OpenAPI document: ``app.openapi()`` equals FastAPI's, for every app.

Each app of ``apps/`` is loaded twice (``compat_harness.load``: as is, and renamed for
Heron); both documents are compared as JSON (dict key order does not matter, list order
does). Every Heron document is also checked by ``openapi-spec-validator``.

Deliberate differences are normalised here, in :func:`normalize`, and nowhere else; each is
a row of ``docs/compatibility.md``. Known differences are strict xfails listed in
``known_openapi_gaps.txt`` (fixing one makes its test fail until the line is removed).
"""

from __future__ import annotations

import copy
import json
import sys
import warnings
from pathlib import Path
from typing import Any, cast

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import compat_harness as harness  # noqa: E402

_KNOWN_GAPS = {
    line.split("#", 1)[0].strip()
    for line in (_HERE / "known_openapi_gaps.txt").read_text().splitlines()
} - {""}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def normalize(document: dict[str, Any], framework: str) -> dict[str, Any]:
    """Remove the documented, deliberate differences (docs/compatibility.md, "OpenAPI").

    1. The default ``info.title``: "Heron" for Heron, "FastAPI" for FastAPI (an app that
       sets ``title=`` gets the same title from both).
    2. The method in the ``operationId`` of a route with several methods: FastAPI takes the
       first method of a ``set`` (it changes with the hash seed); Heron takes the first
       declared method. Both are masked as ``<method>``.
    """
    document = copy.deepcopy(document)
    default_title = "Heron" if framework == "heron" else "FastAPI"
    if document.get("info", {}).get("title") == default_title:
        document["info"]["title"] = "<default title>"
    for item in [*document.get("paths", {}).values(), *document.get("webhooks", {}).values()]:
        methods = [method for method in _METHODS if method in item]
        if len(methods) < 2:
            continue
        for method in methods:
            operation_id = item[method].get("operationId", "")
            for other in methods:
                if operation_id.endswith(f"_{other}"):
                    item[method]["operationId"] = operation_id[: -len(other)] + "<method>"
    return document


def _document(app_name: str, framework: str) -> dict[str, Any]:
    loaded = harness.load(app_name, framework)
    if loaded.module is None:
        pytest.fail(f"the {framework} copy of {app_name} does not load: {loaded.error}")
    with warnings.catch_warnings():
        # Duplicate operationId warnings are part of both frameworks' behaviour, not a
        # difference; they must not fail the comparison.
        warnings.simplefilter("ignore")
        document = loaded.module.app.openapi()
    return cast(dict[str, Any], json.loads(json.dumps(document)))


def differences(expected: Any, observed: Any, path: str = "") -> list[str]:
    """Where two JSON documents differ, as readable lines (``/paths/~1items/get: ...``)."""
    if isinstance(expected, dict) and isinstance(observed, dict):
        found = []
        for key in [*expected, *(k for k in observed if k not in expected)]:
            where = f"{path}/{key}"
            if key not in observed:
                found.append(f"{where}: only FastAPI has {json.dumps(expected[key])[:300]}")
            elif key not in expected:
                found.append(f"{where}: only Heron has {json.dumps(observed[key])[:300]}")
            else:
                found.extend(differences(expected[key], observed[key], where))
        return found
    if isinstance(expected, list) and isinstance(observed, list) and len(expected) == len(observed):
        return [
            line
            for index, (a, b) in enumerate(zip(expected, observed, strict=True))
            for line in differences(a, b, f"{path}[{index}]")
        ]
    if expected != observed:
        return [
            f"{path}: FastAPI {json.dumps(expected)[:300]} / Heron {json.dumps(observed)[:300]}"
        ]
    return []


def _params(names: list[str]) -> list[Any]:
    params = []
    for name in names:
        marks = []
        if name in _KNOWN_GAPS:
            reason = "known OpenAPI difference, listed in known_openapi_gaps.txt"
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def _skip_unsupported(app_name: str) -> None:
    reason = harness.unsupported_reason(app_name)
    if reason is not None:
        pytest.skip(reason)


@pytest.mark.parametrize("app_name", _params(harness.app_names()))
def test_same_document(app_name: str) -> None:
    _skip_unsupported(app_name)
    expected = normalize(_document(app_name, "fastapi"), "fastapi")
    observed = normalize(_document(app_name, "heron"), "heron")
    found = differences(expected, observed)
    assert not found, "\n".join([f"{app_name}: {len(found)} difference(s)", *found[:40]])


# Apps whose document is invalid in FastAPI too, and why: Heron keeps the same document.
# - A route with several methods has one operationId per method, all equal (FastAPI warns
#   "Duplicate Operation ID"; so does Heron).
# - Streamed responses are described with ``itemSchema``, an OpenAPI 3.2 keyword, in a
#   document that says 3.1.0.
_INVALID_AS_IN_FASTAPI = {
    "err_routing": "DuplicateOperationIDError",
    "stream_jsonl": "OpenAPIValidationError",
    "stream_sse": "OpenAPIValidationError",
}


def _error_names(document: dict[str, Any]) -> set[str]:
    return {type(error).__name__ for error in OpenAPIV31SpecValidator(document).iter_errors()}


@pytest.mark.parametrize("app_name", harness.app_names())
def test_document_is_valid(app_name: str) -> None:
    _skip_unsupported(app_name)
    document = _document(app_name, "heron")
    expected_error = _INVALID_AS_IN_FASTAPI.get(app_name)
    if expected_error is None:
        validate(document)
        return
    assert _error_names(document) == {expected_error}
    assert _error_names(_document(app_name, "fastapi")) == {expected_error}


def test_every_known_gap_is_an_app() -> None:
    assert _KNOWN_GAPS <= set(harness.app_names())


def test_openapi_corpus_size() -> None:
    assert len([n for n in harness.app_names() if n.startswith("openapi_")]) >= 12


def test_normalize_masks_only_the_documented_differences() -> None:
    heron_doc = {
        "info": {"title": "Heron"},
        "paths": {
            "/multi": {
                "get": {"operationId": "multi_multi_get"},
                "patch": {"operationId": "multi_multi_get"},
            },
            "/one": {"get": {"operationId": "one_one_get"}},
        },
    }
    fastapi_doc = {
        "info": {"title": "FastAPI"},
        "paths": {
            "/multi": {
                "get": {"operationId": "multi_multi_patch"},
                "patch": {"operationId": "multi_multi_patch"},
            },
            "/one": {"get": {"operationId": "one_one_get"}},
        },
    }
    assert normalize(heron_doc, "heron") == normalize(fastapi_doc, "fastapi")
    assert normalize(heron_doc, "heron")["paths"]["/one"]["get"]["operationId"] == "one_one_get"
    # A title the app chose is compared as is.
    assert normalize({"info": {"title": "Heron"}}, "fastapi") == {"info": {"title": "Heron"}}
