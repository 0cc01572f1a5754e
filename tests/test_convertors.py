"""Path convertors and compile_path: the regex, the format string, the values."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from heron.convertors import (
    CONVERTOR_TYPES,
    Convertor,
    FloatConvertor,
    IntegerConvertor,
    PathConvertor,
    StringConvertor,
    UUIDConvertor,
    compile_path,
    flask_to_heron_path,
    register_url_convertor,
)
from heron.exceptions import HeronError


def match(path: str, url: str) -> dict[str, Any] | None:
    """Match ``url`` against the compiled ``path``; converted params or None."""
    regex, _, convertors = compile_path(path)
    found = re.fullmatch(regex, url)
    if found is None:
        return None
    return {name: convertors[name].convert(value) for name, value in found.groupdict().items()}


def build(path: str, **params: Any) -> str:
    _, fmt, convertors = compile_path(path)
    return fmt.format(**{k: convertors[k].to_string(v) for k, v in params.items()})


# --------------------------------------------------------------------------- compile_path


def test_compile_static_path() -> None:
    regex, fmt, convertors = compile_path("/users/me.json")
    assert fmt == "/users/me.json"
    assert convertors == {}
    assert re.fullmatch(regex, "/users/me.json")
    assert not re.fullmatch(regex, "/users/meXjson")  # the dot is literal


def test_compile_default_str_param() -> None:
    regex, fmt, convertors = compile_path("/users/{name}")
    assert fmt == "/users/{name}"
    assert isinstance(convertors["name"], StringConvertor)
    assert regex == "/users/(?P<name>[^/]+)"


def test_compile_typed_params() -> None:
    regex, fmt, convertors = compile_path("/a/{id:int}/b/{ratio:float}/{rest:path}")
    assert fmt == "/a/{id}/b/{ratio}/{rest}"
    assert [type(c) for c in convertors.values()] == [
        IntegerConvertor,
        FloatConvertor,
        PathConvertor,
    ]
    assert list(convertors) == ["id", "ratio", "rest"]
    assert re.compile(regex).groupindex.keys() >= {"id", "ratio", "rest"}


@pytest.mark.parametrize(
    ("path", "url", "params"),
    [
        ("/items/{id:int}", "/items/42", {"id": 42}),
        ("/items/{id:int}", "/items/007", {"id": 7}),
        ("/items/{id:int}", "/items/-1", None),
        ("/items/{id:int}", "/items/4.2", None),
        ("/items/{id:int}", "/items/", None),
        ("/items/{id:int}", "/items/\uff11\uff12", None),  # fullwidth digits are not [0-9]
        ("/p/{x:float}", "/p/1.5", {"x": 1.5}),
        ("/p/{x:float}", "/p/3", {"x": 3.0}),
        ("/p/{x:float}", "/p/1.", None),
        ("/p/{x:float}", "/p/nan", None),
        ("/p/{x:float}", "/p/1e5", None),
        ("/u/{name}", "/u/alice", {"name": "alice"}),
        ("/u/{name}", "/u/al/ice", None),
        ("/u/{name}", "/u/", None),
        ("/u/{name:str}", "/u/é%20x", {"name": "é%20x"}),
        ("/f/{file:path}", "/f/a/b/c.txt", {"file": "a/b/c.txt"}),
        ("/f/{file:path}", "/f/", {"file": ""}),
        ("/{a}/{b}", "/x/y", {"a": "x", "b": "y"}),
        ("/{a}-{b:int}", "/x-1", {"a": "x", "b": 1}),
        (
            "/o/{id:uuid}",
            "/o/12345678-1234-5678-1234-567812345678",
            {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
        ),
        (
            "/o/{id:uuid}",
            "/o/ABCDEFAB-1234-5678-1234-567812345678",
            {"id": uuid.UUID("abcdefab-1234-5678-1234-567812345678")},
        ),
        ("/o/{id:uuid}", "/o/12345678123456781234567812345678", None),
        ("/o/{id:uuid}", "/o/zzzzzzzz-1234-5678-1234-567812345678", None),
        ("/a+b/{x}", "/a+b/1", {"x": "1"}),
        ("/a+b/{x}", "/aab/1", None),
        ("/(group)/[x]/{y}", "/(group)/[x]/z", {"y": "z"}),
    ],
)
def test_matching(path: str, url: str, params: dict[str, Any] | None) -> None:
    assert match(path, url) == params


@pytest.mark.parametrize(
    ("flask", "heron"),
    [
        ("/post/<int:post_id>", "/post/{post_id:int}"),
        ("/user/<username>", "/user/{username}"),
        ("/file/<path:subpath>", "/file/{subpath:path}"),
        ("/f/<float:x>/<uuid:u>/<string:s>", "/f/{x:float}/{u:uuid}/{s:string}"),
        ("/mixed/<int:a>/{b}", "/mixed/{a:int}/{b}"),
        ("/plain/{already:int}", "/plain/{already:int}"),
        ("/no/params", "/no/params"),
    ],
)
def test_flask_syntax_rewrite(flask: str, heron: str) -> None:
    assert flask_to_heron_path(flask) == heron


def test_flask_syntax_compiles() -> None:
    assert match("/post/<int:post_id>", "/post/12") == {"post_id": 12}
    assert match("/user/<username>", "/user/bob") == {"username": "bob"}
    assert match("/s/<string:s>", "/s/x") == {"s": "x"}
    _, fmt, _ = compile_path("/post/<int:post_id>")
    assert fmt == "/post/{post_id}"


@pytest.mark.parametrize("path", ["/x/{id:nope}", "/x/<nope:id>", "/x/{id:Int}"])
def test_unknown_convertor(path: str) -> None:
    with pytest.raises(HeronError, match=r"nope|Int"):
        compile_path(path)


@pytest.mark.parametrize("path", ["/{id}/{id}", "/{id:int}/x/{id:str}", "/<id>/<int:id>"])
def test_duplicate_param(path: str) -> None:
    with pytest.raises(HeronError, match="id"):
        compile_path(path)


@pytest.mark.parametrize(
    "path", ["/n/<int(signed=True):n>", "/l/<any(en, fr):lang>", "/s/<string(length=2):code>"]
)
def test_flask_convertor_arguments_are_rejected(path: str) -> None:
    with pytest.raises(HeronError, match="arguments are not supported"):
        compile_path(path)


def test_heron_error_is_a_runtime_error() -> None:
    assert issubclass(HeronError, RuntimeError)


def test_non_identifier_braces_are_literal() -> None:
    regex, _, convertors = compile_path("/a/{1x}")
    assert convertors == {}
    assert re.fullmatch(regex, "/a/{1x}")


def test_round_trip_build_and_match() -> None:
    path = "/shop/{cat}/{id:int}/{price:float}/{ref:uuid}/{rest:path}"
    ref = uuid.uuid4()
    url = build(path, cat="toys", id=5, price=9.5, ref=ref, rest="a/b")
    assert url == f"/shop/toys/5/9.5/{ref}/a/b"
    assert match(path, url) == {"cat": "toys", "id": 5, "price": 9.5, "ref": ref, "rest": "a/b"}


# --------------------------------------------------------------------------- convertors


def test_string_convertor() -> None:
    conv = StringConvertor()
    assert conv.convert("abc") == "abc"
    assert conv.to_string("abc") == "abc"
    assert conv.to_string(12) == "12"
    for bad in ("a/b", "", "/"):
        with pytest.raises(ValueError):
            conv.to_string(bad)


def test_path_convertor() -> None:
    conv = PathConvertor()
    assert conv.convert("a/b/c") == "a/b/c"
    assert conv.to_string("a/b/c") == "a/b/c"
    assert conv.to_string("") == ""


def test_integer_convertor() -> None:
    conv = IntegerConvertor()
    assert conv.convert("0042") == 42
    assert conv.to_string(42) == "42"
    assert conv.to_string("7") == "7"
    assert conv.to_string(0) == "0"
    with pytest.raises(ValueError, match="Negative"):
        conv.to_string(-1)
    with pytest.raises(ValueError):
        conv.to_string("abc")


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.5, "1.5"), (3, "3"), (0.0, "0"), (10.25, "10.25"), (1e20, "100000000000000000000")],
)
def test_float_convertor_to_string(value: float, text: str) -> None:
    conv = FloatConvertor()
    assert conv.to_string(value) == text
    assert conv.convert(text) == value
    assert re.fullmatch(conv.regex, text)


def test_float_convertor_round_trips_awkward_values() -> None:
    conv = FloatConvertor()
    for value in (0.1, 2 / 3, 123.456, 1e-7):
        text = conv.to_string(value)
        assert re.fullmatch(conv.regex, text), text
        assert math.isclose(conv.convert(text), value, rel_tol=1e-12)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), float("-inf")])
def test_float_convertor_rejects(bad: float) -> None:
    with pytest.raises(ValueError):
        FloatConvertor().to_string(bad)


def test_uuid_convertor() -> None:
    conv = UUIDConvertor()
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert conv.convert("12345678-1234-5678-1234-567812345678") == value
    assert conv.to_string(value) == "12345678-1234-5678-1234-567812345678"
    with pytest.raises(ValueError):
        conv.convert("not-a-uuid")


def test_builtin_convertor_names() -> None:
    assert set(CONVERTOR_TYPES) >= {"str", "string", "path", "int", "float", "uuid"}


@pytest.fixture
def clean_registry() -> Iterator[None]:
    saved = dict(CONVERTOR_TYPES)
    yield
    CONVERTOR_TYPES.clear()
    CONVERTOR_TYPES.update(saved)


@pytest.mark.usefixtures("clean_registry")
def test_register_custom_convertor() -> None:
    class DateConvertor(Convertor):
        regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

        def convert(self, value: str) -> tuple[int, ...]:
            return tuple(int(p) for p in value.split("-"))

        def to_string(self, value: Any) -> str:
            return "-".join(f"{p:02d}" for p in value)

    register_url_convertor("date", DateConvertor())
    assert match("/d/{day:date}", "/d/2024-01-31") == {"day": (2024, 1, 31)}
    assert match("/d/<date:day>", "/d/2024-1-31") is None
    assert build("/d/{day:date}", day=(2024, 1, 31)) == "/d/2024-01-31"


def test_base_convertor_is_identity() -> None:
    conv = Convertor()
    assert conv.convert("x") == "x"
    assert conv.to_string(5) == "5"
