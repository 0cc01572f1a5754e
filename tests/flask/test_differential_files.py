"""Differential tests (see ``tests/flask_differential.py``): files.

``send_file`` and ``send_from_directory`` (types, caching headers, attachments, 304 for a
matching ``If-None-Match``, ``Range`` requests, paths escaping the folder) and the
``static`` route.
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any, cast

import pytest

from flask_differential import (
    MODULES,
    FlaskModule,
    Scaffold,
)


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "hello.txt").write_text("Hello, world!\n")
    (folder / "data.json").write_text('{"a": 1}')
    (folder / "sub").mkdir()
    (folder / "sub" / "page.html").write_text("<p>page</p>")
    (tmp_path / "secret.txt").write_text("secret")
    return folder


def file_app(fl: FlaskModule, folder: Path, **config: Any) -> Scaffold:
    app = fl.Flask(__name__, static_folder=str(folder), static_url_path="/static")
    app.config.update(config)

    @app.route("/file/<path:name>")
    def send(name: str) -> Any:
        return fl.send_from_directory(folder, name)

    @app.route("/download")
    def download() -> Any:
        return fl.send_file(folder / "hello.txt", as_attachment=True, download_name="hé llo.txt")

    @app.route("/buffer")
    def buffer() -> Any:
        return fl.send_file(io.BytesIO(b"buffered"), mimetype="text/plain", download_name="b.txt")

    @app.route("/no-type")
    def no_type() -> Any:
        return fl.send_file(io.BytesIO(b"?"))

    @app.route("/max-age")
    def max_age() -> Any:
        return fl.send_file(folder / "hello.txt", max_age=60, etag=False, last_modified=0)

    return app


@pytest.mark.parametrize(
    ("path", "status", "mimetype", "body"),
    [
        ("/file/hello.txt", 200, "text/plain", b"Hello, world!\n"),
        ("/file/data.json", 200, "application/json", b'{"a": 1}'),
        ("/file/sub/page.html", 200, "text/html", b"<p>page</p>"),
        ("/file/../secret.txt", 404, "text/html", None),
        ("/file/sub/../../secret.txt", 404, "text/html", None),
        ("/file/%2E%2E/secret.txt", 404, "text/html", None),
        ("/file/missing.txt", 404, "text/html", None),
        ("/file/sub", 404, "text/html", None),
        ("/static/hello.txt", 200, "text/plain", b"Hello, world!\n"),
        ("/static/../secret.txt", 404, "text/html", None),
    ],
)
def test_send_from_directory(
    fl: FlaskModule, files: Path, path: str, status: int, mimetype: str, body: bytes | None
) -> None:
    response = file_app(fl, files).test_client().get(path)
    assert (response.status_code, response.mimetype) == (status, mimetype)
    if body is not None:
        assert response.data == body
        assert response.headers["Content-Length"] == str(len(body))
        assert response.headers.get("Cache-Control") == "no-cache"
        assert response.headers.get("ETag") is not None
        assert response.headers.get("Last-Modified") is not None
    response.close()


def test_send_file_headers(fl: FlaskModule, files: Path) -> None:
    client = file_app(fl, files).test_client()
    download = client.get("/download")
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"he llo.txt\"; filename*=UTF-8''h%C3%A9%20llo.txt"
    )
    download.close()
    buffer = client.get("/buffer")
    assert (buffer.data, buffer.headers["Content-Type"], buffer.headers.get("ETag")) == (
        b"buffered",
        "text/plain; charset=utf-8",
        None,
    )
    assert buffer.headers.get("Content-Disposition") == "inline; filename=b.txt"
    max_age = client.get("/max-age")
    assert (
        max_age.headers["Cache-Control"],
        max_age.headers.get("ETag"),
        max_age.headers["Last-Modified"],
    ) == ("public, max-age=60", None, "Thu, 01 Jan 1970 00:00:00 GMT")
    assert max_age.headers.get("Expires") is not None
    max_age.close()


def test_send_file_without_mimetype_is_an_error(fl: FlaskModule, files: Path) -> None:
    app = file_app(fl, files)
    app.testing = True
    with pytest.raises(TypeError) as error:
        app.test_client().get("/no-type")
    assert str(error.value).startswith("Unable to detect the MIME type")


def test_send_file_max_age_default(fl: FlaskModule, files: Path) -> None:

    app = file_app(fl, files, SEND_FILE_MAX_AGE_DEFAULT=datetime.timedelta(hours=1))
    response = app.test_client().get("/static/hello.txt")
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    response.close()


def test_conditional_304(fl: FlaskModule, files: Path) -> None:
    client = file_app(fl, files).test_client()
    first = client.get("/file/hello.txt")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    first.close()
    by_etag = client.get("/file/hello.txt", headers={"If-None-Match": etag})
    assert (by_etag.status_code, by_etag.data, by_etag.headers["ETag"]) == (304, b"", etag)
    assert by_etag.headers.get("Content-Length") is None
    by_etag.close()
    by_date = client.get("/file/hello.txt", headers={"If-Modified-Since": last_modified})
    assert by_date.status_code == 304
    by_date.close()
    other = client.get("/file/hello.txt", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200
    other.close()


@pytest.mark.parametrize(
    ("range_header", "status", "body", "content_range"),
    [
        ("bytes=0-4", 206, b"Hello", "bytes 0-4/14"),
        ("bytes=7-", 206, b"world!\n", "bytes 7-13/14"),
        ("bytes=-3", 206, b"d!\n", "bytes 11-13/14"),
        ("bytes=100-200", 416, None, "bytes */14"),
    ],
)
def test_range_requests(
    fl: FlaskModule,
    files: Path,
    range_header: str,
    status: int,
    body: bytes | None,
    content_range: str,
) -> None:
    response = (
        file_app(fl, files).test_client().get("/file/hello.txt", headers={"Range": range_header})
    )
    assert (response.status_code, response.headers["Content-Range"]) == (status, content_range)
    if body is not None:
        assert (response.data, response.headers["Content-Length"]) == (body, str(len(body)))
        assert response.headers["Accept-Ranges"] == "bytes"
    response.close()


def test_static_route_and_url(fl: FlaskModule, files: Path) -> None:
    app = fl.Flask(__name__, static_folder=str(files), static_url_path="/assets")
    with app.test_request_context():
        assert fl.url_for("static", filename="hello.txt") == "/assets/hello.txt"
    response = app.test_client().get("/assets/hello.txt")
    assert response.data == b"Hello, world!\n"
    response.close()
    assert app.test_client().post("/assets/hello.txt").status_code == 405


def test_no_static_folder(fl: FlaskModule) -> None:
    app = fl.Flask(__name__, static_folder=None)
    assert [rule.endpoint for rule in app.url_map.iter_rules()] == []
