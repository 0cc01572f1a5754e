"""Write ``REPORT.md``: every case where Heron answers differently from FastAPI, grouped.

Run: ``.venv/bin/python tests/compat/report.py`` (``--output PATH`` to write elsewhere,
``--app NAME`` (repeatable) to limit the run).

Each failing case gets a *signature* computed from what differs (import error, exception
Heron raised, status pair, which parts of a 422 error body differ, which headers differ…).
Known signatures are mapped to a root-cause title and a one-line explanation by ``CAUSES``
below; unknown signatures form their own group, titled by the signature, so a new kind of
failure shows up on its own instead of hiding in a bucket.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections import defaultdict
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import compat_harness as harness  # noqa: E402

# --------------------------------------------------------------------------------------
# Signatures


def _mask(text: str) -> str:
    """An exception message with names and numbers masked, to group alike messages."""
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"\b\d+\b", "N", text)
    text = re.sub(r" at 0x[0-9a-f]+", "", text)
    return re.sub(r"\(/[^)]*\)", "", text).strip()


def _json(outcome: harness.Outcome) -> Any:
    body = outcome.body
    if isinstance(body, dict) and set(body) == {"json"}:
        return body["json"]
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def _detail_signature(left: list[Any], right: list[Any]) -> str:
    """What differs between two lists of validation errors."""
    labels = set()
    if len(left) != len(right):
        labels.add(f"error count {len(left)}→{len(right)}")
    for a, b in zip(left, right, strict=False):
        if not (isinstance(a, dict) and isinstance(b, dict)):
            labels.add("error shape")
            continue
        if a.get("type") != b.get("type"):
            labels.add(f"type {a.get('type')}→{b.get('type')}")
            continue
        error_type = a.get("type")
        if a.get("loc") != b.get("loc"):
            labels.add(f"loc[{error_type}]")
        if a.get("msg") != b.get("msg"):
            labels.add(f"msg[{error_type}]")
        if a.get("input") != b.get("input"):
            labels.add(f"input[{error_type}] {_kind(a.get('input'))}→{_kind(b.get('input'))}")
        if a.get("ctx") != b.get("ctx"):
            labels.add(f"ctx[{error_type}]")
    return ", ".join(sorted(labels)) or "order"


def _body_signature(fastapi: harness.Outcome, heron: harness.Outcome) -> str:
    left, right = _json(fastapi), _json(heron)
    if left is None or right is None:
        return "body bytes"
    if isinstance(left, dict) and isinstance(right, dict):
        if isinstance(left.get("detail"), list) and isinstance(right.get("detail"), list):
            return "detail: " + _detail_signature(left["detail"], right["detail"])
        extra, missing = set(right) - set(left), set(left) - set(right)
        parts = []
        if extra:
            parts.append("Heron adds keys")
        if missing:
            parts.append("Heron drops keys")
        changed = [k for k in set(left) & set(right) if left[k] != right[k]]
        if changed:
            parts.append("values differ")
        return "json body: " + ", ".join(parts)
    return f"json body: {_kind(left)}→{_kind(right)}"


def signature(verdict: harness.Verdict) -> str:
    """A short description of what differs, equal for failures that look alike."""
    if verdict.fastapi_load_error:
        return f"corpus: {verdict.fastapi_load_error}"
    if verdict.heron_load_error:
        return f"import: {_mask(verdict.heron_load_error)}"
    fastapi, heron = verdict.fastapi, verdict.heron
    assert fastapi is not None and heron is not None
    if verdict.case.kind == "ws":
        if heron.server_error and not fastapi.server_error:
            return f"ws: Heron raises {_mask(heron.server_error)}"
        return "ws: transcript"
    if heron.server_error and heron.status != fastapi.status:
        return f"Heron raises {_mask(heron.server_error)}"
    if fastapi.status != heron.status:
        return f"status {fastapi.status}→{heron.status}"
    parts = []
    if "body" in verdict.differences:
        parts.append(f"{fastapi.status}: {_body_signature(fastapi, heron)}")
    headers = [d.removeprefix("header ") for d in verdict.differences if d.startswith("header")]
    if headers:
        parts.append("headers " + ", ".join(headers))
    other = [d for d in verdict.differences if d not in ("body",) and not d.startswith("header")]
    if other:
        parts.append(", ".join(other))
    return "; ".join(parts)


# --------------------------------------------------------------------------------------
# Known root causes: (title, explanation, predicate on (signature, verdict)).
# First match wins; keep the predicates about what is observed, not about app names,
# so that they stay true while Heron changes.

Predicate = Callable[[str, harness.Verdict], bool]


def _sig(pattern: str) -> Predicate:
    return lambda sig, verdict: re.search(pattern, sig) is not None


def _status(fastapi: int, heron: int, pattern: str = "") -> Predicate:
    def predicate(sig: str, verdict: harness.Verdict) -> bool:
        return sig.startswith(f"status {fastapi}→{heron}") and (
            not pattern or re.search(pattern, verdict.case.label) is not None
        )

    return predicate


def _heron_json(predicate: Callable[[Any, Any], bool]) -> Predicate:
    def check(sig: str, verdict: harness.Verdict) -> bool:
        if verdict.fastapi is None or verdict.heron is None:
            return False
        return predicate(_json(verdict.fastapi), _json(verdict.heron))

    return check


def _encoding_differs(left: Any, right: Any) -> bool:
    """FastAPI's jsonable_encoder vs pydantic-core spellings (Z, ISO durations, "1.10")."""
    text = repr(right)
    return bool(
        re.search(r"T\d\d:\d\d:\d\d(\.\d+)?Z'", text)
        or re.search(r"'-?P(\d+D)?T?[\dHMS.]*'", text)
        or (isinstance(left, dict) and isinstance(right, dict) and _decimal_strings(left, right))
    )


def _decimal_strings(left: dict[str, Any], right: dict[str, Any]) -> bool:
    return any(
        isinstance(left.get(k), int | float) and isinstance(right.get(k), str)
        for k in left
        if k in right
    )


def _response_model_ignored(left: Any, right: Any) -> bool:
    def keys(value: Any) -> set[str]:
        if isinstance(value, list) and value and isinstance(value[0], dict):
            value = value[0]
        return set(value) if isinstance(value, dict) else set()

    return keys(left) != keys(right) or (
        isinstance(left, dict) and isinstance(right, dict) and _coercion_missing(left, right)
    )


def _coercion_missing(left: dict[str, Any], right: dict[str, Any]) -> bool:
    return any(type(left[k]) is not type(right.get(k)) for k in left if k in right)


def _has_response_model(verdict: harness.Verdict) -> bool:
    route = verdict.fastapi.route if verdict.fastapi is not None else None
    return bool(route and route.get("response_model"))


def _header_model_errors(sig: str, verdict: harness.Verdict) -> bool:
    """FastAPI's errors name headers with dashes (or forbid the client's own headers)."""
    if verdict.fastapi is None:
        return False
    detail = (_json(verdict.fastapi) or {}).get("detail") if verdict.fastapi.status == 422 else None
    if not isinstance(detail, list):
        return False
    header_errors = [
        e for e in detail if isinstance(e, dict) and e.get("loc", [None])[0] == "header"
    ]
    return any(e.get("type") == "extra_forbidden" for e in header_errors) or (
        "loc[" in sig and bool(header_errors)
    )


CAUSES: list[tuple[str, str, Predicate]] = [
    (
        "WebSocket endpoints: parameters and dependencies are not injected",
        "Heron calls the WebSocket endpoint without its path/query/header/cookie parameters "
        "and `Depends` values (FastAPI solves them like for HTTP routes, and closes with 1008 "
        "and the validation errors as reason when they are invalid).",
        _sig(r"^ws: Heron raises TypeError: .*missing N required positional argument"),
    ),
    (
        "WebSocket validation errors: close reason is a JSON string, not a list",
        "When WebSocket parameters are invalid FastAPI closes with 1008 and puts the error "
        "*list* in the close `reason`; in-process Starlette's TestClient hands that list over "
        "as is (a real server could not send it: a close reason is ≤ 123 bytes of UTF-8). "
        "Heron sends the errors as JSON text truncated to 123 bytes. Arguably Heron is right "
        "on the wire; a candidate for compatibility.md, not normalized here.",
        lambda sig, v: (
            sig == "ws: transcript"
            and v.fastapi is not None
            and any(
                isinstance(step, list) and len(step) == 3 and isinstance(step[2], list)
                for step in v.fastapi.transcript or []
            )
        ),
    ),
    (
        "Streaming from `yield` endpoints (JSON Lines, SSE)",
        "FastAPI ≥ 0.134 streams a generator endpoint as `application/jsonl` (one JSON "
        "document per line, typed items serialized by the item model), or as Server-Sent "
        "Events with `response_class=EventSourceResponse` (≥ 0.135). Heron awaits the async "
        "generator (500), collects a sync one into a JSON array, or frames events differently.",
        lambda sig, v: (
            v.fastapi is not None
            and re.match(
                r"application/jsonl|text/event-stream", str(v.fastapi.headers.get("content-type"))
            )
            is not None
        ),
    ),
    (
        "`request.form()` is not usable as an async context manager",
        "Starlette's `request.form()` returns an object that is both awaitable and an async "
        "context manager (`async with request.form() as form:` closes the uploaded files); "
        "Heron returns a plain coroutine.",
        _sig(r"Heron raises TypeError: .* object does not support the asynchronous context"),
    ),
    (
        "Strict JSON content-type check is missing",
        "FastAPI (default `strict_content_type=True`) refuses a JSON body sent without a JSON "
        "content type: 422 `model_attributes_type` with the raw text as `input`. Heron parses "
        "it (200), or, when the router sets `strict_content_type=False`, fails differently.",
        lambda sig, v: (
            "content=" in v.case.label
            and "json" not in v.case.label.split("content-type", 1)[-1][:25]
            and ("status 422→200" in sig or "type model_attributes_type→model_type" in sig)
        ),
    ),
    (
        "Response model not applied to the returned value",
        "`response_model=` / the return annotation should validate and filter the returned "
        'data (drop undeclared fields such as passwords, coerce `"3.5"` to 3.5, fill '
        "defaults, apply `response_model_include/exclude/by_alias/exclude_*`), and a value "
        "that fails it must be a 500 (ResponseValidationError). Heron serializes the raw "
        "value (or applies the options differently).",
        lambda sig, v: (
            _has_response_model(v) and (sig.startswith(("status 500→200", "200: json body")))
        ),
    ),
    (
        "JSON encoding of datetime/timedelta/Decimal differs from `jsonable_encoder`",
        "FastAPI encodes non-model return values with `jsonable_encoder`: aware UTC datetimes "
        "as `+00:00`, `timedelta` as float seconds, `Decimal` as a number (float or int). "
        "Heron's pydantic-core `to_json` writes `Z`, ISO-8601 durations (`PT1H`) and "
        "Decimals as strings. compatibility.md claims the same bytes for ordinary data; "
        "these types are ordinary in FastAPI apps.",
        _heron_json(_encoding_differs),
    ),
    (
        "Header parameter models: dashes in `loc`, `extra='forbid'`, `input` of errors",
        "For `Annotated[Model, Header()]` FastAPI converts underscores, so the `loc` is "
        "`['header', 'save-data']` and the `input` of a missing field is the dict of all "
        "request headers; with `extra='forbid'` every other header the client sent is an "
        "`extra_forbidden` error. Heron uses the field name, `input: null`, and ignores "
        "extra headers.",
        _header_model_errors,
    ),
    (
        "Validation messages from JSON-mode validation ('valid array', 'an object')",
        "FastAPI validates the parsed Python object, so pydantic says 'Input should be a "
        "valid list' / 'a valid dictionary' / 'a valid dictionary or object to extract fields "
        "from' (`model_attributes_type`). Heron validates JSON bytes directly and pydantic "
        "words these errors for JSON ('a valid array', 'an object', `model_type` with "
        "`ctx.class_name`).",
        _sig(
            r"^422: detail: .*(msg\[(list_type|dict_type|model_type)\]"
            r"|type model_attributes_type→model_type)"
        ),
    ),
    (
        "Several body parameters / `embed=True`: errors for a missing or non-object body",
        "With several body parameters (or `Body(embed=True)`) FastAPI reports each missing "
        "parameter with `input: null`, also when the body is not an object at all. Heron "
        "puts the whole received body in `input`, and answers a non-object body with one "
        "`dict_type` error instead of one `missing` error per parameter.",
        _sig(r"^422: detail: .*(input\[missing\] null→object|type missing→dict_type)"),
    ),
    (
        "Parameter models (form, cookie): `input` of 'missing' errors",
        "For form and cookie *models* FastAPI validates the model against the dict of "
        "received fields, so a missing field's `input` is that dict (`{}` when nothing was "
        "sent). Heron reports `input: null`.",
        _sig(r"^422: detail: .*input\[missing\] object→null"),
    ),
    (
        "Automatic HEAD for GET routes (Allow header, HEAD status)",
        "FastAPI's `APIRoute` serves exactly the declared methods: `HEAD` on a GET route is "
        "405 and `Allow` lists only the declared methods. Heron adds HEAD (Starlette `Route` "
        "behaviour, not `APIRoute`'s). Not in compatibility.md. (The order of `Allow` is "
        "not compared: FastAPI's comes from a set.)",
        lambda sig, v: (
            "headers allow" in sig
            or (sig.startswith("status 405→200") and v.case.label.startswith("HEAD"))
        ),
    ),
    (
        "`Vary` header from GZip/CORS middleware",
        "Starlette's GZipMiddleware only adds `Vary: Accept-Encoding` when it compresses; "
        "Heron's adds it to every response, and the CORS `Vary: Origin` is missing on some "
        "responses (the 404).",
        _sig(r"^headers vary$"),
    ),
    (
        "Form data: empty strings and form-model `extra='forbid'`",
        "FastAPI treats an empty form value as not sent (an optional field gets its default, "
        "`None`) and enforces `extra='forbid'` on form models (422 `extra_forbidden`). Heron "
        'keeps `""` and accepts extra fields.',
        lambda sig, v: (
            "data=" in v.case.label and (sig.startswith(("200: json body", "status 422→200")))
        ),
    ),
    (
        "Body parameter with a default model instance",
        '`item: Annotated[Item, Body()] = Item(name="default")` and an empty request: '
        "FastAPI passes the default instance; Heron passes `None`.",
        lambda sig, v: (
            sig.startswith("200: json body")
            and v.case.label.startswith("POST")
            and "json=" not in v.case.label
        ),
    ),
    (
        "UploadFile validation error when a plain field is sent instead of a file",
        "FastAPI reports `value_error` 'Value error, Expected UploadFile, received: <class "
        "'str'>'; Heron reports pydantic's `is_instance_of`.",
        _sig(r"type value_error→is_instance_of"),
    ),
    (
        "Decimal constraint values in error `ctx`",
        'FastAPI\'s error `ctx` for a Decimal constraint carries the number (`{"gt": 0}`); '
        'Heron\'s carries a string (`"0"`).',
        _sig(r"^422: detail: ctx\["),
    ),
    (
        "`default_response_class` not inherited through nested `include_router`",
        "A router included into a router that sets `default_response_class` inherits it in "
        "FastAPI (the innermost explicit setting wins). Heron falls back to JSON.",
        lambda sig, v: (
            sig.startswith("200: body bytes; headers content-type")
            and "application/json" in str(v.heron.headers.get("content-type") if v.heron else "")
        ),
    ),
    (
        "A handler for `HTTPException` also catches routing 404/405",
        "FastAPI's `HTTPException` subclasses Starlette's; the router raises Starlette's, so "
        "a handler registered for `fastapi.HTTPException` does not see 'Not Found'. Heron "
        "has one class and sends routing errors to that handler.",
        lambda sig, v: (
            v.case.kind == "http"
            and v.fastapi is not None
            and v.fastapi.status in (404, 405)
            and _json(v.fastapi) in ({"detail": "Not Found"}, {"detail": "Method Not Allowed"})
            and "body" in v.differences
        ),
    ),
    (
        "FileResponse edge cases (missing file, unsatisfiable range)",
        "Starlette's FileResponse raises RuntimeError for a missing file (a 500) and sends "
        "an empty body with 416; Heron answers 404 'File not found' and a 416 with a text "
        "body. Heron's choice is friendlier but not FastAPI's; not in compatibility.md.",
        lambda sig, v: (
            v.fastapi is not None
            and (
                (v.fastapi.status == 416 and sig.startswith("416: body"))
                or "File at path" in str(v.fastapi.server_error)
            )
        ),
    ),
    (
        "Custom `route_class` (APIRoute subclass) is ignored",
        "`APIRouter(route_class=MyRoute)` where `MyRoute.get_route_handler()` wraps the "
        "handler (the documented way to customise Request/Response per router): FastAPI runs "
        "the wrapper, Heron does not (here: the `X-Route` header it adds is missing).",
        lambda sig, v: sig.startswith("headers x-route"),
    ),
    (
        "`response_class=RedirectResponse` with a returned URL",
        "FastAPI builds `RedirectResponse(url)` from the returned value, so the status is "
        "307 (unless `status_code=` is given). Heron answers 200 with the `Location` header.",
        lambda sig, v: sig.startswith("status 307→200"),
    ),
]


def classify(verdict: harness.Verdict) -> tuple[str, str]:
    """(group title, explanation) for a failing case."""
    sig = signature(verdict)
    if verdict.heron_load_error:
        error = re.sub(r" \(/[^)]*\)", "", verdict.heron_load_error)
        return (
            f"App does not load under Heron: {error}",
            "The renamed source fails at import or route registration (a missing name or "
            "module, or a signature Heron refuses). Every case of the app fails.",
        )
    for title, explanation, predicate in CAUSES:
        try:
            matched = predicate(sig, verdict)
        except Exception:
            matched = False
        if matched:
            return title, explanation
    return f"Unclassified: {sig}", "No known root cause matches this signature yet."


# --------------------------------------------------------------------------------------
# Writing


def _cell(text: str, limit: int = 500) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _answer(verdict: harness.Verdict, framework: str) -> str:
    if framework == "heron" and verdict.heron_load_error:
        return f"(app does not load) {verdict.heron_load_error}"
    if framework == "fastapi" and verdict.fastapi_load_error:
        return f"(app does not load) {verdict.fastapi_load_error}"
    outcome = verdict.fastapi if framework == "fastapi" else verdict.heron
    return outcome.summary(10_000) if outcome is not None else "-"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def build_report(names: list[str] | None = None) -> tuple[str, int, int]:
    """The Markdown report, and the numbers of passing and failing cases."""
    all_cases = harness.cases(names)
    skipped = [case for case in all_cases if case.kind == "skip"]
    all_cases = [case for case in all_cases if case.kind != "skip"]
    verdicts = [harness.compare(case) for case in all_cases]
    failing = [v for v in verdicts if not v.ok]
    groups: dict[str, list[harness.Verdict]] = defaultdict(list)
    explanations: dict[str, str] = {}
    for verdict in failing:
        title, explanation = classify(verdict)
        groups[title].append(verdict)
        explanations[title] = explanation
    app_list = sorted({c.app_name for c in all_cases})
    per_app: dict[str, list[int]] = {name: [0, 0] for name in app_list}
    for verdict in verdicts:
        per_app[verdict.case.app_name][0] += 1
        per_app[verdict.case.app_name][1] += not verdict.ok

    lines = [
        "# Differential report: FastAPI vs Heron",
        "",
        "Generated by `.venv/bin/python tests/compat/report.py` — do not edit by hand. "
        "See `README.md` for how the corpus works.",
        "",
        f"FastAPI {_version('fastapi')} (Starlette {_version('starlette')}), "
        f"Heron {_version('heron')}, pydantic {_version('pydantic')}.",
        "",
        f"- apps: **{len(app_list)}**",
        f"- cases: **{len(verdicts)}** "
        f"({sum(c.kind == 'http' for c in all_cases)} HTTP requests, "
        f"{sum(c.kind == 'ws' for c in all_cases)} WebSocket sessions)",
        f"- passing: **{len(verdicts) - len(failing)}**",
        f"- failing: **{len(failing)}** in {len(groups)} groups",
        f"- apps with every case passing: **{sum(1 for v in per_app.values() if not v[1])}**",
        "",
    ]
    if skipped:
        lines += [
            f"Skipped (installed FastAPI too old): {', '.join(c.app_name for c in skipped)}.",
            "",
        ]
    lines += [
        "## Failure groups",
        "",
        "| # | group | cases | apps |",
        "|---|---|---|---|",
    ]
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    for number, (title, members) in enumerate(ordered, 1):
        apps = sorted({v.case.app_name for v in members})
        lines.append(f"| {number} | {_cell(title)} | {len(members)} | {', '.join(apps)} |")
    lines.append("")
    for number, (title, members) in enumerate(ordered, 1):
        lines += [
            f"### {number}. {title}",
            "",
            explanations[title],
            "",
            "| case | FastAPI | Heron |",
            "|---|---|---|",
        ]
        for verdict in members:
            lines.append(
                f"| `{_cell(verdict.case.id, 200).replace('`', '')}` "
                f"| {_cell(_answer(verdict, 'fastapi'))} | {_cell(_answer(verdict, 'heron'))} |"
            )
        lines.append("")
    lines += ["## Per app", "", "| app | cases | failing |", "|---|---|---|"]
    for name in app_list:
        total, failed = per_app[name]
        lines.append(f"| {name} | {total} | {failed or ''} |")
    lines.append("")
    return "\n".join(lines), len(verdicts) - len(failing), len(failing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=_HERE / "REPORT.md")
    parser.add_argument("--app", action="append", dest="apps", help="only this app")
    args = parser.parse_args(argv)
    # The same regime as pytest's ``filterwarnings = error``.
    warnings.simplefilter("error")
    text, passed, failed = build_report(args.apps)
    args.output.write_text(text, encoding="utf-8")
    print(f"{passed} passing, {failed} failing → {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
