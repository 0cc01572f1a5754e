"""The application: both route styles, errors, lifespan, middleware, sync handlers."""

from __future__ import annotations

import contextvars
import os
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from pydantic import BaseModel

from heron import BackgroundTasks, Heron, HTTPException, Request, Response
from heron.exceptions import HeronError, HTTPError
from heron.middleware import Middleware
from heron.responses import HTMLResponse, JSONResponse, PlainTextResponse, StreamingResponse
from heron.testclient import TestClient
from heron.types import Receive, Scope, Send


class Item(BaseModel):
    name: str
    price: float


class Payload(BaseModel):
    data: str


def test_hello_world_sync_handler_runs_in_a_thread() -> None:
    app = Heron()

    @app.get("/")
    def hello() -> dict[str, Any]:
        return {"message": "Hello, World!", "thread": threading.current_thread().name}

    @app.get("/loop")
    async def loop() -> str:
        return threading.current_thread().name

    with TestClient(app) as client:
        response = client.get("/")
        assert response.json()["message"] == "Hello, World!"
        assert response.json()["thread"] != client.get("/loop").json()


def test_fastapi_style_returns_are_json() -> None:
    app = Heron()

    @app.get("/str")
    async def text() -> str:
        return "hello"

    @app.get("/none")
    async def nothing() -> None:
        return None

    @app.post("/created", status_code=201)
    async def created() -> dict[str, bool]:
        return {"ok": True}

    @app.delete("/gone", status_code=204)
    async def gone() -> None:
        return None

    client = TestClient(app)
    assert client.get("/str").json() == "hello"
    assert client.get("/str").headers["content-type"] == "application/json"
    assert client.get("/none").json() is None
    response = client.post("/created")
    assert (response.status_code, response.json()) == (201, {"ok": True})
    response = client.delete("/gone")
    assert (response.status_code, response.content) == (204, b"")
    assert "content-length" not in response.headers


def test_flask_style_returns() -> None:
    app = Heron()

    @app.route("/html")
    def html() -> str:
        return "<b>hi</b>"

    @app.route("/json")
    def as_json() -> dict[str, int]:
        return {"a": 1}

    @app.route("/list")
    def as_list() -> list[int]:
        return [1, 2]

    @app.route("/tuple", methods=["POST"])
    def as_tuple() -> tuple[str, int]:
        return "made", 201

    @app.route("/tuple3")
    def as_tuple3() -> tuple[dict[str, str], int, dict[str, str]]:
        return {"x": "y"}, 202, {"X-Extra": "1"}

    @app.route("/headers")
    def with_headers() -> tuple[str, dict[str, str]]:
        return "ok", {"X-H": "v"}

    @app.route("/response")
    def response() -> Response:
        return PlainTextResponse("plain", status_code=203)

    client = TestClient(app)
    r = client.get("/html")
    assert (r.text, r.headers["content-type"]) == ("<b>hi</b>", "text/html; charset=utf-8")
    assert client.get("/json").json() == {"a": 1}
    assert client.get("/list").json() == [1, 2]
    r = client.post("/tuple")
    assert (r.status_code, r.text) == (201, "made")
    r = client.get("/tuple3")
    assert (r.status_code, r.json(), r.headers["x-extra"]) == (202, {"x": "y"}, "1")
    assert client.get("/headers").headers["x-h"] == "v"
    r = client.get("/response")
    assert (r.status_code, r.text) == (203, "plain")


def test_flask_style_none_is_a_server_error() -> None:
    app = Heron()

    @app.route("/")
    def nothing() -> None:
        return None

    with pytest.raises(HeronError, match="did not return a valid response"):
        TestClient(app).get("/")
    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert (response.status_code, response.text) == (500, "Internal Server Error")


def test_both_styles_in_one_app() -> None:
    app = Heron()

    @app.route("/page")
    def page() -> str:
        return "<p>page</p>"

    @app.get("/api")
    async def api() -> str:
        return "<p>json</p>"

    client = TestClient(app)
    assert client.get("/page").text == "<p>page</p>"
    assert client.get("/api").json() == "<p>json</p>"


def test_response_class_and_response_parameter() -> None:
    app = Heron()

    @app.get("/text", response_class=PlainTextResponse)
    async def text() -> str:
        return "plain"

    @app.get("/cookie")
    async def cookie(response: Response) -> dict[str, bool]:
        response.set_cookie("session", "abc", httponly=True)
        response.headers["x-custom"] = "1"
        response.status_code = 202
        return {"ok": True}

    client = TestClient(app)
    assert client.get("/text").headers["content-type"] == "text/plain; charset=utf-8"
    r = client.get("/cookie")
    assert r.status_code == 202
    assert r.headers["x-custom"] == "1"
    assert "HttpOnly" in r.headers["set-cookie"]
    assert client.cookies["session"] == "abc"


def test_background_tasks_run_after_response() -> None:
    app = Heron()
    done: list[str] = []

    @app.post("/send")
    async def send(tasks: BackgroundTasks) -> dict[str, int]:
        tasks.add_task(done.append, "sync")

        async def later(value: str) -> None:
            done.append(value)

        tasks.add_task(later, "async")
        return {"queued": len(done)}

    assert TestClient(app).post("/send").json() == {"queued": 0}
    assert done == ["sync", "async"]


def test_body_and_params_validation() -> None:
    app = Heron()

    @app.post("/items/{item_id}")
    async def create(item_id: int, item: Item, q: str | None = None) -> dict[str, Any]:
        return {"item_id": item_id, "item": item, "q": q}

    client = TestClient(app)
    r = client.post("/items/1?q=x", json={"name": "a", "price": 2})
    assert r.json() == {"item_id": 1, "item": {"name": "a", "price": 2.0}, "q": "x"}
    r = client.post("/items/x", json={"name": "a"})
    assert r.status_code == 422
    assert r.json() == {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["path", "item_id"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "x",
            },
            {
                "type": "missing",
                "loc": ["body", "price"],
                "msg": "Field required",
                "input": {"name": "a"},
            },
        ]
    }


def test_exception_handlers_by_class_and_status() -> None:
    class Teapot(Exception):
        pass

    app = Heron()

    @app.exception_handler(Teapot)
    async def teapot(request: Request, exc: Teapot) -> PlainTextResponse:
        return PlainTextResponse("I'm a teapot", status_code=418)

    @app.exception_handler(404)
    def not_found(request: Request, exc: HTTPException) -> HTMLResponse:
        return HTMLResponse(f"<h1>No {request.url.path}</h1>", status_code=404)

    @app.get("/tea")
    async def tea() -> None:
        raise Teapot()

    @app.get("/missing")
    async def missing() -> None:
        raise HTTPException(404, "gone")

    @app.get("/forbidden")
    async def forbidden() -> None:
        raise HTTPException(403, headers={"X-Why": "because"})

    client = TestClient(app)
    assert (client.get("/tea").status_code, client.get("/tea").text) == (418, "I'm a teapot")
    assert client.get("/nothing-here").text == "<h1>No /nothing-here</h1>"
    assert client.get("/missing").text == "<h1>No /missing</h1>"
    r = client.get("/forbidden")
    assert (r.status_code, r.json(), r.headers["x-why"]) == (
        403,
        {"detail": "Forbidden"},
        "because",
    )


def test_unhandled_error_is_a_plain_500_without_debug() -> None:
    app = Heron()

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("secret detail")

    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/boom")
    assert (r.status_code, r.text) == (500, "Internal Server Error")
    assert "secret" not in r.text
    with pytest.raises(ValueError, match="secret detail"):
        TestClient(app).get("/boom")


def test_debug_500_shows_traceback() -> None:
    app = Heron(debug=True)

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("visible detail")

    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/boom", headers={"accept": "text/html"})
    assert r.status_code == 500
    assert "<pre>" in r.text and "visible detail" in r.text
    r = client.get("/boom")
    assert "Traceback" in r.text and r.headers["content-type"].startswith("text/plain")


def test_500_handler() -> None:
    app = Heron(exception_handlers={500: lambda request, exc: JSONResponse({"oops": 1}, 500)})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError()

    r = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert (r.status_code, r.json()) == (500, {"oops": 1})


def test_lifespan_state_reaches_requests() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Heron) -> AsyncIterator[dict[str, Any]]:
        events.append("enter")
        yield {"db": "connected"}
        events.append("exit")

    app = Heron(lifespan=lifespan, on_startup=[lambda: events.append("startup")])

    @app.on_event("shutdown")
    async def shutdown() -> None:
        events.append("shutdown")

    @app.get("/")
    async def index(request: Request) -> str:
        return str(request.state.db)

    with TestClient(app) as client:
        assert client.get("/").json() == "connected"
        assert events == ["startup", "enter"]
    assert events == ["startup", "enter", "exit", "shutdown"]


def test_lifespan_failure_is_reported() -> None:
    @asynccontextmanager
    async def lifespan(app: Heron) -> AsyncIterator[None]:
        raise RuntimeError("cannot connect")
        yield  # type: ignore[unreachable]  # makes it a generator

    with pytest.raises(Exception, match="cannot connect"):
        with TestClient(Heron(lifespan=lifespan)):
            pass


def test_function_middleware_sees_and_changes_the_response() -> None:
    app = Heron()
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id")

    @app.middleware("http")
    async def add_header(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id.set("r-1")
        body = await request.body()  # read here, still readable by the handler
        response = await call_next(request)
        response.headers["x-body-length"] = str(len(body))
        return response

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        return {"body": (await request.body()).decode(), "request_id": request_id.get()}

    @app.post("/sync-echo")
    def sync_echo() -> str:
        return request_id.get()  # contextvars reach sync handlers in the thread pool too

    client = TestClient(app)
    r = client.post("/echo", content=b"hello")
    assert r.json() == {"body": "hello", "request_id": "r-1"}
    assert r.headers["x-body-length"] == "5"
    assert client.post("/sync-echo").json() == "r-1"


def test_function_middleware_keeps_streaming_and_background() -> None:
    app = Heron()
    events: list[str] = []

    @app.middleware("http")
    async def passthrough(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        events.append("middleware returned")
        return response

    @app.get("/stream")
    async def stream(tasks: BackgroundTasks) -> StreamingResponse:
        async def chunks() -> AsyncIterator[str]:
            for i in range(3):
                events.append(f"chunk {i}")
                yield f"{i},"

        tasks.add_task(events.append, "background")
        return StreamingResponse(chunks(), background=tasks)

    r = TestClient(app).get("/stream")
    assert r.text == "0,1,2,"
    # call_next returned after at most one chunk was produced: the body streamed through.
    assert events.index("middleware returned") < events.index("chunk 1")
    assert events[-1] == "background"


def test_function_middleware_can_short_circuit() -> None:
    app = Heron()

    @app.middleware("http")
    async def auth(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.headers.get("x-token") != "ok":
            return JSONResponse({"detail": "no"}, status_code=401)
        return await call_next(request)

    @app.get("/")
    async def index() -> str:
        return "yes"

    client = TestClient(app)
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"x-token": "ok"}).json() == "yes"


def test_function_middleware_error_in_handler_is_500() -> None:
    app = Heron()

    @app.middleware("http")
    async def passthrough(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        return await call_next(request)

    @app.get("/boom")
    async def boom() -> None:
        raise KeyError("x")

    assert TestClient(app, raise_server_exceptions=False).get("/boom").status_code == 500
    with pytest.raises(KeyError):
        TestClient(app).get("/boom")


def test_add_middleware_order_last_added_is_outermost() -> None:
    calls: list[str] = []

    class Tag:
        def __init__(self, app: Any, name: str) -> None:
            self.app, self.name = app, name

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                calls.append(self.name)
            await self.app(scope, receive, send)

    app = Heron(middleware=[Middleware(Tag, name="from-init")])
    app.add_middleware(Tag, name="inner")
    app.add_middleware(Tag, name="outer")

    @app.get("/")
    async def index() -> int:
        return 1

    client = TestClient(app)
    client.get("/")
    assert calls == ["outer", "inner", "from-init"]
    with pytest.raises(HeronError):
        app.add_middleware(Tag, name="late")


def test_max_body_size() -> None:
    app = Heron(max_body_size=10)

    @app.post("/")
    async def index(request: Request) -> int:
        return len(await request.body())

    @app.post("/model")
    async def model(payload: Payload) -> int:
        return len(payload.data)

    client = TestClient(app)
    assert client.post("/", content=b"x" * 10).json() == 10
    r = client.post("/", content=b"x" * 11)
    assert (r.status_code, r.json()) == (413, {"detail": "Request body is larger than 10 bytes"})
    assert client.post("/model", content=b'{"data": "xxxxxxxxxxxx"}').status_code == 413


def test_app_state_and_url_for_in_handlers() -> None:
    app = Heron()
    app.state.greeting = "hi"

    @app.get("/")
    async def index(request: Request) -> str:
        return f"{request.app.state.greeting} {request.app.url_for('index', page=2)}"

    assert TestClient(app).get("/").json() == "hi /?page=2"


# ---------------------------------------------------------------- HTTPError and HTTPException


def _error_app(handled: type[Exception]) -> TestClient:
    app = Heron()

    @app.exception_handler(handled)
    async def handler(request: Request, exc: HTTPError) -> PlainTextResponse:
        return PlainTextResponse(f"handled {exc.status_code}", status_code=exc.status_code)

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(418)

    return TestClient(app)


def test_an_httpexception_handler_sees_the_apps_errors_not_routings() -> None:
    # COMPAT(fastapi): the router raises the base class, as Starlette does under FastAPI.
    client = _error_app(HTTPException)
    assert client.get("/teapot").text == "handled 418"
    missing = client.get("/nowhere")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    assert client.post("/teapot").json() == {"detail": "Method Not Allowed"}


def test_an_httperror_handler_sees_every_http_error() -> None:
    client = _error_app(HTTPError)
    assert client.get("/teapot").text == "handled 418"
    assert client.get("/nowhere").text == "handled 404"
    assert client.post("/teapot").text == "handled 405"


def test_starlettes_httpexception_class_is_heron_httperror() -> None:
    # FastAPI's docs register the handler with Starlette's class; the import survives the
    # rename to Heron, and the handler must still see routing errors.
    from starlette.exceptions import HTTPException as StarletteHTTPException

    client = _error_app(StarletteHTTPException)
    assert client.get("/teapot").text == "handled 418"
    assert client.get("/nowhere").text == "handled 404"
    app = Heron(exception_handlers={StarletteHTTPException: lambda request, exc: None})
    assert HTTPError in app.exception_handlers
    assert StarletteHTTPException not in app.exception_handlers


# --------------------------------------------------------------------------- app.run, Flask's way


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What ``app.run()`` handed to ``uvicorn.run`` (nothing is served)."""
    calls: list[dict[str, Any]] = []

    def fake_run(app: Any, **options: Any) -> None:
        calls.append({"app": app, **options})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.delenv("HERON_RUN_FROM_CLI", raising=False)
    return calls


def test_run_takes_flasks_arguments(served: list[dict[str, Any]]) -> None:
    app = Heron()
    app.run("0.0.0.0", 5001, True, False, use_debugger=True, threaded=True, use_reloader=False)
    assert app.debug is True
    [call] = served
    assert call["app"] is app
    assert (call["host"], call["port"], call["log_level"], call["reload"]) == (
        "0.0.0.0",
        5001,
        "debug",
        False,
    )
    assert not {"use_debugger", "threaded", "use_reloader"} & set(call)


def test_run_defaults_and_fastapi_style_options(served: list[dict[str, Any]]) -> None:
    app = Heron()
    app.run(load_dotenv=False, log_level="warning", access_log=False)
    [call] = served
    assert (call["host"], call["port"], call["log_level"]) == ("127.0.0.1", 8000, "warning")
    assert call["access_log"] is False and app.debug is False
    Heron(debug=True).run(load_dotenv=False)
    assert served[1]["log_level"] == "debug"


def test_run_refuses_werkzeugs_reloader(served: list[dict[str, Any]]) -> None:
    with pytest.raises(HeronError, match="heron run module:app --reload"):
        Heron().run(load_dotenv=False, use_reloader=True)
    assert served == []


def test_run_under_the_heron_command_only_says_so(
    served: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HERON_RUN_FROM_CLI", "true")
    Heron().run(debug=True)
    assert served == []
    assert capsys.readouterr().err == (
        " * Ignoring a call to 'app.run()': the 'heron' command serves the app.\n"
    )


def test_run_loads_the_nearest_dotenv(
    served: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("HERON_TEST_FROM_DOTENV=loaded\nHERON_TEST_SET=dotenv\n")
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")  # found from a subdirectory, as Flask's
    monkeypatch.delenv("HERON_TEST_FROM_DOTENV", raising=False)
    monkeypatch.setenv("HERON_TEST_SET", "already")
    Heron().run(load_dotenv=False)
    assert "HERON_TEST_FROM_DOTENV" not in os.environ
    Heron().run()
    assert os.environ["HERON_TEST_FROM_DOTENV"] == "loaded"
    assert os.environ["HERON_TEST_SET"] == "already"  # what is set wins
    monkeypatch.delenv("HERON_TEST_FROM_DOTENV")


def test_run_without_python_dotenv_gives_a_tip(
    served: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / ".env").write_text("X=1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "dotenv", None)  # as if not installed
    Heron().run()
    assert "pip install python-dotenv" in capsys.readouterr().err
    assert len(served) == 1
