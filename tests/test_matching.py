"""heron.matching: the compiled matcher behind every ``Router``.

Static paths are a dict lookup, dynamic paths one combined regex; mounts and hosts keep
their place in the order; a path matched only for another method is a 405 with ``Allow``.
Most tests go through ``Heron``/``Router`` and the test client (what a user sees); the
last ones drive the public ``Matcher``/``iter_matches``/``Match`` directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import pytest

from asgi_calls import HOST, http_scope, record
from heron import Heron, Request
from heron.matching import Match, Matcher, iter_matches
from heron.responses import PlainTextResponse
from heron.routing import BaseRoute, Host, Mount, Route, Router, WebSocketRoute
from heron.testclient import AsyncTestClient
from heron.types import ASGIApp, Message, Receive, Scope, Send
from heron.websockets import WebSocket

pytestmark = pytest.mark.anyio

Endpoint = Callable[[Request], Awaitable[PlainTextResponse]]


def says(label: str) -> Endpoint:
    """An endpoint answering ``<label> <path params>``, to tell routes apart."""

    async def endpoint(request: Request) -> PlainTextResponse:
        params = ",".join(f"{k}={v!r}" for k, v in sorted(request.path_params.items()))
        return PlainTextResponse(f"{label} {params}".rstrip())

    return endpoint


def app_of(routes: Sequence[BaseRoute], **options: Any) -> AsyncTestClient:
    return AsyncTestClient(Heron(routes=list(routes), **options), follow_redirects=False)


async def call(
    app: ASGIApp,
    path: str,
    *,
    method: str = "GET",
    root_path: str = "",
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> tuple[int, dict[str, str], bytes]:
    """One raw ASGI exchange: the status, the headers and the body the app sent."""
    scope = http_scope(path, method, headers=[HOST, *headers], root_path=root_path)
    sent = await record(app, scope)
    assert sent[0]["type"] == "http.response.start"
    head = {k.decode(): v.decode() for k, v in sent[0].get("headers", [])}
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return sent[0]["status"], head, body


# ---------------------------------------------------------------- static and dynamic paths


async def test_static_and_dynamic_paths_each_reach_their_route() -> None:
    client = app_of(
        [
            Route("/", says("root")),
            Route("/about", says("about")),
            Route("/users/{user_id:int}", says("user")),
            Route("/users/{user_id:int}/posts/{slug}", says("post")),
        ]
    )
    assert (await client.get("/")).text == "root"
    assert (await client.get("/about")).text == "about"
    assert (await client.get("/users/7")).text == "user user_id=7"
    assert (await client.get("/users/7/posts/hello")).text == "post slug='hello',user_id=7"
    assert (await client.get("/users/x")).status_code == 404
    assert (await client.get("/about/more")).status_code == 404


async def test_the_first_dynamic_route_matching_the_path_wins() -> None:
    client = app_of(
        [
            Route("/files/{name}", says("one segment")),
            Route("/files/{rest:path}", says("any depth")),
            Route("/files/{name}", says("never reached")),
        ]
    )
    assert (await client.get("/files/a.txt")).text == "one segment name='a.txt'"
    assert (await client.get("/files/a/b.txt")).text == "any depth rest='a/b.txt'"


async def test_a_converter_refusing_the_value_falls_through_to_a_later_route() -> None:
    client = app_of([Route("/n/{x:int}", says("int")), Route("/n/{x}", says("str"))])
    assert (await client.get("/n/12")).text == "int x=12"
    assert (await client.get("/n/twelve")).text == "str x='twelve'"
    # Python's int() refuses more than 4,300 digits: the int route does not match at all.
    huge = "9" * 5000
    assert (await client.get(f"/n/{huge}")).text == f"str x='{huge}'"


async def test_a_refused_value_with_no_other_route_is_a_404_not_a_500() -> None:
    client = app_of([Route("/n/{x:int}", says("int"))])
    response = await client.get("/n/" + "9" * 5000)
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


async def test_an_earlier_dynamic_route_shadows_a_later_static_one_for_its_methods() -> None:
    client = app_of(
        [
            Route("/users/{name}", says("dynamic")),
            Route("/users/me", says("static post"), methods=["POST"]),
        ]
    )
    assert (await client.get("/users/me")).text == "dynamic name='me'"
    # The dynamic route matches the path only partially for POST: the later full match wins.
    assert (await client.post("/users/me")).text == "static post"


async def test_a_later_full_match_beats_an_earlier_partial_one() -> None:
    client = app_of(
        [
            Route("/items/{item_id}", says("read")),
            Route("/items/{item_id}", says("replace"), methods=["PUT"]),
            Route("/items/{item_id}", says("delete"), methods=["DELETE"]),
        ]
    )
    assert (await client.get("/items/1")).text == "read item_id='1'"
    assert (await client.put("/items/1")).text == "replace item_id='1'"
    assert (await client.delete("/items/1")).text == "delete item_id='1'"


async def test_many_dynamic_routes_in_one_block() -> None:
    routes: list[BaseRoute] = [Route(f"/r{i}/{{x:int}}", says(f"r{i}")) for i in range(60)]
    routes.append(Route("/r{i}/{x}", says("catch-all")))  # a literal "{i}" is a parameter
    client = app_of(routes)
    assert (await client.get("/r0/1")).text == "r0 x=1"
    assert (await client.get("/r42/5")).text == "r42 x=5"
    assert (await client.get("/r59/9")).text == "r59 x=9"
    assert (await client.get("/r42/five")).text == "catch-all i='42',x='five'"


# ---------------------------------------------------------------- 405 and HEAD


@pytest.mark.parametrize("path", ["/static", "/dynamic/1"])
async def test_a_path_matched_for_another_method_is_a_405_with_allow(path: str) -> None:
    client = app_of(
        [
            Route("/static", says("s"), methods=["PUT", "PATCH"]),
            Route("/dynamic/{x}", says("d"), methods=["PUT", "PATCH"]),
        ]
    )
    response = await client.post(path)
    assert response.status_code == 405
    assert response.headers["allow"] == "PATCH, PUT"
    assert response.json() == {"detail": "Method Not Allowed"}


@pytest.mark.parametrize("path", ["/static", "/dynamic/1"])
async def test_the_405_allow_lists_the_methods_of_every_route_at_the_path(path: str) -> None:
    # RFC 9110 §15.5.6: Allow lists the target resource's methods, whichever route
    # declares them (test_routing's "lists every method of the path" says the same).
    client = app_of(
        [
            Route("/static", says("read")),
            Route("/static", says("create"), methods=["POST"]),
            Route("/dynamic/{x}", says("read")),
            Route("/dynamic/{x}", says("create"), methods=["POST"]),
        ]
    )
    response = await client.delete(path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"


async def test_head_is_answered_by_get_routes_static_and_dynamic() -> None:
    client = app_of([Route("/static", says("static")), Route("/d/{x}", says("dynamic"))])
    for path, text in [("/static", "static"), ("/d/1", "dynamic x='1'")]:
        response = await client.head(path)
        assert response.status_code == 200
        assert response.content == b""
        assert response.headers["content-length"] == str(len(text))


async def test_head_on_a_route_without_get_is_a_405() -> None:
    client = app_of([Route("/submit", says("posted"), methods=["POST"])])
    response = await client.head("/submit")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.content == b""


async def test_an_asgi_app_route_without_methods_takes_every_method() -> None:
    class RawApp:  # an ASGI app object, not a function: Route passes every method on
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await PlainTextResponse(f"raw {scope['method']}")(scope, receive, send)

    client = app_of([Route("/raw", RawApp())])
    for method in ["GET", "POST", "DELETE", "BREW"]:
        assert (await client.request(method, "/raw")).text == f"raw {method}"


# ---------------------------------------------------------------- mounts and hosts in the order


async def test_a_route_before_a_mount_wins_over_the_mount() -> None:
    client = app_of(
        [Route("/m/x", says("route")), Mount("/m", routes=[Route("/x", says("mounted"))])]
    )
    assert (await client.get("/m/x")).text == "route"


async def test_a_mount_before_a_route_wins_over_the_route() -> None:
    client = app_of(
        [Mount("/m", routes=[Route("/x", says("mounted"))]), Route("/m/x", says("route"))]
    )
    assert (await client.get("/m/x")).text == "mounted"
    # ...and answers 404 itself for what it does not know: no fall-through past a mount.
    assert (await client.get("/m/y")).status_code == 404


async def test_path_routes_after_a_mount_are_matched_in_their_own_block() -> None:
    client = app_of(
        [
            Route("/before", says("before")),
            Mount("/m", routes=[Route("/x", says("mounted"))]),
            Route("/after", says("after")),
            Route("/after/{x:int}", says("after dynamic")),
        ]
    )
    assert (await client.get("/before")).text == "before"
    assert (await client.get("/after")).text == "after"
    assert (await client.get("/after/3")).text == "after dynamic x=3"
    assert (await client.post("/after")).status_code == 405


async def test_a_full_match_in_a_mount_beats_an_earlier_partial_match() -> None:
    client = app_of(
        [
            Route("/m/x", says("post only"), methods=["POST"]),
            Mount("/m", routes=[Route("/x", says("mounted"))]),
        ]
    )
    assert (await client.get("/m/x")).text == "mounted"
    assert (await client.post("/m/x")).text == "post only"


async def test_mount_parameters_reach_the_mounted_routes() -> None:
    client = app_of(
        [Mount("/orgs/{org}", routes=[Route("/repos/{repo}", says("repo"))])],
    )
    assert (await client.get("/orgs/heron/repos/core")).text == "repo org='heron',repo='core'"


async def test_a_host_keeps_its_place_between_path_routes() -> None:
    api = Router([Route("/b/{x}", says("api host"))])
    client = app_of(
        [
            Route("/a", says("a")),
            Host("api.example.com", api),
            Route("/b/{x}", says("any host")),
        ]
    )
    assert (await client.get("/a", headers={"host": "api.example.com"})).text == "a"
    assert (await client.get("/b/1", headers={"host": "api.example.com"})).text == (
        "api host x='1'"
    )
    assert (await client.get("/b/1", headers={"host": "www.example.com"})).text == (
        "any host x='1'"
    )


async def test_host_parameters_and_path_parameters_are_merged() -> None:
    tenant = Router([Route("/items/{item_id:int}", says("item"))])
    client = app_of([Host("{tenant}.example.com", tenant)])
    response = await client.get("/items/5", headers={"host": "acme.example.com:8443"})
    assert response.text == "item item_id=5,tenant='acme'"


async def test_websocket_and_http_routes_at_one_path_each_get_their_scope() -> None:
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(f"ws {websocket.path_params['room']}")
        await websocket.close()

    app = Heron(routes=[WebSocketRoute("/rooms/{room}", ws), Route("/rooms/{room}", says("http"))])
    client = AsyncTestClient(app)
    assert (await client.get("/rooms/blue")).text == "http room='blue'"
    messages: list[Message] = []
    inbox: Iterator[Message] = iter(
        [
            {"type": "websocket.connect"},
            {"type": "websocket.disconnect", "code": 1000},
        ]
    )

    async def receive() -> Message:
        return next(inbox)

    async def send(message: Message) -> None:
        messages.append(message)

    scope: Scope = {
        "type": "websocket",
        "path": "/rooms/blue",
        "raw_path": b"/rooms/blue",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "scheme": "ws",
        "server": ("testserver", 80),
        "client": ("testclient", 50000),
        "subprotocols": [],
    }
    await app(scope, receive, send)
    assert [m["type"] for m in messages] == [
        "websocket.accept",
        "websocket.send",
        "websocket.close",
    ]
    assert messages[1]["text"] == "ws blue"


# ---------------------------------------------------------------- root_path


async def test_root_path_is_stripped_before_matching() -> None:
    app = Heron(routes=[Route("/static", says("static")), Route("/items/{x:int}", says("item"))])
    assert await call(app, "/api/static", root_path="/api") == (
        200,
        {"content-length": "6", "content-type": "text/plain; charset=utf-8"},
        b"static",
    )
    assert (await call(app, "/api/items/3", root_path="/api"))[2] == b"item x=3"
    # A path that is not under root_path is matched as it is.
    assert (await call(app, "/static", root_path="/api"))[2] == b"static"
    assert (await call(app, "/apistatic", root_path="/api"))[0] == 404


async def test_a_mount_under_a_root_path_extends_it() -> None:
    async def where(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"{request.scope['root_path']} {request.url.path}")

    app = Heron(routes=[Mount("/m", routes=[Route("/x", where)])])
    assert (await call(app, "/api/m/x", root_path="/api"))[2] == b"/api/m /api/m/x"


async def test_a_slash_redirect_keeps_the_root_path() -> None:
    app = Heron(routes=[Route("/static", says("static"))])
    status, headers, _ = await call(app, "/api/static/", root_path="/api")
    assert (status, headers["location"]) == (307, "http://testserver/api/static")


# ---------------------------------------------------------------- redirect_slashes


async def test_slash_redirects_go_both_ways_only_when_nothing_matched() -> None:
    client = app_of(
        [Route("/no-slash", says("no slash")), Route("/with-slash/", says("with slash"))]
    )
    response = await client.get("/no-slash/?a=1")
    assert (response.status_code, response.headers["location"]) == (
        307,
        "http://testserver/no-slash?a=1",
    )
    response = await client.get("/with-slash")
    assert (response.status_code, response.headers["location"]) == (
        307,
        "http://testserver/with-slash/",
    )


async def test_a_partial_match_is_a_405_not_a_slash_redirect() -> None:
    client = app_of([Route("/x", says("get x")), Route("/x/", says("post x/"), methods=["POST"])])
    response = await client.get("/x/")
    assert (response.status_code, response.headers["allow"]) == (405, "POST")


async def test_the_other_form_matching_another_method_still_redirects() -> None:
    client = app_of([Route("/submit", says("posted"), methods=["POST"])])
    response = await client.post("/submit/")
    assert (response.status_code, response.headers["location"]) == (
        307,
        "http://testserver/submit",
    )
    # 307 keeps the method: following it reaches the POST route.
    assert (await client.post("/submit/", follow_redirects=True)).text == "posted"


async def test_a_catch_all_route_takes_the_slash_form_itself() -> None:
    client = app_of([Route("/a", says("a")), Route("/{rest:path}", says("catch-all"))])
    assert (await client.get("/a/")).text == "catch-all rest='a/'"


async def test_a_mount_point_without_its_slash_is_redirected_into_the_mount() -> None:
    client = app_of([Mount("/m", routes=[Route("/", says("mount root"))])])
    response = await client.get("/m")
    assert (response.status_code, response.headers["location"]) == (307, "http://testserver/m/")
    assert (await client.get("/m/")).text == "mount root"


async def test_no_slash_redirect_when_disabled_or_for_the_root() -> None:
    assert (
        await app_of([Route("/a", says("a"))], redirect_slashes=False).get("/a/")
    ).status_code == 404
    assert (await app_of([Route("/a/", says("a"))]).get("/")).status_code == 404


# ---------------------------------------------------------------- recompiling


async def test_replacing_the_route_list_recompiles_the_matcher() -> None:
    router = Router([Route("/old", says("old"))])
    app = Heron(routes=[Mount("", app=router)])
    assert (await call(app, "/old"))[2] == b"old"
    router.routes = [Route("/new/{x}", says("new"))]
    assert (await call(app, "/new/1"))[2] == b"new x='1'"
    assert (await call(app, "/old"))[0] == 404
    router.add_route(Route("/old", says("old again")))
    assert (await call(app, "/old"))[2] == b"old again"


# ---------------------------------------------------------------- Matcher and iter_matches




def matches_of(
    routes: Sequence[BaseRoute], scope: Scope
) -> list[tuple[BaseRoute, Match, dict[str, Any]]]:
    return [
        (route, match, child.get("path_params", {}))
        for route, match, child in iter_matches(Matcher(routes), scope, scope["path"])
    ]


def test_match_is_an_ordered_grade() -> None:
    assert [m.name for m in Match] == ["NONE", "PARTIAL", "FULL"]
    assert Match.NONE.value < Match.PARTIAL.value < Match.FULL.value


def test_iter_matches_yields_every_candidate_in_route_order() -> None:
    get_a = Route("/a", says("get a"))
    post_a = Route("/a", says("post a"), methods=["POST"])
    dynamic = Route("/{name}", says("dynamic"))
    other = Route("/b", says("b"))
    routes = [get_a, post_a, other, dynamic]
    assert matches_of(routes, http_scope("/a")) == [
        (get_a, Match.FULL, {}),
        (post_a, Match.PARTIAL, {}),
        (dynamic, Match.FULL, {"name": "a"}),
    ]
    assert matches_of(routes, http_scope("/a", "POST")) == [
        (get_a, Match.PARTIAL, {}),
        (post_a, Match.FULL, {}),
        (dynamic, Match.PARTIAL, {"name": "a"}),
    ]
    assert matches_of(routes, http_scope("/nowhere/deep")) == []


def test_iter_matches_children_carry_the_endpoint_and_converted_params() -> None:
    endpoint = says("item")
    route = Route("/items/{item_id:int}", endpoint)
    [(found, match, child)] = iter_matches(Matcher([route]), http_scope("/items/42"), "/items/42")
    assert (found, match) == (route, Match.FULL)
    assert child == {"endpoint": endpoint, "path_params": {"item_id": 42}}


def test_iter_matches_merges_the_params_captured_outside() -> None:
    route = Route("/repos/{repo}", says("repo"))
    scope = http_scope("/repos/core", path_params={"org": "heron"})
    assert matches_of([route], scope) == [(route, Match.FULL, {"org": "heron", "repo": "core"})]


def test_iter_matches_keeps_mounts_and_hosts_in_their_place() -> None:
    first = Route("/m/x", says("first"))
    mount = Mount("/m", routes=[Route("/x", says("mounted"))])
    host = Host("example.com", Router([]))
    last = Route("/m/{rest:path}", says("last"))
    scope = http_scope("/m/x", headers=[(b"host", b"example.com")])
    found = [(route, match) for route, match, _ in matches_of([first, mount, host, last], scope)]
    assert found == [
        (first, Match.FULL),
        (mount, Match.FULL),
        (host, Match.FULL),
        (last, Match.FULL),
    ]
    other_host = http_scope("/m/x", headers=[(b"host", b"other.org")])
    assert [r for r, _, _ in matches_of([first, mount, host, last], other_host)] == [
        first,
        mount,
        last,
    ]


def test_iter_matches_separates_http_and_websocket_routes() -> None:
    async def ws(websocket: WebSocket) -> None:
        await websocket.close()

    http_route = Route("/live", says("http"))
    ws_route = WebSocketRoute("/live", ws)
    routes = [http_route, ws_route]
    assert [r for r, _, _ in matches_of(routes, http_scope("/live"))] == [http_route]
    ws_scope: Scope = {"type": "websocket", "path": "/live", "headers": []}
    assert matches_of(routes, ws_scope) == [(ws_route, Match.FULL, {})]


def test_an_empty_matcher_matches_nothing() -> None:
    assert list(iter_matches(Matcher([]), http_scope("/"), "/")) == []
