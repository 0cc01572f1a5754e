"""StaticFiles (FastAPI's) and the app's static folder: caching, ranges, traversal safety."""

import os
import warnings
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from heron import Heron, Request, url_for
from heron.exceptions import HeronError
from heron.routing import Mount
from heron.staticfiles import StaticFiles, app_directory, safe_join
from heron.testclient import TestClient
from heron.types import Message

pytestmark = pytest.mark.anyio


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """``tmp/static`` with files, and secrets next to it that must never be served."""
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "a.css").write_text("body { color: red }")
    (static / "hello.txt").write_text("hello world")
    (static / "docs").mkdir()
    (static / "docs" / "index.html").write_text("<p>docs index</p>")
    (static / "dotted..dir").mkdir()
    (static / "dotted..dir" / "ok.txt").write_text("dotted ok")
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    # CVE-2023-29159: a sibling whose name starts with the served directory's name.
    (tmp_path / "static_disallow").mkdir()
    (tmp_path / "static_disallow" / "index.html").write_text("TOP SECRET sibling")
    (tmp_path / "static1.txt").write_text("TOP SECRET prefix file")
    return static


def mounted(directory: Path, **options: Any) -> Heron:
    app = Heron()
    app.mount("/static", StaticFiles(directory=directory, **options), name="static")
    return app


def test_serves_a_file_with_validators(site: Path) -> None:
    client = TestClient(mounted(site))
    response = client.get("/static/css/a.css")
    assert response.status_code == 200
    assert response.text == "body { color: red }"
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-length"] == "19"
    etag = response.headers["etag"]
    last_modified = response.headers["last-modified"]
    assert client.get("/static/css/a.css", headers={"if-none-match": etag}).status_code == 304
    not_modified = client.get("/static/css/a.css", headers={"if-modified-since": last_modified})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    old = formatdate(0, usegmt=True)
    assert client.get("/static/css/a.css", headers={"if-modified-since": old}).status_code == 200


def test_range_and_head(site: Path) -> None:
    client = TestClient(mounted(site))
    response = client.get("/static/hello.txt", headers={"range": "bytes=0-4"})
    assert response.status_code == 206
    assert response.text == "hello"
    assert response.headers["content-range"] == "bytes 0-4/11"
    assert client.get("/static/hello.txt", headers={"range": "bytes=50-"}).status_code == 416
    head = client.head("/static/hello.txt")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == "11"


def test_errors_are_answered_by_the_app(site: Path) -> None:
    client = TestClient(mounted(site))
    missing = client.get("/static/nope.txt")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    assert client.get("/static/css").status_code == 404  # a directory, not in html mode
    assert client.get("/static/hello.txt/x").status_code == 404  # a file used as a directory
    post = client.post("/static/hello.txt")
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"
    assert post.json() == {"detail": "Method Not Allowed"}


def test_html_mode(site: Path) -> None:
    client = TestClient(mounted(site, html=True))
    redirect = client.get("/static/docs", follow_redirects=False)
    assert redirect.status_code == 307
    assert redirect.headers["location"] == "http://testserver/static/docs/"
    assert client.get("/static/docs/").text == "<p>docs index</p>"
    assert client.get("/static/nope").status_code == 404  # no 404.html yet
    (site / "404.html").write_text("<h1>custom not found</h1>")
    response = client.get("/static/nope")
    assert response.status_code == 404
    assert response.text == "<h1>custom not found</h1>"
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_html_mode_at_the_root(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("home")
    app = Heron()
    app.mount("/", StaticFiles(directory=tmp_path, html=True))
    client = TestClient(app)
    assert client.get("/").text == "home"


def test_directory_checks(tmp_path: Path) -> None:
    with pytest.raises(HeronError, match="does not exist"):
        StaticFiles(directory=tmp_path / "missing")
    late = mounted(tmp_path / "later", check_dir=False)
    with pytest.raises(HeronError, match="does not exist"):
        TestClient(late).get("/static/x")
    (tmp_path / "file").write_text("x")
    with pytest.raises(HeronError, match="is not a directory"):
        TestClient(mounted(tmp_path / "file", check_dir=False)).get("/static/x")


def test_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "mypkg"
    (package / "statics").mkdir(parents=True)
    (package / "assets").mkdir()
    (package / "__init__.py").write_text("")
    (package / "statics" / "p.txt").write_text("from package")
    (package / "assets" / "q.txt").write_text("from assets")
    monkeypatch.syspath_prepend(str(tmp_path))
    app = Heron()
    app.mount("/s", StaticFiles(packages=["mypkg", ("mypkg", "assets")]))
    client = TestClient(app)
    assert client.get("/s/p.txt").text == "from package"
    assert client.get("/s/q.txt").text == "from assets"
    with pytest.raises(HeronError, match="could not be found"):
        StaticFiles(packages=["no_such_package_here"])
    with pytest.raises(HeronError, match="'nope' in package"):
        StaticFiles(packages=[("mypkg", "nope")])


# ---------------------------------------------------------------- traversal


async def call(app: Any, path: str, method: str = "GET") -> tuple[int, bytes]:
    """Send ``path`` as the server decoded it, bypassing httpx's normalisation of ``..``."""
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "scheme": "http",
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return status, body


TRAVERSALS = [
    "/static/../secret.txt",
    "/static/../static_disallow/index.html",  # CVE-2023-29159
    "/static/../static1.txt",  # CVE-2023-29159: "static1.txt" starts with "static"
    "/static/css/../../secret.txt",
    "/static/..",
    "/static/../",
    "/static/..%2fsecret.txt",  # a server that did not decode %2f: a literal name
    "/static/%2e%2e/secret.txt",
    "/static/..\\secret.txt",
    "/static/%2e%2e%5csecret.txt",
    "/static/\\..\\secret.txt",
    "/static//etc/passwd",
    "/static/\\\\server\\share",
    "/static/hello.txt\x00.css",
    "/static/\x00",
    "/static/....//secret.txt",
    "/static/./../secret.txt",
    "/static/\ufffd\ufffd/secret.txt",  # overlong %c0%ae, as servers decode it
    "/static/" + "a" * 5000 + ".txt",  # ENAMETOOLONG
    "/static/C:/Windows/win.ini",
]


@pytest.mark.parametrize("path", TRAVERSALS)
async def test_traversal_is_a_404(site: Path, path: str) -> None:
    """SECURITY.md C1 (Starlette CVE-2023-29159, commonprefix), C2, C7 (Litestar
    CVE-2024-32982, containment checked before resolving) and C8 (Sanic CVE-2017-16762,
    encoded separators); called on the ASGI app directly, since httpx normalises ``..``."""
    for options in ({}, {"follow_symlink": True}, {"html": True}):
        status, body = await call(mounted(site, **options), path)
        assert status == 404, (path, options, body)
        assert b"SECRET" not in body


async def test_decoded_traversal_through_the_app_folder_route(site: Path) -> None:
    app = Heron(static_folder=str(site))
    for path in TRAVERSALS:
        status, body = await call(app, path)
        assert status == 404, path
        assert b"SECRET" not in body


async def test_a_directory_with_dots_in_its_name_is_served(site: Path) -> None:
    assert await call(mounted(site), "/static/dotted..dir/ok.txt") == (200, b"dotted ok")


def test_lookup_path_refuses_absolute_paths(site: Path) -> None:
    """SECURITY.md C2 (Starlette 1.1.0 #3287): absolute and UNC paths drop the root."""
    files = StaticFiles(directory=site)
    assert files.lookup_path("/etc/passwd") == ("", None)
    assert files.lookup_path("\\\\server\\share") == ("", None)
    assert files.lookup_path("../secret.txt") == ("", None)
    assert files.lookup_path("hello.txt")[1] is not None


async def test_symlinks_out_of_the_directory(site: Path, tmp_path: Path) -> None:
    """SECURITY.md C5 (aiohttp CVE-2024-23334) and C7: a link out of the root is a 404
    unless ``follow_symlink=True`` (Starlette's opt-in: the operator put it there); ``..``
    stays refused even then."""
    os.symlink(tmp_path / "secret.txt", site / "link.txt")
    os.symlink(tmp_path / "static_disallow", site / "linkdir")
    os.symlink(site / "hello.txt", site / "inside.txt")
    strict = mounted(site)
    assert (await call(strict, "/static/link.txt"))[0] == 404
    assert (await call(strict, "/static/linkdir/index.html"))[0] == 404
    assert await call(strict, "/static/inside.txt") == (200, b"hello world")
    following = mounted(site, follow_symlink=True)
    assert await call(following, "/static/link.txt") == (200, b"TOP SECRET")
    assert (await call(following, "/static/../secret.txt"))[0] == 404  # CVE-2024-23334


def test_safe_join() -> None:
    """SECURITY.md C3 (Werkzeug CVE-2024-49766): ``//b/c`` and ``b\\c`` never join."""
    assert safe_join("a", "b/c") == os.path.join("a", "b", "c")
    assert safe_join("a", "./b//c/") == os.path.join("a", "b", "c")
    for bad in ("../b/c", "b/../../c", "/b", "//b/c", "b\\c", "b\x00"):
        assert safe_join("a", bad) is None, bad
    assert safe_join("a", "CON") == os.path.join("a", "CON")  # only special on Windows


def test_safe_join_windows_device_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """SECURITY.md C4 (Werkzeug CVE-2025-66221, CVE-2026-21860, CVE-2026-27199)."""
    monkeypatch.setattr("os.name", "nt")
    for name in ("CON", "CON.txt", "CON.txt.html", "CON  ", "CON . txt", "b/CON", "nul", "C:x"):
        assert safe_join("a", name) is None, name
    assert safe_join("a", "CONSOLE.txt") is not None


def test_websocket_to_a_static_mount_is_closed(site: Path) -> None:
    client = TestClient(mounted(site))
    with pytest.raises(Exception) as info, client.websocket_connect("/static/hello.txt"):
        pass
    assert getattr(info.value, "code", None) == 1000


# ---------------------------------------------------------------- the app's static folder


def test_the_app_static_folder_is_served_and_named_static(site: Path) -> None:
    app = Heron(static_folder=str(site))
    urls: dict[str, str] = {}

    @app.get("/")
    def index(request: Request) -> dict[str, str]:
        urls["flask"] = url_for("static", filename="css/a.css", v=3)
        urls["fastapi"] = str(request.url_for("static", path="css/a.css"))
        return urls

    client = TestClient(app)
    assert client.get("/static/css/a.css").text == "body { color: red }"
    assert client.get("/static/css/a.css").headers["etag"]
    client.get("/")
    assert urls == {
        "flask": "/static/css/a.css?v=3",
        "fastapi": "http://testserver/static/css/a.css",
    }
    assert app.url_path_for("static", path="x.js") == "/static/x.js"
    static_route = [r for r in app.routes if r.name == "static"]
    assert len(static_route) == 1 and not static_route[0].include_in_schema


def test_url_for_static_before_the_first_request(site: Path) -> None:
    app = Heron(static_folder=str(site))
    assert app.url_for("static", filename="a.css") == "/static/a.css"
    assert app.url_for("static", filename="a.css", v=2) == "/static/a.css?v=2"


def test_static_url_path_and_folder_name(site: Path) -> None:
    app = Heron(static_folder=str(site), static_url_path="/assets")
    client = TestClient(app)
    assert client.get("/assets/hello.txt").text == "hello world"
    assert client.get("/static/hello.txt").status_code == 404
    assert app.static_url_path == "/assets"
    assert Heron(static_folder=str(site)).static_url_path == "/static"


def test_no_folder_no_route(tmp_path: Path) -> None:
    app = Heron(static_folder=str(tmp_path / "absent"))
    TestClient(app).get("/")
    assert [r for r in app.routes if r.name == "static"] == []
    assert not [r for r in Heron(static_folder=None).routes if r.name == "static"]


def test_the_app_own_routes_and_mounts_win(site: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "hello.txt").write_text("from the explicit mount")
    app = Heron(static_folder=str(site))
    app.mount("/static", StaticFiles(directory=other), name="static")  # FastAPI's habit
    client = TestClient(app)
    assert client.get("/static/hello.txt").text == "from the explicit mount"
    assert client.get("/static/css/a.css").status_code == 404  # not in `other`
    assert app.url_path_for("static", path="x") == "/static/x"
    mounts = [r for r in app.routes if r.name == "static"]
    assert isinstance(mounts[0], Mount)  # url_for finds the explicit mount first


def test_routes_under_the_static_prefix_win(site: Path) -> None:
    app = Heron(static_folder=str(site))

    @app.get("/static/{name}.json")
    def special(name: str) -> str:
        return name

    client = TestClient(app)
    assert client.get("/static/special.json").json() == "special"
    assert client.get("/static/hello.txt").text == "hello world"


def test_app_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg_for_dir").mkdir()
    (tmp_path / "pkg_for_dir" / "__init__.py").write_text(
        "from heron import Heron\n"
        "by_name = Heron('pkg_for_dir')\n"
        "by_frame = Heron()\n"
        "import sys\n"
        "by_main = Heron('__main__')\n"
    )
    (tmp_path / "pkg_for_dir" / "static").mkdir()
    (tmp_path / "pkg_for_dir" / "static" / "s.txt").write_text("pkg static")
    monkeypatch.syspath_prepend(str(tmp_path))
    with warnings.catch_warnings():
        import pkg_for_dir  # type: ignore[import-not-found]
    folder = str(tmp_path / "pkg_for_dir")
    assert pkg_for_dir.by_name.app_dir == folder
    assert pkg_for_dir.by_frame.app_dir == folder
    assert TestClient(pkg_for_dir.by_frame).get("/static/s.txt").text == "pkg static"
    assert app_directory("no_such_module_anywhere") == os.getcwd()
    namespace: dict[str, Any] = {"__name__": "repl"}
    exec("from heron import Heron\napp = Heron()", namespace)
    assert namespace["app"].app_dir == os.getcwd()


def test_same_answers_as_fastapi(site: Path) -> None:
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles as FastAPIStaticFiles

    theirs = FastAPI()
    theirs.mount("/static", FastAPIStaticFiles(directory=site, html=True), name="static")
    ours = mounted(site, html=True)
    cases = [
        ("GET", "/static/css/a.css", {}),
        ("HEAD", "/static/hello.txt", {}),
        ("GET", "/static/hello.txt", {"range": "bytes=2-5"}),
        ("GET", "/static/hello.txt", {"range": "bytes=99-"}),
        ("POST", "/static/hello.txt", {}),
        ("GET", "/static/missing.txt", {}),
        ("GET", "/static/docs", {}),
        ("GET", "/static/docs/", {}),
    ]
    for method, path, headers in cases:
        a = TestClient(theirs).request(method, path, headers=headers, follow_redirects=False)
        b = TestClient(ours).request(method, path, headers=headers, follow_redirects=False)
        assert (a.status_code, a.content) == (b.status_code, b.content), (method, path)
        for name in ("content-type", "content-range", "location", "allow", "etag"):
            assert a.headers.get(name) == b.headers.get(name), (method, path, name)
