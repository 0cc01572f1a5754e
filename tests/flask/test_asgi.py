"""heron.flask served over ASGI: the worker thread, the body, streaming, real servers."""

from __future__ import annotations

import concurrent.futures
import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from asgi_calls import HOST, http_scope, record
from heron import APIRouter
from heron.flask import Flask, request, session, stream_with_context, url_for
from heron.flask.asgi import BodyStream, environ_of
from heron.types import Message, Receive
from servers import serve

pytestmark = pytest.mark.anyio


def client(app: Flask) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def make_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "secret"

    @app.route("/", methods=["GET", "POST"])
    def index() -> Any:
        if request.method == "POST":
            session["user"] = request.form["user"]
            return {"saved": request.form["user"], "files": sorted(request.files)}
        return {"user": session.get("user"), "args": request.args.to_dict()}

    @app.route("/json", methods=["POST"])
    async def json_view() -> Any:
        # An async view reads the body synchronously too: it is read before the view runs.
        return {"got": request.get_json(), "data": request.get_data(as_text=True)}

    @app.route("/stream")
    def stream() -> Any:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield "path="
            yield request.path
            yield ";"

        return generate()

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    return app


async def test_a_view_reads_the_form_synchronously_and_the_session_round_trips() -> None:
    async with client(make_app()) as c:
        posted = await c.post("/", data={"user": "ann"})
        assert posted.status_code == 200
        assert posted.json() == {"saved": "ann", "files": []}
        assert "session=" in posted.headers["set-cookie"]
        read = await c.get("/?q=1")
    assert read.json() == {"user": "ann", "args": {"q": "1"}}


async def test_multipart_files_reach_request_files() -> None:
    async with client(make_app()) as c:
        response = await c.post("/", data={"user": "bo"}, files={"doc": ("a.txt", b"hi")})
    assert response.json() == {"saved": "bo", "files": ["doc"]}


async def test_an_async_view_reads_json_and_the_raw_body() -> None:
    async with client(make_app()) as c:
        response = await c.post("/json", json={"k": [1, 2]})
    assert response.json() == {"got": {"k": [1, 2]}, "data": '{"k":[1,2]}'}


async def test_a_streamed_body_keeps_its_request_context() -> None:
    async with client(make_app()) as c:
        response = await c.get("/stream")
    assert response.status_code == 200
    assert response.text == "path=/stream;"


async def test_a_body_over_the_limit_is_a_413_page_not_a_500() -> None:
    app = make_app()
    app.max_body_size = 1024
    async with client(app) as c:
        response = await c.post("/", data={"user": "x" * 5000})
    assert response.status_code == 413
    assert "Request Entity Too Large" in response.text


async def test_flask_form_limits_apply_over_asgi() -> None:
    app = make_app()
    app.config["MAX_FORM_PARTS"] = 3
    async with client(app) as c:
        response = await c.post(
            # Parts without a file name: no temporary file is left to the garbage collector.
            "/",
            files={f"f{i}": (None, b"x") for i in range(5)},
            data={"user": "u"},
        )
    assert response.status_code == 413


async def test_an_unhandled_error_is_flasks_500_page() -> None:
    async with client(make_app()) as c:
        response = await c.get("/boom")
    assert response.status_code == 500
    assert "Internal Server Error" in response.text


async def test_in_testing_mode_the_error_propagates_after_a_plain_500() -> None:
    app = make_app()
    app.testing = True
    async with client(app) as c:
        with pytest.raises(RuntimeError, match="boom"):
            await c.get("/boom")


async def test_a_forged_session_cookie_gives_an_empty_session() -> None:
    async with client(make_app()) as c:
        c.cookies.set("session", "eyJ1c2VyIjoiZXZlIn0.forged.sig")
        response = await c.get("/")
    assert response.json()["user"] is None


async def test_wsgi_middleware_wrapping_wsgi_app_runs() -> None:
    app = make_app()

    @app.route("/where")
    def where() -> dict[str, str]:
        return {"remote": request.remote_addr or "", "scheme": request.scheme}

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    async with client(app) as c:
        response = await c.get(
            "/where", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
        )
    assert response.json() == {"remote": "203.0.113.9", "scheme": "https"}


async def test_heron_style_routes_and_flask_rules_share_one_app() -> None:
    app = make_app()
    router = APIRouter()

    @router.get("/api/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    app.include_router(router)
    async with client(app) as c:
        typed = await c.get("/api/items/3")
        invalid = await c.get("/api/items/x")
        flask_rule = await c.get("/?a=b")
    assert typed.json() == {"item_id": 3}
    assert invalid.status_code == 422
    assert flask_rule.json() == {"user": None, "args": {"a": "b"}}


async def test_head_has_headers_and_no_body() -> None:
    async with client(make_app()) as c:
        response = await c.head("/")
    assert response.status_code == 200
    assert response.content == b""


def test_environ_drops_header_names_with_underscores() -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/p/é",
        "root_path": "",
        "query_string": b"a=1",
        "headers": [
            (b"x-forwarded-for", b"1.1.1.1"),
            (b"x_forwarded_for", b"6.6.6.6"),
            (b"cookie", b"a=1"),
            (b"cookie", b"b=2"),
            (b"accept", b"text/html"),
            (b"accept", b"*/*"),
            (b"content-type", b"text/plain"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    environ = environ_of(scope, None)
    assert environ["HTTP_X_FORWARDED_FOR"] == "1.1.1.1"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["HTTP_ACCEPT"] == "text/html,*/*"
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["PATH_INFO"] == "/p/é".encode().decode("latin-1")
    assert environ["REMOTE_ADDR"] == "127.0.0.1"


def test_the_body_cannot_be_read_outside_the_request_thread() -> None:
    async def receive() -> dict[str, Any]:  # pragma: no cover - never reached
        return {"type": "http.request", "body": b""}

    body = BodyStream(receive, {"type": "http", "headers": []}, None)
    with pytest.raises(RuntimeError, match="worker thread"):
        body.read()


# ---------------------------------------------------------------- real servers


def test_context_globals_never_leak_between_concurrent_requests() -> None:
    with serve("apps_flask:app") as server:
        base = server.base_url

        def fetch(i: int) -> dict[str, Any]:
            with httpx.Client(base_url=base, timeout=20) as c:
                response = c.get("/whoami", params={"name": f"user{i}"})
                assert response.status_code == 200
                return dict(response.json(), expected=f"user{i}")

        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(fetch, range(200)))
    for result in results:
        assert result["arg"] == result["g"] == result["session"] == result["expected"]
        assert result["path"] == f"/whoami?name={result['expected']}"
    # They really ran side by side, in worker threads.
    assert len({result["thread"] for result in results}) > 1


def test_a_blocking_view_does_not_stall_async_routes() -> None:
    with serve("apps_flask:app") as server:
        with httpx.Client(base_url=server.base_url, timeout=20) as c:
            with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
                slow = [pool.submit(c.get, "/slow") for _ in range(3)]
                time.sleep(0.2)
                started = time.monotonic()
                fast = c.get("/fast")
                elapsed = time.monotonic() - started
                assert all(f.result().text == "slow" for f in slow)
    assert fast.text == "fast"
    assert elapsed < 1.0


def test_uvicorn_serves_the_app_and_reads_a_multipart_body() -> None:
    with serve("apps_flask:app") as server:
        with httpx.Client(base_url=server.base_url, timeout=20) as c:
            response = c.post("/echo", data={"a": "1"}, files={"up": ("u.bin", b"\x00" * 70000)})
    assert response.json() == {"form": {"a": "1"}, "files": ["up"]}


async def test_a_small_body_refused_before_the_view_is_refused_when_the_view_reads_it() -> None:
    app = make_app()
    app.max_body_size = 10
    async with client(app) as c:
        refused = await c.post("/", data={"user": "x" * 100})
        unread = await c.get("/", headers={"content-length": "100"})
    assert refused.status_code == 413
    # A view that never reads the body is not refused for it (as in Flask).
    assert unread.status_code == 200


async def test_deeply_nested_json_is_a_400_not_a_500() -> None:
    app = make_app()
    deep = "[" * 100_000 + "]" * 100_000
    async with client(app) as c:
        response = await c.post("/json", content=deep, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "Bad Request" in response.text


def test_deeply_nested_json_with_silent_is_none() -> None:
    app = make_app()
    with app.test_request_context("/", data="[" * 100_000, content_type="application/json"):
        assert request.get_json(silent=True) is None


# ---------------------------------------------------------------- WSGI edges over ASGI


def raw_body(messages: list[Message]) -> bytes:
    """The body of the ``http.response.body`` messages an app sent."""
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


def status_of(messages: list[Message]) -> int:
    start = next(m for m in messages if m["type"] == "http.response.start")
    return int(start["status"])


async def test_a_middleware_streaming_its_own_body() -> None:
    app = make_app()
    inner = app.wsgi_app

    def shouting(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        # A generator: start_response runs at its first iteration, not when it is called.
        for chunk in inner(environ, start_response):
            yield chunk.upper()

    app.wsgi_app = shouting  # type: ignore[method-assign]
    async with client(app) as c:
        streamed = await c.get("/stream")
        buffered = await c.get("/?q=x")
    assert (streamed.status_code, streamed.text) == (200, "PATH=/STREAM;")
    assert buffered.text == '{"ARGS":{"Q":"X"},"USER":NULL}\n'


async def test_a_wsgi_app_writing_through_start_response() -> None:
    app = make_app()

    def writer(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        write = start_response("201 Created", [("Content-Type", "text/plain")])
        write(b"written ")
        yield b"then "
        yield b"yielded"

    app.wsgi_app = writer  # type: ignore[method-assign]
    async with client(app) as c:
        response = await c.get("/")
    assert (response.status_code, response.text) == (201, "written then yielded")
    assert response.headers["content-type"] == "text/plain"


async def test_a_wsgi_app_returning_a_list() -> None:
    app = make_app()

    def listing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"<")
        return [b"a", b"b"]

    app.wsgi_app = listing  # type: ignore[method-assign]
    async with client(app) as c:
        response = await c.get("/")
    assert response.text == "<ab"


async def test_an_empty_streamed_body_and_empty_chunks() -> None:
    app = make_app()
    closed: list[str] = []

    @app.route("/empty")
    def empty() -> Any:
        def nothing() -> Iterator[bytes]:
            try:
                yield from ()
            finally:
                closed.append("empty")

        return app.response_class(nothing(), mimetype="text/plain")

    @app.route("/gaps")
    def gaps() -> Any:
        return app.response_class(iter([b"", b"a", b"", b"b", b""]), mimetype="text/plain")

    messages = await record(app, http_scope("/empty"))
    assert (status_of(messages), raw_body(messages)) == (200, b"")
    assert closed == ["empty"]
    # After the first (sent with the headers), empty chunks are not sent as messages.
    gaps_messages = await record(app, http_scope("/gaps"))
    assert raw_body(gaps_messages) == b"ab"
    assert [m.get("body") for m in gaps_messages[1:]] == [b"", b"a", b"b", b""]


async def test_a_streamed_body_that_fails_midway() -> None:
    app = make_app()
    closed: list[str] = []

    @app.route("/fails")
    def fails() -> Any:
        def generate() -> Iterator[str]:
            try:
                yield "first;"
                yield "second;"
                raise RuntimeError("midway")
            finally:
                closed.append("closed")

        return generate()

    sent: list[Message] = []
    with pytest.raises(RuntimeError, match="midway"):
        await record(app, http_scope("/fails"), sent=sent)
    # The status went out with the first chunk; the body stops where the error was.
    assert status_of(sent) == 200
    assert raw_body(sent) == b"first;second;"
    assert sent[-1].get("more_body") is True
    assert closed == ["closed"]


async def test_start_response_again_with_an_error_after_headers() -> None:
    app = make_app()

    def failing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("after the headers")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"unreachable"]  # pragma: no cover - start_response raised

    app.wsgi_app = failing  # type: ignore[method-assign]
    sent: list[Message] = []
    with pytest.raises(ValueError, match="after the headers"):
        await record(app, http_scope("/"), sent=sent)
    assert (status_of(sent), raw_body(sent)) == (500, b"Internal Server Error")


async def test_start_response_with_exc_info_first_is_an_error_page() -> None:
    app = make_app()

    def error_page(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        try:
            raise ValueError("before any headers")
        except ValueError:
            start_response("503 Service Unavailable", [("Retry-After", "5")], sys.exc_info())
        return [b"later"]

    app.wsgi_app = error_page  # type: ignore[method-assign]
    messages = await record(app, http_scope("/"))
    assert (status_of(messages), raw_body(messages)) == (503, b"later")


# ---------------------------------------------------------------- the request body


async def test_the_body_read_as_a_stream() -> None:
    app = make_app()

    @app.route("/lines", methods=["POST"])
    def lines() -> Any:
        stream: Any = request.stream
        first = stream.readline()
        buffer = bytearray(4)
        size = stream.readinto(buffer)
        return {
            "readable": stream.readable(),
            "first": first.decode(),
            "four": bytes(buffer[:size]).decode(),
            "rest": stream.read().decode(),
        }

    # No Content-Length: nothing is read before the view asks.
    scope = http_scope("/lines", "POST", headers=[HOST, (b"transfer-encoding", b"chunked")])
    messages = await record(app, scope, b"line one\nabcdefg")
    assert json.loads(raw_body(messages)) == {
        "readable": True,
        "first": "line one\n",
        "four": "abcd",
        "rest": "efg",
    }


def disconnecting_receive() -> Receive:
    async def receive() -> Message:
        return {"type": "http.disconnect"}

    return receive


@pytest.mark.parametrize("length", [None, b"10"], ids=["read-by-the-view", "prefetched"])
async def test_a_client_gone_while_the_body_is_read_is_a_400(length: bytes | None) -> None:
    app = make_app()
    headers = [HOST, (b"content-type", b"application/x-www-form-urlencoded")]
    if length is not None:
        headers.append((b"content-length", length))
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await app(http_scope("/", "POST", headers=headers), disconnecting_receive(), send)
    assert status_of(sent) == 400
    assert b"Bad Request" in raw_body(sent)


async def test_a_client_gone_before_an_unread_body_is_no_error() -> None:
    app = make_app()
    headers = [HOST, (b"content-length", b"10")]
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await app(http_scope("/", "GET", headers=headers), disconnecting_receive(), send)
    assert status_of(sent) == 200


async def test_a_body_slower_than_body_read_timeout_is_a_408() -> None:
    app = make_app()
    app.body_read_timeout = 0.05
    sent: list[Message] = []
    arrived = anyio.Event()

    async def receive() -> Message:
        await arrived.wait()  # never set: the body does not arrive in time
        return {"type": "http.request", "body": b""}  # pragma: no cover - never set

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [HOST, (b"content-type", b"application/x-www-form-urlencoded")]
    with anyio.fail_after(5):
        await app(http_scope("/", "POST", headers=headers), receive, send)
    assert status_of(sent) == 408
    assert b"Request Timeout" in raw_body(sent)


# ---------------------------------------------------------------- the environ


async def test_a_root_path_is_the_script_name() -> None:
    app = make_app()

    @app.route("/where")
    def where() -> dict[str, str]:
        return {"root": request.script_root, "path": request.path, "url": url_for("where")}

    messages = await record(app, http_scope("/mounted/where", root_path="/mounted"))
    assert json.loads(raw_body(messages)) == {
        "root": "/mounted",
        "path": "/where",
        "url": "/mounted/where",
    }


async def test_a_scope_without_a_client() -> None:
    app = make_app()

    @app.route("/who")
    def who() -> dict[str, Any]:
        return {"addr": request.remote_addr, "port": request.environ.get("REMOTE_PORT")}

    messages = await record(app, http_scope("/who", client=None))
    assert json.loads(raw_body(messages)) == {"addr": None, "port": None}


# ---------------------------------------------------------------- Flask rules and Heron routes


async def test_flask_rules_answer_their_redirects_and_405s_beside_heron_routes() -> None:
    app = make_app()

    @app.route("/items/")
    def items() -> str:
        return "items"

    router = APIRouter()

    @router.get("/api/ping")
    async def ping() -> dict[str, str]:
        return {"ping": "pong"}

    @router.get("/api/other")
    async def other() -> dict[str, str]:  # pragma: no cover - never requested
        return {}

    app.include_router(router)
    async with client(app) as c:
        redirect = await c.get("/items")
        not_allowed = await c.post("/items/")
        missing = await c.get("/nowhere")
        pong = await c.get("/api/ping")
    # Werkzeug's slash redirect and 405, Flask's 404 page: the Flask side answered.
    assert (redirect.status_code, redirect.headers["location"]) == (308, "http://testserver/items/")
    assert not_allowed.status_code == 405
    assert "GET" in not_allowed.headers["allow"]
    assert missing.status_code == 404
    assert "<title>404 Not Found</title>" in missing.text
    assert pong.json() == {"ping": "pong"}
