"""Shared by bench/run.py and bench/inproc.py: frameworks, endpoints, response checks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent


@dataclass(frozen=True)
class Framework:
    name: str
    module: str  # importable from bench/: apps.<name>_app, attribute ``app``
    dist: str | None  # distribution name for the version column (None = hand-written)
    interface: str = "asgi"  # "asgi" or "wsgi"
    label: str = ""


FRAMEWORKS: dict[str, Framework] = {
    f.name: f
    for f in [
        Framework("raw", "apps.raw_app", None, label="raw ASGI (msgspec)"),
        Framework("heron", "apps.heron_app", "heron", label="Heron"),
        Framework("blacksheep", "apps.blacksheep_app", "blacksheep", label="BlackSheep"),
        Framework("falcon", "apps.falcon_app", "falcon", label="Falcon (ASGI)"),
        Framework("starlette", "apps.starlette_app", "starlette", label="Starlette (+pydantic)"),
        Framework("litestar", "apps.litestar_app", "litestar", label="Litestar"),
        Framework("fastapi", "apps.fastapi_app", "fastapi", label="FastAPI"),
        Framework("flask", "apps.flask_app", "flask", interface="wsgi", label="Flask (WSGI)"),
        # The same Flask app unchanged, served by Heron (HERON_DROP_IN's import switch).
        Framework("heron-flask", "apps.heron_flask_app", "heron", label="Flask app on Heron"),
    ]
}

ITEM_PAYLOAD = {
    "name": "Widget",
    "price": 9.99,
    "quantity": 3,
    "tags": ["red", "blue"],
    "active": True,
}
ITEM_BODY = json.dumps(ITEM_PAYLOAD, separators=(",", ":")).encode()
INVALID_ITEM_BODY = json.dumps({**ITEM_PAYLOAD, "quantity": "three"}).encode()


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    query: bytes = b""
    body: bytes = b""
    content_type: str | None = None  # request content type
    # (method, path, query, body) requests that must be rejected with a 4xx (not timed)
    invalid: tuple[tuple[str, str, bytes, bytes], ...] = field(default=())

    @property
    def url_path(self) -> str:
        return self.path + ("?" + self.query.decode() if self.query else "")


ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in [
        Endpoint("plaintext", "GET", "/plaintext"),
        Endpoint("json", "GET", "/json"),
        Endpoint(
            "items-get",
            "GET",
            "/items/42",
            b"q=hello&limit=5",
            invalid=(
                ("GET", "/items/abc", b"", b""),
                ("GET", "/items/1", b"limit=ten", b""),
            ),
        ),
        Endpoint(
            "items-post",
            "POST",
            "/items",
            body=ITEM_BODY,
            content_type="application/json",
            invalid=(("POST", "/items", b"", INVALID_ITEM_BODY),),
        ),
        Endpoint("html", "GET", "/html"),
    ]
}


def expected_html() -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(BENCH_DIR / "apps" / "templates"), autoescape=True
    )
    items = [
        {"id": i, "name": f"Item {i}", "price": i * 1.25, "tags": ["a", "b"]} for i in range(20)
    ]
    return env.get_template("items.html").render(title="Items & prices", items=items)


_EXPECTED_HTML: str | None = None


def check_response(endpoint: str, status: int, content_type: str, body: bytes) -> str | None:
    """Return None if the response is the expected one, else a description of what is wrong."""
    global _EXPECTED_HTML
    ct = (content_type or "").lower()
    shown = body[:300].decode("utf-8", "replace")
    if status != 200:
        return f"status {status} (expected 200), content-type {content_type!r}, body {shown!r}"
    if endpoint == "plaintext":
        if body != b"Hello, World!":
            return f"body {shown!r} != 'Hello, World!'"
        if not ct.startswith("text/plain"):
            return f"content-type {content_type!r} (expected text/plain)"
        return None
    if endpoint == "html":
        if _EXPECTED_HTML is None:
            _EXPECTED_HTML = expected_html()
        if body.decode("utf-8", "replace").strip() != _EXPECTED_HTML.strip():
            return f"HTML body differs from the reference rendering: {shown!r}"
        if not ct.startswith("text/html"):
            return f"content-type {content_type!r} (expected text/html)"
        return None
    expected = {
        "json": {"message": "Hello, World!"},
        "items-get": {"item_id": 42, "q": "hello", "limit": 5},
        "items-post": ITEM_PAYLOAD,
    }[endpoint]
    if not ct.startswith("application/json"):
        return f"content-type {content_type!r} (expected application/json), body {shown!r}"
    try:
        got = json.loads(body)
    except ValueError:
        return f"body is not JSON: {shown!r}"
    if got != expected:
        return f"JSON {got!r} != expected {expected!r}"
    return None


def dist_version(fw: Framework) -> str:
    if fw.dist is None:
        return ""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(fw.dist)
    except PackageNotFoundError:
        try:
            mod = __import__(fw.dist)
            return str(getattr(mod, "__version__", "?"))
        except Exception:
            return "?"


def fw_title(fw: Framework, versions: dict[str, str] | None = None) -> str:
    v = (versions or {}).get(fw.name, "")
    return f"{fw.label} {v}".strip()


# Extra (untimed) correctness check for items-get: defaults when the query string is empty.
ITEMS_DEFAULTS_PATH = "/items/7"
ITEMS_DEFAULTS_EXPECTED = {"item_id": 7, "q": None, "limit": 10}


def check_defaults(status: int, body: bytes) -> str | None:
    try:
        got = json.loads(body) if status == 200 else None
    except ValueError:
        got = None
    if status != 200 or got != ITEMS_DEFAULTS_EXPECTED:
        shown = body[:300].decode("utf-8", "replace")
        return (
            f"GET {ITEMS_DEFAULTS_PATH} -> status {status}, body {shown!r} "
            f"(expected {ITEMS_DEFAULTS_EXPECTED})"
        )
    return None
