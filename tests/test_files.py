"""send_file and send_from_directory: Flask's helpers on Heron's file responses.

Headers are compared with real Flask's for the same file; path traversal is driven through
raw ASGI scopes, since httpx normalizes ``..`` before a request leaves the client
(SECURITY.md C1-C3).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import anyio
import flask
import pytest

from asgi_calls import http_scope, record
from heron import Heron, HTTPException, send_file, send_from_directory
from heron.exceptions import OutsideContextError
from heron.testclient import TestClient

FLASK_SAME = ("content-disposition", "content-type", "content-length", "cache-control")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An app directory: ``hello.txt`` at its top, ``public/`` to serve, a secret beside it."""
    (tmp_path / "hello.txt").write_text("hello\n")
    public = tmp_path / "public"
    (public / "css").mkdir(parents=True)
    (public / "css" / "a.css").write_text("body{}")
    (public / "résumé €.pdf").write_bytes(b"%PDF")
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    (tmp_path / "public_sibling").mkdir()
    (tmp_path / "public_sibling" / "x.txt").write_text("sibling")
    return tmp_path


def heron_app(root: Path, **send: Any) -> Heron:
    app = Heron()
    app.app_dir = str(root)  # as Heron(__name__) in a module of that directory

    @app.get("/file")
    def file() -> Any:
        return send_file("hello.txt", **send)

    @app.get("/files/{path:path}")
    def files(path: str) -> Any:
        return send_from_directory("public", path, **send)

    return app


def flask_headers(root: Path, path: str, **send: Any) -> dict[str, str]:
    app = flask.Flask(__name__, root_path=str(root))

    @app.route("/file")
    def file() -> Any:
        return flask.send_file(path, **send)

    response = app.test_client().get("/file")
    response.close()  # Werkzeug's file wrapper
    assert response.status_code == 200
    return {key.lower(): value for key, value in response.headers.items()}


# --------------------------------------------------------------------------- send_file


@pytest.mark.parametrize(
    "send",
    [
        {},
        {"as_attachment": True},
        {"download_name": "résumé €.txt", "as_attachment": True},
        {"download_name": 'a "b";c.txt'},
        {"download_name": "report.unknown-extension"},
        {"mimetype": "text/csv"},
        {"max_age": 60},
        {"max_age": 0},
        {"etag": False, "conditional": False},
    ],
)
def test_send_file_sends_flasks_headers(site: Path, send: dict[str, Any]) -> None:
    response = TestClient(heron_app(site, **send)).get("/file")
    assert (response.status_code, response.text) == (200, "hello\n")
    expected = flask_headers(site, "hello.txt", **send)
    for key in FLASK_SAME:
        assert response.headers.get(key) == expected.get(key), key
    # Both, or neither: the values are each framework's own (mtime and size either way).
    for key in ("etag", "accept-ranges", "last-modified", "expires"):
        assert (key in response.headers) == (key in expected), key


def test_a_relative_path_starts_from_the_app_directory_and_an_absolute_one_anywhere(
    site: Path,
) -> None:
    app = Heron()
    app.app_dir = str(site / "public")

    @app.get("/relative")
    def relative() -> Any:
        return send_file("css/a.css")

    @app.get("/absolute")
    def absolute() -> Any:
        return send_file(site / "hello.txt")

    client = TestClient(app)
    assert client.get("/relative").text == "body{}"
    assert client.get("/relative").headers["content-type"] == "text/css; charset=utf-8"
    assert client.get("/absolute").text == "hello\n"


def test_outside_a_request_a_relative_path_needs_an_app_context(site: Path) -> None:
    with pytest.raises(OutsideContextError, match="send_file"):
        send_file("hello.txt")
    assert send_file(site / "hello.txt").media_type == "text/plain"
    app = Heron()
    app.app_dir = str(site)
    with app.app_context():
        assert send_file("hello.txt").headers["content-disposition"] == (
            "inline; filename=hello.txt"
        )


def test_conditional_and_range_requests(site: Path) -> None:
    client = TestClient(heron_app(site))
    full = client.get("/file")
    etag = full.headers["etag"]
    assert client.get("/file", headers={"if-none-match": etag}).status_code == 304
    modified = {"if-modified-since": full.headers["last-modified"]}
    assert client.get("/file", headers=modified).status_code == 304
    part = client.get("/file", headers={"range": "bytes=1-3"})
    assert (part.status_code, part.text) == (206, "ell")


def test_conditional_false_answers_in_full(site: Path) -> None:
    client = TestClient(heron_app(site, conditional=False))
    full = client.get("/file")
    assert "accept-ranges" not in full.headers
    assert client.get("/file", headers={"if-none-match": full.headers["etag"]}).status_code == 200
    assert client.get("/file", headers={"range": "bytes=1-3"}).text == "hello\n"


def test_a_given_etag_and_last_modified(site: Path) -> None:
    when = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    client = TestClient(heron_app(site, etag="v1", last_modified=when))
    response = client.get("/file")
    expected = flask_headers(site, "hello.txt", etag="v1", last_modified=when)
    assert response.headers["etag"] == expected["etag"] == '"v1"'
    assert response.headers["last-modified"] == expected["last-modified"]
    assert client.get("/file", headers={"if-none-match": '"v1"'}).status_code == 304
    with pytest.raises(ValueError, match="double quote"):
        send_file(site / "hello.txt", etag='a"b')


def test_max_age_from_a_function_or_the_app_config(site: Path) -> None:
    seen: list[str | None] = []

    def max_age(path: str | None) -> int:
        seen.append(path)
        return 30

    response = TestClient(heron_app(site, max_age=max_age)).get("/file")
    assert response.headers["cache-control"] == "public, max-age=30"
    assert seen == [str(site / "hello.txt")]
    app = heron_app(site)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = dt.timedelta(hours=1)
    assert TestClient(app).get("/file").headers["cache-control"] == "public, max-age=3600"


def test_a_missing_file_is_a_404(site: Path) -> None:
    app = Heron()

    @app.get("/gone")
    def gone() -> Any:
        return send_file(site / "gone.txt")

    assert TestClient(app).get("/gone").status_code == 404


# --------------------------------------------------------------------------- file objects


class TrackedBytes(io.BytesIO):
    closes = 0

    def close(self) -> None:
        TrackedBytes.closes += 1
        super().close()


def test_a_file_object_is_streamed_from_its_position_and_closed(site: Path) -> None:
    TrackedBytes.closes = 0
    app = Heron()

    @app.api_route("/csv", methods=["GET", "HEAD"])
    def csv() -> Any:
        data = TrackedBytes(b"skip;a,b\n1,2\n")
        data.seek(5)
        return send_file(data, mimetype="text/csv", download_name="data.csv")

    @app.get("/disk")
    def disk() -> Any:
        return send_file(open(site / "hello.txt", "rb"), download_name="hello.txt")

    client = TestClient(app)
    response = client.get("/csv")
    assert response.content == b"a,b\n1,2\n"
    assert response.headers["content-length"] == "8"
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert "etag" not in response.headers and "accept-ranges" not in response.headers
    assert client.head("/csv").content == b""
    assert TrackedBytes.closes == 2  # after the GET, and after the HEAD that read nothing
    on_disk = client.get("/disk")
    assert (on_disk.text, on_disk.headers["content-length"]) == ("hello\n", "6")


def test_a_file_object_needs_a_name_or_a_media_type() -> None:
    with pytest.raises(TypeError, match="Unable to detect the MIME type"):
        send_file(io.BytesIO(b"x"))
    with pytest.raises(TypeError, match="No name provided for attachment"):
        send_file(io.BytesIO(b"x"), mimetype="text/plain", as_attachment=True)
    with pytest.raises(ValueError, match="binary mode"):
        send_file(io.StringIO("x"), mimetype="text/plain")  # type: ignore[arg-type]
    named = send_file(io.BytesIO(b"x"), download_name="a.bin")
    assert named.headers["content-type"] == "application/octet-stream"
    assert named.headers["content-disposition"] == "inline; filename=a.bin"


# --------------------------------------------------------------------------- send_from_directory


def test_send_from_directory_serves_files_below_it(site: Path) -> None:
    client = TestClient(heron_app(site))
    response = client.get("/files/css/a.css")
    assert (response.status_code, response.text) == (200, "body{}")
    unicode_name = client.get("/files/résumé €.pdf")
    assert unicode_name.content == b"%PDF"
    disposition = unicode_name.headers["content-disposition"]
    assert disposition.endswith("; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.pdf")
    assert client.get("/files/css/missing.css").status_code == 404
    assert client.get("/files/css").status_code == 404  # a directory


async def _status(app: Heron, path: str) -> tuple[int, bytes]:
    sent = await record(app, http_scope(path))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


@pytest.mark.parametrize(
    "path",
    [
        "/files/../secret.txt",  # `..`
        "/files/css/../../secret.txt",
        "/files/../public_sibling/x.txt",  # a sibling sharing the prefix (CVE-2023-29159)
        "/files//etc/passwd",  # absolute
        "/files/" + os.path.abspath(__file__).lstrip("/"),  # absolute through the prefix
        "/files///server/share/x",  # UNC
        "/files/..\\secret.txt",  # backslash (..\ decoded from %2e%2e%5c)
        "/files/css\\..\\..\\secret.txt",
        "/files/%2e%2e/secret.txt",  # double-encoded: a literal name, not a parent
        "/files/..%2fsecret.txt",
        "/files/\xc0\xae\xc0\xae/secret.txt",  # overlong UTF-8 dots, as latin-1 text
        "/files/css/a.css\x00.png",  # NUL
        "/files/" + "a" * 5000 + ".txt",  # a name too long for the file system
        "/files/",
        "/files/.",
    ],
)
@pytest.mark.anyio
async def test_send_from_directory_refuses_paths_leaving_it(site: Path, path: str) -> None:
    """SECURITY.md C1-C3: each answers 404 and never a byte of a file outside ``public/``."""
    status, body = await _status(heron_app(site), path)
    assert status == 404, path
    assert b"TOP SECRET" not in body and b"sibling" not in body


@pytest.mark.parametrize(
    "path", ["../secret.txt", "/etc/passwd", "css/../../secret.txt", "a\\..\\x", "a\x00b", ""]
)
def test_send_from_directory_raises_the_404_the_app_answers(site: Path, path: str) -> None:
    app = Heron()
    app.app_dir = str(site)
    with app.app_context(), pytest.raises(HTTPException) as info:
        send_from_directory("public", path)
    assert info.value.status_code == 404


def test_the_apps_404_handler_answers_a_refused_path(site: Path) -> None:
    app = heron_app(site)

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "<h1>No such file</h1>", 404

    status, body = anyio.run(_status, app, "/files/../secret.txt")
    assert (status, body) == (404, b"<h1>No such file</h1>")


def test_flask_refuses_the_same_paths(site: Path) -> None:
    """The reference: Werkzeug's send_from_directory, for the paths both can be given."""
    app = flask.Flask(__name__, root_path=str(site))
    with app.test_request_context():
        for path in ("../secret.txt", "/etc/passwd", "css/../../secret.txt"):
            with pytest.raises(Exception) as info:
                flask.send_from_directory("public", path)
            assert getattr(info.value, "code", None) == 404, path
