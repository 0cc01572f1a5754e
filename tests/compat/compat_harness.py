"""The differential machinery shared by ``test_differential.py`` and ``report.py``.

Each module in ``apps/`` is a FastAPI app written in FastAPI's documented style. It is
loaded twice from its source text: as is (FastAPI), and with the import renaming a user
would do (``fastapi`` → ``heron`` on import lines, ``FastAPI`` → ``Heron``) for Heron. Both
copies are fresh module objects registered in ``sys.modules`` under unique names, so
pydantic and dataclasses resolve annotations, and each copy has its own module-level state.

Every request of the module's ``REQUESTS`` (and every session of ``WS_SESSIONS``) is sent,
in order, to each copy through that framework's own ``TestClient``; the answers are reduced
to what a client can observe and rely on (:class:`Outcome`) and compared.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import json
import re
import sys
import traceback
import types
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

import httpx

HERE = Path(__file__).resolve().parent
APPS_DIR = HERE / "apps"
# "fastapi-again" is a second, independent FastAPI copy: comparing it with the first one
# proves an app deterministic (test_corpus_is_deterministic).
FRAMEWORKS = ("fastapi", "heron", "fastapi-again")

# Response headers compared besides Set-Cookie (parsed separately) and every ``x-*`` header.
# Not compared: date, server, content-length (derived from the body, which is compared),
# etag (an opaque validator: each framework hashes its own way; clients only echo it).
COMPARED_HEADERS = frozenset(
    {
        "content-type",
        "content-range",
        "accept-ranges",
        "last-modified",
        "location",
        "www-authenticate",
        "allow",
        "content-disposition",
        "content-encoding",
        "content-language",
        "cache-control",
        "vary",
        "retry-after",
    }
)
COMPARED_HEADER_PREFIXES = ("x-", "access-control-")


# --------------------------------------------------------------------------------------
# Loading


def app_names() -> list[str]:
    """The app modules in ``apps/``, sorted (files starting with ``_`` are skipped)."""
    return sorted(p.stem for p in APPS_DIR.glob("*.py") if not p.stem.startswith("_"))


_IMPORT_LINE = re.compile(r"^\s*(from|import)\s+fastapi\b")
_REQUIRES = re.compile(r"^# requires fastapi >= ([\d.]+)\s*$", re.MULTILINE)


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def unsupported_reason(app_name: str) -> str | None:
    """Why the installed FastAPI cannot run this app (``# requires fastapi >= X.Y``), if so."""
    match = _REQUIRES.search((APPS_DIR / f"{app_name}.py").read_text(encoding="utf-8"))
    if match is None:
        return None
    from importlib.metadata import version

    installed = version("fastapi")
    if _version_tuple(installed) >= _version_tuple(match.group(1)):
        return None
    return f"needs fastapi >= {match.group(1)}, {installed} is installed"


def rename_source(source: str) -> str:
    """The user's migration: ``fastapi`` → ``heron`` on import lines, ``FastAPI`` → ``Heron``.

    Only whole words are renamed (``FastAPIError`` stays), so apps must not spell the
    framework's name in string literals.
    """
    lines = []
    for line in source.splitlines(keepends=True):
        if _IMPORT_LINE.match(line):
            line = re.sub(r"\bfastapi\b", "heron", line)
        lines.append(line)
    return re.sub(r"\bFastAPI\b", "Heron", "".join(lines))


@dataclasses.dataclass
class Loaded:
    """One framework's copy of an app module, or why it could not be loaded."""

    app_name: str
    framework: str
    module: types.ModuleType | None
    error: str | None = None  # "ExcType: message" of the failed import
    error_traceback: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)


class _RecordWarnings(warnings.catch_warnings):
    """Record (not raise) the warnings an app emits, even those of objects collected late.

    pytest turns warnings into errors here (``filterwarnings = error``); a warning from
    one request, or an unawaited coroutine collected later, would otherwise fail whichever
    test happens to trigger the (cached) run of the whole app.
    """

    def __init__(self, generation: int = 2) -> None:
        super().__init__(record=True)
        self.generation = generation

    def __enter__(self) -> list[warnings.WarningMessage]:
        caught = super().__enter__()
        assert caught is not None
        warnings.simplefilter("always")
        return caught

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        # Unawaited coroutines & co. warn when collected: collect inside the recorder (a
        # young-generation pass per request is cheap; a full one per app run).
        gc.collect(self.generation)
        super().__exit__(exc_type, exc_value, tb)


def _warning_texts(caught: list[warnings.WarningMessage]) -> list[str]:
    return [f"{w.category.__name__}: {w.message}" for w in caught]


@functools.cache
def load(app_name: str, framework: str) -> Loaded:
    """Exec the app's source (renamed for Heron) into a fresh registered module; cached."""
    path = APPS_DIR / f"{app_name}.py"
    source = path.read_text(encoding="utf-8")
    if framework == "heron":
        source = rename_source(source)
    module_name = f"_compat_{framework.replace('-', '_')}_{app_name}"
    module = types.ModuleType(module_name)
    module.__file__ = str(path)
    sys.modules[module_name] = module
    caught: list[warnings.WarningMessage] = []
    try:
        with _RecordWarnings(generation=0) as caught:
            code = compile(source, f"{path} [{framework}]", "exec")
            exec(code, module.__dict__)
        if not hasattr(module, "app"):
            raise AttributeError(f"{app_name} defines no `app`")
    except Exception as exc:
        del sys.modules[module_name]
        return Loaded(
            app_name,
            framework,
            None,
            _describe(exc),
            traceback.format_exc(limit=-6),
            _warning_texts(caught),
        )
    return Loaded(app_name, framework, module, warnings=_warning_texts(caught))


def requests_of(app_name: str) -> tuple[list[tuple[str, str, dict[str, Any]]], list[Any]]:
    """``REQUESTS`` and ``WS_SESSIONS`` as declared by the app (read from the FastAPI copy).

    Raises:
        RuntimeError: When the FastAPI copy itself does not load (a bug in the corpus).
    """
    loaded = load(app_name, "fastapi")
    if loaded.module is None:
        raise RuntimeError(f"{app_name} does not load under FastAPI: {loaded.error}")
    return list(getattr(loaded.module, "REQUESTS", [])), list(
        getattr(loaded.module, "WS_SESSIONS", [])
    )


def case_label(request: tuple[str, str, dict[str, Any]]) -> str:
    """``METHOD /url [kwargs summary]``, for test ids and the report."""
    method, url, kwargs = request
    extras = []
    for key, value in kwargs.items():
        text = repr(value)
        extras.append(f"{key}={text if len(text) <= 60 else text[:57] + '...'}")
    return f"{method} {url}" + (f" {' '.join(extras)}" if extras else "")


# --------------------------------------------------------------------------------------
# Outcomes


@dataclasses.dataclass
class Outcome:
    """What a client observes of one request (or one WebSocket session).

    ``server_error`` (the exception the app raised, if any) is informational: it is not
    compared, since each framework names its own exceptions; the 500 it caused is.
    """

    status: int | None = None
    headers: dict[str, Any] = dataclasses.field(default_factory=dict)
    body: Any = None
    client_error: str | None = None  # the TestClient call itself raised
    server_error: str | None = None
    transcript: list[Any] | None = None  # WebSocket sessions
    warnings: list[str] = dataclasses.field(default_factory=list)  # informational too
    # Informational: the route that answered, as the framework recorded it in the scope
    # (path, response_model); report.py uses it to name root causes.
    route: dict[str, Any] | None = None

    def comparable(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        del data["server_error"], data["warnings"], data["route"]
        if self.client_error is not None:
            # Each framework raises its own classes: compare the class name only.
            data["client_error"] = self.client_error.split(":", 1)[0]
        return data

    def summary(self, limit: int = 400) -> str:
        """One line for the report."""
        if self.transcript is not None:
            text = f"ws {json.dumps(self.transcript, default=repr)}"
        elif self.client_error is not None and self.status is None:
            text = f"client raised {self.client_error}"
        else:
            body = self.body
            if isinstance(body, dict) and "json" in body and len(body) == 1:
                body_text = json.dumps(body["json"], ensure_ascii=False)
            else:
                body_text = repr(body)
            headers = {k: v for k, v in self.headers.items() if k != "content-type"}
            ctype = self.headers.get("content-type", "-")
            text = f"{self.status} {ctype} {body_text}"
            if headers:
                text += f" headers={json.dumps(headers, ensure_ascii=False)}"
        if self.server_error:
            text += f" [server raised {self.server_error}]"
        if self.warnings:
            text += f" [warnings: {'; '.join(self.warnings)}]"
        return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _parse_set_cookie(value: str) -> tuple[str, str, tuple[str, ...]]:
    parts = [p.strip() for p in value.split(";")]
    name, _, cookie_value = parts[0].partition("=")
    attributes = []
    for part in parts[1:]:
        if not part:
            continue
        key, sep, attr = part.partition("=")
        key = key.strip().lower()
        if key == "expires":
            attr = "<date>"  # computed from the clock; its presence is what matters
        attributes.append(f"{key}={attr.strip()}" if sep else key)
    return name.strip(), cookie_value.strip(), tuple(sorted(attributes))


def _normalize_content_type(value: str) -> str:
    return re.sub(r"\s*;\s*", "; ", value.strip().lower())


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def outcome_of(response: Any, server_errors: list[BaseException]) -> Outcome:
    """Reduce an ``httpx.Response`` to the compared parts."""
    headers: dict[str, Any] = {}
    for name in sorted({k.lower() for k in response.headers.keys()}):
        if name == "set-cookie":
            cookies = [_parse_set_cookie(v) for v in response.headers.get_list(name)]
            headers[name] = sorted(cookies)
        elif name in COMPARED_HEADERS or name.startswith(COMPARED_HEADER_PREFIXES):
            values = response.headers.get_list(name)
            if name == "content-type":
                values = [_normalize_content_type(v) for v in values]
            elif name == "allow":
                # FastAPI keeps a route's methods in a set: its Allow order changes with the
                # hash seed from one process to the next. The order means nothing; compare sets.
                values = [", ".join(sorted(m.strip() for v in values for m in v.split(",")))]
            headers[name] = values[0] if len(values) == 1 else values
    content_type = response.headers.get("content-type", "")
    body: Any = response.content
    if _is_json(content_type):
        try:
            body = {"json": json.loads(response.content)}
        except ValueError:
            pass
    return Outcome(
        status=response.status_code,
        headers=headers,
        body=body,
        server_error=_describe(server_errors[-1]) if server_errors else None,
    )


# --------------------------------------------------------------------------------------
# Running


def _client_class(framework: str) -> type:
    if framework.startswith("fastapi"):
        with warnings.catch_warnings():
            # Starlette >= 1.10 prefers ``httpx2`` for its TestClient and warns once, at
            # import, when it falls back to ``httpx``; Heron's TestClient uses ``httpx``.
            warnings.filterwarnings(
                "ignore", message=r"Using `httpx` with `starlette\.testclient` is deprecated"
            )
            from fastapi.testclient import TestClient as FastAPITestClient
        return FastAPITestClient
    from heron.testclient import TestClient
    return TestClient


class _ErrorRecorder:
    """An ASGI wrapper that notes the exception the app raised, then re-raises it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.errors: list[BaseException] = []
        self.scope: dict[str, Any] | None = None

    def route(self) -> dict[str, Any] | None:
        """The route the app put in the last scope (FastAPI/Starlette: ``scope["route"]``)."""
        route = (self.scope or {}).get("route")
        if route is None:
            return None
        model = getattr(route, "response_model", None)
        return {
            "path": getattr(route, "path", None),
            "response_model": None if model is None else repr(model),
        }

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            self.scope = scope  # routers add the matched route to it, in place
        try:
            await self.app(scope, receive, send)
        except BaseException as exc:
            if scope["type"] != "lifespan":
                self.errors.append(exc)
            raise


def _request_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(kwargs)
    cookies = kwargs.pop("cookies", None)
    if cookies:
        # Per-request ``cookies=`` is deprecated in httpx (a warning, an error here):
        # send them as the Cookie header a browser would.
        headers = dict(kwargs.pop("headers", None) or {})
        headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        kwargs["headers"] = headers
    return kwargs


def _ws_session(client: Any, session: Any) -> list[Any]:
    """Play one WebSocket session; returns the transcript of what was observed."""
    url, kwargs, steps = session
    transcript: list[Any] = []
    try:
        with client.websocket_connect(url, **_request_kwargs(kwargs)) as ws:
            transcript.append(["accepted", ws.accepted_subprotocol])
            for step in steps:
                action, *args = step
                result = getattr(ws, action)(*args)
                if action.startswith("receive"):
                    transcript.append([action, result])
    except Exception as exc:
        status = getattr(exc, "status_code", None)
        if status is not None:  # a denial response
            content = cast(httpx.Response, exc).content  # both frameworks' denial responses
            transcript.append(["denied", status, content.decode("utf-8", "replace")])
        else:
            transcript.append(
                [type(exc).__name__, getattr(exc, "code", None), getattr(exc, "reason", None)]
            )
    return transcript


@dataclasses.dataclass
class AppRun:
    """One framework's answers to all of an app's requests and sessions."""

    load_error: str | None
    http: list[Outcome]
    ws: list[Outcome]
    load_traceback: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)  # import, lifespan


def _play(client: Any, recorder: _ErrorRecorder, app_name: str, run_: AppRun) -> None:
    requests, sessions = requests_of(app_name)
    for method, url, kwargs in requests:
        recorder.errors.clear()
        client.cookies.clear()
        with _RecordWarnings(generation=0) as caught:
            try:
                response = client.request(method, url, **_request_kwargs(kwargs))
                outcome = outcome_of(response, recorder.errors)
            except Exception as exc:
                outcome = Outcome(client_error=_describe(exc))
            outcome.route = recorder.route()
            recorder.errors.clear()
            recorder.scope = None
        outcome.warnings = _warning_texts(caught)
        run_.http.append(outcome)
    for session in sessions:
        recorder.errors.clear()
        client.cookies.clear()
        with _RecordWarnings(generation=0) as caught:
            transcript = _ws_session(client, session)
            errors = recorder.errors
            server_error = _describe(errors[-1]) if errors else None
            recorder.errors.clear()
        run_.ws.append(
            Outcome(
                transcript=transcript, server_error=server_error, warnings=_warning_texts(caught)
            )
        )


@functools.cache
def run(app_name: str, framework: str) -> AppRun:
    """Send every request and play every session, in order, on a fresh copy; cached."""
    loaded = load(app_name, framework)
    if loaded.module is None:
        return AppRun(loaded.error, [], [], loaded.error_traceback, loaded.warnings)
    recorder = _ErrorRecorder(loaded.module.app)
    result = AppRun(None, [], [], warnings=list(loaded.warnings))
    caught: list[warnings.WarningMessage] = []
    try:
        with _RecordWarnings(generation=1) as caught:
            client_class = _client_class(framework)
            client = client_class(recorder, raise_server_exceptions=False, follow_redirects=False)
            with client:  # runs the lifespan
                _play(client, recorder, app_name, result)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # the client or the lifespan failed, or pytest-timeout
        # Cached like a result, so that a hanging app costs one timeout, not one per case.
        result.load_error = f"running the app failed: {_describe(exc)}"
        result.load_traceback = traceback.format_exc(limit=-6)
    result.warnings += _warning_texts(caught)
    return result


# --------------------------------------------------------------------------------------
# Comparing

# Deliberate differences from docs/compatibility.md. Each entry names one request of one
# app and turns FastAPI's answer into the answer Heron documents; keep it small and exact.
Normalizer = Callable[[Outcome], Outcome]


def _invalid_json_is_400(outcome: Outcome) -> Outcome:
    # compatibility.md: "`await request.json()` on invalid JSON — FastAPI: JSONDecodeError
    # → 500; Heron: HTTPException(400)". Only the status is pinned; the detail text
    # (the decoder's message) is Heron's own.
    return dataclasses.replace(outcome, status=400, body=None, headers={})


def _automatic_head(case: Case, expected: Outcome, observed: Outcome) -> tuple[Outcome, Outcome]:
    """compatibility.md: "HEAD on a route declared with @app.get — FastAPI: 405
    (Allow: GET); Heron: answered like GET without a body; Allow lists HEAD".

    Applies to every case, since it follows from how the app's routes are declared: HEAD
    is dropped from Heron's ``Allow`` when FastAPI's lacks it, and a HEAD request FastAPI
    refused while allowing GET is only required to succeed under Heron with an empty body.
    """
    fastapi_allow = str(expected.headers.get("allow", "")).split(", ")
    heron_allow = str(observed.headers.get("allow", "")).split(", ")
    if "HEAD" in heron_allow and "HEAD" not in fastapi_allow:
        heron_allow = [m for m in heron_allow if m != "HEAD"]
    if set(fastapi_allow) < set(heron_allow):
        # compatibility.md: "405 when routes at one path each take other methods — Allow
        # lists every method of the path" (FastAPI's lists the first route's).
        heron_allow = fastapi_allow
    if "allow" in observed.headers:
        allow = ", ".join(heron_allow)
        observed = dataclasses.replace(observed, headers={**observed.headers, "allow": allow})
    if (
        case.label.startswith("HEAD ")
        and expected.status == 405
        and "GET" in fastapi_allow
        and observed.status == 200
        and observed.body in (b"", None)
    ):
        expected = observed
    return expected, observed


def _json_close_reason(expected: Outcome, observed: Outcome) -> Outcome:
    """compatibility.md: "WebSocket validation errors — FastAPI: the error list as the close
    reason (in-process only); Heron: the list as compact JSON, cut at 123 bytes".

    FastAPI's list becomes what Heron documents sending for it, so the rest of the
    transcript is still compared.
    """
    if expected.transcript is None:
        return expected
    transcript = []
    for step in expected.transcript:
        if isinstance(step, list) and len(step) == 3 and isinstance(step[2], list):
            reason = json.dumps(step[2], separators=(",", ":"), ensure_ascii=False)
            step = [step[0], step[1], reason.encode()[:123].decode("utf-8", "ignore")]
        transcript.append(step)
    return dataclasses.replace(expected, transcript=transcript)


ALLOWED_DIFFERENCES: dict[tuple[str, str], tuple[Normalizer, Callable[[Outcome], Outcome]]] = {
    # compatibility.md: "FileResponse for a missing file — FastAPI: RuntimeError → 500;
    # Heron: 404 File not found".
    ("resp_file", "GET /missing"): (
        lambda o: dataclasses.replace(
            o, status=404, body=b"File not found", server_error=None, headers=o.headers
        ),
        lambda o: o,
    ),
    # (app, case label): (applied to FastAPI's outcome, applied to Heron's outcome)
    ("misc_request_json", "POST /raw content=b'{not json'"): (
        _invalid_json_is_400,
        lambda o: dataclasses.replace(o, body=None, headers={}),
    ),
}


@dataclasses.dataclass
class Case:
    """One compared request (or session) of one app."""

    app_name: str
    kind: str  # "http", "ws"; "load" (fails under FastAPI), "skip" (FastAPI too old)
    index: int
    label: str

    @property
    def id(self) -> str:
        prefix = "ws " if self.kind == "ws" else ""
        return f"{self.app_name}[{self.index}] {prefix}{self.label}"


def cases(names: Iterable[str] | None = None) -> list[Case]:
    """Every case of every app (an app that fails to load under FastAPI: one ``load`` case)."""
    result = []
    for name in names if names is not None else app_names():
        reason = unsupported_reason(name)
        if reason is not None:
            result.append(Case(name, "skip", 0, reason))
            continue
        try:
            requests, sessions = requests_of(name)
        except RuntimeError:
            result.append(Case(name, "load", 0, "load under FastAPI"))
            continue
        result.extend(Case(name, "http", i, case_label(r)) for i, r in enumerate(requests))
        result.extend(
            Case(name, "ws", i, f"{s[0]} {len(s[2])} steps") for i, s in enumerate(sessions)
        )
    return result


@dataclasses.dataclass
class Verdict:
    """The comparison of one case."""

    case: Case
    ok: bool
    fastapi: Outcome | None
    heron: Outcome | None
    heron_load_error: str | None = None
    fastapi_load_error: str | None = None
    differences: list[str] = dataclasses.field(default_factory=list)
    heron_traceback: str | None = None

    def explain(self) -> str:
        if self.fastapi_load_error:
            return f"the FastAPI app itself fails: {self.fastapi_load_error}"
        if self.heron_load_error:
            return f"the Heron copy of {self.case.app_name} fails: {self.heron_load_error}"
        assert self.fastapi is not None and self.heron is not None
        return (
            f"{self.case.id}\n  differs in: {', '.join(self.differences)}\n"
            f"  FastAPI: {self.fastapi.summary(2000)}\n  Heron:   {self.heron.summary(2000)}"
        )


def nondeterministic_cases(app_name: str) -> list[str]:
    """Labels of the app's requests whose answers differ between two FastAPI copies."""
    first, second = run(app_name, "fastapi"), run(app_name, "fastapi-again")
    if first.load_error or second.load_error:
        return [f"load: {first.load_error or second.load_error}"]
    requests, sessions = requests_of(app_name)
    labels = [case_label(r) for r in requests] + [f"ws {s[0]}" for s in sessions]
    pairs = list(zip(first.http + first.ws, second.http + second.ws, strict=True))
    return [
        label
        for label, (a, b) in zip(labels, pairs, strict=True)
        if a.comparable() != b.comparable()
    ]


def compare(case: Case) -> Verdict:
    """Run (cached) both copies of the app and compare this case's outcomes."""
    if case.kind == "load":
        error = load(case.app_name, "fastapi").error
        return Verdict(case, False, None, None, fastapi_load_error=error)
    fastapi_run = run(case.app_name, "fastapi")
    if fastapi_run.load_error:
        return Verdict(case, False, None, None, fastapi_load_error=fastapi_run.load_error)
    heron_run = run(case.app_name, "heron")
    outcomes = "ws" if case.kind == "ws" else "http"
    fastapi_outcome = getattr(fastapi_run, outcomes)[case.index]
    if heron_run.load_error and len(getattr(heron_run, outcomes)) <= case.index:
        return Verdict(
            case,
            False,
            fastapi_outcome,
            None,
            heron_load_error=heron_run.load_error,
            heron_traceback=heron_run.load_traceback,
        )
    heron_outcome = getattr(heron_run, outcomes)[case.index]
    expected, observed = fastapi_outcome, heron_outcome
    allowed = ALLOWED_DIFFERENCES.get((case.app_name, case.label))
    if allowed is not None:
        expected, observed = allowed[0](expected), allowed[1](observed)
    if case.kind == "http":
        expected, observed = _automatic_head(case, expected, observed)
    else:
        expected = _json_close_reason(expected, observed)
    left, right = expected.comparable(), observed.comparable()
    differences = []
    for key in left:
        if key == "headers":
            for name in sorted(set(left[key]) | set(right[key])):
                if left[key].get(name) != right[key].get(name):
                    differences.append(f"header {name}")
        elif left[key] != right[key]:
            differences.append(key)
    return Verdict(case, not differences, fastapi_outcome, heron_outcome, differences=differences)
