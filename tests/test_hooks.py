"""before_request / after_request / teardown_request on the app and on routers, request
checks, ``scope["route"]``; through the test client."""

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from heron import APIRouter, Form, Heron, HTTPException, Request, WebSocket
from heron.exceptions import HeronError
from heron.globals import abort, g, request
from heron.middleware.base import CallNext
from heron.middleware.hooks import AppHooks
from heron.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from heron.routing import Mount, Route
from heron.testclient import TestClient


def ordered_app() -> tuple[Heron, list[str]]:
    """An app including ``outer`` (prefix /o) including ``inner`` (prefix /i), every level
    with two hooks of each kind, all appending to one log."""
    log: list[str] = []
    app = Heron()
    outer = APIRouter(prefix="/o")
    inner = APIRouter(prefix="/i")
    for name, scope in (("app", app), ("outer", outer), ("inner", inner)):
        for n in (1, 2):

            def before(name: str = name, n: int = n) -> None:
                log.append(f"{name} before {n}")

            def after(response: Response, name: str = name, n: int = n) -> Response:
                log.append(f"{name} after {n}")
                return response

            def teardown(exc: BaseException | None, name: str = name, n: int = n) -> None:
                log.append(f"{name} teardown {n}")

            scope.before_request(before)
            scope.after_request(after)
            scope.teardown_request(teardown)

    @inner.get("/x")
    def endpoint() -> dict[str, str]:
        log.append("endpoint")
        return {"ok": "yes"}

    outer.include_router(inner)
    app.include_router(outer)
    return app, log


def test_flask_order_across_the_app_and_nested_routers() -> None:
    app, log = ordered_app()
    response = TestClient(app).get("/o/i/x")
    assert response.json() == {"ok": "yes"}
    assert log == [
        "app before 1",
        "app before 2",
        "outer before 1",
        "outer before 2",
        "inner before 1",
        "inner before 2",
        "endpoint",
        "inner after 2",
        "inner after 1",
        "outer after 2",
        "outer after 1",
        "app after 2",
        "app after 1",
        "inner teardown 2",
        "inner teardown 1",
        "outer teardown 2",
        "outer teardown 1",
        "app teardown 2",
        "app teardown 1",
    ]


def test_router_hooks_only_run_for_that_routers_routes() -> None:
    app, log = ordered_app()

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    assert TestClient(app).get("/plain").json() == "plain"
    assert log == [
        "app before 1",
        "app before 2",
        "app after 2",
        "app after 1",
        "app teardown 2",
        "app teardown 1",
    ]


@pytest.mark.parametrize(
    ("returned", "status", "body", "header"),
    [
        ("<b>stop</b>", 200, "<b>stop</b>", "text/html; charset=utf-8"),
        ({"stopped": True}, 200, '{"stopped":true}', "application/json"),
        (("nope", 401, {"WWW-Authenticate": "Bearer"}), 401, "nope", "text/html; charset=utf-8"),
        (PlainTextResponse("plain", status_code=503), 503, "plain", "text/plain; charset=utf-8"),
    ],
)
def test_a_before_hook_value_is_the_response(
    returned: Any, status: int, body: str, header: str
) -> None:
    app = Heron()
    called: list[str] = []

    @app.before_request
    async def stop() -> Any:
        return returned

    @app.after_request
    def after(response: Response) -> None:
        called.append(f"after {response.status_code}")

    @app.get("/")
    def endpoint() -> str:
        called.append("endpoint")
        return "endpoint"

    response = TestClient(app).get("/")
    assert (response.status_code, response.text, response.headers["content-type"]) == (
        status,
        body,
        header,
    )
    assert called == [f"after {status}"]  # the endpoint never ran; after hooks did


def test_exceptions_in_before_hooks_go_to_the_exception_handlers() -> None:
    app = Heron()

    class Banned(Exception):
        pass

    @app.exception_handler(Banned)
    async def banned(request: Request, exc: Banned) -> Response:
        return JSONResponse({"banned": True}, status_code=451)

    @app.before_request
    def guard(request: Request) -> None:
        if request.query_params.get("who") == "mallory":
            abort(403, "no", headers={"X-Why": "mallory"})
        if request.query_params.get("who") == "eve":
            raise Banned()

    @app.get("/")
    def endpoint() -> str:
        return "in"

    client = TestClient(app)
    assert client.get("/").json() == "in"
    forbidden = client.get("/?who=mallory")
    assert (forbidden.status_code, forbidden.json(), forbidden.headers["x-why"]) == (
        403,
        {"detail": "no"},
        "mallory",
    )
    assert client.get("/?who=eve").status_code == 451


def test_unhandled_exception_in_a_hook_is_a_500_and_teardown_sees_it() -> None:
    app = Heron()
    seen: list[Any] = []

    @app.before_request
    def broken() -> None:
        raise RuntimeError("hook broke")

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen.append(exc)

    @app.get("/")
    def endpoint() -> str:
        return "never"

    with pytest.raises(RuntimeError, match="hook broke"):
        TestClient(app).get("/")
    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    assert [type(e) for e in seen] == [RuntimeError, RuntimeError]


def test_teardown_gets_none_for_handled_errors_and_its_own_errors_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Heron()
    router = APIRouter()
    seen: list[Any] = []

    @router.teardown_request
    def record(request: Request, exc: BaseException | None) -> None:
        seen.append((request.url.path, exc))

    @router.teardown_request
    def explode(exc: BaseException | None) -> None:
        raise ValueError("teardown broke")

    @router.get("/missing")
    def missing() -> None:
        raise HTTPException(404, "gone")

    app.include_router(router)
    with caplog.at_level(logging.ERROR, logger="heron.hooks"):
        response = TestClient(app).get("/missing")
    assert response.status_code == 404
    assert seen == [("/missing", None)]
    assert "teardown_request hook" in caplog.text and "teardown broke" in caplog.text


def test_after_hooks_change_status_headers_and_cookies() -> None:
    app = Heron()

    @app.after_request
    def secure(response: Response) -> Response:
        response.headers["X-Frame-Options"] = "DENY"
        response.set_cookie("seen", "1", httponly=True)
        return response

    @app.after_request
    async def created(request: Request, response: Response) -> None:
        if request.method == "POST":
            response.status_code = 201
        del response.headers["x-internal"]

    @app.get("/")
    def endpoint() -> Response:
        return PlainTextResponse("hi", headers={"X-Internal": "secret"})

    @app.post("/things")
    def create() -> dict[str, int]:
        return {"id": 1}

    client = TestClient(app)
    got = client.get("/")
    assert got.text == "hi" and got.headers["x-frame-options"] == "DENY"
    assert "x-internal" not in got.headers
    assert got.headers["set-cookie"] == "seen=1; HttpOnly; Path=/; SameSite=lax"
    made = client.post("/things")
    assert (made.status_code, made.json(), made.headers["x-frame-options"]) == (
        201,
        {"id": 1},
        "DENY",
    )
    assert client.get("/nowhere").headers["x-frame-options"] == "DENY"  # the 404 too


def test_after_hooks_see_validation_errors() -> None:
    app = Heron()
    statuses: list[int] = []

    @app.after_request
    def record(response: Response) -> None:
        statuses.append(response.status_code)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> int:
        return item_id

    assert TestClient(app).get("/items/nan").status_code == 422
    assert statuses == [422]


def numbers() -> Iterator[bytes]:
    for n in range(3):
        yield f"{n}\n".encode()


def test_after_hooks_on_streaming_and_file_responses(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(b"file body")
    app = Heron()

    @app.after_request
    def tag(response: Response) -> Response:
        response.headers["X-Tag"] = "tagged"
        return response

    @app.get("/stream")
    def stream() -> Response:
        return StreamingResponse(numbers(), media_type="text/plain")

    @app.get("/file")
    def file() -> Response:
        return FileResponse(path)

    client = TestClient(app)
    streamed = client.get("/stream")
    assert (streamed.text, streamed.headers["x-tag"]) == ("0\n1\n2\n", "tagged")
    sent = client.get("/file")
    assert (sent.content, sent.headers["x-tag"]) == (b"file body", "tagged")
    assert sent.headers["content-length"] == "9"


def test_an_after_hook_may_replace_the_response(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_bytes(b"top secret " * 1000)
    app = Heron()
    router = APIRouter(prefix="/r")

    @router.after_request
    def censor(response: Response) -> Response:
        if response.status_code == 200:
            return PlainTextResponse("censored", status_code=451, headers={"X-By": "router"})
        return response

    @app.after_request
    def outer(response: Response) -> None:
        response.headers["X-Outer"] = str(response.status_code)  # sees the replacement

    @router.get("/stream")
    def stream() -> Response:
        return StreamingResponse(numbers())

    @router.get("/file")
    def file() -> Response:
        return FileResponse(path)

    @router.get("/json")
    def data() -> dict[str, str]:
        return {"secret": "x"}

    app.include_router(router)
    client = TestClient(app)
    for url in ("/r/stream", "/r/file", "/r/json"):
        response = client.get(url)
        assert (response.status_code, response.text) == (451, "censored"), url
        assert response.headers["x-by"] == "router" and response.headers["x-outer"] == "451"
        assert response.headers["content-length"] == "8"
    head = client.head("/r/json")
    assert (head.status_code, head.content) == (451, b"")


def test_the_body_is_not_available_in_after_hooks() -> None:
    app = Heron()

    @app.after_request
    def read_body(response: Response) -> Response:
        assert response.body == b"never"
        return response

    @app.get("/")
    def endpoint() -> str:
        return "x"

    with pytest.raises(HeronError, match=r"response\.body is not available"):
        TestClient(app).get("/")


def test_a_failing_after_hook_gives_a_500_once() -> None:
    app = Heron()
    calls: list[int] = []

    @app.after_request
    def broken(response: Response) -> str:
        calls.append(response.status_code)
        return "not a response"

    @app.get("/")
    def endpoint() -> str:
        return "x"

    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    assert calls == [200]  # the 500 is sent without running the hook again
    with pytest.raises(HeronError, match="returned str"):
        TestClient(app).get("/")


@pytest.mark.parametrize("with_middleware", [False, True])
def test_after_hooks_see_the_500_page(with_middleware: bool) -> None:
    app = Heron()
    if with_middleware:

        @app.middleware("http")
        async def passthrough(request: Request, call_next: CallNext) -> Response:
            return await call_next(request)

    statuses: list[int] = []
    errors: list[Any] = []

    @app.after_request
    def record(response: Response) -> None:
        statuses.append(response.status_code)
        response.headers["X-Request-Id"] = "abc"

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        errors.append(exc)

    @app.get("/")
    def boom() -> None:
        raise ZeroDivisionError("boom")

    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert (response.status_code, response.headers["x-request-id"]) == (500, "abc")
    assert statuses == [500]
    assert [type(e) for e in errors] == [ZeroDivisionError]


def test_sync_hooks_use_the_request_and_g_globals() -> None:
    app = Heron()

    @app.before_request
    def load_user() -> None:
        g.user = request.headers.get("x-user", "anonymous")

    @app.after_request
    def echo_user(response: Response) -> Response:
        response.headers["X-User"] = g.user
        return response

    @app.get("/me")
    def me() -> dict[str, str]:
        return {"user": g.user}

    @app.get("/async-me")
    async def async_me(request: Request) -> dict[str, str]:
        return {"user": request.state.user}

    client = TestClient(app)
    for url in ("/me", "/async-me"):
        response = client.get(url, headers={"X-User": "ann"})
        assert response.json() == {"user": "ann"} and response.headers["x-user"] == "ann"
    assert client.get("/me").json() == {"user": "anonymous"}


def test_request_checks_run_first_and_raise_http_errors() -> None:
    app = Heron()
    log: list[str] = []

    async def check(request: Request) -> None:
        log.append("check")
        if request.method == "POST" and request.headers.get("x-token") != "ok":
            raise HTTPException(403, "bad token")

    app.request_checks.append(check)

    @app.before_request
    def before() -> None:
        log.append("before")

    @app.post("/")
    def endpoint() -> str:
        return "posted"

    client = TestClient(app)
    refused = client.post("/")
    assert (refused.status_code, refused.json()) == (403, {"detail": "bad token"})
    assert log == ["check"]
    assert client.post("/", headers={"X-Token": "ok"}).json() == "posted"
    assert log == ["check", "check", "before"]


def test_a_body_read_by_a_hook_is_there_for_the_endpoint() -> None:
    app = Heron()
    seen: list[Any] = []

    async def check(request: Request) -> None:
        if request.headers.get("content-type", "").startswith("application/json"):
            seen.append(await request.json())
        else:
            seen.append((await request.form()).get("csrf"))

    app.request_checks.append(check)

    @app.post("/json")
    def create(item: dict[str, int]) -> dict[str, int]:
        return item

    @app.post("/form")
    def submit(name: str = Form(), csrf: str = Form()) -> dict[str, str]:
        return {"name": name, "csrf": csrf}

    client = TestClient(app)
    assert client.post("/json", json={"a": 1}).json() == {"a": 1}
    assert client.post("/form", data={"name": "Ann", "csrf": "t0k"}).json() == {
        "name": "Ann",
        "csrf": "t0k",
    }
    files = {"upload": ("a.txt", b"content")}
    multipart = client.post("/form", data={"name": "Bo", "csrf": "m"}, files=files)
    assert multipart.json() == {"name": "Bo", "csrf": "m"}
    assert seen == [{"a": 1}, "t0k", "m"]


def test_route_is_known_to_hooks_and_in_the_scope() -> None:
    app = Heron()
    seen: list[str] = []

    @app.before_request
    async def record(request: Request) -> None:
        route = request.scope.get("route")
        seen.append(route.path if route is not None else "-")

    @app.get("/users/{user_id}")
    def user(user_id: int, request: Request) -> str:
        return str(request.scope["route"].path)

    client = TestClient(app)
    assert client.get("/users/3").json() == "/users/{user_id}"
    assert seen == ["/users/{user_id}"]


def test_scope_route_on_the_general_path() -> None:
    def inner(request: Request) -> Response:
        return PlainTextResponse(request.scope["route"].path)

    sub = Heron()
    sub.add_route("/leaf", inner)
    app = Heron()
    app.mount("/sub", sub)

    @app.get("/after")
    def after(request: Request) -> str:
        return str(request.scope["route"].path)

    client = TestClient(app)
    assert client.get("/after").json() == "/after"
    assert client.get("/sub/leaf").text == "/leaf"  # the innermost router's route


def test_no_hooks_no_layer_and_registering_later_rebuilds() -> None:
    app = Heron()

    @app.get("/")
    def endpoint() -> str:
        return "x"

    client = TestClient(app)
    assert client.get("/").json() == "x"
    assert app.middleware_stack is app.router  # the fast path stays
    calls: list[str] = []

    @app.before_request
    def late() -> None:
        calls.append("late")

    app = app  # NOTE: forget mypy's narrowing of app.middleware_stack (before_request reset it)
    assert app.middleware_stack is None
    assert client.get("/").json() == "x"
    app = app  # NOTE: forget mypy's narrowing again (the request rebuilt the stack)
    assert isinstance(app.middleware_stack, AppHooks) and calls == ["late"]


def test_a_router_hook_registered_after_the_inclusion_applies() -> None:
    app = Heron()
    router = APIRouter()

    @router.get("/r")
    def endpoint() -> str:
        return "x"

    app.include_router(router)
    client = TestClient(app)
    assert "x-late" not in client.get("/r").headers

    @router.after_request
    def late(response: Response) -> None:
        response.headers["X-Late"] = "yes"

    assert client.get("/r").headers["x-late"] == "yes"


def test_websocket_and_lifespan_pass_through() -> None:
    events: list[str] = []
    app = Heron(on_startup=[lambda: events.append("startup")])
    router = APIRouter()

    @app.before_request
    def before() -> None:
        events.append("app before")

    @router.before_request
    def router_before() -> None:
        events.append("router before")

    @router.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    app.include_router(router)
    with TestClient(app) as client, client.websocket_connect("/ws") as session:
        assert session.receive_text() == "hello"
    assert events == ["startup"]


def test_hooks_on_a_starlette_style_route_and_a_mount_of_a_router() -> None:
    app = Heron()
    router = APIRouter()
    seen: list[str] = []

    @router.before_request
    def before(request: Request) -> None:
        seen.append(request.url.path)

    async def plain(request: Request) -> Response:
        return PlainTextResponse("plain")

    async def leaf(scope: Any, receive: Any, send: Any) -> None:
        await PlainTextResponse("mounted")(scope, receive, send)

    router.add_route(Route("/plain", plain))
    router.add_route(Mount("/files", app=leaf))
    app.include_router(router, prefix="/r")
    client = TestClient(app)
    assert client.get("/r/plain").text == "plain"
    assert client.get("/r/files/a.txt").text == "mounted"
    assert seen == ["/r/plain", "/r/files/a.txt"]
