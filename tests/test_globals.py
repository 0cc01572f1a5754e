"""Context globals: request, g, current_app, url_for, redirect, abort (heron.globals)."""

import subprocess
import sys
import threading
from typing import Any, cast

import anyio
import pytest

import heron.globals
from heron import (
    Depends,
    Heron,
    Request,
    WebSocket,
    abort,
    current_app,
    g,
    redirect,
    request,
    url_for,
)
from heron.exceptions import HTTPException, NoMatchFound, OutsideContextError
from heron.globals import app_context
from heron.responses import HTMLResponse, Response
from heron.testclient import AsyncTestClient, TestClient

pytestmark = pytest.mark.anyio


def test_fetching_a_global_turns_them_on() -> None:
    assert heron.globals.usage.enabled  # this module imported them


def test_async_and_sync_handlers_see_their_request() -> None:
    app = Heron()
    threads: list[str] = []

    @app.route("/async")
    async def from_async() -> dict[str, Any]:
        return {"path": request.url.path, "q": request.query_params.get("q")}

    @app.route("/sync")
    def from_sync() -> dict[str, Any]:
        threads.append(threading.current_thread().name)
        return {"path": request.url.path, "q": request.query_params["q"], "app": current_app == app}

    client = TestClient(app)
    assert client.get("/async?q=1").json() == {"path": "/async", "q": "1"}
    assert client.get("/sync?q=2").json() == {"path": "/sync", "q": "2", "app": True}
    assert threads and threads[0] != threading.main_thread().name


def test_current_app_is_the_serving_app() -> None:
    app = Heron(title="mine")

    @app.get("/")
    def index() -> str:
        return str(current_app.title)

    assert TestClient(app).get("/").json() == "mine"


def test_g_is_per_request_and_shared_with_request_state() -> None:
    app = Heron()

    async def load_user(request: Request) -> None:
        request.state.user = request.query_params.get("user")

    @app.middleware("http")
    async def mark(request: Request, call_next: Any) -> Any:
        g.seen_by_middleware = True
        return await call_next(request)

    @app.get("/", dependencies=[Depends(load_user)])
    def index() -> dict[str, Any]:
        before = "counter" in g
        g.counter = g.get("counter", 0) + 1
        return {
            "user": g.user,
            "middleware": g.seen_by_middleware,
            "counter": g.counter,
            "existed": before,
            "keys": sorted(g),
        }

    client = TestClient(app)
    first = client.get("/?user=ann").json()
    second = client.get("/?user=bob").json()
    assert first["user"] == "ann" and second["user"] == "bob"
    assert first["counter"] == second["counter"] == 1
    assert first["existed"] is second["existed"] is False
    assert first["middleware"] is True
    assert {"user", "counter", "seen_by_middleware"} <= set(first["keys"])


def test_g_methods() -> None:
    app = Heron()

    @app.get("/")
    def index() -> dict[str, Any]:
        g.a = 1
        assert g.setdefault("b", 2) == 2
        assert g.pop("a") == 1
        assert g.pop("a", "gone") == "gone"
        del g.b
        with pytest.raises(AttributeError, match="'g' has no attribute 'b'"):
            _ = g.b
        with pytest.raises(AttributeError):
            del g.b
        return {"repr": repr(g).startswith("<heron.g of")}

    assert TestClient(app).get("/").json() == {"repr": True}


async def test_concurrent_requests_do_not_see_each_other() -> None:
    app = Heron()
    second_started = anyio.Event()

    @app.get("/slow")
    async def slow() -> dict[str, Any]:
        g.name = "slow"
        await second_started.wait()  # the other request runs while this one waits
        await anyio.sleep(0.01)
        return {"path": request.url.path, "q": request.query_params["q"], "g": g.name}

    @app.get("/fast")
    async def fast() -> dict[str, Any]:
        g.name = "fast"
        second_started.set()
        return {"path": request.url.path, "q": request.query_params["q"], "g": g.name}

    @app.get("/sync")
    def sync() -> dict[str, Any]:
        return {"path": request.url.path, "q": request.query_params["q"]}

    results: dict[str, Any] = {}
    async with AsyncTestClient(app) as client:

        async def get(url: str) -> None:
            results[url] = (await client.get(url)).json()

        async with anyio.create_task_group() as tg:
            tg.start_soon(get, "/slow?q=a")
            await anyio.sleep(0.01)
            tg.start_soon(get, "/fast?q=b")
            for i in range(10):
                tg.start_soon(get, f"/sync?q={i}")
    assert results["/slow?q=a"] == {"path": "/slow", "q": "a", "g": "slow"}
    assert results["/fast?q=b"] == {"path": "/fast", "q": "b", "g": "fast"}
    for i in range(10):
        assert results[f"/sync?q={i}"] == {"path": "/sync", "q": str(i)}


def test_outside_a_request_the_globals_raise_a_clear_error() -> None:
    with pytest.raises(OutsideContextError, match="Working outside of a request: `request`"):
        _ = request.url
    with pytest.raises(OutsideContextError, match="`current_app`"):
        _ = current_app.title
    with pytest.raises(OutsideContextError, match="`g`"):
        g.x = 1
    with pytest.raises(OutsideContextError):
        url_for("index")
    assert not request and not current_app
    assert repr(request) == "<unbound _Proxy>"
    assert repr(g) == "<unbound heron.g>"
    assert isinstance(OutsideContextError("x"), RuntimeError)


async def test_the_context_is_reset_after_the_request() -> None:
    app = Heron()

    @app.get("/")
    async def index() -> str:
        return request.url.path

    # AsyncTestClient runs the app in this very task, as a server runs one request per task.
    assert (await AsyncTestClient(app).get("/")).json() == "/"
    with pytest.raises(OutsideContextError):
        _ = request.url


def test_the_request_body_through_the_global() -> None:
    app = Heron()

    @app.route("/echo", methods=["POST"])
    async def echo() -> dict[str, Any]:
        data = await request.json()
        again = await request.json()  # the same Request: read once, kept
        return {"data": data, "same": data == again, "method": request.method}

    response = TestClient(app).post("/echo", json={"a": 1})
    assert response.json() == {"data": {"a": 1}, "same": True, "method": "POST"}


def test_websocket_handlers_see_the_connection() -> None:
    app = Heron()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(f"{request.url.path}?q={request.query_params['q']}")
        await websocket.close()

    with TestClient(app).websocket_connect("/ws?q=7") as session:
        assert session.receive_text() == "/ws?q=7"


def test_app_context_outside_a_request() -> None:
    app = Heron()

    @app.get("/items/{item_id}")
    def item(item_id: int) -> int:
        return item_id

    with app.app_context():
        assert current_app.title == "Heron"
        g.x = 1
        assert g.x == 1
        assert url_for("item", item_id=3, q="a b") == "/items/3?q=a+b"
        with pytest.raises(OutsideContextError, match="`request`"):
            _ = request.url
        with pytest.raises(OutsideContextError, match="needs a request"):
            url_for("item", item_id=3, _external=True)
    with app_context(app):
        assert "x" not in g  # a fresh g each time
    with pytest.raises(OutsideContextError):
        _ = current_app.title


def test_url_for() -> None:
    app = Heron()
    found: dict[str, str] = {}

    @app.get("/items/{item_id}")
    def item(item_id: int) -> int:
        return item_id

    @app.get("/")
    def index() -> dict[str, str]:
        found["plain"] = url_for("item", item_id=1)
        found["query"] = url_for("item", item_id=1, q="x", skip=None)
        found["anchor"] = url_for("item", item_id=1, _anchor="top")
        found["external"] = url_for("item", item_id=1, _external=True)
        found["scheme"] = url_for("item", item_id=1, _scheme="https")
        return found

    TestClient(app).get("/")
    assert found == {
        "plain": "/items/1",
        "query": "/items/1?q=x",
        "anchor": "/items/1#top",
        "external": "http://testserver/items/1",
        "scheme": "https://testserver/items/1",
    }
    with app.app_context(), pytest.raises(NoMatchFound):
        url_for("nope")


def test_url_for_behind_a_proxy_prefix() -> None:
    app = Heron()

    @app.get("/items/{item_id}")
    def item(item_id: int) -> str:
        return url_for("item", item_id=item_id)

    client = TestClient(app, root_path="/api")
    assert client.get("/items/5").json() == "/api/items/5"


def test_abort_with_a_response_sends_it_as_it_is() -> None:
    """Flask's ``abort(response)``: from a dependency or a hook, the response goes out."""
    app = Heron()

    def members_only() -> None:
        abort(redirect("/login", 303))

    @app.get("/members", dependencies=[Depends(members_only)])
    def members() -> str:
        return "never reached"

    @app.before_request
    def closed(request: Request) -> None:
        if request.url.path == "/closed":
            abort(HTMLResponse("<p>Closed today</p>", status_code=503))

    @app.get("/closed")
    def closed_page() -> str:
        return "never reached"

    client = TestClient(app, follow_redirects=False)
    response = client.get("/members")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    closed_response = client.get("/closed")
    assert closed_response.status_code == 503
    assert closed_response.text == "<p>Closed today</p>"
    with pytest.raises(HTTPException) as info:
        abort(Response(status_code=204))
    assert info.value.status_code == 204


def test_redirect_and_abort() -> None:
    app = Heron()

    @app.route("/old")
    def old() -> Any:
        return redirect(url_for("new"))

    @app.route("/new")
    def new() -> str:
        return "new"

    @app.route("/secret")
    def secret() -> str:
        abort(403, "Not yours", headers={"X-Why": "owner"})

    client = TestClient(app)
    response = client.get("/old", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/new"
    assert client.get("/old").text == "new"
    response = client.get("/secret")
    assert response.status_code == 403
    assert response.json() == {"detail": "Not yours"}
    assert response.headers["x-why"] == "owner"
    with pytest.raises(HTTPException) as info:
        abort(404)
    assert info.value.status_code == 404 and info.value.detail == "Not Found"


def test_proxy_forwarding() -> None:
    app = Heron()

    @app.get("/")
    def index() -> dict[str, Any]:
        return {
            "is_request": isinstance(request._get_current_object(), Request),  # type: ignore[attr-defined]
            "mapping": request["path"],
            "len": len(request) > 3,
            "contains": "headers" in request,
            "iter": "type" in list(request),
            "eq": request == request._get_current_object(),  # type: ignore[attr-defined]
            "bool": bool(request),
        }

    assert TestClient(app).get("/").json() == dict.fromkeys(
        ["is_request", "mapping", "len", "contains", "iter", "eq", "bool"], True
    ) | {"mapping": "/"}


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_programs_that_never_ask_do_not_pay_for_the_globals() -> None:
    code = """
import heron.globals as G
from heron import Heron
from heron.testclient import TestClient
app = Heron()
@app.get("/")
def index() -> str:
    return "ok"
print(G.usage.enabled, TestClient(app).get("/").json())
from heron import request
print(G.usage.enabled)
"""
    assert _run(code).split() == ["False", "ok", "True"]


@pytest.mark.parametrize("name", ["session", "flash", "get_flashed_messages"])
def test_the_session_helpers_turn_the_globals_on(name: str) -> None:
    # They find the request's session through its context: with a session another
    # middleware made (no Heron session layer to bind the context), that takes the globals.
    code = f"""
import heron.globals as G
from heron import Heron, Request
from heron import {name}
print(G.usage.enabled)
"""
    assert _run(code).split() == ["True"]


def test_flasks_helpers_leave_the_globals_off_but_send_file_turns_them_on() -> None:
    # send_file finds relative paths from the current app, through the context.
    code = """
import heron.globals as G
from heron import Blueprint, Markup, escape, jsonify, make_response
print(G.usage.enabled)
from heron import send_file
print(G.usage.enabled)
"""
    assert _run(code).split() == ["False", "True"]


def test_a_session_another_middleware_made_is_found_in_a_fresh_program() -> None:
    code = """
from heron import Heron, Request, session
from heron.testclient import TestClient
app = Heron()
@app.middleware("http")
async def plain_session(request: Request, call_next):
    request.scope["session"] = {"user": "ann"}
    return await call_next(request)
@app.get("/")
def home() -> str:
    return session["user"]
print(TestClient(app).get("/").json())
"""
    assert _run(code).split() == ["ann"]


def test_first_use_reached_lazily_fails_clearly_then_works() -> None:
    code = """
import heron
from heron import Heron
from heron.testclient import TestClient
app = Heron()
@app.get("/")
def index() -> str:
    return heron.request.url.path
client = TestClient(app, raise_server_exceptions=False)
print(client.get("/").status_code, client.get("/").json())
"""
    assert _run(code).split() == ["500", "/"]


def test_the_global_request_is_the_injected_request() -> None:
    # One Request per connection: a body read through the injected one is there for the
    # global (the stream can be read only once).
    app = Heron()

    @app.post("/echo")
    async def echo(req: Request) -> dict[str, Any]:
        data = await req.json()
        assert cast(Any, heron.globals.request)._get_current_object() is req  # the proxy
        return {"same": await heron.globals.request.json() == data}

    heron.globals.enable()
    assert TestClient(app).post("/echo", json={"a": 1}).json() == {"same": True}
