"""Route handlers (``heron.handlers``): the entry each route gets, and the steps every
entry runs (solve → call → serialize → respond), seen from the client.

The routing and parameter suites cover what each step produces in detail; these tests pin
the pipeline itself: which entry a route is served by, that every entry answers errors the
same way, where exit stacks close, and the Starlette-style and route-class entries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from heron import BackgroundTasks, Depends, Form, Heron, HTTPException, Request, Response
from heron.exceptions import HeronError
from heron.handlers import APIHandler, request_response, route_handler_app
from heron.responses import JSONResponse, PlainTextResponse, make_response
from heron.routing import APIRoute, APIRouter, Route
from heron.testclient import TestClient


def _handler(app: Heron, path: str) -> APIHandler:
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path == path:
            return route.handler
    raise LookupError(path)


class Item(BaseModel):
    name: str


def test_each_route_gets_its_entry_when_it_is_built() -> None:
    app = Heron()

    def dependency() -> int:
        return 1

    def with_cleanup() -> Iterator[int]:
        yield 1

    @app.get("/bare")
    async def bare() -> str:
        return "bare"

    @app.post("/flat/{item_id}")
    async def flat(item_id: int, item: Item, q: str = "") -> dict[str, Any]:
        return {}

    @app.get("/depends")
    async def depends(value: int = Depends(dependency)) -> int:
        return value

    @app.get("/request")
    async def takes_request(request: Request) -> str:
        return request.url.path

    @app.get("/yield")
    async def yields(value: int = Depends(with_cleanup)) -> int:
        return value

    @app.post("/form")
    async def form(name: Annotated[str, Form()]) -> str:
        return name

    served_by = {
        path: _handler(app, path).app.__name__
        for path in ("/bare", "/flat/{item_id}", "/depends", "/request", "/yield", "/form")
    }
    assert served_by == {
        "/bare": "serve_flat",
        "/flat/{item_id}": "serve_flat",
        "/depends": "serve",
        "/request": "serve",
        "/yield": "serve_in_stacks",
        "/form": "serve_in_stacks",
    }
    # The route calls the chosen entry itself: no dispatch on each request.
    route = next(r for r in app.routes if isinstance(r, APIRoute) and r.path == "/bare")
    assert route.app == _handler(app, "/bare").app


@pytest.mark.parametrize("path", ["/flat", "/depends", "/stacks"])
def test_every_entry_answers_errors_through_the_exception_handlers(path: str) -> None:
    app = Heron()
    seen: list[str] = []

    @app.exception_handler(LookupError)
    async def lookup(request: Request, exc: LookupError) -> Response:
        seen.append(request.url.path)
        return JSONResponse({"missing": str(exc)}, status_code=404)

    def dependency() -> int:
        return 1

    def cleanup() -> Iterator[int]:
        yield 1

    @app.get("/flat")
    async def flat(q: int = 0) -> None:
        raise LookupError("flat")

    @app.get("/depends")
    async def depends(value: int = Depends(dependency)) -> None:
        raise LookupError("depends")

    @app.get("/stacks")
    async def stacks(value: int = Depends(cleanup)) -> None:
        raise LookupError("stacks")

    response = TestClient(app).get(path)
    assert (response.status_code, response.json()) == (404, {"missing": path[1:]})
    assert seen == [path]


def test_invalid_input_is_422_on_every_entry() -> None:
    app = Heron()

    def dependency(token: str) -> str:
        return token

    @app.get("/flat")
    async def flat(n: int) -> int:
        return n

    @app.get("/depends")
    async def depends(n: int, token: str = Depends(dependency)) -> int:
        return n

    client = TestClient(app)
    flat_errors = client.get("/flat", params={"n": "x"}).json()["detail"]
    assert [e["loc"] for e in flat_errors] == [["query", "n"]]
    depends_errors = client.get("/depends", params={"n": "x"}).json()["detail"]
    # Every part's errors at once: the dependency's missing token and the bad n.
    assert sorted(tuple(e["loc"]) for e in depends_errors) == [("query", "n"), ("query", "token")]


def test_a_flat_route_reads_a_body_a_request_check_already_read() -> None:
    app = Heron()
    read_by_check: list[bytes] = []

    async def peek(request: Request) -> None:
        read_by_check.append(await request.body())

    app.request_checks.append(peek)

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    assert _handler(app, "/items").app.__name__ == "serve_flat"
    response = TestClient(app).post("/items", json={"name": "pen"})
    assert response.json() == {"name": "pen"}
    assert read_by_check == [b'{"name":"pen"}']


def test_head_gets_the_length_of_get_and_no_body() -> None:
    app = Heron()

    @app.get("/text", response_class=PlainTextResponse)
    async def text() -> str:
        return "hello"

    @app.get("/json")
    async def json_body() -> dict[str, str]:
        return {"a": "b"}

    client = TestClient(app)
    for path, length in (("/text", 5), ("/json", 9)):
        response = client.head(path)
        assert (response.status_code, response.content) == (200, b"")
        assert response.headers["content-length"] == str(length)


def test_no_body_statuses_send_no_body() -> None:
    app = Heron()

    @app.delete("/items/{item_id}", status_code=204)
    async def delete(item_id: int) -> None:
        return None

    response = TestClient(app).delete("/items/3")
    assert (response.status_code, response.content) == (204, b"")
    assert "content-length" not in response.headers


def test_a_dependency_sets_status_and_headers_of_the_response() -> None:
    app = Heron()

    def mark(response: Response) -> None:
        response.headers["X-Marked"] = "yes"
        response.status_code = 201

    @app.post("/items", dependencies=[Depends(mark)])
    async def create(item: Item) -> Item:
        return item

    response = TestClient(app).post("/items", json={"name": "pen"})
    assert (response.status_code, response.headers["x-marked"]) == (201, "yes")
    assert response.json() == {"name": "pen"}


EVENTS: list[str] = []


async def resource() -> AsyncIterator[str]:
    EVENTS.append("open")
    yield "resource"
    EVENTS.append("close")


async def function_scoped() -> AsyncIterator[str]:
    EVENTS.append("open function")
    yield "function"
    EVENTS.append("close function")


def test_request_scoped_cleanup_runs_after_the_body_is_sent() -> None:
    app = Heron()
    events = EVENTS
    events.clear()

    def later(value: str) -> None:
        events.append(f"background sees {value}")

    @app.get("/")
    async def endpoint(
        background: BackgroundTasks,
        value: str = Depends(resource),
        other: Annotated[str, Depends(function_scoped, scope="function")] = "",
    ) -> str:
        events.append("endpoint")
        background.add_task(later, value)
        return value

    assert TestClient(app).get("/").json() == "resource"
    assert events == [
        "open",
        "open function",
        "endpoint",
        "close function",  # when the endpoint returns
        "background sees resource",  # the request's dependencies are still open
        "close",  # after the response was sent
    ]


def test_a_yield_dependency_sees_the_endpoint_error_before_the_handlers() -> None:
    app = Heron()
    events: list[str] = []

    async def guarded() -> AsyncIterator[None]:
        try:
            yield
        except ValueError as exc:
            events.append(f"dependency saw {exc}")
            raise HTTPException(409, "conflict") from exc

    @app.get("/")
    async def endpoint(_: None = Depends(guarded)) -> None:
        raise ValueError("boom")

    response = TestClient(app).get("/")
    assert (response.status_code, response.json()) == (409, {"detail": "conflict"})
    assert events == ["dependency saw boom"]


def test_a_yield_dependency_that_swallows_the_error_is_a_500_that_says_so() -> None:
    app = Heron()

    async def swallow() -> AsyncIterator[None]:
        try:
            yield
        except ValueError:
            pass

    @app.get("/")
    async def endpoint(_: None = Depends(swallow)) -> None:
        raise ValueError("boom")

    with pytest.raises(HeronError, match="a yield dependency caught the endpoint's exception"):
        TestClient(app).get("/")
    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert (response.status_code, response.text) == (500, "Internal Server Error")


def test_a_generator_endpoint_streams_json_lines() -> None:
    app = Heron()

    @app.get("/items")
    async def items() -> AsyncIterator[Item]:
        for name in ("a", "b"):
            yield Item(name=name)

    response = TestClient(app).get("/items")
    assert response.headers["content-type"] == "application/jsonl"
    assert response.content == b'{"name":"a"}\n{"name":"b"}\n'


def test_flask_style_views_use_make_response() -> None:
    app = Heron()

    @app.route("/page")
    def page() -> tuple[str, int, dict[str, str]]:
        return "<p>made</p>", 201, {"X-Made": "1"}

    response = TestClient(app).get("/page")
    assert (response.status_code, response.text) == (201, "<p>made</p>")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["x-made"] == "1"


@pytest.mark.parametrize(
    ("value", "status", "media_type", "body"),
    [
        ("<b>hi</b>", 200, "text/html; charset=utf-8", b"<b>hi</b>"),
        ({"a": 1}, 200, "application/json", b'{"a":1}'),
        ([1, 2], 200, "application/json", b"[1,2]"),
        (("gone", 410), 410, "text/html; charset=utf-8", b"gone"),
        (({"a": 1}, {"X-A": "1"}), 200, "application/json", b'{"a":1}'),
    ],
)
def test_make_response_follows_flasks_conventions(
    value: Any, status: int, media_type: str, body: bytes
) -> None:
    response = make_response(value)
    assert (response.status_code, response.headers["content-type"], response.body) == (
        status,
        media_type,
        body,
    )


def test_make_response_keeps_a_response_and_sets_status_and_headers() -> None:
    original = PlainTextResponse("x")
    assert make_response(original) is original
    changed = make_response(original, 202, {"X-B": "2"})
    assert changed is original and changed.status_code == 202 and changed.headers["x-b"] == "2"
    with pytest.raises(HeronError, match="returned None"):
        make_response(None)
    with pytest.raises(HeronError, match="must be"):
        make_response(("a", 1, {}, "extra"))


def test_request_response_serves_a_starlette_style_endpoint_and_closes_uploads() -> None:
    closed: list[bool] = []

    async def upload(request: Request) -> Response:
        form = await request.form()
        file = form["file"]
        assert not isinstance(file, str)
        closed.append(file.file.closed)
        request.state.upload = file
        return PlainTextResponse((await file.read()).decode())

    def sync_endpoint(request: Request) -> Response:
        return PlainTextResponse(f"sync {request.method}")

    app = Heron(routes=[Route("/upload", upload, methods=["POST"]), Route("/sync", sync_endpoint)])
    client = TestClient(app)
    response = client.post("/upload", files={"file": ("a.txt", b"content")})
    assert response.text == "content" and closed == [False]
    assert client.get("/sync").text == "sync GET"
    wrapped = request_response(upload)
    assert callable(wrapped)


def test_a_route_class_wraps_the_handler_and_keeps_exit_stacks_around_sending() -> None:
    events: list[str] = []

    class TimedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
            handler = super().get_route_handler()

            async def timed(request: Request) -> Response:
                events.append("before")
                response = await handler(request)
                response.headers["X-Wrapped"] = "1"
                events.append("after")
                return response

            return timed

    async def resource() -> AsyncIterator[str]:
        events.append("open")
        yield "r"
        events.append("close")

    router = APIRouter(route_class=TimedRoute)

    @router.get("/")
    async def endpoint(value: str = Depends(resource)) -> str:
        events.append("endpoint")
        return value

    app = Heron()
    app.include_router(router)
    response = TestClient(app).get("/")
    assert (response.json(), response.headers["x-wrapped"]) == ("r", "1")
    assert events == ["before", "open", "endpoint", "after", "close"]


def test_route_handler_app_serves_any_handler_function() -> None:
    async def handler(request: Request) -> Response:
        return PlainTextResponse(request.url.path)

    assert TestClient(route_handler_app(handler)).get("/raw").text == "/raw"
