"""heron.flashing: Flask's flash() and get_flashed_messages(), on cookie and Redis sessions."""

from typing import Any

import pytest

from heron import Heron, Request, flash, get_flashed_messages
from heron.exceptions import OutsideContextError
from heron.middleware.sessions import SessionMiddleware
from heron.responses import RedirectResponse, Response
from heron.sessions import RedisSessionStore
from heron.testclient import TestClient
from redis_server import RedisServer


def make_app(**options: Any) -> Heron:
    # csrf=False: these requests post no form (CSRF tokens: tests/test_csrf.py).
    app = Heron(secret_key="secret", csrf=False) if not options else Heron()
    if options:
        app.add_middleware(SessionMiddleware, secret_key="secret", **options)

    @app.post("/items")
    def create(request: Request) -> Response:
        flash("Item created")
        flash("Low stock", "warning")
        flash("Saved to draft", category="info")
        return RedirectResponse("/", status_code=303)

    @app.get("/")
    async def home(with_categories: bool = False, only: str = "") -> dict[str, Any]:
        categories = [c for c in only.split(",") if c]
        if with_categories:
            return {"messages": get_flashed_messages(True, categories)}
        return {"messages": get_flashed_messages(category_filter=categories)}

    return app


def test_flash_survives_a_redirect_and_is_consumed() -> None:
    client = TestClient(make_app())
    response = client.post("/items")
    assert response.history[0].status_code == 303
    assert response.json() == {"messages": ["Item created", "Low stock", "Saved to draft"]}
    assert client.get("/").json() == {"messages": []}  # consumed on read


def test_categories() -> None:
    client = TestClient(make_app())
    client.post("/items", follow_redirects=False)
    response = client.get("/", params={"with_categories": True})
    assert response.json() == {
        "messages": [
            ["message", "Item created"],
            ["warning", "Low stock"],
            ["info", "Saved to draft"],
        ]
    }


def test_a_filter_still_consumes_every_message() -> None:
    # Flask: the first read takes every message out of the session, filtered or not.
    client = TestClient(make_app())
    client.post("/items", follow_redirects=False)
    assert client.get("/", params={"only": "warning,info"}).json() == {
        "messages": ["Low stock", "Saved to draft"]
    }
    assert client.get("/").json() == {"messages": []}


def test_reading_twice_in_one_request_gives_the_same_messages() -> None:
    app = make_app()

    @app.get("/twice")
    def twice() -> dict[str, Any]:
        first = get_flashed_messages()
        return {
            "first": first,
            "again": get_flashed_messages(),
            "errors": get_flashed_messages(category_filter=["warning"]),
            "pairs": get_flashed_messages(with_categories=True),
        }

    client = TestClient(app)
    client.post("/items", follow_redirects=False)
    assert client.get("/twice").json() == {
        "first": ["Item created", "Low stock", "Saved to draft"],
        "again": ["Item created", "Low stock", "Saved to draft"],
        "errors": ["Low stock"],
        "pairs": [
            ["message", "Item created"],
            ["warning", "Low stock"],
            ["info", "Saved to draft"],
        ],
    }


def test_flash_and_read_in_the_same_request() -> None:
    app = make_app()

    @app.get("/now")
    def now() -> dict[str, Any]:
        flash("shown right away")
        return {"messages": get_flashed_messages()}

    client = TestClient(app)
    assert client.get("/now").json() == {"messages": ["shown right away"]}
    assert client.get("/").json() == {"messages": []}


def test_reading_no_messages_writes_no_cookie_but_varies() -> None:
    response = TestClient(make_app()).get("/")
    assert response.json() == {"messages": []}
    assert "set-cookie" not in response.headers
    assert response.headers["vary"] == "Cookie"


def test_explicit_request_argument() -> None:
    app = Heron()
    app.add_middleware(SessionMiddleware, secret_key="secret")

    @app.get("/flash")
    async def do_flash(request: Request) -> dict[str, Any]:
        flash("hello", "info", request=request)
        return {}

    @app.get("/read")
    async def read(request: Request) -> dict[str, Any]:
        return {"messages": get_flashed_messages(with_categories=True, request=request)}

    client = TestClient(app)
    client.get("/flash")
    assert client.get("/read").json() == {"messages": [["info", "hello"]]}


def test_flash_from_sync_and_async_handlers_and_dependencies() -> None:
    from heron import Depends

    def flashing_dependency() -> None:
        flash("from a sync dependency")

    app = make_app()

    @app.get("/both", dependencies=[Depends(flashing_dependency)])
    async def both() -> dict[str, Any]:
        flash("from an async handler")
        return {}

    client = TestClient(app)
    client.get("/both")
    assert client.get("/").json() == {
        "messages": ["from a sync dependency", "from an async handler"]
    }


def test_messages_are_stored_as_strings() -> None:
    app = make_app()

    @app.get("/markup")
    def markup() -> dict[str, Any]:
        flash("<b>bold</b>")
        flash(42, 7)  # type: ignore[arg-type]
        return {}

    client = TestClient(app)
    client.get("/markup")
    assert client.get("/", params={"with_categories": True}).json() == {
        "messages": [["message", "<b>bold</b>"], ["7", "42"]]
    }


def test_junk_under_the_flash_key_is_ignored() -> None:
    app = make_app()

    @app.get("/junk")
    def junk(request: Request, kind: str) -> dict[str, Any]:
        values = {"str": "oops", "list": ["a", ["only-one"], ["c", "m"], None, ["a", "b", "c"]]}
        request.session["_flashes"] = values[kind]
        return {}

    client = TestClient(app)
    client.get("/junk", params={"kind": "str"})
    assert client.get("/").json() == {"messages": []}
    client.get("/junk", params={"kind": "list"})
    assert client.get("/").json() == {"messages": ["m"]}


def test_outside_a_request_flash_fails_clearly() -> None:
    with pytest.raises(OutsideContextError, match="Working outside of a request"):
        flash("nobody will see this")
    with pytest.raises(OutsideContextError, match="Working outside of a request"):
        get_flashed_messages()


def test_flash_with_a_redis_store(redis_server: RedisServer) -> None:
    client = TestClient(make_app(store=RedisSessionStore(redis_server.url)))
    assert client.post("/items").json() == {
        "messages": ["Item created", "Low stock", "Saved to draft"]
    }
    assert client.get("/").json() == {"messages": []}


def test_flash_with_starlettes_session_dict() -> None:
    # A plain-dict session (any middleware that fills scope["session"]) works with request=.
    app = Heron()

    @app.middleware("http")
    async def plain_session(request: Request, call_next: Any) -> Response:
        request.scope["session"] = {"_flashes": [["info", "from elsewhere"]]}
        response: Response = await call_next(request)
        return response

    @app.get("/")
    def read(request: Request) -> dict[str, Any]:
        first = get_flashed_messages(with_categories=True, request=request)
        return {"first": first, "again": get_flashed_messages(request=request)}

    assert TestClient(app).get("/").json() == {
        "first": [["info", "from elsewhere"]],
        "again": ["from elsewhere"],  # Flask's: the same messages again in one request
    }
