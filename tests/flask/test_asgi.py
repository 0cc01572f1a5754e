"""heron.flask served over ASGI: the worker thread, the body, streaming, real servers."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from heron import APIRouter
from heron.flask import Flask, request, session, stream_with_context
from heron.flask.asgi import BodyStream, environ_of
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
