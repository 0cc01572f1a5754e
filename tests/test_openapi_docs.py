"""The docs pages: FastAPI's HTML functions, the files Heron serves for them, the app's routes.

Pages are compared with FastAPI's as parsed HTML (tags, attributes, text and script with
whitespace removed, comments ignored): Heron writes its own templates, so only what a
browser sees must match, not the indentation.
"""

from __future__ import annotations

import importlib.metadata
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.openapi import docs as fastapi_docs

from heron import Heron
from heron.openapi import docs
from heron.openapi.assets import REDOC, SWAGGER_UI, AssetBundle, DocsAssets
from heron.testclient import TestClient
from heron.types import Message

Event = tuple[Any, ...]


class _Events(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[Event] = []

    def handle_decl(self, decl: str) -> None:
        self.events.append(("decl", decl.lower()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag, tuple(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        text = "".join(data.split())
        if text:
            self.events.append(("data", text))


def page_events(html: str | bytes | memoryview) -> list[Event]:
    parser = _Events()
    parser.feed(html if isinstance(html, str) else bytes(html).decode())
    parser.close()
    return parser.events


def asset_urls(html: str | bytes | memoryview) -> list[str]:
    """Every URL the page loads by itself (stylesheets, icons, scripts)."""
    urls = []
    for event in page_events(html):
        if event[0] == "start" and event[1] in ("link", "script"):
            attrs = dict(event[2])
            url = attrs.get("href") or attrs.get("src")
            if url:
                urls.append(url)
    return urls


def without_urls(html: str | bytes | memoryview, urls: list[str]) -> list[Event]:
    """The page's events with the given asset URLs replaced by a placeholder."""
    events = []
    for event in page_events(html):
        if event[0] == "start":
            attrs = tuple((k, "<url>" if v in urls else v) for k, v in event[2])
            event = ("start", event[1], attrs)
        events.append(event)
    return events


# ---------------------------------------------------------------- the HTML functions

SWAGGER_CASES: dict[str, dict[str, Any]] = {
    "minimal": {"openapi_url": "/openapi.json", "title": "Shop - Swagger UI"},
    "oauth2": {
        "openapi_url": "/api/openapi.json",
        "title": "Shop",
        "oauth2_redirect_url": "/api/docs/oauth2-redirect",
        "init_oauth": {"clientId": "shop-docs", "scopes": ["read", "write"], "usePkce": True},
    },
    "parameters": {
        "openapi_url": "/openapi.json",
        "title": "Shop",
        "swagger_ui_parameters": {
            "deepLinking": False,
            "syntaxHighlight": {"theme": "obsidian"},
            "tryItOutEnabled": True,
            "injected": "</script><script>alert(1)</script>",
        },
    },
    "own assets": {
        "openapi_url": "/openapi.json",
        "title": "Shop",
        "swagger_js_url": "/static/swagger-ui-bundle.js",
        "swagger_css_url": "/static/swagger-ui.css",
        "swagger_favicon_url": "/static/favicon.png",
    },
}


def test_swagger_ui_defaults_are_fastapis_cdn_but_for_the_icon() -> None:
    ours = docs.get_swagger_ui_html(openapi_url="/openapi.json", title="T").body
    theirs = fastapi_docs.get_swagger_ui_html(openapi_url="/openapi.json", title="T").body
    assert asset_urls(ours)[0] == asset_urls(theirs)[0]  # stylesheet
    assert asset_urls(ours)[2:] == asset_urls(theirs)[2:]  # script
    assert asset_urls(ours)[1] == "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/favicon-32x32.png"
    assert without_urls(ours, asset_urls(ours)) == without_urls(theirs, asset_urls(theirs))


def test_swagger_ui_parameters_do_not_change_the_shared_defaults() -> None:
    before = dict(docs.swagger_ui_default_parameters)
    docs.get_swagger_ui_html(
        openapi_url="/o.json", title="T", swagger_ui_parameters={"layout": "StandaloneLayout"}
    )
    assert docs.swagger_ui_default_parameters == before
    assert docs.swagger_ui_default_parameters["dom_id"] == "#swagger-ui"


def test_page_values_cannot_break_out_of_their_place() -> None:
    page = bytes(
        docs.get_swagger_ui_html(
            openapi_url="/o.json?a=1&b='x'</script>",
            title="Tom & Jerry <b>API</b>",
            swagger_css_url='/s.css" onload="alert(1)',
        ).body
    ).decode()
    events = page_events(page)
    title = events[events.index(("start", "title", ())) + 1]
    assert title == ("data", "Tom&Jerry<b>API</b>")  # shown as text, not markup
    assert ("start", "b", ()) not in events
    assert '/s.css" onload="alert(1)' in asset_urls(page)
    script = page.split("<script>")[1].split("</script>")[0]
    assert "</" not in script
    assert "url: '/o.json?a=1\\u0026b=\\'x\\'\\u003c/script\\u003e'," in script


REDOC_CASES: dict[str, dict[str, Any]] = {
    "minimal": {"openapi_url": "/openapi.json", "title": "Shop - ReDoc"},
    "no fonts": {"openapi_url": "/v1/openapi.json", "title": "Shop", "with_google_fonts": False},
    "own assets": {
        "openapi_url": "/openapi.json",
        "title": "Shop",
        "redoc_js_url": "/static/redoc.standalone.js",
        "redoc_favicon_url": "/static/favicon.png",
    },
}


PAGE_CASES = [
    *(("get_swagger_ui_html", "swagger_favicon_url", case) for case in SWAGGER_CASES.items()),
    *(("get_redoc_html", "redoc_favicon_url", case) for case in REDOC_CASES.items()),
]


@pytest.mark.parametrize(
    ("function", "favicon", "case"),
    PAGE_CASES,
    ids=[f"{function}-{case[0]}" for function, _, case in PAGE_CASES],
)
def test_page_matches_fastapis(
    function: str, favicon: str, case: tuple[str, dict[str, Any]]
) -> None:
    options = {favicon: "/favicon.png", **case[1]}
    ours = getattr(docs, function)(**options)
    theirs = getattr(fastapi_docs, function)(**options)
    assert ours.status_code == 200
    assert ours.headers["content-type"] == "text/html; charset=utf-8"
    assert page_events(ours.body) == page_events(theirs.body)


def test_redoc_defaults_are_fastapis_cdn_but_for_the_icon() -> None:
    ours = docs.get_redoc_html(openapi_url="/openapi.json", title="T").body
    theirs = fastapi_docs.get_redoc_html(openapi_url="/openapi.json", title="T").body
    ours_urls, their_urls = asset_urls(ours), asset_urls(theirs)
    assert ours_urls[0] == their_urls[0] == docs.GOOGLE_FONTS_URL
    assert ours_urls[2] == their_urls[2] == docs.REDOC_JS_CDN_URL
    assert without_urls(ours, ours_urls) == without_urls(theirs, their_urls)


def test_oauth2_redirect_page_runs_the_installed_swagger_ui_script() -> None:
    response = docs.get_swagger_ui_oauth2_redirect_html()
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    events = page_events(response.body)
    assert ("data", "SwaggerUI:OAuth2Redirect") in events
    assert ("start", "script", ()) in events  # inline: works wherever it is served
    script_path = SWAGGER_UI.path("oauth2-redirect.js")
    assert script_path is not None
    script = "".join(script_path.read_text().split())
    assert ("data", script) in events
    # The contract with the Swagger UI window that opened the flow, as in FastAPI's page.
    for needed in ("window.opener.swaggerUIRedirectOauth2", "window.close()", ".callback("):
        assert needed in script
        assert needed in bytes(fastapi_docs.get_swagger_ui_oauth2_redirect_html().body).decode()


# ---------------------------------------------------------------- the files


def test_bundles_come_from_their_distributions() -> None:
    assert SWAGGER_UI.version == importlib.metadata.version("swagger-ui-bundle-v2")
    assert SWAGGER_UI.version.startswith("5.")  # the major version FastAPI's CDN URL names
    assert REDOC.version == importlib.metadata.version("flask-openapi3-redoc")
    assert REDOC.version.startswith("2.")
    for bundle in (SWAGGER_UI, REDOC):
        for name in bundle.files:
            path = bundle.path(name)
            assert path is not None and path.is_file(), name
            assert "site-packages" in path.parts  # installed, not a copy in this repository


def assets_app() -> Heron:
    app = Heron(openapi_url=None)
    app.mount("/static-docs", DocsAssets(SWAGGER_UI, REDOC))
    return app


def file_bytes(bundle: AssetBundle, name: str) -> bytes:
    path = bundle.path(name)
    assert path is not None
    return path.read_bytes()


@pytest.mark.parametrize(
    ("bundle", "name", "media_type"),
    [
        (SWAGGER_UI, "swagger-ui-bundle.js", "text/javascript"),
        (SWAGGER_UI, "swagger-ui.css", "text/css"),
        (SWAGGER_UI, "favicon-32x32.png", "image/png"),
        (REDOC, "redoc.standalone.js", "text/javascript"),
        (REDOC, "redoc.svg", "image/svg+xml"),
    ],
)
def test_assets_are_served_with_cache_headers(
    bundle: AssetBundle, name: str, media_type: str
) -> None:
    client = TestClient(assets_app())
    response = client.get(f"/static-docs/{name}?v={bundle.version}")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.content == file_bytes(bundle, name)
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["etag"].startswith('"')
    assert "last-modified" in response.headers


def test_an_unversioned_or_stale_url_is_revalidated() -> None:
    client = TestClient(assets_app())
    for url in ("/static-docs/swagger-ui.css", "/static-docs/swagger-ui.css?v=4.0.0"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-cache"


def test_revalidation_answers_304_without_a_body() -> None:
    client = TestClient(assets_app())
    first = client.get("/static-docs/redoc.standalone.js")
    again = client.get(
        "/static-docs/redoc.standalone.js", headers={"if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == "no-cache"
    since = client.get(
        "/static-docs/redoc.standalone.js",
        headers={"if-modified-since": first.headers["last-modified"]},
    )
    assert since.status_code == 304


def test_head_and_ranges() -> None:
    client = TestClient(assets_app())
    head = client.head("/static-docs/swagger-ui.css")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(file_bytes(SWAGGER_UI, "swagger-ui.css"))
    part = client.get("/static-docs/swagger-ui.css", headers={"range": "bytes=0-9"})
    assert part.status_code == 206
    assert part.content == file_bytes(SWAGGER_UI, "swagger-ui.css")[:10]


def test_other_methods_are_refused() -> None:
    response = TestClient(assets_app()).post("/static-docs/swagger-ui.css", content=b"x")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


async def call_asgi(app: Heron, path: str, raw_path: bytes) -> tuple[int, bytes]:
    """Send one GET with exactly this path (no client-side URL normalisation)."""
    messages: list[Message] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": raw_path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return status, body


TRAVERSALS = [
    # (the path below the asset prefix as the server decoded it, the raw path as sent)
    ("/../../pyproject.toml", b"/../../pyproject.toml"),
    ("/../../../etc/passwd", b"/..%2F..%2F..%2Fetc%2Fpasswd"),
    ("/..", b"/%2e%2e"),
    ("/swagger-ui.css/../../x", b"/swagger-ui.css/../../x"),
    ("//etc/passwd", b"//etc/passwd"),
    ("/..\\..\\pyproject.toml", b"/..%5C..%5Cpyproject.toml"),
    ("/swagger-ui.css\x00.txt", b"/swagger-ui.css%00.txt"),
    ("/index.html", b"/index.html"),  # in the package, not served
    ("/swagger_ui_bundle/__init__.py", b"/swagger_ui_bundle/__init__.py"),
    ("/", b"/"),
    ("/SWAGGER-UI.CSS", b"/SWAGGER-UI.CSS"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("prefix", ["/static-docs", "/docs/assets"], ids=["mounted", "app"])
@pytest.mark.parametrize(("path", "raw_path"), TRAVERSALS, ids=[t[1].decode() for t in TRAVERSALS])
async def test_only_listed_names_are_served(prefix: str, path: str, raw_path: bytes) -> None:
    app = assets_app() if prefix == "/static-docs" else shop(Heron)
    status, body = await call_asgi(app, prefix + path, prefix.encode() + raw_path)
    assert status == 404
    assert body in (b"Not Found", b'{"detail":"Not Found"}')


def test_a_missing_distribution_is_named_in_the_404() -> None:
    missing = AssetBundle("Thing UI", "no-such-distribution-heron", ("thing.js",), "thing.js")
    app = Heron(openapi_url=None)
    app.mount("/x", DocsAssets(missing))
    response = TestClient(app).get("/x/thing.js")
    assert response.status_code == 404
    assert response.text == "Thing UI is not installed (pip install no-such-distribution-heron)"
    assert missing.version == "" and missing.path("thing.js") is None


def test_a_websocket_to_the_assets_is_refused() -> None:
    from heron.websockets import WebSocketDisconnect

    client = TestClient(assets_app())
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/static-docs/x"):
        pass


def test_pages_built_on_a_mounted_asset_app_load() -> None:
    app = assets_app()

    @app.get("/my-docs", include_in_schema=False)
    async def my_docs() -> Any:
        return docs.get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Mine",
            swagger_js_url=SWAGGER_UI.url("/static-docs", "swagger-ui-bundle.js"),
            swagger_css_url=SWAGGER_UI.url("/static-docs", "swagger-ui.css"),
            swagger_favicon_url=SWAGGER_UI.url("/static-docs", SWAGGER_UI.favicon),
        )

    client = TestClient(app)
    urls = asset_urls(client.get("/my-docs").content)
    assert len(urls) == 3
    for url in urls:
        assert client.get(url).status_code == 200, url


# ---------------------------------------------------------------- the app's pages


def shop(cls: Any, **options: Any) -> Any:
    """The same small app, as Heron or as FastAPI."""
    app: Heron | FastAPI = cls(title="Shop", **options)

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    return app


def local_asset_urls(page: bytes, prefix: str) -> list[str]:
    urls = [url for url in asset_urls(page) if url.startswith(prefix)]
    assert urls, page
    return urls


def test_docs_pages_differ_from_fastapis_only_in_asset_urls() -> None:
    ours, theirs = TestClient(shop(Heron)), TestClient(shop(FastAPI))
    page, their_page = ours.get("/docs").content, theirs.get("/docs").content
    assert local_asset_urls(page, "/docs/assets/") == [
        f"/docs/assets/swagger-ui.css?v={SWAGGER_UI.version}",
        f"/docs/assets/favicon-32x32.png?v={SWAGGER_UI.version}",
        f"/docs/assets/swagger-ui-bundle.js?v={SWAGGER_UI.version}",
    ]
    assert without_urls(page, asset_urls(page)) == without_urls(their_page, asset_urls(their_page))

    redoc, their_redoc = ours.get("/redoc").content, theirs.get("/redoc").content
    assert asset_urls(redoc) == [
        f"/redoc/assets/redoc.svg?v={REDOC.version}",
        f"/redoc/assets/redoc.standalone.js?v={REDOC.version}",
    ]
    their_events = without_urls(their_redoc, asset_urls(their_redoc))
    fonts = ("start", "link", (("href", "<url>"), ("rel", "stylesheet")))
    assert fonts in their_events  # FastAPI's page also loads Google Fonts; ours does not
    their_events.remove(fonts)
    assert without_urls(redoc, asset_urls(redoc)) == their_events


def test_every_file_a_page_links_is_served() -> None:
    client = TestClient(shop(Heron))
    for page in ("/docs", "/redoc"):
        for url in asset_urls(client.get(page).content):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_redoc_page_keeps_redocly_logo_request_from_leaving_the_app() -> None:
    response = TestClient(shop(Heron)).get("/redoc")
    assert response.headers["content-security-policy"] == "img-src 'self' data: blob:"
    assert "content-security-policy" not in TestClient(shop(Heron)).get("/docs").headers


def test_oauth2_redirect_page_is_served() -> None:
    client = TestClient(shop(Heron))
    response = client.get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert response.content == docs.get_swagger_ui_oauth2_redirect_html().body
    their = TestClient(shop(FastAPI)).get("/docs/oauth2-redirect")
    assert their.status_code == 200


def test_docs_routes_stay_out_of_the_document() -> None:
    app = shop(Heron)
    assert list(app.openapi()["paths"]) == ["/items/{item_id}"]
    names = [route.name for route in app.routes]
    for name in ("swagger_ui_html", "swagger_ui_redirect", "redoc_html"):
        assert name in names


@pytest.mark.parametrize(
    "options",
    [
        {"swagger_ui_parameters": {"deepLinking": False, "docExpansion": "none"}},
        {"swagger_ui_init_oauth": {"clientId": "docs", "scopes": "read"}},
        {"swagger_ui_oauth2_redirect_url": None},
        {"swagger_ui_oauth2_redirect_url": "/oauth2/back"},
        {"docs_url": "/api-docs", "redoc_url": "/reference"},
        {"openapi_url": "/v1/schema.json"},
    ],
    ids=lambda options: ",".join(options),
)
def test_settings_shape_the_pages_as_in_fastapi(options: dict[str, Any]) -> None:
    ours, theirs = TestClient(shop(Heron, **options)), TestClient(shop(FastAPI, **options))
    for page_url in (options.get("docs_url", "/docs"), options.get("redoc_url", "/redoc")):
        page, their_page = ours.get(page_url).content, theirs.get(page_url).content
        events = without_urls(page, asset_urls(page))
        their_events = [
            event
            for event in without_urls(their_page, asset_urls(their_page))
            if event != ("start", "link", (("href", "<url>"), ("rel", "stylesheet")))
        ]
        assert events == their_events
        for url in asset_urls(page):
            assert url.startswith(page_url + "/assets/")
            assert ours.get(url).status_code == 200


@pytest.mark.parametrize("through", ["proxy", "setting"])
def test_pages_under_a_prefix_link_under_it(through: str) -> None:
    if through == "proxy":  # the server strips /shop and says so in the ASGI root_path
        client = TestClient(shop(Heron), root_path="/shop")
    else:
        client = TestClient(shop(Heron, root_path="/shop"))
    page = client.get("/docs").content
    assert b"url: '/shop/openapi.json'," in page
    assert b"window.location.origin + '/shop/docs/oauth2-redirect'," in page
    urls = local_asset_urls(page, "/shop/docs/assets/")
    assert len(urls) == 3
    for url in urls:
        assert client.get(url.removeprefix("/shop")).status_code == 200
    redoc = client.get("/redoc").content
    assert b'spec-url="/shop/openapi.json"' in redoc
    assert len(local_asset_urls(redoc, "/shop/redoc/assets/")) == 2
    theirs = TestClient(shop(FastAPI), root_path="/shop").get("/docs").content
    assert without_urls(page, asset_urls(page)) == without_urls(theirs, asset_urls(theirs))


def test_pages_follow_settings_changed_after_creation() -> None:
    app = shop(Heron)
    client = TestClient(app)
    assert "<title>Shop - Swagger UI</title>" in client.get("/docs").text
    app.title = "Shop 2"
    app.swagger_ui_parameters = {"tryItOutEnabled": True}
    page = client.get("/docs").text
    assert "<title>Shop 2 - Swagger UI</title>" in page
    assert '"tryItOutEnabled": true,' in page
    assert "<title>Shop 2 - ReDoc</title>" in client.get("/redoc").text


@pytest.mark.parametrize(
    ("options", "gone"),
    [
        (
            {"openapi_url": None},
            ["/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/docs/assets/x"],
        ),
        ({"docs_url": None}, ["/docs", "/docs/oauth2-redirect", "/docs/assets/swagger-ui.css"]),
        ({"redoc_url": None}, ["/redoc", "/redoc/assets/redoc.standalone.js"]),
        ({"swagger_ui_oauth2_redirect_url": None}, ["/docs/oauth2-redirect"]),
        ({"docs_cdn": True}, ["/docs/assets/swagger-ui.css", "/redoc/assets/redoc.svg"]),
    ],
    ids=["no-openapi", "no-docs", "no-redoc", "no-redirect", "cdn"],
)
def test_turning_pages_off_removes_them_and_their_files(
    options: dict[str, Any], gone: list[str]
) -> None:
    ours = TestClient(shop(Heron, **options))
    options.pop("docs_cdn", None)  # Heron's own
    theirs = TestClient(shop(FastAPI, **options))
    for url in gone:
        assert ours.get(url).status_code == 404, url
        if "/assets/" not in url:
            assert theirs.get(url).status_code == 404, url
    assert ours.get("/items/3").json() == {"item_id": 3}


def test_cdn_pages_are_fastapis_pages() -> None:
    ours, theirs = TestClient(shop(Heron, docs_cdn=True)), TestClient(shop(FastAPI))
    for url in ("/docs", "/redoc"):
        page, their_page = ours.get(url).content, theirs.get(url).content
        urls, their_urls = asset_urls(page), asset_urls(their_page)
        icon = next(u for u in their_urls if "favicon" in u)
        assert urls == [docs.SWAGGER_FAVICON_CDN_URL if u == icon else u for u in their_urls]
        assert page_events(page) == page_events(
            their_page.replace(icon.encode(), urls[their_urls.index(icon)].encode())
        )
    assert "content-security-policy" not in ours.get("/redoc").headers
