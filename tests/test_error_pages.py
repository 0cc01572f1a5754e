"""Error pages: HTML for browsers (by ``Accept``), FastAPI's JSON for API clients, templates."""

import logging
from pathlib import Path

import pytest

from heron import Heron, HTTPException, Request
from heron.error_pages import parse_accept, prefers_html
from heron.globals import abort
from heron.testclient import TestClient

CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SAFARI = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
BROWSERS = [CHROME, FIREFOX, SAFARI]
API_CLIENTS = [
    None,  # no header at all
    "*/*",  # curl, httpx, requests
    "application/json",
    "application/json, text/plain, */*",  # axios
    "application/json;q=1, text/html;q=1",  # a tie is JSON
    "text/html;q=0.5, application/json",
]


def make_app(**options: object) -> Heron:
    app = Heron(**options)  # type: ignore[arg-type]

    @app.get("/items/{item_id}")
    def item(item_id: int) -> int:
        return item_id

    @app.get("/forbidden")
    def forbidden() -> None:
        abort(403, "Members only <script>alert(1)</script>")

    @app.get("/login")
    def login() -> None:
        raise HTTPException(401, "Log in first", headers={"WWW-Authenticate": "Bearer"})

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    return app


def get(client: TestClient, url: str, accept: str | None, method: str = "GET") -> object:
    headers = {} if accept is None else {"Accept": accept}
    return client.request(method, url, headers=headers)


@pytest.mark.parametrize("accept", API_CLIENTS)
def test_api_clients_get_fastapis_json(accept: str | None) -> None:
    client = TestClient(make_app())
    headers = {} if accept is None else {"Accept": accept}
    assert client.get("/nowhere", headers=headers).json() == {"detail": "Not Found"}
    not_allowed = client.post("/items/1", headers=headers)
    assert (not_allowed.json(), not_allowed.headers["allow"]) == (
        {"detail": "Method Not Allowed"},
        "GET, HEAD",
    )
    invalid = client.get("/items/x", headers=headers)
    assert invalid.status_code == 422 and invalid.json()["detail"][0]["type"] == "int_parsing"
    assert "vary" not in invalid.headers


@pytest.mark.parametrize("accept", BROWSERS)
def test_browsers_get_html_pages(accept: str) -> None:
    client = TestClient(make_app())
    headers = {"Accept": accept}
    missing = client.get("/nowhere", headers=headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "text/html; charset=utf-8"
    assert missing.headers["vary"] == "Accept"
    assert "<title>404 Not Found</title>" in missing.text
    not_allowed = client.post("/items/1", headers=headers)
    assert not_allowed.status_code == 405 and not_allowed.headers["allow"] == "GET, HEAD"
    assert "<h1>405 Method Not Allowed</h1>" in not_allowed.text
    forbidden = client.get("/forbidden", headers=headers)
    assert forbidden.status_code == 403
    assert "Members only &lt;script&gt;alert(1)&lt;/script&gt;" in forbidden.text
    assert "<script>" not in forbidden.text
    login = client.get("/login", headers=headers)
    assert (login.status_code, login.headers["www-authenticate"]) == (401, "Bearer")
    assert "Log in first" in login.text
    invalid = client.get("/items/x", headers=headers)
    assert invalid.status_code == 422 and "<h1>422 Unprocessable" in invalid.text
    assert "<code>path → item_id</code>: Input should be a valid integer" in invalid.text


def test_head_of_an_error_page_has_no_body() -> None:
    response = TestClient(make_app()).head("/nowhere", headers={"Accept": FIREFOX})
    assert response.status_code == 404 and response.content == b""
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_the_500_page() -> None:
    client = TestClient(make_app(), raise_server_exceptions=False)
    page = client.get("/boom", headers={"Accept": CHROME})
    assert page.status_code == 500 and "<h1>500 Internal Server Error</h1>" in page.text
    assert "secret internals" not in page.text and "Traceback" not in page.text
    plain = client.get("/boom")
    assert (plain.status_code, plain.text) == (500, "Internal Server Error")


def test_the_500_page_behind_middleware() -> None:
    app = make_app()

    @app.middleware("http")
    async def passthrough(request: Request, call_next: object) -> object:
        return await call_next(request)  # type: ignore[operator]

    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/boom", headers={"Accept": FIREFOX})
    assert page.status_code == 500 and "500 Internal Server Error" in page.text
    assert "secret internals" not in page.text


def test_debug_still_shows_the_traceback() -> None:
    client = TestClient(make_app(debug=True), raise_server_exceptions=False)
    page = client.get("/boom", headers={"Accept": FIREFOX})
    assert page.status_code == 500 and "secret internals" in page.text


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_templates_per_status_and_a_default(tmp_path: Path) -> None:
    write(
        tmp_path,
        "errors/404.html",
        "<p>Lost: {{ request.url.path }} ({{ status_code }} {{ reason }})</p>"
        "<a href=\"{{ url_for('item', item_id=1) }}\">home</a>",
    )
    write(
        tmp_path,
        "errors/default.html",
        "<p>{{ status_code }}: {{ detail }} / {{ error.__class__.__name__ }}"
        "{% for e in errors %} [{{ e.loc[-1] }}]{% endfor %}</p>",
    )
    client = TestClient(make_app(template_folder=str(tmp_path)), raise_server_exceptions=False)
    headers = {"Accept": CHROME}
    lost = client.get("/nowhere", headers=headers)
    assert (lost.status_code, lost.text) == (
        404,
        '<p>Lost: /nowhere (404 Not Found)</p><a href="/items/1">home</a>',
    )
    assert lost.headers["vary"] == "Accept"
    forbidden = client.get("/forbidden", headers=headers)
    assert forbidden.text == (
        "<p>403: Members only &lt;script&gt;alert(1)&lt;/script&gt; / HTTPException</p>"
    )
    assert client.get("/items/x", headers=headers).text == (
        "<p>422: Invalid input / RequestValidationError [item_id]</p>"
    )
    assert client.get("/boom", headers=headers).text == (
        "<p>500: Internal Server Error / RuntimeError</p>"
    )
    assert client.get("/nowhere").json() == {"detail": "Not Found"}  # API clients: JSON


@pytest.mark.parametrize(
    "source",
    [
        "{% if %}",  # a syntax error
        "{{ no_such_thing.attribute }}",  # an error while rendering
        "{{ url_for('no-such-route') }}",
    ],
)
def test_a_broken_template_falls_back_to_the_built_in_page(
    tmp_path: Path, source: str, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "errors/404.html", source)
    client = TestClient(make_app(template_folder=str(tmp_path)))
    with caplog.at_level(logging.ERROR, logger="heron.error_pages"):
        response = client.get("/nowhere", headers={"Accept": FIREFOX})
    assert response.status_code == 404 and "<h1>404 Not Found</h1>" in response.text
    assert "The error page template for 404 failed" in caplog.text


def test_a_missing_template_folder_is_fine(tmp_path: Path) -> None:
    client = TestClient(make_app(template_folder=str(tmp_path / "absent")))
    response = client.get("/nowhere", headers={"Accept": FIREFOX})
    assert response.status_code == 404 and "<h1>404 Not Found</h1>" in response.text
    no_folder = TestClient(make_app(template_folder=None))
    assert "<h1>404 Not Found</h1>" in no_folder.get("/x", headers={"Accept": FIREFOX}).text


def test_user_handlers_still_win() -> None:
    app = make_app()

    @app.exception_handler(404)
    async def custom(request: Request, exc: Exception) -> object:
        from heron.responses import PlainTextResponse

        return PlainTextResponse("custom", status_code=404)

    assert TestClient(app).get("/nowhere", headers={"Accept": CHROME}).text == "custom"


@pytest.mark.parametrize(
    "accept",
    [
        "text/html;q=abc",
        "text/html;q=NaN",
        "text/html;q=inf",
        "text/html;q=1e400, application/json;q=-1",
        "text/html;q=2",
        ";;;,,,/,*/,/*",
        "text/html;q",
        "\x00\xff" * 100,
        "text/html;" + "q=0.5;" * 5000,
        ",".join(["text/html;q=0.1"] * 10000),
        "text/html;q=0.5;q=x",
        "téxt/html",
    ],
)
def test_bad_accept_headers_never_give_a_500(accept: str) -> None:
    client = TestClient(make_app())
    raw_headers = [(b"accept", accept.encode("latin-1", "replace"))]
    response = client.get("/nowhere", headers=raw_headers)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (CHROME, True),
        ("text/html", True),
        ("text/*", True),
        ("text/*, application/json;q=0.9", True),
        ("*/*", False),
        ("", False),
        ("application/json", False),
        ("text/html;q=0.9, application/json", False),
        ("text/html;q=abc, application/json;q=0.1", False),  # the garbage entry is skipped
        ("TEXT/HTML", True),
        ("*;q=.2, text/html", True),  # Java's bare "*" and ".2"
        ("text/html;q=0, */*", False),
        ("text/html;q=0.\u0661, application/json;q=0.05", False),  # a non-ASCII digit
    ],
)
def test_prefers_html(accept: str, html: bool) -> None:
    assert prefers_html(accept) is html


def test_parse_accept() -> None:
    assert parse_accept("text/html;level=1;q=0.5, */*; q=.1, bad, a/b;q=7") == [
        ("text", "html", 0.5),
        ("*", "*", 0.1),
    ]
    assert len(parse_accept(",".join(["a/b"] * 1000))) == 64
