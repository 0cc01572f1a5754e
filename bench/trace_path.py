"""The request path, traced: which Heron modules a request enters between the app's
``__call__`` and the endpoint, and how many Python calls it takes.

The method of ``shared/design/REVIEW-2026-12.md`` §1.2: ``sys.setprofile`` from the app's
``__call__`` until the endpoint is called, after one warm-up request; only Heron's own
frames (``src/heron``) are counted. "Calls" are Python function calls made in Heron's
code; "module changes" are the times the trace moves from one module to another.

Cases (each a fresh app, see ``_apps``):

* ``plain-get`` / ``plain-post``: a FastAPI-style app, typed GET with one query parameter,
  POST with a Pydantic body;
* ``web-get`` / ``web-post``: the same routes on an app with ``secret_key`` (sessions and
  CSRF on) and an async ``before_request`` hook;
* ``web-get-sync-hook``: as ``web-get`` with a sync hook (run in the thread pool);
* ``web-form``: a Flask-style HTML form POST with its CSRF token (``form_template=``,
  ``Annotated[Model, Form()]``) on the ``web`` app; ``web-form-fields`` the same with
  two ``Form()`` fields instead of a model.

Usage:  .venv/bin/python bench/trace_path.py [--paths]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

from pydantic import BaseModel

import heron
from heron import Form, Heron, Request
from heron.csrf import generate_csrf
from heron.globals import usage

SRC = str(Path(heron.__file__).resolve().parent)  # the heron being traced



class Note(BaseModel):
    title: str
    body: str = ""


class Item(BaseModel):
    name: str
    price: float


def _apps(templates: Path) -> dict[str, tuple[Any, set[Callable[..., Any]]]]:
    def build(web: bool, sync_hook: bool = False) -> tuple[Any, set[Callable[..., Any]]]:
        options: dict[str, Any] = {"secret_key": "s" * 32} if web else {}
        app = Heron(template_folder=str(templates), **options)
        marker: list[str] = []

        if web:
            if sync_hook:

                @app.before_request
                def hook() -> None:
                    marker.append("hook")
            else:

                @app.before_request
                async def ahook() -> None:
                    marker.append("hook")

        @app.get("/items")
        async def items(q: int = 0) -> dict[str, int]:
            return {"q": q}

        @app.post("/items")
        async def create(item: Item) -> Item:
            return item

        @app.post("/notes", form_template="note.html")
        async def create_note(note: Annotated[Note, Form()]) -> dict[str, str]:
            return {"title": note.title}

        @app.post("/fields", form_template="note.html")
        async def create_fields(title: str = Form(), body: str = Form("")) -> dict[str, str]:
            return {"title": title}

        @app.get("/token")
        def token(request: Request) -> dict[str, str]:
            return {"token": generate_csrf(request)}

        return app, {create_note, create_fields}

    return {
        "plain": build(False),
        "web": build(True),
        "web-sync-hook": build(True, sync_hook=True),
    }


class _Exchange:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent: list[dict[str, Any]] = []
        self.given = False

    async def receive(self) -> dict[str, Any]:
        if self.given:
            await asyncio.sleep(3600)
        self.given = True
        return {"type": "http.request", "body": self.body, "more_body": False}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


def _scope(method: str, path: str, query: bytes, headers: list[tuple[bytes, bytes]]) -> Any:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": method,
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": [(b"host", b"127.0.0.1:8000"), *headers],
    }


async def _request(
    app: Any,
    method: str,
    path: str,
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
) -> _Exchange:
    exchange = _Exchange(body)
    await app(_scope(method, path, query, headers or []), exchange.receive, exchange.send)
    return exchange


def _module(filename: str) -> str | None:
    if not filename.startswith(SRC):
        return None
    relative = filename[len(SRC) + 1 : -3].replace("/", ".")
    return relative.removesuffix(".__init__") or "heron"


class _Tracer:
    """Records Heron's frames from the app's ``__call__`` until ``endpoint`` is called."""

    def __init__(self, app: Any, endpoints: set[Any]) -> None:
        self.app_call = type(app).__call__.__code__
        self.endpoint_codes = {e.__code__ for e in endpoints}
        self.on = False
        self.done = False
        self.calls = 0
        self.modules: list[str] = []
        self.changes = 0
        self.path: list[str] = []
        self._last: str | None = None

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or self.done:
            return
        code = frame.f_code
        if code is self.app_call:
            self.on = True
        if not self.on:
            return
        if code in self.endpoint_codes:
            self.done = True
            return
        module = _module(code.co_filename)
        if module is None:
            return
        self.calls += 1
        if module not in self.modules:
            self.modules.append(module)
        if module != self._last:
            if self._last is not None:
                self.changes += 1
            self._last = module
        self.path.append(f"{module}:{code.co_qualname}")


async def _trace(app: Any, endpoints: set[Any], run: Callable[[], Any]) -> _Tracer:
    await run()  # warm-up: the stack and matchers are built
    tracer = _Tracer(app, endpoints)
    sys.setprofile(tracer)
    try:
        exchange = await run()
    finally:
        sys.setprofile(None)
    status = exchange.sent[0]["status"]
    if status >= 400:
        raise SystemExit(f"the traced request failed: {status} {exchange.sent}")
    return tracer


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paths", action="store_true", help="print every call")
    parser.add_argument("--cases", default="", help="comma-separated case names")
    args = parser.parse_args()

    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        templates = Path(tmp)
        (templates / "note.html").write_text("{{ form }}")
        apps = _apps(templates)
        results = []
        for case, (kind, runner) in _cases(apps).items():
            if args.cases and case not in args.cases.split(","):
                continue
            # A plain API app's process never turns the context globals on (the form
            # routes of the other apps here did).
            usage.enabled = kind != "plain"
            app, form_endpoints = apps[kind]
            endpoints = _endpoints(app) | form_endpoints
            tracer = await _trace(app, endpoints, await runner(app))
            results.append((case, tracer))
    print(f"{'case':<20} {'modules':>7} {'calls':>6} {'changes':>8}")
    for case, tracer in results:
        print(f"{case:<20} {len(tracer.modules):>7} {tracer.calls:>6} {tracer.changes:>8}")
    for case, tracer in results:
        print(f"\n{case}: {', '.join(tracer.modules)}")
        if args.paths:
            print("  " + "\n  ".join(tracer.path))


def _endpoints(app: Any) -> set[Any]:
    return {route.endpoint for route in app.routes if hasattr(route, "endpoint")}


def _cases(apps: dict[str, Any]) -> dict[str, tuple[str, Callable[[Any], Any]]]:
    item = b'{"name": "pen", "price": 1.5}'
    json_type = [(b"content-type", b"application/json")]

    def get(app: Any) -> Any:
        async def run() -> _Exchange:
            return await _request(app, "GET", "/items", b"q=5")

        return run

    def post(app: Any) -> Any:
        async def run() -> _Exchange:
            return await _request(app, "POST", "/items", headers=json_type, body=item)

        return run

    async def form(app: Any, path: str = "/notes") -> Any:
        # A session cookie and a token of that session, as a browser would send them.
        exchange = await _request(app, "GET", "/token")
        cookie = dict(exchange.sent[0]["headers"])[b"set-cookie"].split(b";")[0]
        token = re.search(rb'"token":"([^"]+)"', exchange.sent[1]["body"])
        assert token is not None
        body = b"title=Hello&body=World&csrf_token=" + token[1]
        headers = [
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"cookie", cookie),
            (b"content-length", str(len(body)).encode()),
        ]

        async def run() -> _Exchange:
            return await _request(app, "POST", path, headers=headers, body=body)

        return run

    async def sync(factory: Any, app: Any) -> Any:
        return factory(app)

    return {
        "plain-get": ("plain", lambda app: sync(get, app)),
        "plain-post": ("plain", lambda app: sync(post, app)),
        "web-get": ("web", lambda app: sync(get, app)),
        "web-get-sync-hook": ("web-sync-hook", lambda app: sync(get, app)),
        "web-post": ("web", lambda app: sync(post, app)),
        "web-form": ("web", form),
        "web-form-fields": ("web", lambda app: form(app, "/fields")),
    }


if __name__ == "__main__":
    asyncio.run(main())
