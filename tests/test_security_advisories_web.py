"""Regression tests for the advisories of ``/work/shared/design/SECURITY.md`` about the web
features: templates (M1, M2), static files (C6, M2's directory listing), WebSockets (L1-L3,
J2's ``receive_json``), slow request bodies (K1), request decompression (K3), JSON depth
(J2), upload file names (B1) and redirect targets (F1).

The split from ``test_security_advisories.py`` (the core: routing, requests, responses,
cookies…) only keeps both files under 1000 lines; its module docstring is the index of
where every catalogue id is covered. Each test name starts with the catalogue id and its
docstring names the advisory.
"""

import asyncio
import gzip
import importlib.metadata
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import fastapi
import fastapi.security
import jinja2
import pytest
from pydantic import BaseModel, Json
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect
from websockets.typing import Origin

from heron import Depends, Form, Heron, HTTPException, Request, UploadFile, WebSocket
from heron.responses import FileResponse, PlainTextResponse, StreamingResponse
from heron.security import OAuth2PasswordBearer
from heron.staticfiles import StaticFiles
from heron.templating import Jinja2Templates
from heron.testclient import TestClient, WebSocketDenialResponse
from heron.types import Message
from heron.utils import is_safe_url, safe_filename
from heron.websockets import WebSocketDisconnect, WebSocketOptions, websocket_options
from heron_run import Served, heron_run
from test_security_advisories import SRC, api_app, assert_no_500, call

ROOT = SRC.parent.parent
TIMEOUT = 10.0


# ================================================================ M. templates


@pytest.fixture
def templates_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html").write_text('<p>{{ text }}</p><a href="{{ url }}">link</a>')
    (folder / "mail.txt").write_text("Hello {{ text }}")
    return folder


def templates_app(folder: Path) -> Heron:
    """One route per way to render, each putting the query string into the context."""
    app = Heron(template_folder=str(folder))
    templates = Jinja2Templates(directory=str(folder))

    @app.get("/flask/{name}")
    def flask_style(name: str, text: str = "", url: str = "") -> Any:
        from heron import render_template

        return PlainTextResponse(render_template(name, text=text, url=url))

    @app.get("/fastapi/{name}")
    def fastapi_style(request: Request, name: str, text: str = "", url: str = "") -> Any:
        return templates.TemplateResponse(request, name, {"text": text, "url": url})

    return app


@pytest.mark.parametrize("style", ["flask", "fastapi"])
def test_M1_request_data_is_never_template_code(templates_dir: Path, style: str) -> None:
    """Jinja2 CVE-2024-56326 / CVE-2025-27516 / CVE-2024-56201: template code from users.

    Heron's rule: templates come from files (or a developer's string), request data only
    from the context, where ``{{ 7*7 }}`` and ``{% ... %}`` are printed, never run.
    """
    client = TestClient(templates_app(templates_dir))
    for payload in (
        "{{ 7*7 }}",
        "{% for x in range(3) %}{{ x }}{% endfor %}",
        "{{ ''.__class__.__mro__ }}",
    ):
        response = client.get(f"/{style}/mail.txt", params={"text": payload})
        assert response.status_code == 200
        assert response.text == f"Hello {payload}"


def test_M1_no_template_is_compiled_from_anything_but_the_developer_s_source() -> None:
    """CVE-2024-56201: attacker-chosen source is compiled. ``from_string`` appears once in
    Heron, in ``render_template_string``'s cache, whose source is the developer's argument;
    no ``jinja2.Template(...)`` and no sandbox to escape from."""
    found: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if re.search(r"\bfrom_string\(|jinja2\.Template\(|\bTemplate\(\s*source", line):
                found.append(f"{path.relative_to(SRC)}:{number}")
    # heron.flask's render_template_string/stream_template_string: Flask's API, the same rule.
    flask_lines = [f for f in found if f.startswith("flask/templating.py:")]
    found = [f for f in found if f not in flask_lines]
    assert len(found) == 1 and found[0].startswith("templating.py:"), found
    source = (SRC / "templating.py").read_text("utf-8")
    helper = source.split("def _from_string(", 1)[1].split("\ndef ", 1)[0]
    assert "from_string(source)" in helper
    callers = re.findall(r"def (\w+)\([^)]*\)[^:]*:(?:(?!\ndef ).)*_from_string\(", source, re.S)
    assert sorted(callers) == ["render_template_string", "stream_template_string"]
    flask_source = (SRC / "flask" / "templating.py").read_text("utf-8")
    flask_callers = re.findall(
        r"def (\w+)\([^)]*\)[^:]*:(?:(?!\ndef ).)*\.from_string\(source\)", flask_source, re.S
    )
    assert len(flask_lines) == 2
    assert sorted(flask_callers) == ["render_template_string", "stream_template_string"]


def test_M1_jinja2_is_pinned_past_the_sandbox_fixes() -> None:
    """CVE-2024-56326, CVE-2024-56201 (fixed 3.1.5), CVE-2025-27516 (fixed 3.1.6)."""
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert re.search(r'"jinja2>=3\.1\.6"', pyproject), "pin jinja2>=3.1.6 in pyproject.toml"
    installed = tuple(int(p) for p in importlib.metadata.version("jinja2").split(".")[:3])
    assert installed >= (3, 1, 6)


@pytest.mark.parametrize("style", ["flask", "fastapi"])
def test_M2_autoescape_in_html_not_in_text(templates_dir: Path, style: str) -> None:
    """Starlette/Flask autoescape rules: on for ``.html``, off for ``.txt`` (documented)."""
    client = TestClient(templates_app(templates_dir))
    script = "<script>alert(1)</script>"
    html_page = client.get(f"/{style}/page.html", params={"text": script, "url": '" onx="1'})
    assert "<script>" not in html_page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_page.text
    assert 'href="&#34; onx=&#34;1"' in html_page.text  # no way out of the attribute
    mail = client.get(f"/{style}/mail.txt", params={"text": script})
    assert mail.text == f"Hello {script}"


def test_M2_autoescape_does_not_make_a_url_safe(templates_dir: Path) -> None:
    """Flask docs (web-security, XSS): ``href="{{ url }}"`` with ``javascript:`` is still a
    script link after escaping; docs/templates.md says to check the scheme of user URLs."""
    client = TestClient(templates_app(templates_dir))
    page = client.get("/flask/page.html", params={"url": "javascript:alert(1)"})
    assert 'href="javascript:alert(1)"' in page.text
    docs = (ROOT / "docs" / "templates.md").read_text("utf-8")
    assert "javascript:" in docs


@pytest.mark.parametrize("key", ["a b", "a/b", "a>b", "a=b", "onclick x"])
def test_M2_xmlattr_refuses_keys_that_break_out(key: str) -> None:
    """Jinja2 CVE-2024-22195 / GHSA-h5c8-rqwp-cp95 and CVE-2024-34064: ``xmlattr`` keys with
    a space, ``/``, ``>`` or ``=`` injected attributes (fixed by the 3.1.6 pin)."""
    env = jinja2.Environment(autoescape=True)
    with pytest.raises(ValueError, match="Invalid character in attribute name"):
        env.from_string("<div{{ attrs|xmlattr }}>").render(attrs={key: "v"})


@pytest.mark.parametrize("html_mode", [False, True])
def test_M2_directories_are_never_listed(tmp_path: Path, html_mode: bool) -> None:
    """aiohttp CVE-2024-27306: XSS through file names in a directory listing. Heron's
    ``StaticFiles`` has no listing: a directory without ``index.html`` is a 404."""
    static = tmp_path / "static"
    (static / "uploads").mkdir(parents=True)
    (static / "uploads" / "<img src=x onerror=alert(1)>.txt").write_text("x")
    app = Heron()
    app.mount("/static", StaticFiles(directory=static, html=html_mode))
    client = TestClient(app)
    for path in ("/static/uploads", "/static/uploads/", "/static/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "onerror" not in response.text


# ================================================================ C6. precompressed files


def test_C6_precompressed_siblings_are_never_served(tmp_path: Path) -> None:
    """aiohttp CVE-2024-42367 / GHSA-jwhx-xcg6-8xhj: ``app.js.gz`` opened without the root
    check. Heron serves no ``.gz``/``.br`` siblings in place of a file: ``Accept-Encoding``
    changes nothing, and the symlinked ``.gz`` itself is out of the root (404)."""
    outside = tmp_path / "outside.gz"
    outside.write_bytes(gzip.compress(b"TOP SECRET"))
    static = tmp_path / "static"
    static.mkdir()
    (static / "app.js").write_text("console.log(1)")
    os.symlink(outside, static / "app.js.gz")
    os.symlink(outside, static / "app.js.br")
    app = Heron()
    app.mount("/static", StaticFiles(directory=static))
    client = TestClient(app)
    for encoding in ("gzip", "br", "gzip, br", "*"):
        response = client.get("/static/app.js", headers={"accept-encoding": encoding})
        assert response.status_code == 200
        assert "content-encoding" not in response.headers
        assert response.content == b"console.log(1)"
    for name in ("app.js.gz", "app.js.br"):
        assert client.get(f"/static/{name}").status_code == 404


# ================================================================ J2. JSON depth


def test_J2_typed_bodies_have_a_fixed_depth_limit() -> None:
    """J2's ``max_depth``: a typed body is parsed by pydantic's parser, whose nesting limit
    (200) does not move with the Python version; depth 201 is a 422, never a 500."""
    app = Heron()

    @app.post("/items")
    async def create(item: dict[str, Any]) -> dict[str, int]:
        return {"keys": len(item)}

    client = TestClient(app)
    for depth, status in ((200, 200), (201, 422), (100_000, 422)):
        body = '{"a":' * depth + "1" + "}" * depth
        response = client.post("/items", content=body, headers={"content-type": "application/json"})
        assert response.status_code == status, depth


def test_J2_deep_json_in_a_form_field_is_a_422() -> None:
    """J2 (form field): a ``Json`` field of a form model holding ``[`` * 100 000."""

    class Search(BaseModel):
        filters: Json[Any]

    app = Heron()

    @app.post("/search")
    async def search(form: Annotated[Search, Form()]) -> dict[str, str]:
        return {"type": type(form.filters).__name__}

    client = TestClient(app)
    assert client.post("/search", data={"filters": "[[1]]"}).json() == {"type": "list"}
    response = client.post("/search", data={"filters": "[" * 100_000 + "]" * 100_000})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "filters"]


# ================================================================ L. WebSockets


def echo_json_app(**options: Any) -> tuple[Heron, list[str]]:
    """``/json`` echoes JSON messages; ``events`` records that the endpoint's finally ran."""
    app = Heron(**options)
    events: list[str] = []

    @app.websocket("/json")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_json(await websocket.receive_json())
        finally:
            events.append("finally")

    return app, events


def next_close(session: Any) -> tuple[int, str]:
    message = session.receive()
    assert message["type"] == "websocket.close", message
    return message["code"], message["reason"]


def test_L1_oversized_message_closes_1009_and_runs_finally() -> None:
    """websockets CVE-2018-1000518 (message size not enforced): over ``max_message_size``
    → close 1009, and the endpoint's ``finally`` runs (nothing left hanging)."""
    app, events = echo_json_app(websocket_options=WebSocketOptions(max_message_size=1024))
    with TestClient(app).websocket_connect("/json") as session:
        session.send_text(json.dumps("x" * 1000))
        assert session.receive_json() == "x" * 1000
        session.send_text(json.dumps("x" * 2000))
        assert next_close(session) == (1009, "Message too big: over 1024 bytes")
    assert events == ["finally"]


def test_L1_J2_ten_megabytes_of_brackets_into_receive_json() -> None:
    """L1 / J2: a 10 MB frame of ``[`` into ``receive_json`` raised RecursionError: a 1011
    and a traceback. Now close 1007, the endpoint's ``finally`` runs, the app serves on."""
    app, events = echo_json_app()
    client = TestClient(app)
    for payload in ("[" * 10_000_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 50_000):
        with client.websocket_connect("/json") as session:
            session.send_text(payload)
            code, reason = next_close(session)
        assert code == 1007
        assert reason.startswith("Invalid JSON")
    assert events == ["finally"] * 3
    with client.websocket_connect("/json") as session:
        session.send_text('{"still": "serving"}')
        assert session.receive_json() == {"still": "serving"}


SECRET = "test-secret-key-for-the-origin-tests"


def session_app(**options: Any) -> Heron:
    """A session-authenticated WebSocket: ``/login`` sets the user, ``/ws`` greets them."""
    app = Heron(secret_key=SECRET, **options)

    @app.post("/login")
    async def login(request: Request) -> dict[str, bool]:
        request.session["user"] = "ann"
        return {"ok": True}

    @app.websocket("/ws")
    async def whoami(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"user": websocket.session.get("user")})
        await websocket.close()

    @app.websocket("/partner")
    @websocket_options(allowed_origins=["https://partner.example"])
    async def partner(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"user": websocket.session.get("user")})
        await websocket.close()

    return app


def logged_in(app: Heron) -> TestClient:
    client = TestClient(app, headers={"x-csrf-token": "unused"})
    client.post("/login", headers={"authorization": "Bearer exempt-from-csrf"})
    return client


def origin(value: str) -> dict[str, str]:
    return {"origin": value}


def assert_refused(client: TestClient, path: str, origins: list[str]) -> None:
    """Each handshake from ``origins`` gets the 403 denial response."""
    for value in origins:
        with pytest.raises(WebSocketDenialResponse) as info:
            with client.websocket_connect(path, headers=origin(value)):
                pass
        assert (info.value.status_code, info.value.text) == (403, "Origin not allowed"), value


def test_L2_cross_site_handshake_is_refused_before_the_endpoint() -> None:
    """Cross-Site WebSocket Hijacking (google/adk-python#4951, Cline CVE-2026-44211, ZAP
    100025): another site's page opens a socket riding the session cookie. Where the app
    has CSRF protection (a ``secret_key``), only its own origin may: 403 otherwise."""
    client = logged_in(session_app())
    foreign = [
        "https://evil.example",
        "http://testserver.evil.example",
        "null",
        "http://evil.example/http://testserver",
    ]
    assert_refused(client, "/ws", foreign)
    for own in ("http://testserver", "https://testserver", "HTTP://TestServer"):
        with client.websocket_connect("/ws", headers=origin(own)) as session:
            assert session.receive_json() == {"user": "ann"}
    with client.websocket_connect("/ws") as session:  # no Origin: not a browser
        assert session.receive_json() == {"user": "ann"}


def test_L2_allowed_origins_per_endpoint() -> None:
    """CSWSH: ``allowed_origins=["https://app.example"]`` admits that site and the app's own."""
    client = logged_in(session_app())
    with client.websocket_connect("/partner", headers=origin("https://partner.example")) as ws:
        assert ws.receive_json() == {"user": "ann"}
    with client.websocket_connect("/partner", headers=origin("http://testserver")) as ws:
        assert ws.receive_json() == {"user": "ann"}
    foreign = ["https://evil.example", "https://partner.example.evil", "http://partner.example"]
    assert_refused(client, "/partner", foreign)
    with pytest.raises(WebSocketDenialResponse):  # two Origin headers: ambiguous, refused
        with client.websocket_connect(
            "/ws", headers=[("origin", "http://testserver"), ("origin", "https://evil.example")]
        ):
            pass


def test_L2_the_choice_is_the_app_s() -> None:
    """CSWSH: ``allowed_origins=["*"]`` (or ``csrf=False``) turns the check off, and apps
    without sessions keep FastAPI's behaviour (no check), documented in docs/websockets.md."""
    any_origin = Heron(secret_key=SECRET, websocket_options=WebSocketOptions(allowed_origins=["*"]))
    no_csrf = Heron(secret_key=SECRET, csrf=False)
    plain = Heron()
    for app in (any_origin, no_csrf, plain):

        @app.websocket("/ws")
        async def hello(websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.send_text("hi")
            await websocket.close()

        with TestClient(app).websocket_connect("/ws", headers=origin("https://evil.example")) as ws:
            assert ws.receive_text() == "hi"
    strict = Heron(websocket_options=WebSocketOptions(allowed_origins=[]))

    @strict.websocket("/ws")
    async def refused(websocket: WebSocket) -> None:
        raise AssertionError("the endpoint must not run")

    with pytest.raises(WebSocketDenialResponse):
        with TestClient(strict).websocket_connect("/ws", headers=origin("https://evil.example")):
            pass


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("https://app.example", "a list of origins"),
        (["https://app.example/path"], "is not an origin"),
        (["app.example"], "is not an origin"),
        (["https://user@app.example"], "is not an origin"),
    ],
)
def test_L2_allowed_origins_are_checked_when_written(value: Any, error: str) -> None:
    """CSWSH: a misspelt allow-list must fail at startup, not silently admit nothing."""
    with pytest.raises(ValueError, match=error):
        WebSocketOptions(allowed_origins=value)
    with pytest.raises(ValueError, match=error):
        websocket_options(allowed_origins=value)
    assert WebSocketOptions(allowed_origins=["HTTPS://App.Example/"]).allowed_origins == (
        "https://app.example",
    )


def test_L2_without_denial_responses_the_handshake_is_closed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """CSWSH, on a server without the ASGI denial extension: close 1008 before accept, and
    neither the endpoint nor its dependencies run. The refusal is logged (a proxy that
    rewrites ``Host`` shows there), without the request's control characters (G4)."""
    ran: list[str] = []

    def dependency() -> str:
        ran.append("dependency")
        return "x"

    app = Heron(secret_key=SECRET)

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket, value: Annotated[str, Depends(dependency)]) -> None:
        ran.append("endpoint")
        await websocket.accept()

    evil = b"https://evil.example\x1b[31m\nFAKE LOG LINE"
    with caplog.at_level("WARNING", logger="heron.websockets"):
        sent = run_websocket(app, [(b"host", b"app.example"), (b"origin", evil)])
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": "Origin not allowed"}]
    assert ran == []
    [record] = caplog.records
    message = record.getMessage()
    assert "evil.example" in message and "app.example" in message
    assert "\x1b" not in message and "\n" not in message


def run_websocket(app: Any, headers: list[tuple[bytes, bytes]]) -> list[Message]:
    """A handshake with no ASGI extensions; the messages the app sent."""
    sent: list[Message] = []
    incoming: list[Message] = [{"type": "websocket.connect"}]

    async def receive() -> Message:
        if incoming:
            return incoming.pop(0)
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "path": "/ws",
        "raw_path": b"/ws",
        "query_string": b"",
        "headers": headers,
        "scheme": "ws",
        "server": ("app.example", 80),
        "root_path": "",
        "subprotocols": [],
        "extensions": {},
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), TIMEOUT))
    return sent


# An app served by ``heron run`` (uvicorn) for the end-to-end origin test.
origin_app = session_app()


@pytest.fixture(scope="module")
def served_origin_app() -> Iterator[Served]:
    with heron_run("test_security_advisories_web:origin_app") as running:
        yield running
        assert "Traceback" not in running.log(), running.log()


def test_L2_end_to_end_a_real_server_answers_403(served_origin_app: Served) -> None:
    """CSWSH over uvicorn: the browser's handshake with a foreign ``Origin`` gets an HTTP
    403 and no WebSocket; the app's own origin is served."""
    url = f"ws://127.0.0.1:{served_origin_app.port}/ws"
    with pytest.raises(InvalidStatus) as info:
        ws_connect(url, origin=Origin("https://evil.example"), open_timeout=TIMEOUT)
    assert info.value.response.status_code == 403
    own = Origin(f"http://127.0.0.1:{served_origin_app.port}")
    with ws_connect(url, origin=own, open_timeout=TIMEOUT) as ws:
        assert json.loads(ws.recv(timeout=TIMEOUT)) == {"user": None}


def denial_app(framework: Any, socket_class: Any, depends: Any, exception: Any, scheme: Any) -> Any:
    """The same endpoints under Heron and FastAPI (only the names change)."""
    app: Heron | fastapi.FastAPI = framework()

    @app.websocket("/forbidden")
    async def forbidden(websocket: socket_class) -> None:
        raise exception(403, "members only", headers={"X-Why": "not a member"})

    @app.websocket("/token")
    async def token(
        websocket: socket_class,
        value: Annotated[str, depends(scheme)],
    ) -> None:
        await websocket.accept()

    return app


def denial_apps() -> Iterator[tuple[str, Any]]:
    yield (
        "heron",
        denial_app(
            Heron, WebSocket, Depends, HTTPException, OAuth2PasswordBearer(tokenUrl="token")
        ),
    )
    yield (
        "fastapi",
        denial_app(
            fastapi.FastAPI,
            fastapi.WebSocket,
            fastapi.Depends,
            fastapi.HTTPException,
            fastapi.security.OAuth2PasswordBearer(tokenUrl="token"),
        ),
    )


def test_L3_http_exception_before_accept_is_a_denial_response() -> None:
    """Starlette 0.41 (#2725): ``HTTPException`` before ``accept()`` (an auth dependency) →
    an HTTP denial response with its status, detail and headers; it used to escape as an
    error. Same answers as FastAPI (one client, Heron's, for both apps)."""
    answers: dict[str, list[tuple[int, str, str | None]]] = {}
    for name, app in denial_apps():
        client = TestClient(app)
        answers[name] = []
        for path in ("/forbidden", "/token"):
            with pytest.raises(WebSocketDenialResponse) as info, client.websocket_connect(path):
                pass
            denial = info.value
            answers[name].append((denial.status_code, denial.text, denial.headers.get("x-why")))
    assert answers["heron"] == answers["fastapi"]
    assert answers["heron"][0] == (403, '{"detail":"members only"}', "not a member")
    assert answers["heron"][1][0] == 401


def test_L3_http_exception_without_denial_responses_closes_1008() -> None:
    """#2725 on a server without the denial extension: a policy close with the detail."""
    app = Heron()

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket) -> None:
        raise HTTPException(403, "members only " + "x" * 200)

    sent = run_websocket(app, [(b"host", b"app.example")])
    assert len(sent) == 1 and sent[0]["type"] == "websocket.close"
    assert sent[0]["code"] == 1008
    assert sent[0]["reason"].startswith("members only")
    assert len(sent[0]["reason"].encode()) <= 123  # what a close frame has room for


def test_L3_streaming_and_file_denial_responses(tmp_path: Path) -> None:
    """Starlette 1.0 #3189: a ``StreamingResponse`` or ``FileResponse`` as denial response."""
    page = tmp_path / "denied.html"
    page.write_text("<h1>denied</h1>")
    app = Heron()

    @app.websocket("/stream")
    async def stream(websocket: WebSocket) -> None:
        async def chunks() -> Any:
            yield b"not "
            yield b"allowed"

        await websocket.send_denial_response(StreamingResponse(chunks(), status_code=401))

    @app.websocket("/file")
    async def file(websocket: WebSocket) -> None:
        await websocket.send_denial_response(FileResponse(page, status_code=403))

    client = TestClient(app)
    for path, status, text in (("/stream", 401, "not allowed"), ("/file", 403, "<h1>denied</h1>")):
        with pytest.raises(WebSocketDenialResponse) as info, client.websocket_connect(path):
            pass
        assert (info.value.status_code, info.value.text) == (status, text)


def test_L3_a_second_close_raises() -> None:
    """Starlette ``test_duplicate_close``: closing twice is a bug of the endpoint, said so."""
    errors: list[str] = []
    app = Heron()

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close(code=4000, reason="bye")
        try:
            await websocket.close()
        except RuntimeError as exc:
            errors.append(str(exc))

    with pytest.raises(WebSocketDisconnect) as info:
        with TestClient(app).websocket_connect("/ws") as session:
            session.receive_text()
    assert (info.value.code, info.value.reason) == (4000, "bye")
    assert errors == ['Cannot call "send" once a close message has been sent.']


# ================================================================ K. slow bodies, decompression


def slow_chunks(count: int, interval: float) -> tuple[Any, list[int]]:
    """An ASGI ``receive`` sending one byte every ``interval`` seconds; counts its calls."""
    calls = [0]

    async def receive() -> Message:
        calls[0] += 1
        if calls[0] > 1:
            await asyncio.sleep(interval)
        return {"type": "http.request", "body": b"x", "more_body": calls[0] < count}

    return receive, calls


def body_app(timeout: float | None) -> tuple[Heron, list[str]]:
    app = Heron(body_read_timeout=timeout)
    reached: list[str] = []

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        body = await request.body()
        reached.append("raw")
        return {"length": len(body)}

    class Item(BaseModel):
        name: str

    @app.post("/typed")
    async def typed(item: Item) -> dict[str, str]:
        reached.append("typed")
        return {"name": item.name}

    @app.post("/form")
    async def form(name: Annotated[str, Form()]) -> dict[str, str]:
        reached.append("form")
        return {"name": name}

    return app, reached


def run_http(app: Any, path: str, receive: Any, content_type: bytes) -> tuple[int, bytes, float]:
    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "http_version": "1.1",
        "headers": [(b"host", b"t"), (b"content-type", content_type)],
        "server": ("t", 80),
        "client": ("127.0.0.1", 5000),
        "extensions": {},
    }
    started = time.perf_counter()
    asyncio.run(asyncio.wait_for(app(scope, receive, send), TIMEOUT))
    elapsed = time.perf_counter() - started
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], body, elapsed


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/raw", b"text/plain"),
        ("/typed", b"application/json"),
        ("/form", b"application/x-www-form-urlencoded"),
    ],
)
def test_K1_a_body_trickling_in_is_cut_at_body_read_timeout(path: str, content_type: bytes) -> None:
    """Slowloris bodies (CVE-2007-6750; uvicorn#157 never added request timeouts): a byte
    every 0.1 s holds a handler forever. With ``body_read_timeout=0.5``: 408 at ~0.5 s, the
    endpoint never runs, and the connection is not reused."""
    app, reached = body_app(timeout=0.5)
    receive, calls = slow_chunks(count=1000, interval=0.1)
    status, body, elapsed = run_http(app, path, receive, content_type)
    assert status == 408
    assert json.loads(body) == {"detail": "Request body not received in time"}
    assert 0.4 < elapsed < 2
    assert calls[0] < 15
    assert reached == []


def test_K1_bodies_in_time_and_the_default() -> None:
    """K1: a body that arrives in time is read whole; ``None`` (the default) waits as
    FastAPI does, leaving slow clients to the server and the proxy (docs/limits.md)."""
    for timeout in (5.0, None):
        app, reached = body_app(timeout=timeout)
        receive, _ = slow_chunks(count=10, interval=0.05)
        assert run_http(app, "/raw", receive, b"text/plain")[:2] == (200, b'{"length":10}')
        assert reached == ["raw"]
    assert Heron().body_read_timeout is None


def test_K3_request_bodies_are_never_decompressed() -> None:
    """aiohttp CVE-2025-69223 / CVE-2026-54278: request decompression bombs. Heron does
    not decode ``Content-Encoding`` on requests (its GZip middleware only compresses
    responses), so a gzip bomb stays its compressed size. The real-server twin is
    ``test_bad_input.py::test_request_body_with_content_encoding_is_not_decompressed``."""
    bomb = gzip.compress(b"\x00" * 10_000_000)
    app = api_app()  # /body answers the body's length, /json parses it
    headers = [(b"host", b"t"), (b"content-encoding", b"gzip")]
    result = call(app, "/body", method="POST", body=bomb, headers=headers)
    assert json.loads(result.body) == {"length": len(bomb)}
    result = call(
        app,
        "/json",
        method="POST",
        body=bomb,
        headers=[*headers, (b"content-type", b"application/json")],
    )
    assert_no_500(result)
    assert result.status == 400
    decoders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in sorted(SRC.rglob("*.py"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if re.search(r"decompress|GzipFile|brotli|zstd", line)
    ]
    assert decoders == [], decoders


# ================================================================ B1, F1. helpers for user input


@pytest.mark.parametrize(
    "name",
    [
        "/tmp/hax0rd.txt",
        "C:\\Windows\\hax0rd.txt",
        "C:/Windows/hax0rd.txt",
        "\\tmp\\hax0rd.txt",
        "/tmp\\hax0rd.txt",
        "subdir/hax0rd.txt",
        "subdir\\hax0rd.txt",
        "sub/dir\\hax0rd.txt",
        "../../hax0rd.txt",
        "..\\..\\hax0rd.txt",
        "../..\\hax0rd.txt",
        " ../ hax0rd.txt\x00",
        "..\\.hax0rd.txt",
    ],
)
def test_B1_safe_filename_keeps_only_the_base_name(name: str) -> None:
    """Django CVE-2021-28658 (``test_dangerous_file_names``): all reach ``hax0rd.txt``."""
    assert safe_filename(name) == "hax0rd.txt"


def test_B1_safe_filename_blank_and_overlong_names() -> None:
    """Django ``test_blank_filenames`` and ``test_filename_overflow``."""
    for blank in ("", None, "C:\\Windows\\", "/", "..", ".", " ", "\x00", "a/"):
        assert safe_filename(blank) is None, blank
    long_name = safe_filename("a" * 300 + ".txt")
    assert long_name == "a" * 251 + ".txt"
    accented = safe_filename("é" * 200 + ".jpeg")
    assert accented is not None and accented.endswith(".jpeg")
    assert len(accented.encode()) <= 255
    assert safe_filename("x" * 300) == "x" * 255


def test_B1_upload_names_through_an_endpoint(tmp_path: Path) -> None:
    """B1 end to end: the raw name arrives as sent (FastAPI's ``UploadFile.filename``), and
    ``safe_filename`` of it stays inside the upload directory."""
    app = Heron()

    @app.post("/upload")
    async def upload(file: UploadFile) -> dict[str, str | None]:
        safe = safe_filename(file.filename)
        if safe is not None:
            (tmp_path / safe).write_bytes(await file.read())
        return {"raw": file.filename, "safe": safe}

    client = TestClient(app)
    files = {"file": ("../../evil.sh", b"#!/bin/sh")}
    assert client.post("/upload", files=files).json() == {"raw": "../../evil.sh", "safe": "evil.sh"}
    assert [p.name for p in tmp_path.iterdir()] == ["evil.sh"]


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.com",
        "//evil.com",
        "\\\\evil.com",
        "/\\evil.com",
        " https://evil.com",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "http:evil.com",
        "https:/evil.com",
        "///evil.com",
        "https:///evil.com",
        "/\t/evil.com",
        "https://testserver@evil.com",
        "https://testserver.evil.com/",
        "data:text/html,<script>alert(1)</script>",
        "",
    ],
)
def test_F1_is_safe_url_refuses_other_hosts(url: str) -> None:
    """Django CVE-2018-14574, aiohttp CVE-2021-21330 (open redirects): every spelling of
    another host, or of a script, is unsafe."""
    assert not is_safe_url(url, ["testserver"])


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/account?tab=1#top",
        "account",
        "?page=2",
        "/%2F%2Fevil.com",
        "https://testserver/x",
        "HTTP://TestServer/x",
        "//testserver/x",
    ],
)
def test_F1_is_safe_url_accepts_this_site(url: str) -> None:
    """F1: relative URLs, and absolute ones on an allowed host (case-insensitive)."""
    assert is_safe_url(url, ["testserver"])


def test_F1_is_safe_url_options() -> None:
    """F1: the port is part of the host; ``https=True`` refuses plain http."""
    assert not is_safe_url("https://testserver:8443/", ["testserver"])
    assert is_safe_url("https://testserver:8443/", ["testserver:8443"])
    assert not is_safe_url("http://testserver/", ["testserver"], https=True)
    assert is_safe_url("https://testserver/", ["testserver"], https=True)
    assert is_safe_url("/relative", https=True)
    assert not is_safe_url("https://testserver/")  # no allowed hosts: relative only
