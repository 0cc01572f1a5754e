"""Routing: matching order, converters, 405/HEAD, slashes, mounts, hosts, url building."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask

from heron import APIRouter, Heron, Request
from heron.exceptions import HeronError, NoMatchFound
from heron.responses import JSONResponse, PlainTextResponse
from heron.routing import Host, Mount, Route, Router, WebSocketRoute
from heron.testclient import TestClient
from heron.websockets import WebSocket


def make_app() -> Heron:
    app = Heron()

    @app.get("/users/{user_id}")
    async def user(user_id: str) -> dict[str, str]:
        return {"user": user_id}

    @app.get("/users/me")
    async def me() -> dict[str, str]:
        return {"user": "me (shadowed)"}

    @app.get("/static")
    async def static() -> str:
        return "static"

    @app.get("/ints/{n:int}")
    async def ints(n: int) -> dict[str, object]:
        return {"n": n, "type": type(n).__name__}

    @app.get("/floats/{x:float}")
    async def floats(x: float) -> dict[str, float]:
        return {"x": x}

    @app.get("/uuids/{u:uuid}")
    async def uuids(u: uuid.UUID) -> dict[str, str]:
        return {"u": str(u)}

    @app.get("/files/{rest:path}")
    async def files(rest: str) -> dict[str, str]:
        return {"rest": rest}

    @app.put("/things/{tid}")
    async def put_thing(tid: int) -> dict[str, str]:
        return {"method": "put"}

    @app.delete("/things/{tid}")
    async def delete_thing(tid: int) -> dict[str, str]:
        return {"method": "delete"}

    @app.route("/post/<int:post_id>", methods=["GET", "POST"])
    def post(post_id: int) -> str:
        return f"post {post_id}"

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app())


def test_static_and_dynamic_routes(client: TestClient) -> None:
    assert client.get("/static").json() == "static"
    assert client.get("/users/42").json() == {"user": "42"}


def test_registration_order_wins_as_in_fastapi(client: TestClient) -> None:
    # COMPAT(fastapi): /users/{user_id} was declared first, so it serves /users/me.
    assert client.get("/users/me").json() == {"user": "me"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/ints/7", {"n": 7, "type": "int"}),
        ("/floats/2.5", {"x": 2.5}),
        ("/files/a/b/c.txt", {"rest": "a/b/c.txt"}),
        (
            "/uuids/12345678-1234-5678-1234-567812345678",
            {"u": "12345678-1234-5678-1234-567812345678"},
        ),
    ],
)
def test_convertors(client: TestClient, path: str, expected: dict[str, object]) -> None:
    assert client.get(path).json() == expected


def test_convertor_mismatch_is_404(client: TestClient) -> None:
    assert client.get("/ints/abc").status_code == 404
    assert client.get("/uuids/not-a-uuid").status_code == 404


def test_flask_style_path(client: TestClient) -> None:
    response = client.post("/post/3")
    assert response.status_code == 200
    assert response.text == "post 3"
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_method_not_allowed_lists_every_method_of_the_path(client: TestClient) -> None:
    response = client.post("/things/1")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] in ("DELETE, PUT", "PUT", "DELETE")


def test_same_path_other_methods(client: TestClient) -> None:
    assert client.put("/things/1").json() == {"method": "put"}
    assert client.delete("/things/1").json() == {"method": "delete"}


def test_unknown_method_is_405(client: TestClient) -> None:
    response = client.request("BREW", "/static")
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]


def test_head_is_automatic_for_get(client: TestClient) -> None:
    response = client.head("/static")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(b'"static"'))


def test_trailing_slash_redirect(client: TestClient) -> None:
    response = client.get("/static/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/static"
    assert client.get("/static/").json() == "static"


def test_trailing_slash_redirect_keeps_query(client: TestClient) -> None:
    response = client.get("/static/?a=1", follow_redirects=False)
    assert response.headers["location"] == "http://testserver/static?a=1"


def test_no_redirect_when_disabled() -> None:
    app = Heron(redirect_slashes=False)

    @app.get("/a")
    async def a() -> int:
        return 1

    assert TestClient(app).get("/a/").status_code == 404


def test_not_found_body(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_routes_added_after_first_request_are_served() -> None:
    app = Heron()

    @app.get("/one")
    async def one() -> int:
        return 1

    client = TestClient(app)
    assert client.get("/one").json() == 1

    @app.get("/two/{x}")
    async def two(x: int) -> int:
        return x

    assert client.get("/two/2").json() == 2


def test_include_router_and_late_additions() -> None:
    app = Heron()
    router = APIRouter(prefix="/api", tags=["api"])

    @router.get("/a")
    async def a() -> str:
        return "a"

    app.include_router(router, prefix="/v1")

    @router.get("/b/{n}")
    async def b(n: int) -> int:
        return n

    client = TestClient(app)
    assert client.get("/v1/api/a").json() == "a"
    assert client.get("/v1/api/b/5").json() == 5
    # (app.routes also holds the undocumented /openapi.json and docs pages routes)
    assert [r.path for r in app.routes if r.include_in_schema] == ["/v1/api/a", "/v1/api/b/{n}"]


def test_nested_routers() -> None:
    app = Heron()
    outer = APIRouter(prefix="/outer")
    inner = APIRouter(prefix="/inner")

    @inner.get("/x")
    async def x() -> str:
        return "x"

    outer.include_router(inner)
    app.include_router(outer)
    assert TestClient(app).get("/outer/inner/x").json() == "x"
    assert app.url_path_for("x") == "/outer/inner/x"


def test_prefix_validation() -> None:
    with pytest.raises(HeronError):
        APIRouter(prefix="/bad/")
    with pytest.raises(HeronError):
        Route("no-slash", lambda request: None)


def test_mount_asgi_app_sets_root_path() -> None:
    sub = Heron()

    @sub.get("/where")
    async def where(request: Request) -> dict[str, str]:
        return {"root_path": request.scope["root_path"], "url": str(request.url)}

    app = Heron()
    app.mount("/sub", sub, name="sub")
    client = TestClient(app)
    assert client.get("/sub/where").json() == {
        "root_path": "/sub",
        "url": "http://testserver/sub/where",
    }
    assert app.url_path_for("sub:where") == "/sub/where"


def test_mount_routes_and_url_for() -> None:
    async def page(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"page {request.path_params['slug']}")

    app = Heron(routes=[Mount("/docs", routes=[Route("/{slug}", page, name="page")], name="docs")])
    client = TestClient(app)
    assert client.get("/docs/intro").text == "page intro"
    assert app.url_path_for("docs:page", slug="intro") == "/docs/intro"
    assert app.url_path_for("docs", path="/x/y") == "/docs/x/y"


def test_mount_wsgi_flask_app() -> None:
    from a2wsgi import WSGIMiddleware

    flask_app = Flask(__name__)

    @flask_app.route("/hello")
    def hello() -> str:
        return "hello from flask"

    app = Heron()
    app.mount("/legacy", WSGIMiddleware(flask_app))  # type: ignore[arg-type]
    response = TestClient(app).get("/legacy/hello")
    assert response.status_code == 200
    assert response.text == "hello from flask"


def test_host_routing() -> None:
    api = Heron()

    @api.get("/")
    async def api_root() -> str:
        return "api"

    async def www(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"www {request.path_params.get('sub', '')}")

    app = Heron(
        routes=[
            Host("api.example.com", api, name="api"),
            Host("{sub}.example.org", Router([Route("/", www)]), name="org"),
        ]
    )
    client = TestClient(app)
    assert client.get("/", headers={"host": "api.example.com"}).json() == "api"
    assert client.get("/", headers={"host": "blog.example.org:8080"}).text == "www blog"
    assert client.get("/", headers={"host": "other.net"}).status_code == 404
    url = app.url_path_for("api:api_root")
    assert (url, url.host) == ("/", "api.example.com")


def test_url_path_for_and_url_for() -> None:
    app = make_app()
    assert app.url_path_for("user", user_id="5") == "/users/5"
    assert app.url_path_for("ints", n=3) == "/ints/3"
    assert app.url_for("user", user_id="5", page=2, tag=["a", "b"]) == "/users/5?page=2&tag=a&tag=b"
    assert app.url_for("static", _anchor="top") == "/static#top"
    with pytest.raises(NoMatchFound):
        app.url_path_for("user")
    with pytest.raises(NoMatchFound):
        app.url_path_for("nope")


def test_request_url_for_is_absolute() -> None:
    app = Heron()

    @app.get("/items/{item_id}", name="item")
    async def item(request: Request, item_id: int) -> str:
        return str(request.url_for("item", item_id=item_id + 1))

    assert TestClient(app).get("/items/1").json() == "http://testserver/items/2"


def test_websocket_routes_do_not_answer_http() -> None:
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    app = Heron(routes=[WebSocketRoute("/ws", ws)])
    client = TestClient(app)
    assert client.get("/ws").status_code == 404
    with client.websocket_connect("/ws") as session:
        assert session.receive_text() == "hi"


def test_many_dynamic_routes_pick_the_right_one() -> None:
    app = Heron()
    for i in range(50):

        async def endpoint(x: int, i: int = i) -> list[int]:
            return [i, x]

        app.add_api_route(f"/r{i}/{{x}}", endpoint, name=f"r{i}")
    client = TestClient(app)
    assert client.get("/r37/5").json() == [37, 5]
    assert client.get("/r0/1").json() == [0, 1]


def test_route_repr_and_starlette_style_route() -> None:
    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    route = Route("/hello", hello)
    assert "hello" in repr(route)
    app = Heron(routes=[route])
    assert TestClient(app).get("/hello").text == "hello"
    assert TestClient(app).post("/hello").status_code == 405


def test_static_route_declared_first_wins_over_a_later_dynamic_one() -> None:
    app = Heron()

    @app.get("/stream")
    async def stream() -> str:
        return "static"

    @app.get("/{name}")
    async def named(name: str) -> str:
        return f"dynamic {name}"

    client = TestClient(app)
    assert client.get("/stream").json() == "static"
    assert client.get("/other").json() == "dynamic other"


# ---------------------------------------------------------------- route_class (FastAPI's)

import gzip  # noqa: E402
from collections.abc import AsyncIterator, Awaitable, Callable  # noqa: E402

from heron import Body, Depends, Response  # noqa: E402
from heron.routing import APIRoute  # noqa: E402


class GzipRequest(Request):
    """FastAPI's docs example: a Request whose body is gunzipped when it says so."""

    async def body(self) -> bytes:
        if not hasattr(self, "_unzipped"):
            body = await super().body()
            if "gzip" in self.headers.getlist("Content-Encoding"):
                body = gzip.decompress(body)
            self._unzipped = body
        return self._unzipped


class GzipRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            request = GzipRequest(request.scope, request.receive)
            response = await original(request)
            response.headers["X-Route"] = str(self.name)
            return response

        return handler


LOG: list[str] = []


async def resource() -> AsyncIterator[str]:
    LOG.append("open")
    yield "r"
    LOG.append("close")


def _route_class_app() -> TestClient:
    app = Heron()
    router = APIRouter(route_class=GzipRoute)

    @router.post("/sum")
    async def total(numbers: list[int] = Body(), res: str = Depends(resource)) -> dict[str, int]:
        return {"sum": sum(numbers)}

    @app.post("/plain")
    async def plain(numbers: list[int] = Body()) -> dict[str, int]:
        return {"sum": sum(numbers)}

    app.include_router(router)
    return TestClient(app)


def test_a_route_class_wraps_the_route_handler() -> None:
    client = _route_class_app()
    LOG.clear()
    body = gzip.compress(b"[1, 2, 3]")
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    response = client.post("/sum", content=body, headers=headers)
    assert response.json() == {"sum": 6}
    assert response.headers["x-route"] == "total"
    assert LOG == ["open", "close"]  # the yield dependency ran and was closed
    # Routes of other classes keep the direct path (no wrapper, no header).
    plain = client.post("/plain", json=[1, 2])
    assert plain.json() == {"sum": 3} and "x-route" not in plain.headers


def test_a_route_class_sees_validation_errors_answered_by_the_app() -> None:
    response = _route_class_app().post("/sum", json={"not": "a list"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_default_response_class_nearest_explicit_wins() -> None:
    from heron.responses import HTMLResponse

    app = Heron(default_response_class=HTMLResponse)
    text = APIRouter(prefix="/text", default_response_class=PlainTextResponse)
    inner = APIRouter(prefix="/inner")  # no default of its own: inherits /text's
    json_inner = APIRouter(prefix="/json", default_response_class=JSONResponse)

    @inner.get("/")
    def inherits() -> str:
        return "inherits"

    @json_inner.get("/")
    def keeps() -> str:
        return "keeps"

    text.include_router(inner)
    text.include_router(json_inner)
    app.include_router(text)
    client = TestClient(app)
    assert client.get("/text/inner/").headers["content-type"].startswith("text/plain")
    assert client.get("/text/json/").json() == "keeps"
