"""Dependencies and parameter markers: FastAPI's programming model, as a user sees it."""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict

from heron import (
    APIRouter,
    BackgroundTasks,
    Body,
    Cookie,
    Depends,
    File,
    Form,
    Header,
    Heron,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    Security,
    UploadFile,
)
from heron.security import SecurityScopes
from heron.testclient import TestClient


class Item(BaseModel):
    name: str
    price: float


class User(BaseModel):
    username: str


class FilterParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = 10
    tags: list[str] = []


class LoginForm(BaseModel):
    username: str
    password: str


def test_query_constraints_alias_and_lists() -> None:
    app = Heron()

    @app.get("/items")
    async def items(
        q: Annotated[str | None, Query(min_length=2, max_length=5, alias="item-query")] = None,
        page: int = Query(1, ge=1),
        tag: Annotated[list[str], Query()] = [],  # noqa: B006
    ) -> dict[str, Any]:
        return {"q": q, "page": page, "tag": tag}

    client = TestClient(app)
    assert client.get("/items?item-query=abc&tag=a&tag=b").json() == {
        "q": "abc",
        "page": 1,
        "tag": ["a", "b"],
    }
    r = client.get("/items?item-query=a&page=0")
    assert r.status_code == 422
    assert r.json() == {
        "detail": [
            {
                "type": "string_too_short",
                "loc": ["query", "item-query"],
                "msg": "String should have at least 2 characters",
                "input": "a",
                "ctx": {"min_length": 2},
            },
            {
                "type": "greater_than_equal",
                "loc": ["query", "page"],
                "msg": "Input should be greater than or equal to 1",
                "input": "0",
                "ctx": {"ge": 1},
            },
        ]
    }


def test_required_query_missing() -> None:
    app = Heron()

    @app.get("/need")
    async def need(token: str = Query()) -> str:
        return token

    r = TestClient(app).get("/need")
    assert r.json() == {
        "detail": [
            {"type": "missing", "loc": ["query", "token"], "msg": "Field required", "input": None}
        ]
    }


def test_path_header_cookie() -> None:
    app = Heron()

    @app.get("/items/{item_id}")
    async def item(
        item_id: Annotated[int, Path(gt=0)],
        user_agent: Annotated[str | None, Header()] = None,
        x_token: list[str] = Header(default=[]),
        session: str | None = Cookie(None),
    ) -> dict[str, Any]:
        return {"id": item_id, "ua": user_agent, "tokens": x_token, "session": session}

    client = TestClient(app, cookies={"session": "s1"})
    r = client.get("/items/3", headers=[("X-Token", "a"), ("X-Token", "b")])
    assert r.json() == {"id": 3, "ua": "testclient", "tokens": ["a", "b"], "session": "s1"}
    assert client.get("/items/0").json()["detail"][0]["loc"] == ["path", "item_id"]


def test_parameter_models() -> None:
    app = Heron()

    @app.get("/search")
    async def search(filters: Annotated[FilterParams, Query()]) -> FilterParams:
        return filters

    client = TestClient(app)
    assert client.get("/search?limit=5&tags=a&tags=b").json() == {"limit": 5, "tags": ["a", "b"]}
    r = client.get("/search?unknown=1")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "unknown"]


def test_several_bodies_and_embed() -> None:
    app = Heron()

    @app.put("/items/{item_id}")
    async def update(
        item_id: int, item: Item, user: User, importance: int = Body()
    ) -> dict[str, Any]:
        return {"item_id": item_id, "item": item, "user": user, "importance": importance}

    @app.post("/embedded")
    async def embedded(item: Annotated[Item, Body(embed=True)]) -> Item:
        return item

    client = TestClient(app)
    payload = {"item": {"name": "a", "price": 1}, "user": {"username": "u"}, "importance": 5}
    assert client.put("/items/1", json=payload).json() == {
        "item_id": 1,
        "item": {"name": "a", "price": 1.0},
        "user": {"username": "u"},
        "importance": 5,
    }
    r = client.put("/items/1", json={"item": {"name": "a"}})
    assert [e["loc"] for e in r.json()["detail"]] == [
        ["body", "item", "price"],
        ["body", "user"],
        ["body", "importance"],
    ]
    assert client.post("/embedded", json={"item": {"name": "b", "price": 2}}).json() == {
        "name": "b",
        "price": 2.0,
    }
    assert client.post("/embedded", json={"name": "b", "price": 2}).status_code == 422


def test_forms_and_files() -> None:
    app = Heron()

    @app.post("/login")
    async def login(username: Annotated[str, Form()], password: str = Form()) -> dict[str, str]:
        return {"username": username, "password_length": str(len(password))}

    @app.post("/login-model")
    async def login_model(data: Annotated[LoginForm, Form()]) -> LoginForm:
        return data

    @app.post("/upload")
    async def upload(
        raw: Annotated[bytes, File()], doc: UploadFile, note: str = Form("")
    ) -> dict[str, Any]:
        return {
            "raw": len(raw),
            "name": doc.filename,
            "content": (await doc.read()).decode(),
            "note": note,
        }

    client = TestClient(app)
    assert client.post("/login", data={"username": "ann", "password": "secret"}).json() == {
        "username": "ann",
        "password_length": "6",
    }
    r = client.post("/login", data={"username": "ann"})
    assert r.json()["detail"] == [
        {"type": "missing", "loc": ["body", "password"], "msg": "Field required", "input": None}
    ]
    assert client.post("/login-model", data={"username": "a", "password": "b"}).json() == {
        "username": "a",
        "password": "b",
    }
    assert client.post("/login-model", data={"username": "a"}).json()["detail"][0]["loc"] == [
        "body",
        "password",
    ]
    files = {"raw": ("r.bin", b"12345"), "doc": ("notes.txt", b"hello")}
    assert client.post("/upload", files=files, data={"note": "n"}).json() == {
        "raw": 5,
        "name": "notes.txt",
        "content": "hello",
        "note": "n",
    }


def test_dependencies_functions_classes_sync_async_and_cache() -> None:
    app = Heron()
    calls: list[str] = []

    def common(q: str | None = None, limit: int = 10) -> dict[str, Any]:
        calls.append("common")
        return {"q": q, "limit": limit}

    class Pager:
        def __init__(self, page: int = 1) -> None:
            self.page = page

    async def user(x_user: Annotated[str, Header()]) -> str:
        return x_user

    async def greeting(name: Annotated[str, Depends(user)], params: dict = Depends(common)) -> str:  # type: ignore[type-arg]
        return f"hi {name} ({params['limit']})"

    @app.get("/")
    async def index(
        params: Annotated[dict, Depends(common)],  # type: ignore[type-arg]
        pager: Annotated[Pager, Depends()],
        text: str = Depends(greeting),
        fresh: dict = Depends(common, use_cache=False),  # type: ignore[type-arg]
    ) -> dict[str, Any]:
        return {"params": params, "page": pager.page, "text": text, "same": fresh == params}

    client = TestClient(app)
    r = client.get("/?q=x&page=2", headers={"x-user": "ann"})
    assert r.json() == {
        "params": {"q": "x", "limit": 10},
        "page": 2,
        "text": "hi ann (10)",
        "same": True,
    }
    assert calls == ["common", "common"]  # cached once, then once more for use_cache=False
    r = client.get("/")
    assert r.json()["detail"] == [
        {"type": "missing", "loc": ["header", "x-user"], "msg": "Field required", "input": None}
    ]


def test_yield_dependencies_cleanup_after_response_and_on_errors() -> None:
    app = Heron()
    events: list[str] = []

    async def db() -> AsyncIterator[str]:
        events.append("open")
        try:
            yield "conn"
        except HTTPException:
            events.append("saw error")
            raise
        finally:
            events.append("close")

    def sync_resource() -> Iterator[str]:
        events.append("sync open")
        yield "res"
        events.append("sync close")

    @app.get("/ok")
    async def ok(conn: Annotated[str, Depends(db)], res: str = Depends(sync_resource)) -> str:
        events.append("endpoint")
        return f"{conn} {res}"

    @app.get("/fail")
    async def fail(conn: Annotated[str, Depends(db)]) -> None:
        raise HTTPException(409, "conflict")

    client = TestClient(app)
    assert client.get("/ok").json() == "conn res"
    assert events == ["open", "sync open", "endpoint", "sync close", "close"]
    events.clear()
    r = client.get("/fail")
    assert (r.status_code, r.json()) == (409, {"detail": "conflict"})
    assert events == ["open", "saw error", "close"]


def test_function_scope_yield_exits_before_the_response() -> None:
    app = Heron()
    events: list[str] = []

    async def short() -> AsyncIterator[int]:
        yield 1
        events.append("function cleanup")

    async def long() -> AsyncIterator[int]:
        yield 2
        events.append("request cleanup")

    @app.get("/")
    async def index(
        tasks: BackgroundTasks,
        a: Annotated[int, Depends(short, scope="function")],
        b: Annotated[int, Depends(long)],
    ) -> int:
        tasks.add_task(events.append, "background")
        return a + b

    assert TestClient(app).get("/").json() == 3
    assert events == ["function cleanup", "background", "request cleanup"]


def test_router_and_app_dependencies_and_overrides() -> None:
    seen: list[str] = []

    def verify_key(x_key: Annotated[str, Header()]) -> None:
        if x_key != "secret":
            raise HTTPException(403, "bad key")
        seen.append("key")

    def app_level() -> None:
        seen.append("app")

    def real_db() -> str:
        return "postgres"

    app = Heron(dependencies=[Depends(app_level)])
    router = APIRouter(prefix="/admin", dependencies=[Depends(verify_key)])

    @router.get("/db")
    async def which_db(db: Annotated[str, Depends(real_db)]) -> str:
        return db

    app.include_router(router)
    client = TestClient(app)
    assert client.get("/admin/db", headers={"x-key": "no"}).status_code == 403
    assert client.get("/admin/db", headers={"x-key": "secret"}).json() == "postgres"
    assert seen == ["app", "app", "key"]
    app.dependency_overrides[real_db] = lambda: "sqlite"
    assert client.get("/admin/db", headers={"x-key": "secret"}).json() == "sqlite"
    app.dependency_overrides.clear()
    assert client.get("/admin/db", headers={"x-key": "secret"}).json() == "postgres"


def test_security_scopes_accumulate() -> None:
    app = Heron()

    def current_user(security_scopes: SecurityScopes) -> str:
        return security_scopes.scope_str

    def admin(user: Annotated[str, Security(current_user, scopes=["admin"])]) -> str:
        return user

    @app.get("/")
    async def index(scopes: Annotated[str, Security(admin, scopes=["items"])]) -> str:
        return scopes

    assert TestClient(app).get("/").json() == "items admin"


def test_injected_request_response_background() -> None:
    app = Heron()
    done: list[str] = []

    def tracer(request: Request, response: Response) -> str:
        response.headers["x-traced"] = request.url.path
        return "t"

    @app.get("/")
    async def index(tag: Annotated[str, Depends(tracer)], tasks: BackgroundTasks) -> str:
        tasks.add_task(done.append, tag)
        return tag

    r = TestClient(app).get("/")
    assert (r.json(), r.headers["x-traced"], done) == ("t", "/", ["t"])


def test_errors_from_all_parts_are_reported_together() -> None:
    app = Heron()

    def dep(n: int) -> int:
        return n

    @app.post("/{pid}")
    async def index(pid: int, d: Annotated[int, Depends(dep)], item: Item) -> None:
        return None

    r = TestClient(app).post("/x?n=y", json={"name": "a"})
    assert [e["loc"] for e in r.json()["detail"]] == [
        ["query", "n"],
        ["path", "pid"],
        ["body", "price"],
    ]


@pytest.mark.parametrize("bad", ["regex"])
def test_deprecated_regex_warns(bad: str) -> None:
    from heron.exceptions import HeronDeprecationWarning

    with pytest.warns(HeronDeprecationWarning):
        Query(regex="^a")


def test_websocket_parameters_and_dependencies() -> None:
    from heron import WebSocket, WebSocketDisconnect, WebSocketException, status

    app = Heron()

    async def token_of(token: Annotated[str | None, Query()] = None) -> str:
        if token != "secret":
            raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="bad token")
        return token

    @app.websocket("/rooms/{room_id}")
    async def room(
        websocket: WebSocket,
        room_id: int,
        token: Annotated[str, Depends(token_of)],
        nick: Annotated[str, Header()] = "anon",
    ) -> None:
        await websocket.accept()
        await websocket.send_json({"room": room_id, "nick": nick})
        await websocket.close()

    client = TestClient(app)
    with client.websocket_connect("/rooms/7?token=secret", headers={"nick": "ann"}) as ws:
        assert ws.receive_json() == {"room": 7, "nick": "ann"}
    with pytest.raises(WebSocketDisconnect) as denied:
        with client.websocket_connect("/rooms/7?token=nope"):
            pass
    assert (denied.value.code, denied.value.reason) == (1008, "bad token")
    with pytest.raises(WebSocketDisconnect) as invalid:
        with client.websocket_connect("/rooms/x?token=secret"):
            pass
    assert invalid.value.code == 1008


def test_websocket_validation_close_reason_fits_a_close_frame() -> None:
    from heron import WebSocket, WebSocketDisconnect

    app = Heron()

    @app.websocket("/ws/{n}")
    async def ws(websocket: WebSocket, n: int) -> None:
        await websocket.accept()

    client = TestClient(app)
    # Non-ASCII input makes characters and bytes differ: the cut is in bytes.
    with pytest.raises(WebSocketDisconnect) as invalid:
        with client.websocket_connect("/ws/" + "é" * 100):
            pass
    reason = invalid.value.reason
    assert invalid.value.code == 1008
    assert reason.startswith('[{"type":"int_parsing","loc":["path","n"]')
    assert 100 < len(reason.encode()) <= 123


class Note(BaseModel):
    name: str


def test_body_parameters_across_the_tree_make_one_body() -> None:
    # COMPAT(fastapi): the endpoint's model and a dependency's Body() are keys of one object.
    app = Heron()

    async def extra(note: Annotated[str, Body()]) -> str:
        return note

    @app.post("/notes")
    async def create(item: Note, note: Annotated[str, Depends(extra)]) -> dict[str, str]:
        return {"name": item.name, "note": note}

    client = TestClient(app)
    ok = client.post("/notes", json={"item": {"name": "a"}, "note": "n"})
    assert ok.json() == {"name": "a", "note": "n"}
    missing = client.post("/notes", json={"item": {"name": "a"}})
    assert missing.status_code == 422
    assert [e["loc"] for e in missing.json()["detail"]] == [["body", "note"]]
