"""heron.flask.sessions against Flask's ``flask.sessions``: the same cookies, both ways.

Flask's side is a real ``flask.Flask`` application (its test client and request
contexts); Heron's side is :class:`SecureCookieSessionInterface` with a stand-in
application carrying Flask's default configuration, and Werkzeug requests and responses.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import flask.sessions
import itsdangerous.timed
import pytest
from markupsafe import Markup
from werkzeug.http import parse_date
from werkzeug.wrappers import Request, Response

from heron.flask.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
    session_json_serializer,
)

SAMPLE: dict[str, Any] = {
    "user_id": 42,
    "name": "Zoë",
    "pair": (1, "two"),
    "nested_tuple": (1, (2, ())),
    "raw": b"\x00\xffbytes",
    "html": Markup("<em>hi</em>"),
    "token": UUID("12345678-1234-5678-1234-567812345678"),
    "when": datetime(2024, 2, 29, 13, 5, 7, tzinfo=UTC),
    "looks_tagged": {" t": [1, 2]},
    "looks_di": {" di": (3,)},
    "items": [1, (2,), {"k": b"v"}],
    "none": None,
    "ratio": 1.5,
    "flag": True,
}

INTERFACE = SecureCookieSessionInterface()
FLASK_INTERFACE = flask.sessions.SecureCookieSessionInterface()


class StandInApp:
    """What the session interfaces read from an application, with Flask's defaults."""

    def __init__(self, **config: Any) -> None:
        self.config: dict[str, Any] = {**flask.Flask.default_config, "SECRET_KEY": "dev"}
        self.config.update(config)

    @property
    def secret_key(self) -> str | bytes | None:
        key: str | bytes | None = self.config["SECRET_KEY"]
        return key

    @property
    def permanent_session_lifetime(self) -> timedelta:
        lifetime: timedelta = self.config["PERMANENT_SESSION_LIFETIME"]
        return lifetime


def flask_app(**config: Any) -> flask.Flask:
    app = flask.Flask(__name__)
    app.config.update({"SECRET_KEY": "dev", **config})
    return app


def flask_writes(app: flask.Flask, data: Mapping[str, Any], permanent: bool = False) -> str:
    """The session cookie a Flask view storing ``data`` sets, through the test client."""

    @app.post("/write")
    def write() -> str:
        flask.session.update(data)
        if permanent:
            flask.session.permanent = True
        return "ok"

    response = app.test_client().post("/write")
    return set_cookie_value(response.headers["Set-Cookie"])


def flask_reads(app: flask.Flask, cookie: str) -> dict[str, Any]:
    """The session a Flask request sending ``cookie`` sees."""
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context(headers={"Cookie": f"{name}={cookie}"}):
        return dict(flask.session)


def heron_writes(app: StandInApp, data: Mapping[str, Any], permanent: bool = False) -> str:
    session = SecureCookieSession()
    session.update(data)
    if permanent:
        session.permanent = True
    response = Response()
    INTERFACE.save_session(app, session, response)
    return set_cookie_value(response.headers["Set-Cookie"])


def heron_reads(app: StandInApp, cookie: str | None) -> SecureCookieSession:
    """The session Heron opens for a request sending ``cookie`` (``None``: no cookie)."""
    name = app.config["SESSION_COOKIE_NAME"]
    headers = {} if cookie is None else {"Cookie": f"{name}={cookie}"}
    session = INTERFACE.open_session(app, Request.from_values(headers=headers))
    assert session is not None
    return session


def set_cookie_value(header: str) -> str:
    return header.split(";", 1)[0].split("=", 1)[1]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Set the time itsdangerous signs and checks cookies at, on both sides."""

    def set_time(timestamp: int) -> None:
        monkeypatch.setattr(
            itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: timestamp
        )

    return set_time


# -- Flask's cookies read here, ours read by Flask --------------------------------------


def test_a_cookie_flask_wrote_reads_the_same() -> None:
    session = heron_reads(StandInApp(), flask_writes(flask_app(), SAMPLE))
    assert session == SAMPLE
    assert isinstance(session["pair"], tuple)
    assert isinstance(session["html"], Markup)
    assert type(session) is SecureCookieSession
    assert (session.new, session.modified, session.permanent) == (False, False, False)


def test_a_cookie_written_here_reads_the_same_in_flask() -> None:
    data = flask_reads(flask_app(), heron_writes(StandInApp(), SAMPLE))
    assert data == SAMPLE
    assert isinstance(data["nested_tuple"][1], tuple)
    assert isinstance(data["raw"], bytes)


def test_permanence_travels_both_ways() -> None:
    assert heron_reads(StandInApp(), flask_writes(flask_app(), {"a": 1}, permanent=True)).permanent
    cookie = heron_writes(StandInApp(), {"a": 1}, permanent=True)
    assert flask_reads(flask_app(), cookie) == {"a": 1, "_permanent": True}


def test_the_signed_cookie_is_flasks_byte_for_byte(clock: Callable[[int], None]) -> None:
    clock(1_700_000_000)
    config = {"SECRET_KEY": "new", "SECRET_KEY_FALLBACKS": ["old", "older"]}
    ours = INTERFACE.get_signing_serializer(StandInApp(**config))
    theirs = FLASK_INTERFACE.get_signing_serializer(flask_app(**config))
    assert ours is not None
    assert theirs is not None
    assert ours.dumps(SAMPLE) == theirs.dumps(SAMPLE)


def test_the_real_flask_app_object_works_here() -> None:
    app = flask_app()
    session = INTERFACE.open_session(
        app, Request.from_values(headers={"Cookie": f"session={flask_writes(app, {'a': (1,)})}"})
    )
    assert session == {"a": (1,)}


# -- Set-Cookie: the same header as Flask's ---------------------------------------------

CONFIGS = [
    pytest.param({}, id="defaults"),
    pytest.param(
        {
            "SESSION_COOKIE_NAME": "sid",
            "SESSION_COOKIE_DOMAIN": "example.com",
            "SESSION_COOKIE_PATH": "/app",
            "SESSION_COOKIE_HTTPONLY": False,
            "SESSION_COOKIE_SECURE": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_PARTITIONED": True,
        },
        id="every-attribute",
    ),
    pytest.param({"APPLICATION_ROOT": "/root"}, id="application-root"),
    pytest.param({"SESSION_COOKIE_SAMESITE": "Strict"}, id="strict"),
    pytest.param({"SESSION_COOKIE_SAMESITE": "None", "SESSION_COOKIE_SECURE": True}, id="none"),
]


def save_both(
    config: dict[str, Any], fill: Callable[[Any], None]
) -> tuple[Response, flask.Response]:
    """Save a session filled by ``fill`` with Heron's and with Flask's interface."""
    ours = SecureCookieSession({"user": 1})
    theirs = flask.sessions.SecureCookieSession({"user": 1})
    fill(ours)
    fill(theirs)
    our_response, their_response = Response(), flask.Response()
    INTERFACE.save_session(StandInApp(**config), ours, our_response)
    FLASK_INTERFACE.save_session(flask_app(**config), theirs, their_response)
    return our_response, their_response


def without_expires(header: str) -> str:
    return "; ".join(part for part in header.split("; ") if not part.startswith("Expires="))


@pytest.mark.parametrize("config", CONFIGS)
def test_set_cookie_is_flasks(config: dict[str, Any], clock: Callable[[int], None]) -> None:
    clock(1_700_000_000)

    def modify(session: SessionMixin) -> None:
        session["cart"] = [1, 2]

    ours, theirs = save_both(config, modify)
    assert ours.headers.getlist("Set-Cookie") == theirs.headers.getlist("Set-Cookie")
    assert ours.headers["Vary"] == theirs.headers["Vary"] == "Cookie"
    assert "Expires" not in ours.headers["Set-Cookie"]  # a browser-session cookie


@pytest.mark.parametrize("config", CONFIGS)
def test_permanent_set_cookie_is_flasks(
    config: dict[str, Any], clock: Callable[[int], None]
) -> None:
    clock(1_700_000_000)

    def make_permanent(session: SessionMixin) -> None:
        session.permanent = True

    ours, theirs = save_both(config, make_permanent)
    [our_header] = ours.headers.getlist("Set-Cookie")
    [their_header] = theirs.headers.getlist("Set-Cookie")
    assert without_expires(our_header) == without_expires(their_header)
    expires = parse_date(our_header.split("Expires=", 1)[1].split(";", 1)[0])
    assert expires is not None
    in_31_days = datetime.now(UTC) + timedelta(days=31)
    assert abs(expires - in_31_days) < timedelta(seconds=5)


@pytest.mark.parametrize("config", CONFIGS)
def test_an_emptied_session_deletes_the_cookie_like_flask(config: dict[str, Any]) -> None:
    ours, theirs = save_both(config, lambda session: session.clear())
    assert ours.headers.getlist("Set-Cookie") == theirs.headers.getlist("Set-Cookie")
    [header] = ours.headers.getlist("Set-Cookie")
    name = config.get("SESSION_COOKIE_NAME", "session")
    assert header.startswith(f"{name}=; ")
    assert "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0" in header
    assert ours.headers["Vary"] == theirs.headers["Vary"] == "Cookie"


def test_an_untouched_empty_session_sends_nothing() -> None:
    response = Response()
    INTERFACE.save_session(StandInApp(), heron_reads(StandInApp(), None), response)
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers


@pytest.mark.parametrize(
    ("permanent", "refresh", "sent"),
    [(False, True, False), (True, True, True), (True, False, False)],
)
def test_an_unmodified_session_is_resent_only_to_refresh_a_permanent_one(
    permanent: bool, refresh: bool, sent: bool
) -> None:
    config = {"SESSION_REFRESH_EACH_REQUEST": refresh}
    cookie = flask_writes(flask_app(), {"a": 1}, permanent=permanent)
    ours, theirs = Response(), flask.Response()
    INTERFACE.save_session(StandInApp(**config), heron_reads(StandInApp(), cookie), ours)
    app = flask_app(**config)
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        session = FLASK_INTERFACE.open_session(app, flask.request)
        assert session is not None
        FLASK_INTERFACE.save_session(app, session, theirs)
    assert ("Set-Cookie" in ours.headers) is ("Set-Cookie" in theirs.headers) is sent


@pytest.mark.parametrize(
    "use",
    [
        pytest.param(lambda session: session["a"], id="getitem"),
        pytest.param(lambda session: session.get("missing"), id="get"),
        pytest.param(lambda session: session.setdefault("a", 2), id="setdefault-existing"),
        pytest.param(lambda session: session.__setitem__("b", 2), id="setitem"),
    ],
)
def test_the_session_object_tracks_changes_not_reads_as_flasks(
    use: Callable[[SecureCookieSession], object],
) -> None:
    # COMPAT(flask): Flask 3.1.3 marks a session accessed when the `session` global is
    # used (the request context does it), not in the dict: the same here.
    ours = heron_reads(StandInApp(), heron_writes(StandInApp(), {"a": 1}))
    theirs = flask.sessions.SecureCookieSession({"a": 1})
    use(ours)
    use(theirs)  # type: ignore[arg-type]
    assert (ours.accessed, ours.modified) == (theirs.accessed, theirs.modified)
    assert ours.accessed is False


def test_a_large_cookie_is_set_with_werkzeugs_warning_like_flask() -> None:
    big = {"blob": random.Random(0).randbytes(3000)}  # random: zlib cannot shrink it
    with pytest.warns(UserWarning, match="cookie is too large"):
        cookie = heron_writes(StandInApp(), big)
    with pytest.warns(UserWarning, match="cookie is too large"):
        flask_writes(flask_app(), big)
    # Not Flask: a cookie that long did not come from a browser and is not checked.
    assert heron_reads(StandInApp(), cookie) == {}
    assert flask_reads(flask_app(), cookie)["blob"] == big["blob"]


def test_a_cookie_of_4096_characters_is_still_checked() -> None:
    checked: list[str] = []

    class Accepting:
        def loads(self, cookie: str, max_age: int) -> dict[str, Any]:
            checked.append(cookie)
            return {"checked": True}

    class Spying(SecureCookieSessionInterface):
        def get_signing_serializer(self, app: Any) -> Any:
            return Accepting()

    assert Spying().open_session(StandInApp(), _Cookies({"session": "a" * 4096})) == {
        "checked": True
    }
    assert Spying().open_session(StandInApp(), _Cookies({"session": "a" * 4097})) == {}
    assert checked == ["a" * 4096]


# -- Keys: the secret key signs, the fallbacks still verify -----------------------------


def test_a_cookie_signed_with_a_fallback_key_is_read() -> None:
    cookie = flask_writes(flask_app(SECRET_KEY="old"), {"a": 1})
    rotated = StandInApp(SECRET_KEY="new", SECRET_KEY_FALLBACKS=["newer-old", "old", "oldest"])
    assert heron_reads(rotated, cookie) == {"a": 1}
    assert heron_reads(StandInApp(SECRET_KEY="new"), cookie) == {}


def test_cookies_are_signed_with_the_secret_key_not_a_fallback() -> None:
    # CVE-2025-47278: Flask 3.1.0 signed with the last fallback.
    rotated = StandInApp(SECRET_KEY="new", SECRET_KEY_FALLBACKS=["old", "older"])
    cookie = heron_writes(rotated, {"a": 1})
    assert flask_reads(flask_app(SECRET_KEY="new"), cookie) == {"a": 1}
    assert flask_reads(flask_app(SECRET_KEY="old"), cookie) == {}
    assert flask_reads(flask_app(SECRET_KEY="older"), cookie) == {}


def test_flask_with_fallbacks_reads_our_old_cookies() -> None:
    cookie = heron_writes(StandInApp(SECRET_KEY=b"old-bytes"), {"a": 1})
    app = flask_app(SECRET_KEY="new", SECRET_KEY_FALLBACKS=[b"old-bytes"])
    assert flask_reads(app, cookie) == {"a": 1}
    assert heron_reads(StandInApp(SECRET_KEY="new", SECRET_KEY_FALLBACKS=[b"old-bytes"]), cookie)


# -- Bad cookies: an empty session, never an error --------------------------------------


def _good_cookie() -> str:
    return heron_writes(StandInApp(), {"user": "alice"})


def _forged(cookie: str) -> str:
    # One cookie, its last signature character changed (two cookies could be a second apart).
    return cookie[:-1] + ("A" if cookie[-1] != "A" else "B")


BAD_COOKIES = [
    pytest.param(
        lambda: _forged(_good_cookie()),
        id="forged-signature",
    ),
    pytest.param(lambda: _good_cookie()[:-5], id="truncated"),
    pytest.param(lambda: "x" + _good_cookie(), id="prefixed"),
    pytest.param(
        lambda: heron_writes(StandInApp(SECRET_KEY="other"), {"user": "root"}), id="other-key"
    ),
    pytest.param(lambda: "eyJ1c2VyIjoicm9vdCJ9.ZZZZZZ.bad", id="made-up"),
    pytest.param(lambda: ".", id="dot"),
    pytest.param(lambda: "a.b.c.d", id="dots"),
    pytest.param(lambda: "ünïcode.ZZZZZZ.x", id="non-ascii"),
    pytest.param(lambda: "\udcff.x.y", id="lone-surrogate"),
]


@pytest.mark.parametrize("make_cookie", BAD_COOKIES)
def test_a_bad_cookie_gives_an_empty_session(make_cookie: Callable[[], str]) -> None:
    cookie = make_cookie()
    # A request object of our own: Werkzeug's header parsing would not keep a surrogate.
    session = INTERFACE.open_session(StandInApp(), _Cookies({"session": cookie}))
    assert session == {}
    assert isinstance(session, SecureCookieSession)
    assert not session.modified


class _Cookies:
    def __init__(self, cookies: dict[str, str]) -> None:
        self.cookies = cookies


def test_an_empty_cookie_gives_an_empty_session() -> None:
    assert heron_reads(StandInApp(), "") == {}


def test_a_signed_value_that_is_not_a_dict_gives_an_empty_session() -> None:
    serializer = INTERFACE.get_signing_serializer(StandInApp())
    assert serializer is not None
    assert heron_reads(StandInApp(), serializer.dumps(["not", "a", "session"])) == {}


def test_a_signed_unreadable_payload_gives_an_empty_session() -> None:
    serializer = INTERFACE.get_signing_serializer(StandInApp())
    assert serializer is not None
    signer = serializer.make_signer()
    assert heron_reads(StandInApp(), signer.sign(b"not-base64-json!").decode()) == {}


def test_an_expired_cookie_gives_an_empty_session(clock: Callable[[int], None]) -> None:
    now = 1_700_000_000
    clock(now - int(timedelta(days=31).total_seconds()) - 1)
    old = flask_writes(flask_app(), {"a": 1}, permanent=True)
    clock(now - int(timedelta(days=31).total_seconds()) + 60)
    recent = heron_writes(StandInApp(), {"a": 1}, permanent=True)
    clock(now)
    assert heron_reads(StandInApp(), old) == {}
    assert flask_reads(flask_app(), old) == {}
    assert heron_reads(StandInApp(), recent) == {"a": 1, "_permanent": True}


def test_the_lifetime_setting_is_the_maximum_age(clock: Callable[[int], None]) -> None:
    short = StandInApp(PERMANENT_SESSION_LIFETIME=timedelta(seconds=10))
    clock(1_000)
    cookie = heron_writes(short, {"a": 1})
    clock(1_010)
    assert heron_reads(short, cookie) == {"a": 1}
    clock(1_011)
    assert heron_reads(short, cookie) == {}


# -- Without a secret key: the null session ---------------------------------------------


@pytest.mark.parametrize("key", [None, ""])
def test_without_a_secret_key_there_is_no_session(key: str | None) -> None:
    app = StandInApp(SECRET_KEY=key)
    assert INTERFACE.get_signing_serializer(app) is None
    assert INTERFACE.open_session(app, Request.from_values()) is None
    no_key = flask_app(SECRET_KEY=key)
    with no_key.test_request_context():
        assert FLASK_INTERFACE.open_session(no_key, flask.request) is None
    null = INTERFACE.make_null_session(app)
    assert type(null) is NullSession
    assert INTERFACE.is_null_session(null)
    assert not INTERFACE.is_null_session(SecureCookieSession())


WRITES: list[Any] = [
    pytest.param(lambda s: s.__setitem__("a", 1), id="setitem"),
    pytest.param(lambda s: s.__delitem__("a"), id="delitem"),
    pytest.param(lambda s: s.clear(), id="clear"),
    pytest.param(lambda s: s.pop("a", None), id="pop"),
    pytest.param(lambda s: s.popitem(), id="popitem"),
    pytest.param(lambda s: s.update(a=1), id="update"),
    pytest.param(lambda s: s.setdefault("a", 1), id="setdefault"),
    pytest.param(lambda s: s.__ior__({"a": 1}), id="ior"),
    pytest.param(lambda s: setattr(s, "permanent", True), id="permanent"),
]


@pytest.mark.parametrize("write", WRITES)
def test_the_null_session_refuses_writes(write: Callable[[NullSession], object]) -> None:
    session = NullSession()
    with pytest.raises(RuntimeError, match="no secret key was set"):
        write(session)
    assert session == {}


def test_the_null_session_can_be_read() -> None:
    session = NullSession()
    assert session.get("a") is None
    assert "a" not in session
    assert session.permanent is False
    assert list(session) == []
    with pytest.raises(KeyError):
        session["a"]


def test_saving_without_a_secret_key_is_an_error() -> None:
    session = SecureCookieSession()
    session["a"] = 1
    with pytest.raises(RuntimeError, match="no secret key was set"):
        INTERFACE.save_session(StandInApp(SECRET_KEY=None), session, Response())


# -- The session classes ------------------------------------------------------------------


def test_session_mixin_defaults_and_permanent() -> None:
    class DictSession(dict[str, Any], SessionMixin):
        pass

    session = DictSession()
    assert (session.new, session.modified, session.accessed) == (False, True, True)
    assert session.permanent is False
    session.permanent = 1  # type: ignore[assignment]
    assert session == {"_permanent": True}
    assert session.permanent is True


def test_secure_cookie_session_tracks_writes() -> None:
    session = SecureCookieSession({"a": 1})
    assert (session.modified, session.accessed) == (False, False)
    session.pop("missing", None)  # nothing removed: no change
    assert session.modified is False
    session["b"] = 2
    assert (session.modified, session.accessed) == (True, False)  # as Flask 3.1.3
    assert repr(session) == "<SecureCookieSession {'a': 1, 'b': 2}>"


def test_setdefault_of_a_new_key_modifies() -> None:
    session = SecureCookieSession()
    assert session.setdefault("a", [1]) == [1]
    assert (session.modified, session.accessed) == (True, False)  # as Flask 3.1.3


def test_session_interface_reads_the_cookie_settings() -> None:
    app = StandInApp(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.com",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
    )
    interface = SessionInterface()
    assert interface.get_cookie_name(app) == "sid"
    assert interface.get_cookie_domain(app) == "example.com"
    assert interface.get_cookie_path(app) == "/"
    assert interface.get_cookie_path(StandInApp(SESSION_COOKIE_PATH="/p")) == "/p"
    assert interface.get_cookie_httponly(app) is False
    assert interface.get_cookie_secure(app) is True
    assert interface.get_cookie_samesite(app) == "Lax"
    assert interface.get_cookie_partitioned(app) is True
    assert interface.pickle_based is False
    assert interface.null_session_class is NullSession


def test_expiration_time() -> None:
    app = StandInApp(PERMANENT_SESSION_LIFETIME=timedelta(hours=1))
    session = SecureCookieSession()
    assert SessionInterface().get_expiration_time(app, session) is None
    session.permanent = True
    expires = SessionInterface().get_expiration_time(app, session)
    assert expires is not None
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=1))) < timedelta(seconds=5)


def test_the_base_interface_leaves_storage_to_subclasses() -> None:
    with pytest.raises(NotImplementedError):
        SessionInterface().open_session(StandInApp(), Request.from_values())
    with pytest.raises(NotImplementedError):
        SessionInterface().save_session(StandInApp(), SecureCookieSession(), Response())


def test_signing_settings_are_flasks() -> None:
    assert INTERFACE.salt == FLASK_INTERFACE.salt == "cookie-session"
    assert INTERFACE.key_derivation == FLASK_INTERFACE.key_derivation == "hmac"
    assert INTERFACE.digest_method(b"x").digest() == hashlib.sha1(b"x").digest()
    assert INTERFACE.serializer is session_json_serializer
    assert INTERFACE.session_class is SecureCookieSession


def test_another_digest_is_a_class_attribute_away() -> None:
    class SHA256Interface(SecureCookieSessionInterface):
        digest_method = staticmethod(hashlib.sha256)

    app = StandInApp()
    serializer = SHA256Interface().get_signing_serializer(app)
    assert serializer is not None
    cookie = serializer.dumps({"a": 1})
    assert SHA256Interface().open_session(app, _Cookies({"session": cookie})) == {"a": 1}
    assert heron_reads(app, cookie) == {}  # the default SHA-1 signature does not match
