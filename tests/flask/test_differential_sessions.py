"""Differential tests (see ``tests/flask_differential.py``): sessions and flashing.

The session cookie a client gets and sends back, permanent sessions, ``Vary: Cookie``,
the cookie's attributes, ``session_transaction``, and ``flash`` with
``get_flashed_messages``.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from typing import Any, cast

import pytest
from markupsafe import Markup

from flask_differential import (
    FLASK,
    HERON,
    MODULES,
    FlaskModule,
    Scaffold,
)


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


def cookie_attributes(header: str | None) -> dict[str, str]:
    """A ``Set-Cookie`` header's attributes, the value and dates replaced by markers."""
    assert header is not None
    name_value, *attributes = (part.strip() for part in header.split(";"))
    name, _, value = name_value.partition("=")
    parsed = {"name": name, "value": "<empty>" if not value else "<set>"}
    for attribute in attributes:
        key, _, attribute_value = attribute.partition("=")
        parsed[key] = "<date>" if key == "Expires" and value else attribute_value
    return parsed


def cookie_attributes_raw(header: str) -> dict[str, str]:
    """A ``Set-Cookie`` header's attributes as they are."""
    parts = (part.strip().partition("=") for part in header.split(";")[1:])
    return {key: value for key, _, value in parts}


def session_app(fl: FlaskModule, **config: Any) -> Scaffold:
    app = fl.Flask(__name__)
    app.secret_key = "differential"
    app.config.update(config)

    @app.route("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        fl.session[key] = value
        return "set"

    @app.route("/get/<key>")
    def get_value(key: str) -> str:
        return str(fl.session.get(key, "<missing>"))

    @app.route("/all")
    def everything() -> dict[str, Any]:
        return dict(fl.session)

    @app.route("/clear")
    def clear() -> str:
        fl.session.clear()
        return "cleared"

    @app.route("/permanent")
    def permanent() -> str:
        fl.session.permanent = True
        fl.session["p"] = 1
        return "permanent"

    @app.route("/untouched")
    def untouched() -> str:
        return "untouched"

    return app


def test_session_round_trip(fl: FlaskModule) -> None:
    client = session_app(fl).test_client()
    response = client.get("/set/user/ann")
    assert cookie_attributes(response.headers.get("Set-Cookie")) == {
        "name": "session",
        "value": "<set>",
        "HttpOnly": "",
        "Path": "/",
    }
    assert response.headers["Vary"] == "Cookie"
    assert client.get("/get/user").text == "ann"
    client.get("/set/n/2")
    assert client.get("/all").json == {"n": "2", "user": "ann"}


def test_session_values_keep_their_types(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.secret_key = "differential"

    @app.route("/store")
    def store() -> str:
        fl.session["value"] = {
            "tuple": (1, 2),
            "bytes": b"\x00b",
            "markup": Markup("<b>x</b>"),
            "uuid": uuid.UUID(int=1),
            "date": datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
            "list": [1, "a"],
        }
        return "stored"

    @app.route("/load")
    def load() -> str:
        value = fl.session["value"]
        return repr(sorted((k, type(v).__name__, v) for k, v in value.items()))

    client = app.test_client()
    client.get("/store")
    assert client.get("/load").text == repr(
        [
            ("bytes", "bytes", b"\x00b"),
            (
                "date",
                "datetime",
                datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
            ),
            ("list", "list", [1, "a"]),
            ("markup", "Markup", Markup("<b>x</b>")),
            ("tuple", "tuple", (1, 2)),
            ("uuid", "UUID", uuid.UUID(int=1)),
        ]
    )


def test_session_cookie_written_by_one_is_read_by_the_other() -> None:
    def app_of(fl: FlaskModule) -> Scaffold:
        app = fl.Flask(__name__)
        app.secret_key = "shared"

        @app.route("/write")
        def write() -> str:
            fl.session.update(t=(1, b"x"), u=uuid.UUID(int=3), m=Markup("<b>"))
            return "written"

        @app.route("/read")
        def read() -> str:
            return repr(sorted(fl.session.items()))

        return app

    expected = (
        "[('m', Markup('<b>')), ('t', (1, b'x')),"
        " ('u', UUID('00000000-0000-0000-0000-000000000003'))]"
    )
    for writer, reader in ((FLASK, HERON), (HERON, FLASK)):
        write_client = app_of(writer).test_client()
        write_client.get("/write")
        cookie = write_client.get_cookie("session")
        assert cookie is not None
        read_client = app_of(reader).test_client()
        read_client.set_cookie("session", cookie.value)
        assert read_client.get("/read").text == expected


def test_untouched_session_sets_no_cookie_and_no_vary(fl: FlaskModule) -> None:
    client = session_app(fl).test_client()
    response = client.get("/untouched")
    assert (response.headers.get("Set-Cookie"), response.headers.get("Vary")) == (None, None)


def test_reading_the_session_adds_vary_only(fl: FlaskModule) -> None:
    client = session_app(fl).test_client()
    client.get("/set/a/1")
    response = client.get("/get/a")
    # SESSION_REFRESH_EACH_REQUEST refreshes permanent sessions only.
    assert (response.headers.get("Set-Cookie"), response.headers.get("Vary")) == (None, "Cookie")


def test_clearing_the_session_deletes_the_cookie(fl: FlaskModule) -> None:
    client = session_app(fl).test_client()
    client.get("/set/a/1")
    response = client.get("/clear")
    assert cookie_attributes(response.headers.get("Set-Cookie")) == {
        "name": "session",
        "value": "<empty>",
        "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
        "Max-Age": "0",
        "HttpOnly": "",
        "Path": "/",
    }
    assert response.headers["Vary"] == "Cookie"
    assert client.get("/all").json == {}


def test_modified_empty_session_deletes_the_cookie(fl: FlaskModule) -> None:
    app = session_app(fl)

    @app.route("/touch")
    def touch() -> str:
        fl.session.modified = True
        return "touched"

    response = app.test_client().get("/touch")
    assert cookie_attributes(response.headers.get("Set-Cookie"))["Max-Age"] == "0"
    assert response.headers["Vary"] == "Cookie"


def test_permanent_session(fl: FlaskModule) -> None:
    client = session_app(fl).test_client()
    response = client.get("/permanent")
    assert cookie_attributes(response.headers.get("Set-Cookie")) == {
        "name": "session",
        "value": "<set>",
        "Expires": "<date>",
        "HttpOnly": "",
        "Path": "/",
    }
    refreshed = client.get("/get/p")
    assert refreshed.text == "1"
    assert refreshed.headers.get("Set-Cookie") is not None


def test_permanent_session_expiry(fl: FlaskModule) -> None:
    from werkzeug.http import parse_date

    app = session_app(fl)
    app.permanent_session_lifetime = 3600
    assert app.permanent_session_lifetime == datetime.timedelta(hours=1)
    response = app.test_client().get("/permanent")
    expires = parse_date(cookie_attributes_raw(response.headers["Set-Cookie"])["Expires"])
    assert expires is not None
    left = expires - datetime.datetime.now(datetime.UTC)
    assert 3590 <= left.total_seconds() <= 3600


def test_permanent_session_not_refreshed(fl: FlaskModule) -> None:
    client = session_app(fl, SESSION_REFRESH_EACH_REQUEST=False).test_client()
    client.get("/permanent")
    assert client.get("/get/p").headers.get("Set-Cookie") is None


def test_session_cookie_config(fl: FlaskModule) -> None:
    client = session_app(
        fl,
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
    ).test_client()
    response = client.get("/set/a/1")
    assert cookie_attributes(response.headers.get("Set-Cookie")) == {
        "name": "sid",
        "value": "<set>",
        "Domain": "example.test",
        "Secure": "",
        "Path": "/app",
        "SameSite": "Lax",
        "Partitioned": "",
    }


def test_deleted_cookie_keeps_the_configured_attributes(fl: FlaskModule) -> None:
    app = session_app(
        fl,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
        SESSION_COOKIE_DOMAIN="example.test",
    )
    client = app.test_client()
    client.get("https://example.test/set/a/1")
    response = client.get("https://example.test/clear")
    assert cookie_attributes(response.headers.get("Set-Cookie")) == {
        "name": "session",
        "value": "<empty>",
        "Domain": "example.test",
        "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
        "Max-Age": "0",
        "Secure": "",
        "HttpOnly": "",
        "Path": "/",
        "SameSite": "Strict",
        "Partitioned": "",
    }


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"APPLICATION_ROOT": "/sub"}, {"Path": "/sub"}),
        ({"APPLICATION_ROOT": "/sub", "SESSION_COOKIE_PATH": "/own"}, {"Path": "/own"}),
        ({"SERVER_NAME": "example.test"}, {"Path": "/"}),
    ],
)
def test_cookie_path_and_domain_defaults(
    fl: FlaskModule, config: dict[str, Any], expected: dict[str, str]
) -> None:
    app = session_app(fl, **config)
    response = app.test_client().get("/set/a/1")
    attributes = cookie_attributes(response.headers.get("Set-Cookie"))
    assert {key: attributes.get(key) for key in ("Path", "Domain")} == {"Domain": None, **expected}


def test_cookie_too_large_warns(fl: FlaskModule) -> None:
    app = session_app(fl, MAX_COOKIE_SIZE=100)
    # Random bytes: the signed value is compressed, a repeated letter would stay small.
    noise = secrets.token_hex(100)
    with pytest.warns(UserWarning, match="The 'session' cookie is too large"):
        app.test_client().get(f"/set/a/{noise}")


def test_tampered_session_cookie_is_an_empty_session(fl: FlaskModule) -> None:
    client = session_app(fl).test_client()
    client.set_cookie("session", "eyJhIjoiMSJ9.bad.signature")
    assert client.get("/all").json == {}


def test_session_signed_with_another_key_is_ignored(fl: FlaskModule) -> None:
    app = session_app(fl)
    client = app.test_client()
    client.get("/set/a/1")
    app.secret_key = "rotated"
    assert client.get("/all").json == {}


def test_secret_key_fallbacks(fl: FlaskModule) -> None:
    app = session_app(fl)
    client = app.test_client()
    client.get("/set/a/1")
    app.config.update(SECRET_KEY="new", SECRET_KEY_FALLBACKS=["differential"])
    assert client.get("/all").json == {"a": "1"}


def test_session_without_secret_key(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.testing = True

    @app.route("/read")
    def read() -> str:
        return f"{fl.session.get('a')} {type(fl.session._get_current_object()).__name__}"

    @app.route("/write")
    def write() -> str:
        fl.session["a"] = 1
        return "written"

    client = app.test_client()
    assert client.get("/read").text == "None NullSession"
    with pytest.raises(RuntimeError) as error:
        client.get("/write")
    assert str(error.value).startswith("The session is unavailable because no secret key was set.")


def test_session_is_new_and_modified(fl: FlaskModule) -> None:
    app = session_app(fl)

    @app.route("/flags")
    def flags() -> dict[str, Any]:
        before = [fl.session.new, fl.session.modified, fl.session.permanent]
        fl.session.setdefault("x", []).append(1)
        return {"before": before, "after_setdefault": fl.session.modified}

    client = app.test_client()
    assert client.get("/flags").json == {
        "after_setdefault": True,
        "before": [False, False, False],
    }


def test_session_transaction(fl: FlaskModule) -> None:
    app = session_app(fl)
    client = app.test_client()
    with client.session_transaction() as session:
        assert dict(session) == {}
        session["user"] = "from transaction"
    assert client.get("/get/user").text == "from transaction"
    client.get("/set/x/y")
    with client.session_transaction() as session:
        assert dict(session) == {"user": "from transaction", "x": "y"}


def test_session_transaction_permanent_and_path(fl: FlaskModule) -> None:
    app = session_app(fl, SESSION_COOKIE_PATH="/get")
    client = app.test_client()
    with client.session_transaction("/get/") as session:
        session.permanent = True
        session["a"] = "from transaction"
    cookie = client.get_cookie("session", path="/get")
    assert cookie is not None
    assert cookie.expires is not None
    assert client.get("/get/a").text == "from transaction"


def test_session_transaction_errors(fl: FlaskModule) -> None:
    app = session_app(fl)
    with (
        pytest.raises(TypeError) as error,
        app.test_client(use_cookies=False).session_transaction(),
    ):
        pass
    assert str(error.value) == "Cookies are disabled. Create a client with 'use_cookies=True'."
    no_key = fl.Flask(__name__)
    with pytest.raises(RuntimeError) as runtime, no_key.test_client().session_transaction():
        pass
    assert str(runtime.value) == "Session backend did not open a session."


def test_follow_redirects_keeps_the_final_session(fl: FlaskModule) -> None:
    app = session_app(fl)

    @app.route("/login")
    def login() -> Any:
        fl.session["user"] = "ann"
        return fl.redirect("/home")

    @app.route("/home")
    def home() -> str:
        fl.session["visited"] = True
        return "home"

    client = app.test_client()
    with client:
        assert client.get("/login", follow_redirects=True).text == "home"
        assert dict(fl.session) == {"user": "ann", "visited": True}
    with client.session_transaction() as session:
        assert dict(session) == {"user": "ann", "visited": True}


# ------------------------------------------------------------------ Vary: Cookie


SESSION_READS: dict[str, Any] = {
    "get": lambda s: s.get("a"),
    "getitem": lambda s: s["a"],
    "setdefault": lambda s: s.setdefault("x", 1),
    "permanent": lambda s: s.permanent,
    "copy": lambda s: dict(s),
}


# Flask 3.1.3 marks the session accessed whenever the `session` proxy is used at all
# (GHSA-68rp-wp8r-4726): `in`, `len()`, iterating… must add `Vary: Cookie` too.
SESSION_PEEKS: dict[str, Any] = {
    "contains": lambda s: "a" in s,
    "len": len,
    "bool": bool,
    "iter": list,
    "keys": lambda s: list(s.keys()),
    "items": lambda s: list(s.items()),
    "pop-missing": lambda s: s.pop("missing", None),
    "new": lambda s: s.new,
    "modified": lambda s: s.modified,
}


def vary_after(fl: FlaskModule, use: Any) -> tuple[str | None, str | None]:
    """The ``Vary`` and ``Set-Cookie`` of a request whose view calls ``use(session)``."""
    app = session_app(fl)

    @app.route("/use")
    def use_session() -> str:
        use(fl.session)
        return "used"

    client = app.test_client()
    client.get("/set/a/1")
    response = client.get("/use")
    return response.headers.get("Vary"), response.headers.get("Set-Cookie")


@pytest.mark.parametrize("use", SESSION_READS.values(), ids=SESSION_READS.keys())
def test_reading_the_session_adds_vary_cookie(fl: FlaskModule, use: Any) -> None:
    vary, set_cookie = vary_after(fl, use)
    assert vary == "Cookie"
    assert (set_cookie is not None) is (use is SESSION_READS["setdefault"])


@pytest.mark.parametrize("use", SESSION_PEEKS.values(), ids=SESSION_PEEKS.keys())
def test_any_session_use_adds_vary_cookie(fl: FlaskModule, use: Any) -> None:
    assert vary_after(fl, use) == ("Cookie", None)


def test_session_read_in_after_request_adds_vary(fl: FlaskModule) -> None:
    app = session_app(fl)

    @app.after_request
    def peek(response: Any) -> Any:
        fl.session.get("a")
        return response

    response = app.test_client().get("/untouched")
    assert response.headers.get("Vary") == "Cookie"


def test_template_without_session_adds_no_vary(fl: FlaskModule) -> None:
    app = session_app(fl)
    app.add_url_rule("/t", "t", lambda: fl.render_template_string("{{ request.path }}"))
    app.add_url_rule("/ts", "ts", lambda: fl.render_template_string("{{ session.get('a', '-') }}"))
    client = app.test_client()
    client.get("/set/a/1")
    plain, with_session = client.get("/t"), client.get("/ts")
    assert [(r.text, r.headers.get("Vary")) for r in (plain, with_session)] == [
        ("/t", None),
        ("1", "Cookie"),
    ]


def test_vary_joins_the_views_vary(fl: FlaskModule) -> None:
    app = session_app(fl)
    app.add_url_rule("/v", "v", lambda: (str(fl.session.get("a")), {"Vary": "Accept"}))
    assert app.test_client().get("/v").headers.getlist("Vary") == ["Accept, Cookie"]


# ------------------------------------------------------------------ flashing


def flash_app(fl: FlaskModule) -> Scaffold:
    app = fl.Flask(__name__)
    app.secret_key = "differential"

    @app.route("/flash")
    def flash() -> str:
        fl.flash("plain")
        fl.flash("careful", "warning")
        fl.flash(Markup("<b>bold</b>"), "error")
        return "flashed"

    @app.route("/messages")
    def messages() -> dict[str, Any]:
        return {
            "plain": fl.get_flashed_messages(),
            "with_categories": fl.get_flashed_messages(with_categories=True),
            "filtered": fl.get_flashed_messages(category_filter=["warning", "error"]),
            "filtered_with": fl.get_flashed_messages(True, ["message"]),
        }

    @app.route("/template")
    def template() -> str:
        return cast(
            str,
            fl.render_template_string(
                "{% for c, m in get_flashed_messages(with_categories=true) %}[{{ c }}:{{ m }}]"
                "{% endfor %}"
            ),
        )

    return app


def test_flash_and_read_once(fl: FlaskModule) -> None:
    client = flash_app(fl).test_client()
    client.get("/flash")
    assert client.get("/messages").json == {
        "filtered": ["careful", "<b>bold</b>"],
        "filtered_with": [["message", "plain"]],
        "plain": ["plain", "careful", "<b>bold</b>"],
        "with_categories": [
            ["message", "plain"],
            ["warning", "careful"],
            ["error", "<b>bold</b>"],
        ],
    }
    assert client.get("/messages").json["plain"] == []


def test_flash_in_template_escaping(fl: FlaskModule) -> None:
    client = flash_app(fl).test_client()
    client.get("/flash")
    assert client.get("/template").text == ("[message:plain][warning:careful][error:<b>bold</b>]")


def test_flash_and_read_in_the_same_request(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.secret_key = "differential"

    @app.route("/")
    def index() -> str:
        fl.flash("now")
        return repr(fl.get_flashed_messages(with_categories=True))

    client = app.test_client()
    assert client.get("/").text == "[('message', 'now')]"
    with client.session_transaction() as session:
        assert "_flashes" not in session


def test_get_flashed_messages_adds_vary_cookie(fl: FlaskModule) -> None:
    app = flash_app(fl)
    response = app.test_client().get("/messages")
    assert (response.headers.get("Vary"), response.headers.get("Set-Cookie")) == ("Cookie", None)


def test_message_flashed_signal(fl: FlaskModule) -> None:
    app = flash_app(fl)
    received: list[tuple[str, str]] = []

    def record(sender: Any, message: str, category: str, **extra: Any) -> None:
        received.append((message, category))

    with fl.message_flashed.connected_to(record, app):
        app.test_client().get("/flash")
    assert received == [("plain", "message"), ("careful", "warning"), ("<b>bold</b>", "error")]
