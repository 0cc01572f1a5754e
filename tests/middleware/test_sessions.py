"""SessionMiddleware: cookie sessions, key rotation, bad cookies, and Redis-backed sessions."""

import base64
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import anyio
import itsdangerous
import pytest
import redis

from heron import Heron, Request, WebSocket, session
from heron.exceptions import HeronError, HTTPError, SessionTooLarge
from heron.middleware.sessions import MAX_COOKIE_SIZE, SessionMiddleware
from heron.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from heron.sessions import MemorySessionStore, RedisSessionStore, Session, SessionSigner
from heron.testclient import AsyncTestClient, TestClient
from heron.types import Receive, Scope, Send
from redis_server import RedisServer

ONE_YEAR_AGO = int(time.time()) - 365 * 24 * 3600


def make_app(**options: Any) -> Heron:
    """An app with SessionMiddleware(secret_key="secret", **options) and a few routes."""
    app = Heron()
    app.add_middleware(SessionMiddleware, **{"secret_key": "secret", **options})

    @app.get("/set")
    def set_value(request: Request, key: str = "user", value: str = "ann") -> dict[str, Any]:
        request.session[key] = value
        return {}

    @app.get("/read")
    def read(request: Request) -> dict[str, Any]:
        return dict(request.session.items())

    @app.get("/clear")
    def clear(request: Request) -> dict[str, Any]:
        request.session.clear()
        return {}

    @app.get("/login")
    def login(request: Request) -> dict[str, Any]:
        cast(Session, request.session).regenerate()  # session fixation: a new id at login
        request.session["user"] = "ann"
        return {}

    @app.get("/untouched")
    def untouched() -> dict[str, Any]:
        return {"ok": True}

    return app


def cookie_of(response: Any, name: str = "session") -> str:
    """The value the response's Set-Cookie gives ``name``."""
    for header in response.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key == name:
            return str(rest.split(";", 1)[0])
    raise AssertionError(f"no Set-Cookie for {name}: {response.headers}")


def attributes_of(response: Any) -> list[str]:
    [header] = response.headers.get_list("set-cookie")
    return [part.strip() for part in header.split(";")[1:]]


# ---------------------------------------------------------------- the cookie


def test_a_session_survives_across_requests() -> None:
    client = TestClient(make_app())
    assert client.get("/read").json() == {}
    client.get("/set")
    assert client.get("/read").json() == {"user": "ann"}
    client.get("/set", params={"key": "theme", "value": "dark"})
    assert client.get("/read").json() == {"user": "ann", "theme": "dark"}


def test_default_cookie_attributes() -> None:
    response = TestClient(make_app()).get("/set")
    assert attributes_of(response) == ["Max-Age=1209600", "Path=/", "HttpOnly", "SameSite=Lax"]
    value = cookie_of(response)
    assert len(value.split(".")) == 3  # payload.timestamp.signature
    assert "ann" not in value  # base64, signed; readable by the client but not plain text


def test_configured_cookie_attributes() -> None:
    app = make_app(
        session_cookie="sid",
        max_age=60,
        path="/app",
        same_site="strict",
        https_only=True,
        domain="example.com",
        partitioned=True,
    )
    response = TestClient(app, base_url="https://example.com").get("/set")
    assert response.headers["set-cookie"].startswith("sid=")
    assert attributes_of(response) == [
        "Max-Age=60",
        "Path=/app",
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Domain=example.com",
        "Partitioned",
    ]


def test_no_max_age_is_a_browser_session_cookie() -> None:
    response = TestClient(make_app(max_age=None)).get("/set")
    assert attributes_of(response) == ["Path=/", "HttpOnly", "SameSite=Lax"]


def test_same_site_none_is_allowed_with_secure() -> None:
    response = TestClient(make_app(same_site="none", https_only=True)).get("/set")
    assert "SameSite=None" in attributes_of(response)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"same_site": "none"}, "needs https_only=True"),
        ({"same_site": "sometimes"}, "same_site must be"),
        ({"session_cookie": "my session"}, "Invalid session cookie name"),
        ({"session_cookie": ""}, "Invalid session cookie name"),
        ({"path": "/; Domain=evil.com"}, "Invalid session cookie path"),
        ({"domain": "a.com\r\nX-Evil: 1"}, "Invalid session cookie domain"),
        ({"secret_key": ""}, "must not be empty"),
    ],
)
def test_bad_configuration_fails_at_startup(options: dict[str, Any], message: str) -> None:
    with pytest.raises(HeronError, match=message):
        TestClient(make_app(**options)).get("/untouched")


def test_the_cookie_is_sent_only_when_the_session_changed() -> None:
    client = TestClient(make_app())
    client.get("/set")
    read = client.get("/read")
    assert read.json() == {"user": "ann"}
    assert "set-cookie" not in read.headers
    assert read.headers["vary"] == "Cookie"


def test_a_route_that_never_touches_the_session_sends_nothing() -> None:
    client = TestClient(make_app())
    client.get("/set")
    response = client.get("/untouched")
    assert "set-cookie" not in response.headers
    assert "vary" not in response.headers


def test_emptying_the_session_deletes_the_cookie() -> None:
    client = TestClient(make_app())
    client.get("/set")
    response = client.get("/clear")
    assert attributes_of(response)[:2] == ["Max-Age=0", "Expires=Thu, 01 Jan 1970 00:00:00 GMT"]
    assert cookie_of(response) == ""
    assert "session" not in client.cookies
    assert client.get("/read").json() == {}


def test_emptying_a_session_nobody_had_sends_nothing() -> None:
    response = TestClient(make_app()).get("/clear")
    assert "set-cookie" not in response.headers
    assert response.headers["vary"] == "Cookie"


def test_regenerate_re_signs_a_cookie_session() -> None:
    app = make_app()

    @app.get("/regenerate")
    def regenerate(request: Request) -> dict[str, Any]:
        cast(Session, request.session).regenerate()  # no data change: the cookie is sent again
        return {}

    client = TestClient(app)
    client.get("/set")
    response = client.get("/regenerate")
    assert "set-cookie" in response.headers
    assert client.get("/read").json() == {"user": "ann"}


# ---------------------------------------------------------------- Vary: Cookie (H5)

ACCESSES: list[tuple[str, Callable[[Any], Any]]] = [
    ("getitem", lambda s: s.get("user") and s["user"]),
    ("get", lambda s: s.get("user")),
    ("contains", lambda s: "user" in s),
    ("len", len),
    ("iter", list),
    ("setdefault", lambda s: s.setdefault("user", "x")),
    ("pop-missing", lambda s: s.pop("missing", None)),
    ("clear", lambda s: s.clear()),
    ("set", lambda s: s.__setitem__("user", "bob")),
]


@pytest.mark.parametrize(("name", "access"), ACCESSES, ids=[n for n, _ in ACCESSES])
@pytest.mark.parametrize("vary", [None, "Accept-Encoding", "cookie"])
def test_any_access_adds_vary_cookie_once(
    name: str, access: Callable[[Any], Any], vary: str | None
) -> None:
    app = make_app()

    @app.get("/access")
    def access_route(request: Request) -> Response:
        access(request.session)
        headers = {"vary": vary} if vary else None
        return PlainTextResponse("ok", headers=headers)

    client = TestClient(app)
    client.get("/set")
    response = client.get("/access")
    expected = {None: "Cookie", "Accept-Encoding": "Accept-Encoding, Cookie", "cookie": "cookie"}
    assert response.headers.get_list("vary") == [expected[vary]]


# ---------------------------------------------------------------- bad cookies (H7, H8)


def _signed(payload: bytes, key: str = "secret") -> str:
    """``payload`` signed as a Heron session cookie would be, whatever it holds."""
    signer = itsdangerous.TimestampSigner(
        key.encode(),
        salt="heron.session",
        digest_method=hashlib.sha256,
        key_derivation="django-concat",
    )
    return signer.sign(payload).decode()


def _valid_cookie() -> str:
    return cookie_of(TestClient(make_app()).get("/set"))


BAD_COOKIES: dict[str, Callable[[], str]] = {
    "garbage": lambda: "invalid",
    "empty": lambda: "",
    "dots": lambda: "...",
    "truncated-signature": lambda: _valid_cookie()[:-5],
    "truncated-payload": lambda: _valid_cookie()[3:],
    "flipped-payload": lambda: "eyJ1c2VyIjoiYm9iIn0" + _valid_cookie()[19:],
    "other-key": lambda: cookie_of(TestClient(make_app(secret_key="other")).get("/set")),
    "signed-not-base64": lambda: _signed(b"!!!not*base64!!!"),
    "signed-not-json": lambda: _signed(base64.urlsafe_b64encode(b"not json").rstrip(b"=")),
    "signed-json-list": lambda: _signed(base64.urlsafe_b64encode(b"[1,2,3]").rstrip(b"=")),
    "signed-bad-zlib": lambda: _signed(b"." + base64.urlsafe_b64encode(b"\x00zz").rstrip(b"=")),
    "starlette-format": lambda: "eyJhIjogMX0=.awYB5g.IT2Kjfd_ukR2QL8i0X9HMS5bsOk",
    "huge": lambda: "a" * 100_000,
    "huge-valid-prefix": lambda: _valid_cookie() + "a" * 5000,
    "non-ascii": lambda: "é" * 50,
    "quoted": lambda: '"' + "\\" * 2000 + '"',
}


@pytest.mark.parametrize("make_cookie", BAD_COOKIES.values(), ids=list(BAD_COOKIES))
def test_bad_cookies_give_an_empty_session(make_cookie: Callable[[], str]) -> None:
    client = TestClient(make_app(), raise_server_exceptions=False)
    cookie = f"session={make_cookie()}".encode()  # bytes: the non-ASCII case is raw UTF-8
    response = client.get("/read", headers={b"cookie": cookie})
    assert response.status_code == 200
    assert response.json() == {}


def test_a_bad_cookie_is_replaced_when_the_session_is_written() -> None:
    client = TestClient(make_app())
    response = client.get("/set", headers={"cookie": "session=forged"})
    assert client.get("/read", headers={"cookie": f"session={cookie_of(response)}"}).json() == {
        "user": "ann"
    }


def test_an_expired_cookie_gives_an_empty_session(monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(make_app(max_age=3600))
    with monkeypatch.context() as patch:
        patch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: ONE_YEAR_AGO)
        old = cookie_of(client.get("/set"))
    # Replayed after its max_age: refused even though the browser would have dropped it.
    assert client.get("/read", headers={"cookie": f"session={old}"}).json() == {}


def test_many_cookies_and_duplicates() -> None:
    valid = _valid_cookie()
    noise = "; ".join(f"c{i}=v{i}" for i in range(4000))
    client = TestClient(make_app())
    started = time.perf_counter()
    response = client.get("/read", headers={"cookie": f"{noise}; session={valid}"})
    assert time.perf_counter() - started < 2
    assert response.json() == {"user": "ann"}
    # Several session cookies: one value is used (the last, as request.cookies); a forged
    # one never raises.
    both = client.get("/read", headers={"cookie": f"session={valid}; session=forged"})
    assert (both.status_code, both.json()) == (200, {})


def test_http2_split_cookie_headers() -> None:
    valid = _valid_cookie()
    client = TestClient(make_app())
    response = client.get("/read", headers=[("cookie", "a=1"), ("cookie", f"session={valid}")])
    assert response.json() == {"user": "ann"}


# ---------------------------------------------------------------- key rotation (H6)


def test_secret_key_rotation() -> None:
    old_cookie = cookie_of(TestClient(make_app(secret_key="old")).get("/set"))
    rotated = TestClient(make_app(secret_key="new", secret_key_fallbacks=["old"]))
    # A cookie signed with the old key is still accepted...
    assert rotated.get("/read", headers={"cookie": f"session={old_cookie}"}).json() == {
        "user": "ann"
    }
    # ...and re-signed with the new key when the session changes.
    response = rotated.get("/set?key=theme&value=dark", headers={"cookie": f"session={old_cookie}"})
    new_cookie = cookie_of(response)
    new_only = TestClient(make_app(secret_key="new"))
    assert new_only.get("/read", headers={"cookie": f"session={new_cookie}"}).json() == {
        "user": "ann",
        "theme": "dark",
    }
    old_only = TestClient(make_app(secret_key="old"))
    assert old_only.get("/read", headers={"cookie": f"session={new_cookie}"}).json() == {}
    # A key in neither place is refused.
    stranger = cookie_of(TestClient(make_app(secret_key="stranger")).get("/set"))
    assert rotated.get("/read", headers={"cookie": f"session={stranger}"}).json() == {}


# ---------------------------------------------------------------- size limit


def test_a_session_too_large_for_a_cookie_is_a_clear_500() -> None:
    app = make_app()

    @app.get("/big")
    def big(request: Request, size: int) -> dict[str, Any]:
        # Random-looking data: compression cannot save it.
        request.session["blob"] = hashlib.sha512(b"x").hexdigest() * (size // 128)
        request.session["noise"] = [
            hashlib.sha256(str(i).encode()).hexdigest() for i in range(size // 64)
        ]
        return {}

    client = TestClient(app)
    with pytest.raises(SessionTooLarge, match=r"over the 4093-byte limit") as caught:
        client.get("/big", params={"size": 6000})
    assert caught.value.size > MAX_COOKIE_SIZE
    quiet = TestClient(app, raise_server_exceptions=False)
    response = quiet.get("/big", params={"size": 6000})
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert "set-cookie" not in response.headers
    assert cookie_of(quiet.get("/big", params={"size": 1000}))  # small enough: sent


def test_a_user_500_handler_answers_the_size_error() -> None:
    app = make_app()

    @app.exception_handler(SessionTooLarge)
    def too_large(request: Request, exc: SessionTooLarge) -> Response:
        return PlainTextResponse(f"session of {exc.size} bytes", status_code=500)

    @app.get("/big")
    def big(request: Request) -> dict[str, Any]:
        request.session["noise"] = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(200)]
        return {}

    response = TestClient(app).get("/big")
    assert response.status_code == 500
    assert response.text.startswith("session of ")


def test_values_json_cannot_encode_are_a_clear_error() -> None:
    app = make_app()

    @app.get("/object")
    def put_object(request: Request) -> dict[str, Any]:
        request.session["when"] = object()
        return {}

    with pytest.raises(TypeError, match="JSON-serialisable"):
        TestClient(app).get("/object")


# ---------------------------------------------------------------- integration


def test_heron_secret_key_turns_sessions_on() -> None:
    app = Heron(secret_key="secret")

    @app.get("/count")
    def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    client = TestClient(app)
    assert [client.get("/count").json()["n"] for _ in range(3)] == [1, 2, 3]


def test_secret_key_can_be_set_after_creating_the_app() -> None:
    app = Heron()
    app.secret_key = "secret"

    @app.get("/")
    async def home(request: Request) -> dict[str, Any]:
        request.session["seen"] = True
        return {}

    assert "set-cookie" in TestClient(app).get("/").headers


def test_an_explicit_middleware_wins_over_secret_key() -> None:
    app = Heron(secret_key="secret")
    app.add_middleware(SessionMiddleware, secret_key="other", session_cookie="custom")

    @app.get("/")
    def home(request: Request) -> dict[str, Any]:
        request.session["a"] = 1
        return {}

    response = TestClient(app).get("/")
    assert [h.split("=")[0] for h in response.headers.get_list("set-cookie")] == ["custom"]


def test_without_a_session_middleware_request_session_fails_clearly() -> None:
    app = Heron()

    @app.get("/")
    def home(request: Request) -> dict[str, Any]:
        return dict(request.session)

    with pytest.raises(AssertionError, match="SessionMiddleware must be installed"):
        TestClient(app).get("/")


def test_sessions_survive_a_redirect() -> None:
    app = make_app()

    @app.post("/login")
    def login(request: Request) -> Response:
        request.session["user"] = "ann"
        return RedirectResponse("/read", status_code=303)

    response = TestClient(app).post("/login")
    assert response.status_code == 200
    assert response.json() == {"user": "ann"}


def test_websockets_see_the_session() -> None:
    app = make_app()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(dict(websocket.session.items()))
        await websocket.close()

    client = TestClient(app)
    client.get("/set")
    with client.websocket_connect("/ws") as connection:
        assert connection.receive_json() == {"user": "ann"}


def test_the_session_proxy_and_request_session_are_the_same() -> None:
    app = make_app()

    @app.get("/same")
    async def same(request: Request) -> dict[str, bool]:
        session["via-proxy"] = 1
        return {"same": request.session["via-proxy"] == 1 and "via-proxy" in session}

    assert TestClient(app).get("/same").json() == {"same": True}


def test_non_http_scopes_pass_through() -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])
        assert "session" not in scope

    middleware = SessionMiddleware(inner, secret_key="secret")
    # receive and send are never called: None stands for them.
    anyio.run(middleware, {"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    assert seen == ["lifespan"]


# ---------------------------------------------------------------- server-side stores


@pytest.fixture
def store_url(redis_server: RedisServer) -> Iterator[str]:
    yield redis_server.url


def make_store_app(url: str, **store_options: Any) -> Heron:
    return make_app(store=RedisSessionStore(url, **store_options))


def test_memory_store_keeps_data_on_the_server() -> None:
    store = MemorySessionStore()
    client = TestClient(make_app(store=store))
    sid_cookie = cookie_of(client.get("/set"))
    assert client.get("/read").json() == {"user": "ann"}
    assert "ann" not in base64.urlsafe_b64decode(sid_cookie.split(".")[0] + "==").decode()
    assert len(store._sessions) == 1


def test_login_on_one_worker_stays_logged_in_on_another(store_url: str) -> None:
    # Two app instances sharing one Redis: the multi-worker proof in miniature.
    worker_a = TestClient(make_store_app(store_url))
    worker_b = TestClient(make_store_app(store_url))
    login = worker_a.get("/login")
    cookie = cookie_of(login)
    session_id = SessionSigner("secret").unsign(cookie, max_age=None)
    assert isinstance(session_id, str) and len(session_id) == 43  # the cookie holds an id only
    response = worker_b.get("/read", headers={"cookie": f"session={cookie}"})
    assert response.json() == {"user": "ann"}
    plain = redis.Redis.from_url(store_url)
    try:
        assert json.loads(plain.get(f"heron:session:{session_id}") or b"") == {"user": "ann"}
    finally:
        plain.close()


def test_login_rotates_the_session_id(store_url: str) -> None:
    client = TestClient(make_store_app(store_url))
    before = cookie_of(client.get("/set", params={"key": "cart", "value": "3 items"}))
    after = cookie_of(client.get("/login"))
    signer = SessionSigner("secret")
    old_id, new_id = signer.unsign(before, None), signer.unsign(after, None)
    assert old_id != new_id
    assert client.get("/read").json() == {"cart": "3 items", "user": "ann"}  # data kept
    plain = redis.Redis.from_url(store_url)
    try:
        assert plain.exists(f"heron:session:{old_id}") == 0  # the old id is worthless
        assert plain.exists(f"heron:session:{new_id}") == 1
    finally:
        plain.close()
    replay = TestClient(make_store_app(store_url))
    assert replay.get("/read", headers={"cookie": f"session={before}"}).json() == {}


def test_changes_keep_the_id_and_refresh_the_cookie(store_url: str) -> None:
    client = TestClient(make_store_app(store_url))
    first = cookie_of(client.get("/set"))
    second = cookie_of(client.get("/set", params={"key": "theme", "value": "dark"}))
    signer = SessionSigner("secret")
    assert signer.unsign(first, None) == signer.unsign(second, None)
    assert client.get("/read").json() == {"user": "ann", "theme": "dark"}


def test_logout_deletes_the_server_copy_so_replay_fails(store_url: str) -> None:
    client = TestClient(make_store_app(store_url))
    cookie = cookie_of(client.get("/login"))
    logout = client.get("/clear")
    assert cookie_of(logout) == ""
    # H8: the cookie captured before logout is replayed: an anonymous session.
    replay = TestClient(make_store_app(store_url))
    assert replay.get("/read", headers={"cookie": f"session={cookie}"}).json() == {}
    plain = redis.Redis.from_url(store_url)
    try:
        assert plain.keys("heron:session:*") == []
    finally:
        plain.close()


def test_clear_then_login_in_one_request_gets_a_new_id(store_url: str) -> None:
    app = make_store_app(store_url)

    @app.get("/relogin")
    def relogin(request: Request) -> dict[str, Any]:
        request.session.clear()
        request.session["user"] = "bob"
        return {}

    client = TestClient(app)
    before = cookie_of(client.get("/login"))
    after = cookie_of(client.get("/relogin"))
    signer = SessionSigner("secret")
    assert signer.unsign(before, None) != signer.unsign(after, None)
    assert client.get("/read").json() == {"user": "bob"}


def test_sessions_expire_with_their_ttl(store_url: str) -> None:
    client = TestClient(make_store_app(store_url, ttl=1))
    cookie = cookie_of(client.get("/login"))
    session_id = SessionSigner("secret").unsign(cookie, None)
    plain = redis.Redis.from_url(store_url)
    try:
        assert plain.ttl(f"heron:session:{session_id}") == 1
    finally:
        plain.close()
    time.sleep(1.2)
    assert client.get("/read").json() == {}
    # A new session after expiry gets a new id: ids the store forgot are never reused.
    again = cookie_of(client.get("/set"))
    assert SessionSigner("secret").unsign(again, None) != session_id


def test_the_ttl_defaults_to_max_age(store_url: str) -> None:
    client = TestClient(make_app(store=RedisSessionStore(store_url), max_age=600))
    session_id = SessionSigner("secret").unsign(cookie_of(client.get("/set")), None)
    plain = redis.Redis.from_url(store_url)
    try:
        assert 595 <= plain.ttl(f"heron:session:{session_id}") <= 600
    finally:
        plain.close()


def test_unsigned_or_unknown_ids_are_never_looked_up(store_url: str) -> None:
    client = TestClient(make_store_app(store_url))
    plain = redis.Redis.from_url(store_url)
    try:
        plain.set("heron:session:" + "a" * 43, b'{"user": "mallory"}')
        # An id the client picked is not signed: refused before Redis is asked.
        assert client.get("/read", headers={"cookie": "session=" + "a" * 43}).json() == {}
        # A signed value that is not an id shape (a cookie-session payload) is refused too.
        payload = SessionSigner("secret").sign({"user": "mallory"})
        assert client.get("/read", headers={"cookie": f"session={payload}"}).json() == {}
    finally:
        plain.close()


def test_redis_down_is_a_503_not_a_500(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(make_store_app(redis_server.url, timeout=1.0))
    cookie = cookie_of(client.get("/login"))
    redis_server.stop()
    with caplog.at_level(logging.ERROR, logger="heron.sessions"):
        loading = client.get("/read", headers={"cookie": f"session={cookie}"})
        saving = TestClient(client.app).get("/set")  # no cookie: fails when saving
    for response in (loading, saving):
        assert response.status_code == 503
        assert response.json() == {"detail": "Session store unavailable"}
        assert "set-cookie" not in response.headers
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert all(
        m.startswith("Session store unavailable, answering 503: ConnectionError") for m in messages
    )
    assert all(record.exc_info is None for record in caplog.records)  # no traceback
    # Routes that need no session still work without Redis.
    assert TestClient(client.app).get("/untouched").status_code == 200
    # Redis back: the same app recovers.
    redis_server.start()
    assert client.get("/set").status_code == 200


def test_the_503_goes_through_the_apps_handlers(redis_server: RedisServer) -> None:
    app = make_store_app(redis_server.url)

    @app.exception_handler(503)
    def unavailable(request: Request, exc: HTTPError) -> Response:
        return PlainTextResponse("Back soon", status_code=503, headers={"retry-after": "30"})

    redis_server.stop()
    response = TestClient(app).get("/set")
    assert (response.status_code, response.text) == (503, "Back soon")
    assert response.headers["retry-after"] == "30"


def test_a_plain_asgi_app_gets_a_json_503(redis_server: RedisServer) -> None:
    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        scope["session"]["a"] = 1
        await JSONResponse({})(scope, receive, send)

    middleware = SessionMiddleware(
        inner, secret_key="secret", store=RedisSessionStore(redis_server.url)
    )
    redis_server.stop()
    response = TestClient(middleware).get("/")
    assert (response.status_code, response.json()) == (503, {"detail": "Session store unavailable"})


def test_a_websocket_is_closed_when_redis_is_down(redis_server: RedisServer) -> None:
    app = make_store_app(redis_server.url)

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    client = TestClient(app)
    cookie = cookie_of(client.get("/set"))
    redis_server.stop()
    from heron.exceptions import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as caught:
        with client.websocket_connect("/ws", headers={"cookie": f"session={cookie}"}):
            pass
    assert caught.value.code == 1011


def test_connections_follow_the_lifespan(store_url: str) -> None:
    store = RedisSessionStore(store_url)
    app = make_app(store=store)
    # Without a lifespan, every request runs in its own event loop: the pool is closed
    # after each one instead of leaking sockets on a dead loop.
    client = TestClient(app)
    client.get("/set")
    assert store._client is None
    with TestClient(app) as running:
        running.get("/set")
        store = store  # NOTE: forget mypy's narrowing of store._client (the lifespan opened it)
        pool = store._client
        assert pool is not None
        running.get("/read")
        assert store._client is pool  # one pool for the app's life
    assert store._client is None  # closed at shutdown


def test_concurrent_requests_each_see_their_own_session() -> None:
    app = make_app()
    both_inside = anyio.Event()
    inside = 0

    @app.get("/whoami")
    async def whoami() -> dict[str, Any]:
        nonlocal inside
        inside += 1
        if inside == 2:
            both_inside.set()
        with anyio.fail_after(5):
            await both_inside.wait()  # the two requests are interleaved here
        return {"user": session["user"]}

    ann = cookie_of(TestClient(app).get("/set", params={"value": "ann"}))
    bob = cookie_of(TestClient(app).get("/set", params={"value": "bob"}))
    answers: dict[str, Any] = {}

    async def main() -> None:
        async with AsyncTestClient(app) as client:

            async def ask(name: str, cookie: str) -> None:
                response = await client.get("/whoami", headers={"cookie": f"session={cookie}"})
                answers[name] = response.json()["user"]

            async with anyio.create_task_group() as group:
                group.start_soon(ask, "ann", ann)
                group.start_soon(ask, "bob", bob)

    anyio.run(main)
    assert answers == {"ann": "ann", "bob": "bob"}
