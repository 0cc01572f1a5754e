"""Request and HTTPConnection: what a handler reads from a raw ASGI scope and receive."""

from __future__ import annotations

import asyncio
import json
import random
import string
from collections.abc import Iterable
from typing import Any, cast

import anyio
import pytest

from heron import Depends, Heron, request as current_request, session
from heron.datastructures import URL, Address, Headers, QueryParams, State, UploadFile
from heron.exceptions import ClientDisconnect, HTTPError
from heron.requests import HTTPConnection, Request, RequestContext, cookie_parser, read_body
from heron.responses import Response
from heron.sessions import SessionSigner
from heron.testclient import TestClient
from heron.types import Message, Receive, Scope

pytestmark = pytest.mark.anyio


# --------------------------------------------------------------------------- helpers


def make_scope(
    method: str = "GET",
    path: str = "/",
    query_string: bytes = b"",
    headers: Iterable[tuple[str, str]] = (("host", "example.com"),),
    **extra: Any,
) -> Scope:
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query_string,
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("10.0.0.1", 40000),
        "server": ("example.com", 80),
    }
    scope.update(extra)
    return scope


class Receiver:
    """A scripted ``receive``: hands out ``messages`` in order, then waits forever."""

    def __init__(self, *messages: Message) -> None:
        self.messages = list(messages)
        self.calls = 0

    async def __call__(self) -> Message:
        self.calls += 1
        if self.messages:
            return self.messages.pop(0)
        await anyio.sleep_forever()
        raise AssertionError("unreachable")


def body_messages(*chunks: bytes) -> list[Message]:
    """``http.request`` messages carrying ``chunks``; the last one ends the body."""
    if not chunks:
        return [{"type": "http.request", "body": b"", "more_body": False}]
    return [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]


def make_request(*chunks: bytes, app: Any = None, **scope_kwargs: Any) -> Request:
    scope = make_scope(**scope_kwargs)
    if app is not None:
        scope["app"] = app
    return Request(scope, Receiver(*body_messages(*chunks)))


class FakeApp:
    def __init__(self, max_body_size: int | None = None) -> None:
        self.max_body_size = max_body_size


# --------------------------------------------------------------------------- basics


def test_method_and_scope_mapping() -> None:
    request = Request(make_scope(method="PATCH"))
    assert request.method == "PATCH"
    assert request["type"] == "http"
    assert "path" in request
    assert len(request) == len(request.scope)
    assert set(request) == set(request.scope)


def test_connections_are_hashable_by_identity() -> None:
    scope = make_scope()
    first, second = Request(scope), Request(scope)
    assert first == first
    assert first != second
    assert len({first, second}) == 2


@pytest.mark.parametrize(
    ("scope_kwargs", "url"),
    [
        ({}, "http://example.com/"),
        ({"path": "/items/1", "query_string": b"a=1&b=2"}, "http://example.com/items/1?a=1&b=2"),
        (
            {"scheme": "https", "headers": [("host", "example.com:8443")]},
            "https://example.com:8443/",
        ),
        ({"headers": [], "server": ("10.1.1.1", 8000)}, "http://10.1.1.1:8000/"),
        ({"headers": [], "server": ("example.org", 80)}, "http://example.org/"),
        (
            {"headers": [], "scheme": "https", "server": ("example.org", 443)},
            "https://example.org/",
        ),
        ({"headers": [], "server": None, "path": "/x"}, "/x"),
        ({"path": "/api/items", "root_path": "/api"}, "http://example.com/api/items"),
    ],
)
def test_url(scope_kwargs: dict[str, Any], url: str) -> None:
    request = Request(make_scope(**scope_kwargs))
    assert str(request.url) == url
    assert request.url is request.url  # cached


def test_url_components() -> None:
    request = Request(make_scope(path="/a/b", query_string=b"x=1", headers=[("host", "h:81")]))
    assert request.url.path == "/a/b"
    assert request.url.query == "x=1"
    assert request.url.hostname == "h"
    assert request.url.port == 81
    assert not request.url.is_secure


@pytest.mark.parametrize(
    ("scope_kwargs", "base_url"),
    [
        ({"path": "/items", "query_string": b"a=1"}, "http://example.com/"),
        ({"path": "/api/items", "root_path": "/api"}, "http://example.com/api/"),
        ({"path": "/api/items", "root_path": "/api/"}, "http://example.com/api/"),
        (
            {"path": "/api/sub/items", "root_path": "/api/sub", "app_root_path": "/api"},
            "http://example.com/api/",
        ),
    ],
)
def test_base_url(scope_kwargs: dict[str, Any], base_url: str) -> None:
    assert str(Request(make_scope(**scope_kwargs)).base_url) == base_url


def test_headers_case_insensitive_and_repeated() -> None:
    request = Request(
        make_scope(headers=[("Host", "h"), ("X-Token", "a"), ("x-token", "b"), ("Accept", "*/*")])
    )
    headers = request.headers
    assert isinstance(headers, Headers)
    assert headers["x-token"] == "a"
    assert headers["X-TOKEN"] == "a"
    assert headers.getlist("X-Token") == ["a", "b"]
    assert headers.get("missing") is None
    assert "ACCEPT" in headers
    assert request.headers is headers


def test_query_params() -> None:
    request = Request(make_scope(query_string=b"a=1&a=2&b=&c&d=x%20y+z&e=%C3%A9"))
    params = request.query_params
    assert isinstance(params, QueryParams)
    assert params["a"] == "2"
    assert params.getlist("a") == ["1", "2"]
    assert params["b"] == ""
    assert params["c"] == ""
    assert params["d"] == "x y z"
    assert params["e"] == "é"
    assert "zzz" not in params
    assert params.getlist("zzz") == []


def test_query_params_empty_and_missing() -> None:
    assert len(Request(make_scope()).query_params) == 0
    scope = make_scope()
    del scope["query_string"]
    assert len(Request(scope).query_params) == 0


def test_path_params() -> None:
    assert Request(make_scope()).path_params == {}
    request = Request(make_scope(path_params={"id": 3, "slug": "x"}))
    assert request.path_params == {"id": 3, "slug": "x"}


def test_client() -> None:
    client = Request(make_scope()).client
    assert client == Address("10.0.0.1", 40000)
    assert client is not None
    assert (client.host, client.port) == ("10.0.0.1", 40000)
    assert Request(make_scope(client=None)).client is None
    scope = make_scope()
    del scope["client"]
    assert Request(scope).client is None


def test_state() -> None:
    scope = make_scope(state={"db": "lifespan-db"})
    request = Request(scope)
    assert isinstance(request.state, State)
    assert request.state.db == "lifespan-db"
    request.state.user = "alice"
    assert scope["state"]["user"] == "alice"
    with pytest.raises(AttributeError, match="nope"):
        _ = request.state.nope


def test_state_created_when_scope_has_none() -> None:
    scope = make_scope()
    request = Request(scope)
    request.state.x = 1
    assert scope["state"] == {"x": 1}
    assert Request(scope).state.x == 1


def test_app_and_middleware_only_attributes() -> None:
    app: object = FakeApp()
    request = Request(make_scope(app=app))
    assert request.app is app
    with pytest.raises(AssertionError, match="SessionMiddleware"):
        _ = request.session
    with pytest.raises(AssertionError, match="AuthenticationMiddleware"):
        _ = request.auth
    with pytest.raises(AssertionError, match="AuthenticationMiddleware"):
        _ = request.user
    request = Request(make_scope(session={"a": 1}, auth="creds", user="bob"))
    assert (request.session, request.auth, request.user) == ({"a": 1}, "creds", "bob")


def test_url_for_uses_the_app_and_base_url() -> None:
    from heron.datastructures import URLPath

    class App:
        def url_path_for(self, name: str, /, **params: Any) -> URLPath:
            return URLPath(f"/{name}/{params['id']}")

    request = Request(make_scope(app=App(), path="/api/x", root_path="/api"))
    assert request.url_for("item", id=3) == URL("http://example.com/api/item/3")


def test_http_connection_is_usable_for_any_scope() -> None:
    connection = HTTPConnection(make_scope(type="websocket", path="/ws", scheme="ws"))
    assert str(connection.url) == "ws://example.com/ws"
    assert connection.headers["host"] == "example.com"


# --------------------------------------------------------------------------- cookies


@pytest.mark.parametrize(
    ("header", "cookies"),
    [
        ("a=1", {"a": "1"}),
        ("a=1; b=2", {"a": "1", "b": "2"}),
        ("a=1;b=2;;", {"a": "1", "b": "2"}),
        ('a="quoted value"', {"a": "quoted value"}),
        ('a="esc\\"aped"', {"a": 'esc"aped'}),
        ("a=x=y=z", {"a": "x=y=z"}),
        ("  spaced  =  value  ", {"spaced": "value"}),
        ("novalue", {"": "novalue"}),
        ("a=", {"a": ""}),
        ("=b", {"": "b"}),
        ("a=1; a=2", {"a": "2"}),
        ('keebler=E=mc2; L="aloha"', {"keebler": "E=mc2", "L": "aloha"}),
        ("a=\x7f\xff; b=ok", {"a": "\x7f\xff", "b": "ok"}),
        ('json={"k": [1,2]}', {"json": '{"k": [1,2]}'}),
        ("a=1, b=2", {"a": "1, b=2"}),
        ("", {}),
        (";;;", {}),
    ],
)
def test_cookie_parser(header: str, cookies: dict[str, str]) -> None:
    assert cookie_parser(header) == cookies


def test_cookie_parser_never_raises() -> None:
    rng = random.Random(1234)
    alphabet = string.printable + '";=\\\x00\x7f\xe9'
    for _ in range(2000):
        header = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        result = cookie_parser(header)
        assert isinstance(result, dict)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.items())


def test_request_cookies() -> None:
    request = Request(make_scope(headers=[("cookie", "session=abc; theme=dark")]))
    assert request.cookies == {"session": "abc", "theme": "dark"}
    assert request.cookies is request.cookies
    assert Request(make_scope()).cookies == {}


def test_several_cookie_headers_are_all_read() -> None:
    # HTTP/2 may send one Cookie field per cookie.
    request = Request(make_scope(headers=[("cookie", "a=1"), ("cookie", "b=2; c=3")]))
    assert request.cookies == {"a": "1", "b": "2", "c": "3"}


def test_request_cookies_from_a_malformed_header() -> None:
    request = Request(make_scope(headers=[("cookie", '"; =;= ;a="unterminated; \\"x; b=2')]))
    assert request.cookies["b"] == "2"


# --------------------------------------------------------------------------- body


async def test_body_joins_chunks_and_is_cached() -> None:
    request = make_request(b"hello ", b"", b"world")
    assert await request.body() == b"hello world"
    assert await request.body() == b"hello world"
    receiver = request.receive
    assert isinstance(receiver, Receiver)
    assert receiver.calls == 3


async def test_empty_body() -> None:
    assert await make_request().body() == b""


async def test_stream_yields_chunks() -> None:
    request = make_request(b"a", b"b", b"c")
    chunks = [chunk async for chunk in request.stream()]
    assert b"".join(chunks) == b"abc"
    assert [c for c in chunks if c] == [b"a", b"b", b"c"]


async def test_stream_twice_raises() -> None:
    request = make_request(b"a", b"b")
    async for _ in request.stream():
        pass
    with pytest.raises(RuntimeError, match="Stream consumed"):
        async for _ in request.stream():
            pass
    with pytest.raises(RuntimeError, match="Stream consumed"):
        await request.body()


async def test_stream_after_body_replays_the_body() -> None:
    request = make_request(b"a", b"b")
    assert await request.body() == b"ab"
    assert b"".join([c async for c in request.stream()]) == b"ab"
    assert b"".join([c async for c in request.stream()]) == b"ab"


async def test_json() -> None:
    request = make_request(b'{"a": [1, ', b'"\xc3\xa9"]}')
    assert await request.json() == {"a": [1, "é"]}
    assert await request.json() == {"a": [1, "é"]}


async def test_json_null_is_cached_too() -> None:
    request = make_request(b"null")
    assert await request.json() is None
    assert await request.json() is None


@pytest.mark.parametrize("body", [b"", b"{", b"{'a': 1}", b"\xff\xfe", b"[" * 100_000, b"nan?"])
async def test_invalid_json_is_400(body: bytes) -> None:
    request = make_request(body)
    with pytest.raises(HTTPError) as info:
        await request.json()
    assert info.value.status_code == 400


async def test_body_over_max_body_size_is_413() -> None:
    request = make_request(b"12345", b"67890", b"x", app=FakeApp(max_body_size=10))
    with pytest.raises(HTTPError) as info:
        await request.body()
    assert info.value.status_code == 413


async def test_body_at_max_body_size_is_fine() -> None:
    request = make_request(b"12345", b"67890", app=FakeApp(max_body_size=10))
    assert await request.body() == b"1234567890"


async def test_413_stops_reading_the_body() -> None:
    chunks = [b"x" * 10] * 100
    request = make_request(*chunks, app=FakeApp(max_body_size=25))
    with pytest.raises(HTTPError):
        await request.body()
    receiver = request.receive
    assert isinstance(receiver, Receiver)
    assert receiver.calls == 3


async def test_json_over_max_body_size_is_413() -> None:
    request = make_request(b'{"a": "' + b"x" * 100 + b'"}', app=FakeApp(max_body_size=50))
    with pytest.raises(HTTPError) as info:
        await request.json()
    assert info.value.status_code == 413


@pytest.mark.parametrize("length", ["11", "1000000000000", "9" * 5000])
async def test_declared_length_over_the_limit_is_413_before_reading(length: str) -> None:
    request = make_request(
        b"0123456789", app=FakeApp(max_body_size=10), headers=[("content-length", length)]
    )
    with pytest.raises(HTTPError) as info:
        await request.body()
    assert info.value.status_code == 413
    receiver = request.receive
    assert isinstance(receiver, Receiver)
    assert receiver.calls == 0


@pytest.mark.parametrize("length", ["10", "5", "abc", "-1", "\xb2", ""])
async def test_declared_length_within_the_limit_or_odd_is_read(length: str) -> None:
    # An odd Content-Length is the server's business; the limit is still counted on bytes.
    request = make_request(
        b"0123456789", app=FakeApp(max_body_size=10), headers=[("content-length", length)]
    )
    assert await request.body() == b"0123456789"


@pytest.mark.parametrize("app", [None, FakeApp(max_body_size=None), object()])
async def test_no_limit_without_max_body_size(app: Any) -> None:
    request = make_request(b"x" * 100_000, app=app)
    assert len(await request.body()) == 100_000


async def test_client_disconnect_mid_body() -> None:
    request = Request(
        make_scope(),
        Receiver(
            {"type": "http.request", "body": b"partial", "more_body": True},
            {"type": "http.disconnect"},
        ),
    )
    with pytest.raises(ClientDisconnect):
        await request.body()
    assert await request.is_disconnected()


async def test_client_disconnect_is_an_oserror() -> None:
    assert issubclass(ClientDisconnect, OSError)


async def test_is_disconnected_false_while_connected() -> None:
    request = Request(make_scope(), Receiver())
    with anyio.fail_after(1):
        assert await request.is_disconnected() is False


async def test_is_disconnected_true_after_disconnect() -> None:
    request = Request(make_scope(), Receiver({"type": "http.disconnect"}))
    assert await request.is_disconnected() is True
    assert await request.is_disconnected() is True


async def test_is_disconnected_does_not_lose_body_chunks() -> None:
    # A server whose receive returns at once when data is already buffered (uvicorn does):
    # the message must not be swallowed by the non-blocking disconnect check.
    request = make_request(b"hello ", b"world")
    assert await request.is_disconnected() is False
    assert await request.is_disconnected() is False
    with anyio.fail_after(2):
        assert await request.body() == b"hello world"


async def test_is_disconnected_before_reading_an_empty_body_does_not_hang() -> None:
    request = make_request()  # a GET: one empty, final http.request message
    assert await request.is_disconnected() is False
    with anyio.fail_after(2):
        assert await request.body() == b""


async def test_polling_is_disconnected_keeps_memory_bounded() -> None:
    class Chatty:
        """A server that answers every receive() at once with an empty request message."""

        async def __call__(self) -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

    request = Request(make_scope(), Chatty())
    for _ in range(1000):
        assert await request.is_disconnected() is False
    assert await request.body() == b""
    assert await request.is_disconnected() is False


async def test_is_disconnected_then_disconnect_during_body() -> None:
    request = Request(
        make_scope(),
        Receiver(
            {"type": "http.request", "body": b"a", "more_body": True},
            {"type": "http.disconnect"},
        ),
    )
    assert await request.is_disconnected() is False
    with pytest.raises(ClientDisconnect):
        await request.body()


async def test_no_receive_channel() -> None:
    request = Request(make_scope())
    with pytest.raises(RuntimeError, match="Receive channel"):
        await request.body()


async def test_send_push_promise() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    plain = Request(make_scope(), Receiver(), send)
    await plain.send_push_promise("/style.css")
    assert sent == []
    scope = make_scope(
        headers=[("accept", "text/css"), ("cookie", "secret"), ("accept-encoding", "gzip")],
        extensions={"http.response.push": {}},
    )
    await Request(scope, Receiver(), send).send_push_promise("/style.css")
    assert sent == [
        {
            "type": "http.response.push",
            "path": "/style.css",
            "headers": [(b"accept", b"text/css"), (b"accept-encoding", b"gzip")],
        }
    ]


async def test_request_in_a_real_app_via_raw_asgi() -> None:
    """A tiny ASGI app reading everything a handler typically reads."""
    from heron.responses import JSONResponse

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        payload = await request.json()
        response = JSONResponse(
            {
                "method": request.method,
                "path": request.url.path,
                "q": request.query_params.getlist("q"),
                "token": request.headers["x-token"],
                "cookie": request.cookies.get("c"),
                "payload": payload,
            }
        )
        await response(scope, receive, send)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = make_scope(
        method="POST",
        path="/submit",
        query_string=b"q=1&q=2",
        headers=[("host", "h"), ("X-Token", "t"), ("Cookie", "c=v")],
    )
    await app(scope, Receiver(*body_messages(b'{"n":', b" 1}")), send)
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {
        "method": "POST",
        "path": "/submit",
        "q": ["1", "2"],
        "token": "t",
        "cookie": "v",
        "payload": {"n": 1},
    }


# ---------------------------------------------------------------- read_body


def _body_receive(*chunks: bytes) -> Receive:
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive() -> Message:
        return messages.pop(0)

    return receive


async def _read(receive: Receive, limit: int | None, length: bytes | None = None) -> bytes:
    headers = [] if length is None else [(b"content-length", length)]
    return await read_body(receive, limit, {"type": "http", "headers": headers})


def test_read_body_joins_the_chunks() -> None:
    assert asyncio.run(_read(_body_receive(b"ab", b"", b"cd"), 10)) == b"abcd"


def test_read_body_refuses_a_declared_length_over_the_limit_before_reading() -> None:
    async def never() -> Message:
        raise AssertionError("read although the declared length was over the limit")

    with pytest.raises(HTTPError) as info:
        asyncio.run(_read(never, 10, b"11"))
    assert info.value.status_code == 413


def test_read_body_survives_a_content_length_of_thousands_of_digits() -> None:
    # int() refuses more than 4300 digits (CVE-2020-10735): a 413, not a ValueError.
    with pytest.raises(HTTPError) as info:
        asyncio.run(_read(_body_receive(b"x"), 10, b"9" * 5000))
    assert info.value.status_code == 413


def test_read_body_counts_the_chunks_against_the_limit() -> None:
    with pytest.raises(HTTPError) as info:
        asyncio.run(_read(_body_receive(b"123456", b"789012"), 10))
    assert info.value.status_code == 413


def test_read_body_reports_a_disconnect() -> None:
    async def gone() -> Message:
        return {"type": "http.disconnect"}

    with pytest.raises(ClientDisconnect):
        asyncio.run(_read(gone, None))


# ---------------------------------------------------------------- request.form() spellings


def _form_request(body: bytes) -> Request:
    scope: Scope = {
        "type": "http",
        "method": "POST",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
    }
    return Request(scope, _body_receive(body))


def test_form_can_be_awaited() -> None:
    async def main() -> Any:
        return (await _form_request(b"a=1&b=2").form())["b"]

    assert asyncio.run(main()) == "2"


def test_form_is_an_async_context_manager_that_closes_the_files() -> None:
    body = (
        b'--B\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello\r\n--B--\r\n"
    )
    scope: Scope = {
        "type": "http",
        "method": "POST",
        "headers": [(b"content-type", b"multipart/form-data; boundary=B")],
    }

    async def main() -> tuple[bytes, Any]:
        async with Request(scope, _body_receive(body)).form() as form:
            upload = cast(UploadFile, form["f"])  # a file part, not a field
            content = await upload.read()
        return content, upload

    content, upload = asyncio.run(main())
    assert content == b"hello"
    assert upload.file.closed


# --------------------------------------------------------------------------- the context


def test_one_context_and_one_request_for_every_step() -> None:
    app = Heron(secret_key="k" * 32, csrf=False)
    seen: dict[str, list[object]] = {"ctx": [], "request": []}

    async def check(request: Request) -> None:
        seen["ctx"].append(RequestContext.of_request(request))
        seen["request"].append(request)

    app.request_checks.append(check)

    @app.middleware("http")
    async def outer(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        return response

    @app.before_request
    def before(request: Request) -> None:
        seen["request"].append(request)

    def dependency(request: Request) -> None:
        seen["request"].append(request)

    @app.get("/")
    async def endpoint(request: Request, _: None = Depends(dependency)) -> bool:
        seen["ctx"].append(RequestContext.of_request(request))
        seen["request"].append(request)
        return True

    assert TestClient(app).get("/").json() is True
    assert len(seen["ctx"]) == 2 and seen["ctx"][0] is seen["ctx"][1]
    requests = seen["request"]
    assert len(requests) == 4 and all(r is requests[0] for r in requests)


def test_the_app_session_is_verified_only_when_a_step_reads_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unsigned: list[str] = []
    original = SessionSigner.unsign

    def counting(self: SessionSigner, text: str, max_age: int | None) -> Any:
        unsigned.append(text)
        return original(self, text, max_age)

    monkeypatch.setattr(SessionSigner, "unsign", counting)
    app = Heron(secret_key="k" * 32, csrf=False)

    @app.post("/login")
    def login() -> str:
        session["user"] = "ann"
        return "in"

    @app.get("/api")
    def api() -> str:
        return "no session here"

    @app.get("/me")
    def me() -> str:
        return str(session["user"])

    client = TestClient(app)
    client.post("/login")
    unsigned.clear()
    response = client.get("/api")
    assert response.json() == "no session here" and "vary" not in response.headers
    assert unsigned == []  # the cookie was sent, never verified
    response = client.get("/me")
    assert response.json() == "ann" and response.headers["vary"] == "Cookie"
    assert len(unsigned) == 1


def test_a_mounted_app_has_its_own_context_and_gives_the_outer_one_back() -> None:
    outer = Heron(secret_key="k" * 32, csrf=False)
    inner = Heron(secret_key="k" * 32, csrf=False)
    apps: list[object] = []

    @inner.get("/ping")
    def ping(request: Request) -> str:
        apps.append(RequestContext.of_request(request).app)
        return "pong"

    @outer.teardown_request
    def teardown(request: Request, error: BaseException | None) -> None:
        # After the mounted app returned: the scope holds the outer context again.
        apps.append(RequestContext.of_request(request).app)

    outer.mount("/inner", inner)
    assert TestClient(outer).get("/inner/ping").json() == "pong"
    assert apps == [inner, outer]


# --------------------------------------------------------------------------- Flask's spellings

FLASK_HINT = "heron.flask (`from heron.flask import request`)"


def test_args_is_flasks_name_for_the_query_params() -> None:
    request = Request(make_scope(query_string=b"page=2&tag=a&tag=b"))
    assert request.args is request.query_params
    assert request.args.get("page") == "2"
    assert request.args.getlist("tag") == ["a", "b"]


def _flask_error(expression: str, request: Request) -> BaseException:
    # Through Any: type checkers refuse these spellings already, which is the point.
    with pytest.raises((TypeError, AttributeError)) as info:
        eval(expression, {"request": cast(Any, request)})
    return info.value


@pytest.mark.parametrize(
    ("expression", "error", "instead"),
    [
        ('request.form["user"]', TypeError, "`await request.form()`"),
        ('request.form.get("user")', AttributeError, "`await request.form()`"),
        ('request.form.getlist("user")', AttributeError, "a `Form()` parameter"),
        ('"user" in request.form', TypeError, "`await request.form()`"),
        ("list(request.form)", TypeError, "`await request.form()`"),
        ('request.json["k"]', TypeError, "`await request.json()`"),
        ('request.json.get("k")', AttributeError, "`await request.json()`"),
        ("request.get_json()", AttributeError, "`await request.json()`"),
        ("request.data", AttributeError, "`await request.body()`"),
        ("request.get_data()", AttributeError, "`await request.body()`"),
        ("request.files", AttributeError, "`UploadFile`"),
        ("request.values", AttributeError, "`request.query_params`"),
    ],
)
def test_flasks_synchronous_spellings_name_heron_s_and_heron_flask(
    expression: str, error: type[BaseException], instead: str
) -> None:
    raised = _flask_error(expression, _form_request(b"user=ann"))
    assert type(raised) is error
    message = str(raised)
    assert message.startswith("Heron's request")
    assert instead in message and FLASK_HINT in message


def test_the_form_message_is_the_documented_one() -> None:
    raised = _flask_error('request.form["user"]', _form_request(b"user=ann"))
    assert str(raised) == (
        "Heron's request.form is asynchronous: use `await request.form()` in an async "
        "handler, or a `Form()` parameter; Flask's synchronous `request.form` is in "
        "heron.flask (`from heron.flask import request`)"
    )


def test_flask_only_names_are_absent_and_other_names_keep_python_s_error() -> None:
    request = _form_request(b"")
    for name in ("data", "files", "values", "get_json", "get_data"):
        assert not hasattr(request, name)
    with pytest.raises(AttributeError) as info:
        cast(Any, request).nope  # noqa: B018
    assert str(info.value) == "'Request' object has no attribute 'nope'"
    assert info.value.name == "nope" and info.value.obj is request


def test_a_subclass_may_still_use_the_flask_names_and_override_form() -> None:
    class Custom(Request):
        def __init__(self, scope: Scope, receive: Receive) -> None:
            super().__init__(scope, receive)
            self.data = b"mine"  # a subclass instance has a __dict__: the name is free

        async def form(self, **options: Any) -> Any:  # type: ignore[override]
            return {"overridden": dict(await super().form(**options))}

    async def main() -> Any:
        request = Custom(_form_request(b"a=1").scope, _body_receive(b"a=1"))
        return request.data, await request.form()

    assert asyncio.run(main()) == (b"mine", {"overridden": {"a": "1"}})


def test_await_form_and_json_work_as_before_and_keep_their_caches() -> None:
    async def main() -> tuple[Any, ...]:
        request = _form_request(b"a=1")
        first = await request.form()
        async with request.form() as second:
            pass
        json_request = Request(
            {"type": "http", "method": "POST", "headers": []}, _body_receive(b'{"k": [1]}')
        )
        return first, second, await json_request.json(), await json_request.json()

    first, second, parsed, again = asyncio.run(main())
    assert first is second and first["a"] == "1"
    assert parsed == {"k": [1]} and parsed is again


def test_the_readers_look_like_bound_methods_and_document_themselves() -> None:
    request = _form_request(b"")
    assert repr(request.form).startswith("<bound method Request.form of <")
    assert "urlencoded or multipart" in (Request.form.__doc__ or "")
    assert "decoded as JSON" in (Request.json.__doc__ or "")
    with pytest.raises(AttributeError):
        cast(Any, request.form).__wrapped__  # noqa: B018  (dunders: Python's plain error)


def test_the_errors_reach_a_handler_through_the_request_global() -> None:
    app = Heron()

    @app.route("/login", methods=["POST"])
    def login() -> str:
        try:
            return str(cast(Any, current_request).form["user"])
        except TypeError as exc:
            return str(exc)

    response = TestClient(app).post("/login", data={"user": "ann"})
    assert response.text.startswith("Heron's request.form is asynchronous")
