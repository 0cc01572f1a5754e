"""Bad input over real sockets: a clear 4xx, never a 500, never a hang.

Every test talks to ``apps_bad_input:app`` served by a real server (uvicorn with h11, uvicorn
with httptools, granian), mostly with raw bytes on a socket because httpx refuses to send
most of these requests. A server may refuse a request before Heron sees it (uvicorn answers
``400 Invalid HTTP request received.``, granian ``400``/``414``/``431`` with an empty body);
that is accepted where noted, but a 5xx never is, and after each test the server's log must
hold no traceback.

Every socket operation has a timeout (``servers.SOCKET_TIMEOUT``).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apps_bad_input import SMALL_LIMIT, THIS_FILE
from servers import RawResponse, Server, exchange, read_response

TIMEOUT = 5.0
SERVER_REJECTS = {400, 413, 414, 431}
JSON = [(b"Content-Type", b"application/json")]



# ---------------------------------------------------------------- helpers


@pytest.fixture
def server(bad_input_server: Server) -> Iterator[Server]:
    """The session's server, with its log marked so a test can check what it printed."""
    assert bad_input_server.alive(), bad_input_server.log()
    bad_input_server.mark_log()
    yield bad_input_server


def request(
    method: str | bytes,
    target: str | bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
    *,
    version: bytes = b"HTTP/1.1",
    host: bytes | None = b"testserver",
    close: bool = True,
    content_length: bool = True,
) -> bytes:
    """The bytes of one HTTP/1.x request (anything goes: no validation on purpose)."""
    method = method.encode() if isinstance(method, str) else method
    target = target.encode() if isinstance(target, str) else target
    lines = [method + b" " + target + b" " + version]
    if host is not None:
        lines.append(b"Host: " + host)
    for name, value in headers or []:
        lines.append(name + b": " + value)
    if body and content_length:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def send(
    server: Server, data: bytes, *, head: bool = False, timeout: float = TIMEOUT
) -> RawResponse:
    return exchange(server.address, data, head=head, timeout=timeout)


def detail(response: RawResponse) -> Any:
    """The ``detail`` of one of Heron's JSON error bodies."""
    assert response.header("content-type") == "application/json", response.raw[:500]
    return json.loads(response.body)["detail"]


def is_server_reject(response: RawResponse) -> bool:
    """The server refused the request itself (Heron never saw it)."""
    return response.status in SERVER_REJECTS and response.header("content-type") != (
        "application/json"
    )


def assert_clean_log(server: Server, settle: float = 0.05) -> None:
    """No traceback or ASGI error since the test started."""
    time.sleep(settle)
    log = server.new_log()
    for marker in ("Traceback", "Exception in ASGI application", "raised an exception"):
        assert marker not in log, log


def assert_still_serving(server: Server) -> None:
    response = send(server, request("GET", "/items/1"))
    assert response.status == 200, response.raw[:500]
    assert json.loads(response.body) == {"item_id": 1, "q": None}


def echo(server: Server, target: str | bytes = "/echo", headers: Any = None) -> dict[str, Any]:
    response = send(server, request("GET", target, headers))
    assert response.status == 200, response.raw[:500]
    result: dict[str, Any] = json.loads(response.body)
    return result


# ---------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/%zz", 404),
        ("/%", 404),
        ("/%2", 404),
        ("/%%", 404),
        ("/%00", 404),
        ("/%ff", 404),
        ("/%ff%fe%fd", 404),
        ("/%c0%ae%c0%ae/etc/passwd", 404),
        ("/..%2f..%2fetc/passwd", 404),
        ("/..%2F..%2Fetc%2Fpasswd", 404),
        ("/%2e%2e/%2e%2e/etc/passwd", 404),
        ("/../../etc/passwd", 404),
        ("/%2e%2e%5c%2e%2e%5cetc%5cpasswd", 404),
        ("/....//....//etc/passwd", 404),
        ("/./items/1", 404),
        ("/file/..%2f..%2fetc%2fpasswd", 404),
        ("//", 404),
        ("///", 404),
        ("/items/%zz", 422),
        ("/items/%ff", 422),
        ("/items/1%00", 422),
        ("/items/..%2f1", 404),
        ("/ints/%ff", 404),
    ],
)
def test_malformed_and_encoded_paths_get_a_clear_4xx(
    server: Server, target: str, status: int
) -> None:
    response = send(server, request("GET", target))
    assert response.status == status, response.raw[:500]
    assert detail(response)
    assert_clean_log(server)


@pytest.mark.parametrize(
    ("target", "name"),
    [
        ("/hello/%00", "\x00"),
        ("/hello/%ff", "\ufffd"),
        ("/hello/%2e%2e", ".."),
        ("/hello/%3Cscript%3E", "<script>"),
        ("/hello/%zz", "%zz"),
    ],
)
def test_odd_but_valid_path_parameters_reach_the_view(
    server: Server, target: str, name: str
) -> None:
    import html

    response = send(server, request("GET", target))
    assert response.status == 200, response.raw[:500]
    assert response.body.decode() == f"<p>Hello {html.escape(name)}</p>"
    assert_clean_log(server)


def test_raw_nul_and_control_bytes_in_the_request_line(server: Server) -> None:
    for target in (b"/\x00", b"/items/1\x00", b"/\x01\x02", b"/a\x7f"):
        response = send(server, request("GET", target))
        assert response.status in {400, 404}, (target, response.raw[:300])
        assert response.status < 500
    assert_still_serving(server)
    assert_clean_log(server)


def test_raw_non_ascii_bytes_in_the_path(server: Server) -> None:
    for target in (b"/\xff", b"/hello/\xc3\xa9", b"/hello/\xff\xfe"):
        response = send(server, request("GET", target))
        # Servers refuse non-ASCII request targets (RFC 9112 allows only ASCII).
        assert response.status in {200, 400, 404}, (target, response.raw[:300])
    assert_clean_log(server)


def test_overlong_path(server: Server) -> None:
    response = send(server, request("GET", "/" + "a" * 60_000))
    assert response.status == 404 or is_server_reject(response), response.raw[:300]
    response = send(server, request("GET", "/hello/" + "a" * 60_000))
    assert response.status == 200 or is_server_reject(response), response.raw[:300]
    assert_clean_log(server)


def test_overlong_method(server: Server) -> None:
    response = send(server, request("A" * 10_000, "/items/1"))
    assert response.status in {400, 405, 414, 501}, response.raw[:300]
    assert_clean_log(server)


def test_huge_integer_path_parameter_is_a_422(server: Server) -> None:
    response = send(server, request("GET", "/items/" + "9" * 5000))
    assert response.status == 422, response.raw[:300]
    assert detail(response)[0]["type"] == "int_parsing_size"
    assert_clean_log(server)


def test_huge_integer_in_an_int_convertor_is_a_4xx(server: Server) -> None:
    # CPython refuses int() of more than 4300 digits with ValueError (CVE-2020-10735).
    response = send(server, request("GET", "/ints/" + "9" * 5000))
    assert 400 <= response.status < 500, response.raw[:300]
    assert_clean_log(server)


# ---------------------------------------------------------------- query strings


def test_invalid_utf8_in_the_query_string(server: Server) -> None:
    response = send(server, request("GET", "/items/1?q=%ff%fe"))
    assert response.status == 200, response.raw[:300]
    assert json.loads(response.body) == {"item_id": 1, "q": "\ufffd\ufffd"}
    data = echo(server, "/echo?%ff=%fe&a=%c3%a9")
    assert data["query"] == [["\ufffd", "\ufffd"], ["a", "é"]]
    assert_clean_log(server)


def test_raw_non_ascii_bytes_in_the_query_string(server: Server) -> None:
    response = send(server, request("GET", b"/items/1?q=\xff\xfe"))
    assert response.status in {200, 400}, response.raw[:300]
    if response.status == 200:
        assert json.loads(response.body)["item_id"] == 1
    assert_clean_log(server)


def test_invalid_percent_encoding_in_the_query_string_is_kept_literally(server: Server) -> None:
    data = echo(server, "/echo?a=%zz&b=%&c=%f&d=%%41&e=%00")
    assert data["query"] == [["a", "%zz"], ["b", "%"], ["c", "%f"], ["d", "%A"], ["e", "\x00"]]
    response = send(server, request("GET", "/items/1?q=%zz%"))
    assert json.loads(response.body) == {"item_id": 1, "q": "%zz%"}
    assert_clean_log(server)


def test_huge_query_string(server: Server) -> None:
    started = time.monotonic()
    response = send(server, request("GET", "/items/1?q=" + "x" * 60_000))
    assert time.monotonic() - started < TIMEOUT
    if not is_server_reject(response):
        assert response.status == 200, response.raw[:300]
        assert json.loads(response.body)["q"] == "x" * 60_000
    assert_clean_log(server)


def test_many_query_parameters(server: Server) -> None:
    query = "&".join(f"p{i}=v" for i in range(5000)) + "&q=first&" + "&".join(
        f"r{i}" for i in range(2000)
    ) + "&q=last"
    started = time.monotonic()
    response = send(server, request("GET", "/items/1?" + query))
    assert time.monotonic() - started < 3
    if not is_server_reject(response):
        assert response.status == 200, response.raw[:300]
        assert json.loads(response.body) == {"item_id": 1, "q": "last"}  # the last one wins
    data = echo(server, "/echo?" + "&".join("a=1" for _ in range(10_000)))
    assert len(data["query"]) == 10_000
    assert_clean_log(server)


def test_semicolons_do_not_separate_query_parameters(server: Server) -> None:
    response = send(server, request("GET", "/items/1?q=a;q=b"))
    assert json.loads(response.body) == {"item_id": 1, "q": "a;q=b"}
    assert_clean_log(server)


# ---------------------------------------------------------------- headers and cookies


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        (b"a=1; b=2", {"a": "1", "b": "2"}),
        (b"a=1;b=2;", {"a": "1", "b": "2"}),
        (b"=", {}),
        (b";;; ;", {}),
        (b"a", {"": "a"}),
        (b"a=", {"a": ""}),
        (b"a=1=2", {"a": "1=2"}),
        (b"a=1; a=2", {"a": "2"}),  # Heron (as Starlette): the last one wins
        (b'a="x\\"y"', {"a": 'x"y'}),
        (b'a="\\377"', {"a": "\xff"}),
        (b'a="unterminated', {"a": '"unterminated'}),
        (b"a=\xff\xfe", {"a": "\xff\xfe"}),  # header bytes are latin-1
        (b"a=%ff", {"a": "%ff"}),  # no percent-decoding of cookie values
        (b"a=1\x01; b=2", {"a": "1\x01", "b": "2"}),
    ],
)
def test_bad_cookies_are_parsed_leniently(
    server: Server, cookie: bytes, expected: dict[str, str]
) -> None:
    response = send(server, request("GET", "/echo", [(b"Cookie", cookie)]))
    if response.status == 400 and is_server_reject(response):
        assert b"\x01" in cookie  # only control characters may be refused by the server
        return
    assert response.status == 200, response.raw[:300]
    assert json.loads(response.body)["cookies"] == expected
    assert_clean_log(server)


def test_many_and_huge_cookies(server: Server) -> None:
    many = "; ".join(f"c{i}={i}" for i in range(2000)).encode()
    data = echo(server, headers=[(b"Cookie", many)])
    assert len(data["cookies"]) == 2000
    assert data["cookies"]["c1999"] == "1999"
    response = send(server, request("GET", "/echo", [(b"Cookie", b"big=" + b"x" * 32_000)]))
    if not is_server_reject(response):
        assert json.loads(response.body)["cookies"]["big"] == "x" * 32_000
    assert_clean_log(server)


def test_many_headers(server: Server) -> None:
    headers = [(f"X-H{i}".encode(), b"v") for i in range(90)]
    data = echo(server, headers=headers)
    assert len(data["headers"]) >= 90
    many = [(f"X-H{i}".encode(), b"v") for i in range(3000)]
    response = send(server, request("GET", "/echo", many))
    assert response.status == 200 or is_server_reject(response), response.raw[:300]
    assert_clean_log(server)


def test_huge_header_values(server: Server) -> None:
    names = (b"X-Big", b"Accept", b"Accept-Encoding", b"User-Agent", b"If-None-Match", b"Range")
    for name in names:
        response = send(server, request("GET", "/file", [(name, b"a" * 60_000)]))
        ok = response.status in {200, 416} or is_server_reject(response)
        assert ok, (name, response.raw[:300])
    assert_clean_log(server)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ([(b"Content-Type", b"application/json; " + b"a=b; " * 2000)], 200),
        ([(b"Content-Type", b"APPLICATION/JSON")], 200),
        ([(b"Content-Type", b"application/json; charset=utf-8")], 200),
        ([(b"Content-Type", b"application/vnd.api+json")], 200),
        ([(b"Content-Type", b"text/plain")], 422),
        ([(b"Content-Type", b"")], 422),
        ([(b"Content-Type", b";;;")], 422),
        ([(b"Content-Type", b"application/x-www-form-urlencoded")], 422),
        ([(b"Content-Type", b"multipart/form-data; boundary=" + b"x" * 5000)], 422),
        ([(b"Host", b"a" * 10_000)], 200),
        ([(b"Host", b"evil.example/../x?")], 200),
        ([(b"Accept", b"*/*;q=" + b"9" * 5000)], 200),
        ([(b"Expect", b"something-odd")], None),
        ([(b"X-Forwarded-For", b"\xff" * 100)], 200),
    ],
)
def test_absurd_header_values(
    server: Server, headers: list[tuple[bytes, bytes]], status: int | None
) -> None:
    body = b'{"name": "x", "price": 1}'
    if not any(name == b"Content-Type" for name, _ in headers):
        # The strict JSON check (FastAPI's default): a JSON body says so.
        headers = [*headers, (b"Content-Type", b"application/json")]
    response = send(server, request("POST", "/items", headers, body, host=None if any(
        h[0] == b"Host" for h in headers) else b"testserver"))
    if status is None or is_server_reject(response):
        assert response.status < 500, response.raw[:300]
    else:
        assert response.status == status, response.raw[:300]
        if status == 422:
            assert detail(response)
    assert_clean_log(server)


def test_non_json_body_with_invalid_utf8_is_a_422(server: Server) -> None:
    response = send(
        server, request("POST", "/items", [(b"Content-Type", b"text/plain")], b"\xff\xfe\xfd")
    )
    assert response.status == 422, response.raw[:300]
    assert detail(response)
    assert_clean_log(server)


def test_underscore_headers_are_not_dash_headers(server: Server) -> None:
    data = echo(server, headers=[(b"X-Auth_User", b"admin")])
    names = [name for name, _ in data["headers"]]
    assert "x-auth_user" in names
    assert "x-auth-user" not in names
    assert_clean_log(server)


# ---------------------------------------------------------------- methods


@pytest.mark.parametrize("method", ["FOO", "BREW", "PURGE", "PROPFIND", "MKCOL", "CONNECT"])
def test_unknown_method_on_a_known_path_is_405_with_allow(server: Server, method: str) -> None:
    response = send(server, request(method, "/items/1"))
    if is_server_reject(response) and (
        server.kind == "uvicorn-httptools" or method == "CONNECT"
    ):
        return  # llhttp only knows registered methods; CONNECT needs an authority target
    assert response.status == 405, response.raw[:300]
    assert response.header("allow") == "GET, HEAD"
    assert detail(response) == "Method Not Allowed"
    assert_clean_log(server)


@pytest.mark.parametrize("method", ["FOO", "PURGE", "DELETE", "PATCH"])
def test_unknown_method_on_an_unknown_path_is_404(server: Server, method: str) -> None:
    response = send(server, request(method, "/no/such/path"))
    if is_server_reject(response) and server.kind == "uvicorn-httptools":
        return
    assert response.status == 404, response.raw[:300]
    assert detail(response) == "Not Found"
    assert_clean_log(server)


def test_lowercase_method_is_not_get(server: Server) -> None:
    response = send(server, request("get", "/items/1"))
    # Methods are case-sensitive (RFC 9110 9.1).
    assert response.status == 405 or is_server_reject(response), response.raw[:300]
    assert_clean_log(server)


def test_wrong_method_on_a_post_route(server: Server) -> None:
    response = send(server, request("GET", "/items"))
    assert response.status == 405, response.raw[:300]
    assert response.header("allow") == "POST"
    response = send(server, request("HEAD", "/items"), head=True)
    assert response.status == 405
    assert_clean_log(server)


def _head_then_eof(server: Server, target: str) -> RawResponse:
    with socket.create_connection(server.address, timeout=TIMEOUT) as sock:
        sock.sendall(request("HEAD", target))
        response = read_response(sock, head=True, timeout=TIMEOUT)
        sock.settimeout(TIMEOUT)
        rest = sock.recv(65536)
        assert rest == b"", f"HEAD {target} sent a body: {rest[:100]!r}"
    return response


@pytest.mark.parametrize("target", ["/items/1", "/hello/x", "/file", "/plain", "/echo"])
def test_head_sends_the_get_headers_and_no_body(server: Server, target: str) -> None:
    get = send(server, request("GET", target))
    head = _head_then_eof(server, target)
    assert head.status == get.status == 200
    assert head.header("content-type") == get.header("content-type")
    if target != "/echo":  # /echo reflects the method, so its length differs
        assert head.header("content-length") == get.header("content-length")
    assert_clean_log(server)


def test_head_on_missing_path_is_404_without_body(server: Server) -> None:
    response = _head_then_eof(server, "/no/such/path")
    assert response.status == 404
    assert_clean_log(server)


def test_options(server: Server) -> None:
    response = send(server, request("OPTIONS", "/items/1"))
    assert response.status == 405, response.raw[:300]
    assert response.header("allow") == "GET, HEAD"
    response = send(server, request("OPTIONS", "*"))
    assert response.status in {400, 404}, response.raw[:300]
    assert_clean_log(server)


# ---------------------------------------------------------------- request targets, versions


def test_http10_without_host(server: Server) -> None:
    response = send(server, request("GET", "/items/1", version=b"HTTP/1.0", host=None, close=False))
    assert response.status == 200, response.raw[:300]
    assert json.loads(response.body) == {"item_id": 1, "q": None}
    response = send(server, request("GET", "/echo", version=b"HTTP/1.0", host=None, close=False))
    assert response.status == 200, response.raw[:300]
    assert json.loads(response.body)["path"] == "/echo"
    assert_clean_log(server)


def test_http11_without_host(server: Server) -> None:
    response = send(server, request("GET", "/items/1", host=None))
    # RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host; some
    # servers are lenient. Heron itself must cope either way.
    assert response.status in {200, 400}, response.raw[:300]
    assert_clean_log(server)


def test_absolute_form_request_target(server: Server) -> None:
    response = send(server, request("GET", "http://example.com/items/1?q=a"))
    # httptools and granian split the absolute form; h11 hands Heron the whole URL as
    # the path, which then matches no route. Either way: no 5xx.
    assert response.status in {200, 400, 404}, response.raw[:300]
    if response.status == 200:
        assert json.loads(response.body) == {"item_id": 1, "q": "a"}
    assert_clean_log(server)


@pytest.mark.parametrize("target", ["items/1", "*", "?q=1", "#frag"])
def test_target_not_starting_with_a_slash(server: Server, target: str) -> None:
    response = send(server, request("GET", target))
    # h11 passes "?q=1" on as the path "": redirect_slashes then sends it to "/?q=1".
    assert response.status in {307, 400, 404}, response.raw[:300]
    if response.status == 307:
        assert response.header("location") == "http://testserver/?q=1"
    assert_clean_log(server)


# What each server does with "HTTP/9.9" (observed): h11 takes any HTTP/<digit>.<digit> and
# hands the request to Heron, which answers it (as HTTP/1.1); llhttp (httptools) knows only
# 0.9, 1.0, 1.1 and 2.0 and uvicorn refuses the rest; granian refuses anything but 1.0/1.1.
UNKNOWN_VERSION_ANSWERS = {
    "uvicorn-h11": (200, "application/json", b'{"item_id":1,"q":null}'),
    "uvicorn-httptools": (400, "text/plain; charset=utf-8", b"Invalid HTTP request received."),
    "granian-auto": (400, None, b""),
}


def test_unknown_http_version(server: Server) -> None:
    response = send(server, request("GET", "/items/1", version=b"HTTP/9.9"))
    status, content_type, body = UNKNOWN_VERSION_ANSWERS[server.kind]
    assert (response.status, response.header("content-type"), response.body) == (
        status,
        content_type,
        body,
    ), response.raw[:300]
    assert response.raw.startswith(b"HTTP/1.1 "), response.raw[:300]
    assert_clean_log(server)
    assert_still_serving(server)


@pytest.mark.parametrize(
    "garbage",
    [
        b"GARBAGE\r\n\r\n",
        b"\r\n\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS ClientHello
        b"GET\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ],
)
def test_garbage_then_the_server_still_serves(server: Server, garbage: bytes) -> None:
    try:
        response = send(server, garbage, timeout=1.0)
    except TimeoutError:
        response = RawResponse(0, [], b"", b"")  # the server waited for more: fine
    assert response.status < 500, response.raw[:300]
    assert_still_serving(server)
    assert_clean_log(server)


# ---------------------------------------------------------------- bodies


def test_chunked_body(server: Server) -> None:
    chunked = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    response = send(
        server,
        request("POST", "/body", [(b"Transfer-Encoding", b"chunked")], chunked,
                content_length=False),
    )
    assert response.status == 200, response.raw[:300]
    assert json.loads(response.body) == {"length": 11}
    item = b'{"name": "chunky", "price": 2.5}'
    chunked = b"".join(b"1\r\n%s\r\n" % item[i : i + 1] for i in range(len(item)))
    chunked += b"0\r\n\r\n"
    response = send(
        server,
        request("POST", "/items", [(b"Transfer-Encoding", b"chunked"),
                                   (b"Content-Type", b"application/json")], chunked,
                content_length=False),
    )
    assert response.status == 200, response.raw[:300]
    assert json.loads(response.body) == {"name": "chunky", "price": 2.5, "tags": []}
    assert_clean_log(server)


def test_chunked_body_over_the_limit_is_413(server: Server) -> None:
    chunk = b"x" * 100
    chunked = b"".join(b"64\r\n" + chunk + b"\r\n" for _ in range(30)) + b"0\r\n\r\n"
    response = send(
        server,
        request("POST", "/small/body", [(b"Transfer-Encoding", b"chunked")], chunked,
                content_length=False),
    )
    assert response.status == 413, response.raw[:300]
    assert detail(response) == f"Request body is larger than {SMALL_LIMIT} bytes"
    assert_clean_log(server)


def test_body_limit_of_a_mounted_app(server: Server) -> None:
    response = send(server, request("POST", "/small/body", body=b"x" * SMALL_LIMIT))
    assert response.status == 200, response.raw[:300]
    assert json.loads(response.body) == {"length": SMALL_LIMIT}
    response = send(server, request("POST", "/small/body", body=b"x" * (SMALL_LIMIT + 1)))
    assert response.status == 413, response.raw[:300]
    assert detail(response) == f"Request body is larger than {SMALL_LIMIT} bytes"
    big_json = json.dumps({"name": "x" * SMALL_LIMIT}).encode()
    response = send(
        server,
        request("POST", "/small/items", [(b"Content-Type", b"application/json")], big_json),
    )
    assert response.status == 413, response.raw[:300]
    assert_clean_log(server)


def test_default_body_limit_is_16_mib(server: Server) -> None:
    limit = 16 * 1024 * 1024
    with httpx.Client(base_url=server.base_url, timeout=TIMEOUT) as client:
        response = client.post("/body", content=b"x" * limit)
        assert response.status_code == 200
        assert response.json() == {"length": limit}
        response = client.post("/body", content=b"x" * (limit + 1))
        assert response.status_code == 413
        assert response.json() == {"detail": f"Request body is larger than {limit} bytes"}
    assert_clean_log(server)


@pytest.mark.parametrize(
    ("target", "body", "status"),
    [
        ("/items", b"[" * 100_000 + b"]" * 100_000, 422),
        ("/items", b'{"name": ' * 50_000 + b"1" + b"}" * 50_000, 422),
        ("/trees", b'{"children": [' * 20_000 + b"{}" + b"]}" * 20_000, 422),
        ("/json", b"[" * 100_000 + b"]" * 100_000, 400),
        ("/json", b'{"a": ' * 50_000 + b"1" + b"}" * 50_000, 400),
        ("/small/body", b"[" * 100_000, 413),
    ],
)
def test_deeply_nested_json_is_a_4xx(server: Server, target: str, body: bytes, status: int) -> None:
    started = time.monotonic()
    response = send(server, request("POST", target, [(b"Content-Type", b"application/json")], body))
    assert time.monotonic() - started < TIMEOUT
    assert response.status == status, response.raw[:300]
    assert detail(response)
    assert_clean_log(server)


def test_moderately_nested_json_is_accepted(server: Server) -> None:
    body = b'{"children": [' * 50 + b"{}" + b"]}" * 50
    response = send(server, request("POST", "/trees", JSON, body))
    assert response.status == 200, response.raw[:300]
    assert_clean_log(server)


def test_huge_integers_in_json_are_a_422(server: Server) -> None:
    body = b'{"name": "x", "price": 1' + b"1" * 5000 + b"}"
    response = send(server, request("POST", "/items", JSON, body))
    assert response.status == 422, response.raw[:300]
    assert detail(response)
    assert_clean_log(server)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"{}",
        b"[]",
        b'"a string"',
        b"\x00\x00\x00",
        b"\xef\xbb\xbf{}",
        b'{"name": "\xff"}',
        b'{"name": "\\ud800"}',
        b'{"name": 1e999}',
        b'{"name": "x", "price": NaN}',
        b'{"name": "x"',
        b'{"name": "x"} trailing',
        b'{"name": "x", "name": "y"}',
    ],
)
def test_malformed_json_bodies_are_a_422(server: Server, body: bytes) -> None:
    headers = [(b"Content-Type", b"application/json"), (b"Content-Length", b"%d" % len(body))]
    response = send(server, request("POST", "/items", headers, body, content_length=False))
    # A duplicate key is valid JSON (the last one wins), and so is a lone surrogate escape.
    assert response.status in {200, 422}, response.raw[:300]
    if response.status == 422:
        assert detail(response)
    assert_clean_log(server)


def test_content_length_shorter_than_the_body(server: Server) -> None:
    smuggled = b"GET /items/2 HTTP/1.1\r\nHost: testserver\r\n\r\n"
    data = request("POST", "/body", [(b"Content-Length", b"3")], b"hello" + smuggled,
                   content_length=False)
    with socket.create_connection(server.address, timeout=TIMEOUT) as sock:
        sock.sendall(data)
        response = read_response(sock, timeout=TIMEOUT)
        assert response.status == 200, response.raw[:300]
        assert json.loads(response.body) == {"length": 3}  # never read beyond the length
    assert_clean_log(server)


def test_content_length_longer_than_the_body_then_half_close(server: Server) -> None:
    with socket.create_connection(server.address, timeout=TIMEOUT) as sock:
        sock.sendall(request("POST", "/body", [(b"Content-Length", b"100")], b"0123456789",
                             content_length=False))
        sock.shutdown(socket.SHUT_WR)
        try:
            response = read_response(sock, timeout=TIMEOUT)
        except TimeoutError:
            pytest.fail("the server neither answered nor closed a truncated request")
    # The client went away: closing, or a 400, is right; a 500 is not.
    assert response.status in {0, 400}, response.raw[:300]
    assert_still_serving(server)
    assert_clean_log(server, settle=0.3)


def test_a_stalled_body_does_not_block_other_clients(server: Server) -> None:
    with socket.create_connection(server.address, timeout=TIMEOUT) as stalled:
        stalled.sendall(request("POST", "/body", [(b"Content-Length", b"100")], b"0123456789",
                                content_length=False))
        time.sleep(0.2)  # the handler is now waiting for the other 90 bytes
        started = time.monotonic()
        for _ in range(3):
            assert_still_serving(server)
        assert time.monotonic() - started < 2
        stalled.sendall(b"x" * 90)  # finish it, so nothing is left dangling
        response = read_response(stalled, timeout=TIMEOUT)
        assert response.status == 200, response.raw[:300]
        assert json.loads(response.body) == {"length": 100}
    assert_clean_log(server)


def test_stalled_headers_do_not_block_other_clients(server: Server) -> None:
    with socket.create_connection(server.address, timeout=TIMEOUT) as stalled:
        stalled.sendall(b"GET /items/1 HTTP/1.1\r\nHost: testserver\r\nX-Slow: ")
        time.sleep(0.2)
        started = time.monotonic()
        assert_still_serving(server)
        assert time.monotonic() - started < 2
        stalled.sendall(b"1\r\nConnection: close\r\n\r\n")
        response = read_response(stalled, timeout=TIMEOUT)
        assert response.status in {0, 200, 408}, response.raw[:300]
    assert_clean_log(server)


def test_request_body_with_content_encoding_is_not_decompressed(server: Server) -> None:
    """SECURITY.md K3 (aiohttp CVE-2025-69223): no request decompression, so no bomb."""
    import gzip

    bomb = gzip.compress(b"\x00" * 1_000_000)
    response = send(server, request("POST", "/body", [(b"Content-Encoding", b"gzip")], bomb))
    assert response.status == 200, response.raw[:300]
    assert json.loads(response.body) == {"length": len(bomb)}
    assert_clean_log(server)


def test_reading_this_file_matches(server: Server) -> None:
    """Sanity check of the helpers: a plain GET of a known file, byte for byte."""
    response = send(server, request("GET", "/file"))
    assert response.status == 200
    assert response.body == THIS_FILE.read_bytes()
