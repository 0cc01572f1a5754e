"""URL, headers, query strings, multi-dicts, uploads and state, as users handle them."""

from __future__ import annotations

import copy
import io
import pickle
import random
import tempfile
from typing import Any, BinaryIO, cast
from urllib.parse import parse_qsl

import pytest

from heron.datastructures import (
    URL,
    Address,
    Default,
    DefaultPlaceholder,
    FormData,
    Headers,
    ImmutableMultiDict,
    MultiDict,
    MutableHeaders,
    QueryParams,
    State,
    UploadFile,
    URLPath,
    encode_header,
    spooled_upload,
    validate_header,
)

pytestmark = pytest.mark.anyio


# --------------------------------------------------------------------------- URL


def test_url_components() -> None:
    url = URL("https://user:secret@example.com:8443/a/b%20c?x=1&y=2#frag")
    assert url.scheme == "https"
    assert url.netloc == "user:secret@example.com:8443"
    assert url.path == "/a/b%20c"
    assert url.query == "x=1&y=2"
    assert url.fragment == "frag"
    assert url.username == "user"
    assert url.password == "secret"
    assert url.hostname == "example.com"
    assert url.port == 8443
    assert url.is_secure
    assert str(url) == "https://user:secret@example.com:8443/a/b%20c?x=1&y=2#frag"


@pytest.mark.parametrize(
    ("text", "secure"),
    [("http://a/", False), ("https://a/", True), ("ws://a/", False), ("wss://a/", True)],
)
def test_url_is_secure(text: str, secure: bool) -> None:
    assert URL(text).is_secure is secure


def test_url_without_optional_parts() -> None:
    url = URL("http://example.com")
    assert (url.path, url.query, url.fragment) == ("", "", "")
    assert url.port is None
    assert url.username is None and url.password is None
    relative = URL("/just/a/path?q")
    assert (relative.scheme, relative.netloc, relative.path, relative.query) == (
        "",
        "",
        "/just/a/path",
        "q",
    )
    assert str(URL()) == ""


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"path": "/other"}, "http://u:p@example.com:8000/other?q=1#f"),
        ({"scheme": "https"}, "https://u:p@example.com:8000/path?q=1#f"),
        ({"query": "a=b"}, "http://u:p@example.com:8000/path?a=b#f"),
        ({"fragment": ""}, "http://u:p@example.com:8000/path?q=1"),
        ({"hostname": "other.org"}, "http://u:p@other.org:8000/path?q=1#f"),
        ({"port": 9000}, "http://u:p@example.com:9000/path?q=1#f"),
        ({"port": None}, "http://u:p@example.com/path?q=1#f"),
        ({"username": "v"}, "http://v:p@example.com:8000/path?q=1#f"),
        ({"password": "pw"}, "http://u:pw@example.com:8000/path?q=1#f"),
        ({"username": None, "password": None}, "http://example.com:8000/path?q=1#f"),
        ({"netloc": "x.y"}, "http://x.y/path?q=1#f"),
    ],
)
def test_url_replace(kwargs: dict[str, Any], expected: str) -> None:
    url = URL("http://u:p@example.com:8000/path?q=1#f")
    replaced = url.replace(**kwargs)
    assert isinstance(replaced, URL)
    assert str(replaced) == expected
    assert str(url) == "http://u:p@example.com:8000/path?q=1#f"  # immutable


def test_url_replace_ipv6() -> None:
    url = URL("http://[::1]:8000/x")
    assert str(url.replace(port=9000)) == "http://[::1]:9000/x"
    assert str(URL("http://[::1]/x").replace(port=81)) == "http://[::1]:81/x"
    assert url.hostname == "::1"


def test_url_include_query_params() -> None:
    url = URL("http://a/p?x=1&y=2&y=3&blank=")
    assert str(url.include_query_params(z=4)) == "http://a/p?x=1&y=2&y=3&blank=&z=4"
    assert str(url.include_query_params(y="new")) == "http://a/p?x=1&blank=&y=new"
    assert str(url.include_query_params(q="a b&c")) == "http://a/p?x=1&y=2&y=3&blank=&q=a+b%26c"
    assert str(URL("http://a/p").include_query_params(e="é")) == "http://a/p?e=%C3%A9"
    assert str(URL("http://a/p#f").include_query_params(n=1)) == "http://a/p?n=1#f"


def test_url_replace_query_params() -> None:
    url = URL("http://a/p?x=1&y=2#f")
    assert str(url.replace_query_params(z=3, w="v")) == "http://a/p?z=3&w=v#f"
    assert str(url.replace_query_params()) == "http://a/p#f"


def test_url_remove_query_params() -> None:
    url = URL("http://a/p?x=1&y=2&x=3&z=")
    assert str(url.remove_query_params("x")) == "http://a/p?y=2&z="
    assert str(url.remove_query_params(["x", "z"])) == "http://a/p?y=2"
    assert str(url.remove_query_params(("missing",))) == "http://a/p?x=1&y=2&x=3&z="
    assert str(url.remove_query_params(["x", "y", "z"])) == "http://a/p"


def test_url_equality_and_hash() -> None:
    assert URL("http://a/") == URL("http://a/")
    assert URL("http://a/") == "http://a/"
    assert URL("http://a/") != URL("http://b/")
    assert hash(URL("http://a/")) == hash(URL("http://a/"))
    assert len({URL("http://a/"), URL("http://a/")}) == 1


def test_url_repr_hides_the_password() -> None:
    url = URL("https://alice:s3cret@example.com/x")
    assert "s3cret" not in repr(url)
    assert repr(url) == "URL('https://alice:********@example.com/x')"
    assert str(url) == "https://alice:s3cret@example.com/x"
    assert repr(URL("http://example.com/")) == "URL('http://example.com/')"
    assert repr(URL("http://bob@example.com/")) == "URL('http://bob@example.com/')"


def test_url_from_scope_ipv6_server_without_host_header() -> None:
    scope = {"type": "http", "scheme": "http", "path": "/x", "headers": [], "server": ("::1", 8000)}
    url = URL(scope=scope)
    assert str(url) == "http://[::1]:8000/x"
    assert url.hostname == "::1"
    assert url.port == 8000


def test_url_from_scope_query_string() -> None:
    scope = {
        "type": "http",
        "path": "/x",
        "query_string": b"a=%20&b=\xe9",
        "headers": [(b"host", b"h")],
    }
    assert str(URL(scope=scope)) == "http://h/x?a=%20&b=\xe9"


def http_scope(path: str = "/admin", host: bytes | None = None, **extra: Any) -> dict[str, Any]:
    headers = [] if host is None else [(b"host", host)]
    scope = {
        "type": "http",
        "scheme": "http",
        "path": path,
        "query_string": b"",
        "headers": headers,
    }
    scope.setdefault("server", ("testserver", 80))
    scope.update(extra)
    return scope


@pytest.mark.parametrize(
    "host",
    [
        b"foo/?x=",
        b"foo/#",
        b"foo/bar",
        b"user@foo",
        b"foo\\bar",
        b"foo bar",
        b"foo?",
        b"",
        b"@evil.com",
    ],
)
def test_url_from_scope_ignores_a_malformed_host(host: bytes) -> None:
    # CVE-2026-48710: the Host header must not be able to move the path or query.
    url = URL(scope=http_scope(host=host))
    assert url.path == "/admin"
    assert url.query == ""
    assert url.netloc == "testserver"


@pytest.mark.parametrize(
    ("host", "netloc"),
    [
        (b"example.com", "example.com"),
        (b"Example.COM:8080", "Example.COM:8080"),
        (b"my_service:8000", "my_service:8000"),
        (b"127.0.0.1:5000", "127.0.0.1:5000"),
        (b"[::1]:8000", "[::1]:8000"),
        (b"[2001:db8::1]", "[2001:db8::1]"),
    ],
)
def test_url_from_scope_keeps_a_valid_host(host: bytes, netloc: str) -> None:
    url = URL(scope=http_scope(host=host))
    assert url.netloc == netloc
    assert url.path == "/admin"


@pytest.mark.parametrize(
    ("path", "url_path"),
    [("/echo?x", "/echo%3Fx"), ("/echo#x", "/echo%23x"), ("/a b/é", "/a b/é")],
)
def test_url_from_scope_decoded_path_delimiters_stay_in_the_path(path: str, url_path: str) -> None:
    url = URL(scope=http_scope(path, host=b"h", query_string=b"q=1"))
    assert url.path == url_path
    assert url.query == "q=1"
    assert url.fragment == ""


def test_url_from_scope_without_any_authority() -> None:
    assert str(URL(scope=http_scope("/x", server=None))) == "/x"
    url = URL(scope=http_scope("//evil.com/x", server=None))
    assert url.netloc == ""
    assert url.path == "/%2Fevil.com/x"
    with_host = URL(scope=http_scope("//evil.com/x", host=b"h"))
    assert (with_host.netloc, with_host.path) == ("h", "//evil.com/x")


@pytest.mark.parametrize(
    ("path", "protocol", "host", "base", "expected"),
    [
        ("/items/1", "", "", "http://example.com/", "http://example.com/items/1"),
        ("/items/1", "", "", "http://example.com/api/", "http://example.com/api/items/1"),
        ("/ws", "websocket", "", "https://example.com/", "wss://example.com/ws"),
        ("/ws", "websocket", "", "http://example.com/", "ws://example.com/ws"),
        ("/x", "http", "", "wss://example.com/", "https://example.com/x"),
        ("/x", "http", "other.org", "http://example.com/", "http://other.org/x"),
    ],
)
def test_url_path_make_absolute_url(
    path: str, protocol: str, host: str, base: str, expected: str
) -> None:
    url_path = URLPath(path, protocol=protocol, host=host)
    assert url_path == path
    assert isinstance(url_path, str)
    assert url_path.make_absolute_url(base) == URL(expected)
    assert url_path.make_absolute_url(URL(base)) == URL(expected)


# --------------------------------------------------------------------------- Headers


def test_headers_from_mapping_raw_and_scope() -> None:
    from_mapping = Headers({"Content-Type": "text/html", "X-A": "1"})
    assert from_mapping.raw == [(b"content-type", b"text/html"), (b"x-a", b"1")]
    raw = [(b"x-a", b"1"), (b"x-a", b"2")]
    assert Headers(raw=raw).raw is raw
    scope = {"headers": ((b"host", b"h"),)}
    from_scope = Headers(scope=scope)
    assert from_scope["host"] == "h"
    assert Headers().raw == []
    assert len(Headers()) == 0


def test_headers_read_access() -> None:
    headers = Headers(raw=[(b"a", b"1"), (b"b", b"2"), (b"a", b"3"), (b"c", b"\xe9")])
    assert headers["A"] == "1"
    assert headers.get("b") == "2"
    assert headers.get("zzz") is None
    assert headers.get("zzz", "d") == "d"
    assert headers.getlist("a") == ["1", "3"]
    assert headers.getlist("zzz") == []
    assert headers["c"] == "é"  # latin-1
    assert headers.keys() == ["a", "b", "a", "c"]
    assert headers.values() == ["1", "2", "3", "é"]
    assert headers.items() == [("a", "1"), ("b", "2"), ("a", "3"), ("c", "é")]
    assert list(headers) == ["a", "b", "a", "c"]
    assert len(headers) == 4
    assert "B" in headers
    assert "zzz" not in headers
    assert 42 not in headers  # type: ignore[comparison-overlap]  # a non-str key: absent
    with pytest.raises(KeyError):
        headers["zzz"]


def test_headers_are_read_only() -> None:
    headers: Any = Headers({"a": "1"})
    with pytest.raises(TypeError):
        headers["a"] = "2"
    with pytest.raises(TypeError):
        del headers["a"]


def test_headers_equality_and_repr() -> None:
    assert Headers({"a": "1", "b": "2"}) == Headers(raw=[(b"b", b"2"), (b"a", b"1")])
    assert Headers({"a": "1"}) != Headers({"a": "2"})
    assert Headers({"a": "1"}) != {"a": "1"}
    assert repr(Headers({"a": "1"})) == "Headers({'a': '1'})"
    assert repr(Headers(raw=[(b"a", b"1"), (b"a", b"2")])) == (
        "Headers(raw=[(b'a', b'1'), (b'a', b'2')])"
    )
    with pytest.raises(TypeError):
        hash(Headers())


def test_mutablecopy_is_independent() -> None:
    headers = Headers({"a": "1"})
    mutable = headers.mutablecopy()
    assert isinstance(mutable, MutableHeaders)
    mutable["a"] = "2"
    mutable["b"] = "3"
    assert headers["a"] == "1"
    assert "b" not in headers
    assert dict(mutable.items()) == {"a": "2", "b": "3"}


def test_mutable_headers_set() -> None:
    headers = MutableHeaders(raw=[(b"a", b"1"), (b"b", b"2"), (b"a", b"3")])
    headers["A"] = "new"
    assert headers.raw == [(b"a", b"new"), (b"b", b"2")]
    headers["C"] = "4"
    assert headers.raw == [(b"a", b"new"), (b"b", b"2"), (b"c", b"4")]


def test_mutable_headers_delete() -> None:
    headers = MutableHeaders(raw=[(b"a", b"1"), (b"b", b"2"), (b"a", b"3")])
    del headers["A"]
    assert headers.raw == [(b"b", b"2")]
    del headers["missing"]  # like Starlette: deleting an absent header is a no-op
    assert headers.raw == [(b"b", b"2")]


def test_mutable_headers_append_setdefault_update() -> None:
    headers = MutableHeaders()
    headers.append("Set-Cookie", "a=1")
    headers.append("set-cookie", "b=2")
    assert headers.getlist("set-cookie") == ["a=1", "b=2"]
    assert headers.setdefault("X-A", "first") == "first"
    assert headers.setdefault("x-a", "second") == "first"
    assert headers.getlist("x-a") == ["first"]
    headers.update({"X-A": "updated", "X-B": "b"})
    assert headers["x-a"] == "updated"
    assert headers["x-b"] == "b"
    assert headers.getlist("set-cookie") == ["a=1", "b=2"]


def test_mutable_headers_write_through_to_the_shared_list() -> None:
    raw: list[tuple[bytes, bytes]] = [(b"a", b"1")]
    headers = MutableHeaders(raw=raw)
    headers["b"] = "2"
    del headers["a"]
    headers.append("c", "3")
    assert raw == [(b"b", b"2"), (b"c", b"3")]


@pytest.mark.parametrize(
    ("existing", "add", "expected"),
    [
        (None, "Origin", "Origin"),
        ("Accept-Encoding", "Origin", "Accept-Encoding, Origin"),
        ("Accept-Encoding, Origin", "origin", "Accept-Encoding, Origin"),
        ("Accept-Encoding,Origin", "Origin", "Accept-Encoding,Origin"),
    ],
)
def test_add_vary_header(existing: str | None, add: str, expected: str) -> None:
    headers = MutableHeaders({} if existing is None else {"vary": existing})
    headers.add_vary_header(add)
    assert headers.getlist("vary") == [expected]


def test_mutable_headers_reject_non_latin1() -> None:
    headers = MutableHeaders()
    with pytest.raises(UnicodeEncodeError):
        headers["x"] = "☃"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-A", "a\r\nSet-Cookie: x=1"),
        ("X-A", "a\nb"),
        ("X-A", "a\rb"),
        ("X-A", "a\x00b"),
        ("X-A", "a\x7fb"),
        ("X-A: b\r\nX-B", "c"),
        ("X A", "b"),
        ("X:A", "b"),
        ("", "b"),
    ],
)
def test_mutable_headers_refuse_response_splitting(name: str, value: str) -> None:
    headers = MutableHeaders()
    with pytest.raises(ValueError, match="header"):
        headers[name] = value
    with pytest.raises(ValueError, match="header"):
        headers.append(name, value)
    with pytest.raises(ValueError, match="header"):
        headers.setdefault(name, value)
    assert headers.raw == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Tab", "a\tb"),
        ("X-Latin", "caf\xe9 \xa0"),
        ("X_Under.score~!", "v"),
        ("Content-Security-Policy", "default-src 'self'; img-src *"),
        ("X-Empty", ""),
    ],
)
def test_unusual_but_valid_headers_are_accepted(name: str, value: str) -> None:
    headers = MutableHeaders()
    headers[name] = value
    assert headers[name] == value
    assert encode_header(name, value) == (name.lower().encode(), value.encode("latin-1"))
    validate_header(name.lower().encode(), value.encode("latin-1"))


# --------------------------------------------------------------------------- QueryParams


def test_query_params_from_str_and_bytes() -> None:
    for source in ("a=1&b=2&a=3&empty=&flag", b"a=1&b=2&a=3&empty=&flag"):
        params = QueryParams(source)
        assert params["a"] == "3"
        assert params.getlist("a") == ["1", "3"]
        assert params["b"] == "2"
        assert params["empty"] == ""
        assert params["flag"] == ""
        assert params.multi_items() == [
            ("a", "1"),
            ("b", "2"),
            ("a", "3"),
            ("empty", ""),
            ("flag", ""),
        ]
        assert list(params) == ["a", "b", "empty", "flag"]
        assert len(params) == 4


def test_query_params_decoding() -> None:
    params = QueryParams("q=a+b%2Bc&e=%C3%A9&%20k%20=v&bad=%zz&broken=%C3")
    assert params["q"] == "a b+c"
    assert params["e"] == "é"
    assert params[" k "] == "v"
    assert params["bad"] == "%zz"
    assert params["broken"] == "\ufffd"


def test_query_params_from_mapping_list_and_kwargs() -> None:
    assert QueryParams({"a": "1", "b": "2"}).multi_items() == [("a", "1"), ("b", "2")]
    assert QueryParams([("a", "1"), ("a", "2")]).getlist("a") == ["1", "2"]
    assert QueryParams(QueryParams("a=1&a=2")).getlist("a") == ["1", "2"]
    assert QueryParams(a="1").multi_items() == [("a", "1")]
    assert QueryParams("a=1", b="2").multi_items() == [("a", "1"), ("b", "2")]
    assert QueryParams().multi_items() == []
    assert QueryParams("").multi_items() == []


def test_query_params_str_round_trip() -> None:
    params = QueryParams([("a", "1 2"), ("b", "&="), ("a", "é"), ("e", "")])
    text = str(params)
    assert text == "a=1+2&b=%26%3D&a=%C3%A9&e="
    assert QueryParams(text) == params


def test_query_params_equality_and_immutability() -> None:
    assert QueryParams("a=1&b=2") == QueryParams("b=2&a=1")
    assert QueryParams("a=1") != QueryParams("a=2")
    assert QueryParams("a=1") != {"a": "1"}
    params: Any = QueryParams("a=1")
    with pytest.raises(TypeError):
        params["a"] = "2"
    with pytest.raises(TypeError):
        hash(params)
    assert repr(QueryParams("a=1")) == "QueryParams([('a', '1')])"


@pytest.mark.parametrize("seed", range(5))
def test_query_params_parse_like_parse_qsl(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = "ab=&+%20%2B%C3%A9%zz%e;é "
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        expected = parse_qsl(text, keep_blank_values=True)
        assert QueryParams(text).multi_items() == expected, text


# --------------------------------------------------------------------------- MultiDict


def test_immutable_multidict_views() -> None:
    data = ImmutableMultiDict([("a", 1), ("b", 2), ("a", 3)])
    assert data["a"] == 3
    assert data.get("a") == 3
    assert data.get("z") is None
    assert data.getlist("a") == [1, 3]
    assert list(data.keys()) == ["a", "b"]
    assert list(data.values()) == [3, 2]
    assert list(data.items()) == [("a", 3), ("b", 2)]
    assert data.multi_items() == [("a", 1), ("b", 2), ("a", 3)]
    assert len(data) == 2
    assert "a" in data and "z" not in data
    assert repr(data) == "ImmutableMultiDict([('a', 1), ('b', 2), ('a', 3)])"
    with pytest.raises(KeyError):
        data["z"]
    # multi_items() is a copy
    data.multi_items().append(("z", 0))
    assert "z" not in data


def test_immutable_multidict_sources() -> None:
    assert ImmutableMultiDict({"a": 1}).multi_items() == [("a", 1)]
    assert ImmutableMultiDict(p for p in [("a", 1), ("a", 2)]).getlist("a") == [1, 2]
    assert ImmutableMultiDict().multi_items() == []
    original = ImmutableMultiDict([("a", 1), ("a", 2)])
    assert ImmutableMultiDict(original).getlist("a") == [1, 2]


def test_multidict_set_and_delete() -> None:
    data = MultiDict([("a", 1), ("b", 2), ("a", 3)])
    data["a"] = 9
    assert data.multi_items() == [("b", 2), ("a", 9)]
    del data["a"]
    assert data.multi_items() == [("b", 2)]
    with pytest.raises(KeyError):
        del data["a"]


def test_multidict_pop_setlist_append_update() -> None:
    data = MultiDict([("a", 1), ("a", 2), ("b", 3)])
    assert data.pop("a") == 2
    assert data.pop("a") is None
    assert data.pop("a", "default") == "default"
    assert data.multi_items() == [("b", 3)]
    data.setlist("c", [4, 5])
    assert data.getlist("c") == [4, 5]
    assert data["c"] == 5
    data.setlist("c", [])
    assert "c" not in data
    data.append("b", 6)
    assert data.getlist("b") == [3, 6]
    assert data["b"] == 6
    data.update({"b": 7, "d": 8})
    assert data.multi_items() == [("b", 7), ("d", 8)]
    data.update([("e", 1), ("e", 2)], f=3)
    assert data.getlist("e") == [1, 2]
    assert data["f"] == 3
    data.update(MultiDict([("d", 0)]))
    assert data.getlist("d") == [0]


def test_multidict_starlette_extras() -> None:
    data = MultiDict([("a", 1), ("b", 2), ("a", 3)])
    assert data.poplist("a") == [1, 3]
    assert "a" not in data
    assert data.poplist("a") == []
    assert data.setdefault("b", 9) == 2
    assert data.setdefault("c", 9) == 9
    assert data.multi_items() == [("b", 2), ("c", 9)]
    assert data.popitem() == ("c", 9)
    assert data.multi_items() == [("b", 2)]
    data.clear()
    assert len(data) == 0
    assert data.multi_items() == []
    with pytest.raises(KeyError):
        data.popitem()


def test_multidict_equality() -> None:
    assert MultiDict([("a", 1), ("b", 2)]) == MultiDict([("b", 2), ("a", 1)])
    assert MultiDict([("a", 1)]) != MultiDict([("a", 1), ("a", 1)])


# --------------------------------------------------------------------------- UploadFile


async def test_upload_file_in_memory() -> None:
    upload = spooled_upload("notes.txt", Headers({"content-type": "text/plain"}), max_size=1024)
    assert upload.filename == "notes.txt"
    assert upload.content_type == "text/plain"
    assert upload.size == 0
    await upload.write(b"hello ")
    await upload.write(b"world")
    assert upload.size == 11
    assert upload._in_memory
    await upload.seek(0)
    assert await upload.read() == b"hello world"
    await upload.seek(6)
    assert await upload.read(3) == b"wor"
    assert await upload.read() == b"ld"
    assert await upload.read() == b""
    await upload.close()
    assert upload.file.closed


async def test_upload_file_spools_to_disk() -> None:
    upload = spooled_upload("big.bin", Headers(), max_size=10)
    await upload.write(b"0123456789")
    assert upload._in_memory
    await upload.write(b"abcdef")
    upload = upload  # NOTE: forget mypy's narrowing of upload._in_memory (write changed it)
    assert not upload._in_memory  # rolled over to a real temporary file
    assert upload.size == 16
    await upload.write(b"!")
    await upload.seek(0)
    assert await upload.read() == b"0123456789abcdef!"
    await upload.seek(10)
    assert await upload.read(2) == b"ab"
    await upload.close()
    assert upload.file.closed


async def test_upload_file_over_a_plain_file() -> None:
    with tempfile.TemporaryFile() as raw:
        upload = UploadFile(cast(BinaryIO, raw), filename="x")
        assert upload.size is None
        assert upload.content_type is None
        await upload.write(b"data")
        assert upload.size is None
        await upload.seek(0)
        assert await upload.read() == b"data"
        await upload.close()
        assert raw.closed


async def test_upload_file_over_bytesio() -> None:
    upload = UploadFile(io.BytesIO(b"abc"), size=3, filename="a.bin")
    assert await upload.read() == b"abc"
    assert "a.bin" in repr(upload)
    assert "size=3" in repr(upload)


async def test_form_data_close_closes_uploads() -> None:
    upload = spooled_upload("f", Headers(), max_size=10)
    form = FormData([("name", "value"), ("file", upload)])
    assert form["name"] == "value"
    assert form["file"] is upload
    await form.close()
    assert upload.file.closed


# --------------------------------------------------------------------------- State & misc


def test_state_attributes() -> None:
    state = State()
    state.db = "conn"
    assert state.db == "conn"
    del state.db
    with pytest.raises(AttributeError, match="'State' object has no attribute 'db'"):
        _ = state.db
    assert not hasattr(state, "db")
    assert getattr(state, "db", "fallback") == "fallback"


def test_state_shares_its_dict() -> None:
    backing = {"a": 1}
    state = State(backing)
    state.b = 2
    assert backing == {"a": 1, "b": 2}
    assert state.a == 1


def test_state_delete_missing_is_attribute_error() -> None:
    state = State()
    with pytest.raises(AttributeError, match="missing"):
        del state.missing


def test_state_copy_and_pickle() -> None:
    state = State({"a": 1})
    assert copy.copy(state).a == 1
    assert copy.deepcopy(state).a == 1
    assert pickle.loads(pickle.dumps(state)).a == 1


def test_address() -> None:
    address = Address("127.0.0.1", 8000)
    assert address.host == "127.0.0.1"
    assert address.port == 8000
    host, port = address
    assert (host, port) == ("127.0.0.1", 8000)


def test_default_placeholder() -> None:
    value = Default(42)
    assert isinstance(value, DefaultPlaceholder)
    assert value.value == 42
    assert value == Default(42)
    assert value != Default(0)
    assert value != 42
    assert bool(Default(0)) is False
    assert bool(Default("x")) is True
    assert hash(Default([1])) == hash(Default([1]))
