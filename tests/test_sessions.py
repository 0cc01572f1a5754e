"""heron.sessions: the tracking dict, the signer, the stores and the ``session`` proxy."""

import time
from collections.abc import Callable
from typing import Any

import itsdangerous
import pytest
import redis

from heron import Heron, Request
from heron.exceptions import HeronError, OutsideContextError, SessionStoreUnavailable
from heron.responses import Response
from heron.sessions import (
    MemorySessionStore,
    RedisSessionStore,
    Session,
    SessionSigner,
    SessionStore,
    current_session,
    session,
)
from heron.testclient import TestClient
from redis_server import RedisServer

pytestmark = pytest.mark.anyio

# RedisStore talks through redis-py's asyncio client (redis.asyncio), which runs on an asyncio
# event loop only: its tests stay on asyncio; the other ones run on every backend.
redis_asyncio_only = pytest.mark.parametrize("anyio_backend", ["asyncio"])


# ---------------------------------------------------------------- Session


READS: list[tuple[str, Callable[[Session], Any]]] = [
    ("getitem", lambda s: s["a"]),
    ("get", lambda s: s.get("missing")),
    ("contains", lambda s: "a" in s),
    ("len", len),
    ("bool", bool),
    ("iter", list),
    ("keys", lambda s: s.keys()),
    ("values", lambda s: s.values()),
    ("items", lambda s: s.items()),
    ("copy", lambda s: s.copy()),
    ("eq", lambda s: s == {}),
    ("ne", lambda s: s != {}),
    ("or", lambda s: s | {"b": 2}),
    ("reversed", lambda s: list(reversed(s))),
    ("pop-missing", lambda s: s.pop("missing", None)),
    ("setdefault-present", lambda s: s.setdefault("a", 0)),
]
WRITES: list[tuple[str, Callable[[Session], Any]]] = [
    ("setitem", lambda s: s.__setitem__("b", 2)),
    ("delitem", lambda s: s.__delitem__("a")),
    ("clear", lambda s: s.clear()),
    ("pop", lambda s: s.pop("a")),
    ("popitem", lambda s: s.popitem()),
    ("setdefault-missing", lambda s: s.setdefault("b", 2)),
    ("update", lambda s: s.update(b=2)),
    ("ior", lambda s: s.__ior__({"b": 2})),
    ("regenerate", lambda s: s.regenerate()),
]


@pytest.mark.parametrize(("name", "read"), READS, ids=[n for n, _ in READS])
def test_reads_mark_accessed_only(name: str, read: Callable[[Session], Any]) -> None:
    data = Session({"a": 1})
    assert not data.accessed
    read(data)
    data = data  # NOTE: forget mypy's narrowing of data.accessed (read changed it)
    assert data.accessed
    assert not data.modified
    assert data.data() == {"a": 1}


@pytest.mark.parametrize(("name", "write"), WRITES, ids=[n for n, _ in WRITES])
def test_writes_mark_modified(name: str, write: Callable[[Session], Any]) -> None:
    data = Session({"a": 1})
    write(data)
    assert data.accessed
    assert data.modified


def test_loading_data_is_not_a_change_and_data_is_not_a_read() -> None:
    data = Session({"a": 1, "b": [1, 2]})
    assert data.data() == {"a": 1, "b": [1, 2]}
    assert type(data.data()) is dict
    assert not data.accessed
    assert not data.modified


def test_session_is_a_dict_and_unhashable() -> None:
    data = Session()
    assert isinstance(data, dict)
    with pytest.raises(TypeError):
        hash(data)


def test_modified_can_be_set_by_hand_for_nested_changes() -> None:
    data = Session({"cart": [1]})
    data["cart"].append(2)
    assert not data.modified  # a nested change is invisible...
    data.modified = True  # ...so, as in Flask, say it
    assert data.data() == {"cart": [1, 2]}


# ---------------------------------------------------------------- SessionSigner


def test_signer_round_trip_and_tampering() -> None:
    signer = SessionSigner("secret")
    token = signer.sign({"user": "ann", "n": [1, 2]})
    assert signer.unsign(token, max_age=60) == {"user": "ann", "n": [1, 2]}
    payload, timestamp, signature = token.split(".")
    assert signer.unsign(f"{payload}x.{timestamp}.{signature}", max_age=60) is None
    assert signer.unsign(token[:-1], max_age=60) is None
    assert SessionSigner("other").unsign(token, max_age=60) is None


@pytest.mark.parametrize(
    "text", ["", ".", "..", "a.b.c", "é.é.é", "\x00", "x" * 5000, "eyJ9.!!!.###", "%00%ff"]
)
def test_signer_never_raises_on_garbage(text: str) -> None:
    assert SessionSigner("secret").unsign(text, max_age=60) is None


def test_signer_refuses_expired_values(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = SessionSigner("secret")
    with monkeypatch.context() as patch:
        patch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: 1_000_000)
        old = signer.sign({"a": 1})
    assert signer.unsign(old, max_age=3600) is None
    assert signer.unsign(old, max_age=None) == {"a": 1}  # no age limit: accepted


def test_signer_signs_with_the_new_key_and_verifies_with_fallbacks() -> None:
    # SECURITY(CVE-2025-47278): the signing key is secret_key, never a fallback.
    old = SessionSigner("old").sign({"a": 1})
    rotated = SessionSigner("new", fallbacks=["older-still", "old"])
    assert rotated.unsign(old, max_age=60) == {"a": 1}
    fresh = rotated.sign({"a": 2})
    assert SessionSigner("new").unsign(fresh, max_age=60) == {"a": 2}
    assert SessionSigner("old").unsign(fresh, max_age=60) is None
    assert rotated.unsign(SessionSigner("unknown").sign({"a": 3}), max_age=60) is None


def test_signer_accepts_bytes_and_str_like_keys() -> None:
    class Secret:  # starlette.datastructures.Secret's shape
        def __str__(self) -> str:
            return "secret"

    token = SessionSigner(b"secret").sign({"a": 1})
    assert SessionSigner(Secret()).unsign(token, max_age=60) == {"a": 1}  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["", b""])
def test_signer_refuses_an_empty_key(key: str | bytes) -> None:
    with pytest.raises(HeronError, match="must not be empty"):
        SessionSigner(key)
    with pytest.raises(HeronError, match="must not be empty"):
        SessionSigner("good", fallbacks=[key])


def test_signer_explains_values_json_cannot_encode() -> None:
    with pytest.raises(TypeError, match="JSON-serialisable"):
        SessionSigner("secret").sign({"when": time})


# ---------------------------------------------------------------- stores


def test_store_ids_are_random_and_shaped() -> None:
    store = SessionStore()
    ids = {store.new_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(store.is_valid_id(i) for i in ids)
    for bad in [
        None,
        1,
        "",
        "short",
        "x" * 43 + "y",
        "../../../../etc/passwd" + "a" * 20,
        "a" * 42 + "*",
    ]:
        assert not store.is_valid_id(bad)


async def test_the_base_store_is_an_interface() -> None:
    store = SessionStore(ttl=5)
    assert store.ttl == 5
    with pytest.raises(NotImplementedError):
        await store.load("x")
    with pytest.raises(NotImplementedError):
        await store.save("x", {}, 1)
    with pytest.raises(NotImplementedError):
        await store.delete("x")
    await store.aclose()  # optional: does nothing


async def test_memory_store_saves_loads_deletes_and_copies() -> None:
    store = MemorySessionStore()
    data = {"a": [1]}
    await store.save("id1", data, ttl=60)
    data["a"].append(2)  # stored as JSON: later changes to the dict do not leak in
    assert await store.load("id1") == {"a": [1]}
    assert await store.load("other") is None
    await store.delete("id1")
    await store.delete("id1")  # twice is fine
    assert await store.load("id1") is None


async def test_memory_store_expires_and_forgets(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    store = MemorySessionStore()
    await store.save("short", {"a": 1}, ttl=10)
    await store.save("long", {"a": 2}, ttl=100)
    now[0] += 10
    assert await store.load("short") is None
    assert await store.load("long") == {"a": 2}
    await store.save("gone-soon", {"a": 3}, ttl=1)
    now[0] += 200
    await store.save("new", {"a": 4}, ttl=10)  # saving drops every expired session
    assert list(store._sessions) == ["new"]


async def test_memory_store_explains_values_json_cannot_encode() -> None:
    with pytest.raises(TypeError, match="JSON-serialisable"):
        await MemorySessionStore().save("x", {"f": object()}, ttl=1)


def test_redis_store_needs_a_url_or_a_client() -> None:
    with pytest.raises(HeronError, match="exactly one"):
        RedisSessionStore()
    with pytest.raises(HeronError, match="exactly one"):
        RedisSessionStore("redis://localhost", client=object())  # type: ignore[arg-type]


@redis_asyncio_only
async def test_redis_store_against_a_real_server(redis_server: RedisServer) -> None:
    store = RedisSessionStore(redis_server.url, prefix="app:s:", ttl=120)
    plain = redis.Redis.from_url(redis_server.url)
    try:
        await store.save("abc", {"user": "ann"}, ttl=120)
        assert plain.get("app:s:abc") == b'{"user":"ann"}'
        assert 115 <= plain.ttl("app:s:abc") <= 120
        assert await store.load("abc") == {"user": "ann"}
        assert await store.load("nope") is None
        plain.set("app:s:junk", b"\xff not json")
        plain.set("app:s:list", b"[1, 2]")
        assert await store.load("junk") is None
        assert await store.load("list") is None
        await store.delete("abc")
        assert plain.exists("app:s:abc") == 0
    finally:
        await store.aclose()
        plain.close()
    assert store._client is None
    await store.aclose()  # closing twice is fine


@redis_asyncio_only
async def test_redis_store_expires_keys(redis_server: RedisServer) -> None:
    store = RedisSessionStore(redis_server.url)
    try:
        await store.save("abc", {"a": 1}, ttl=1)
        assert await store.load("abc") == {"a": 1}
        time.sleep(1.2)
        assert await store.load("abc") is None
    finally:
        await store.aclose()


@redis_asyncio_only
async def test_redis_store_unreachable_is_a_503(redis_server: RedisServer) -> None:
    store = RedisSessionStore(redis_server.url, timeout=1.0)
    redis_server.stop()
    try:
        for call in (store.load("x"), store.save("x", {"a": 1}, 1), store.delete("x")):
            with pytest.raises(SessionStoreUnavailable) as caught:
                await call
            assert caught.value.status_code == 503
            assert isinstance(caught.value.__cause__, redis.exceptions.ConnectionError)
        redis_server.start()  # back up: the same store reconnects
        await store.save("x", {"a": 1}, 10)
        assert await store.load("x") == {"a": 1}
    finally:
        await store.aclose()


@redis_asyncio_only
async def test_redis_store_leaves_a_given_client_open(redis_server: RedisServer) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(redis_server.url)
    store = RedisSessionStore(client=client)
    try:
        assert store.client is client
        await store.save("abc", {"a": 1}, ttl=10)
        await store.aclose()
        assert await client.get("heron:session:abc") == b'{"a":1}'  # still usable
    finally:
        await client.aclose()


# ---------------------------------------------------------------- the current session


def test_outside_a_request_there_is_no_session() -> None:
    with pytest.raises(OutsideContextError, match="Working outside of a request"):
        current_session()
    with pytest.raises(OutsideContextError, match="Working outside of a request"):
        session["a"]
    with pytest.raises(RuntimeError):  # a RuntimeError, as Flask's error
        session.get("a")
    with pytest.raises(OutsideContextError):
        session.modified = True
    assert not session  # falsy, as the other context globals
    assert repr(session) == "<session unbound>"


def test_the_proxy_reaches_every_part_of_the_session() -> None:
    app = Heron(secret_key="secret")

    @app.get("/")
    def home() -> dict[str, Any]:
        was_empty = not session
        session["cart"] = [1]
        session.modified = False
        session["cart"].append(2)
        session.modified = True  # a nested change, announced as in Flask
        session.setdefault("visits", 0)
        session.update(theme="dark")
        session.regenerate()
        return {
            "was_empty": was_empty,
            "repr": repr(session),
            "pop": session.pop("theme"),
            "accessed": session.accessed,
            "keys": sorted(session),
            "len": len(session),
        }

    @app.get("/read")
    def read() -> dict[str, Any]:
        return dict(session.items())

    client = TestClient(app)
    assert client.get("/").json() == {
        "was_empty": True,
        "repr": "<session {'cart': [1, 2], 'visits': 0, 'theme': 'dark'}>",
        "pop": "dark",
        "accessed": True,
        "keys": ["cart", "visits"],
        "len": 2,
    }
    assert client.get("/read").json() == {"cart": [1, 2], "visits": 0}


def test_a_session_from_another_middleware_is_found_through_the_request() -> None:
    app = Heron()

    @app.middleware("http")
    async def plain_session(request: Request, call_next: Any) -> Response:
        request.scope["session"] = {"user": "ann"}
        response: Response = await call_next(request)
        return response

    @app.get("/")
    def home() -> dict[str, Any]:
        return {"user": session["user"]}

    assert TestClient(app).get("/").json() == {"user": "ann"}


def test_a_request_without_sessions_says_how_to_add_them() -> None:
    app = Heron()

    @app.get("/")
    def home() -> dict[str, Any]:
        return {"user": session.get("user")}

    with pytest.raises(HeronError, match=r"add SessionMiddleware, or .*Heron\(secret_key"):
        TestClient(app).get("/")
