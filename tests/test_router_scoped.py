"""Router-scoped middleware and exception handlers, Flask's ``errorhandler``, ``router.cli``."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from heron import APIRouter, Depends, Heron, HTTPException, Request, WebSocket
from heron.globals import abort
from heron.middleware import Middleware
from heron.middleware.base import CallNext
from heron.responses import JSONResponse, PlainTextResponse, Response
from heron.testclient import TestClient
from heron.types import Message, Receive, Scope, Send


class Tagging:
    """ASGI middleware adding ``x-tags: <tag>`` to HTTP responses (and counting scopes)."""

    def __init__(self, app: Any, tag: str, seen: list[str] | None = None) -> None:
        self.app = app
        self.tag = tag
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.seen is not None:
            self.seen.append(f"{self.tag}:{scope['type']}")
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-tags", self.tag)]}
            await send(message)

        await self.app(scope, receive, tagged)


def tags(response: Any) -> list[str]:
    return [value for key, value in response.headers.multi_items() if key == "x-tags"]


def test_router_middleware_wraps_only_its_routes() -> None:
    seen: list[str] = []
    outer = APIRouter(prefix="/o", middleware=[Middleware(Tagging, tag="outer-1")])
    outer.add_middleware(Tagging, tag="outer-2")
    inner = APIRouter(prefix="/i")
    inner.add_middleware(Tagging, tag="inner", seen=seen)

    @inner.get("/x")
    def x() -> str:
        return "x"

    @inner.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    @outer.get("/y")
    def y() -> str:
        return "y"

    outer.include_router(inner)
    app = Heron()
    app.include_router(outer)

    @app.get("/z")
    def z() -> str:
        return "z"

    client = TestClient(app)
    # Middleware added later is outer (as the app's); the outer router's wrap the inner's:
    # the innermost adds its header first.
    assert tags(client.get("/o/i/x")) == ["inner", "outer-1", "outer-2"]
    assert tags(client.get("/o/y")) == ["outer-1", "outer-2"]
    assert tags(client.get("/z")) == []
    assert tags(client.get("/o/nowhere")) == []  # a 404 is the app's, not the router's
    with client.websocket_connect("/o/i/ws"):
        pass
    assert seen == ["inner:http", "inner:websocket"]


def test_function_middleware_on_a_router() -> None:
    router = APIRouter()

    @router.middleware("http")
    async def timing(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["X-Router"] = request.url.path
        return response

    @router.get("/in")
    def inside() -> str:
        return "in"

    app = Heron()
    app.include_router(router)

    @app.get("/out")
    def outside() -> str:
        return "out"

    client = TestClient(app)
    assert client.get("/in").headers["x-router"] == "/in"
    assert "x-router" not in client.get("/out").headers


class Conflict(Exception):
    pass


def teapot(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(f"{type(exc).__name__} at {request.url.path}", status_code=418)


def test_router_handlers_come_before_the_apps() -> None:
    def lookup() -> None:
        raise Conflict()

    router = APIRouter(prefix="/r", exception_handlers={Conflict: teapot})

    @router.get("/direct")
    def direct() -> None:
        raise Conflict()

    @router.get("/dependency", dependencies=[Depends(lookup)])
    def via_dependency() -> None:
        return None

    app = Heron()

    @app.exception_handler(Conflict)
    async def app_conflict(request: Request, exc: Conflict) -> Response:
        return JSONResponse({"app": True}, status_code=409)

    @app.get("/app")
    def app_route() -> None:
        raise Conflict()

    app.include_router(router)
    client = TestClient(app)
    assert client.get("/r/direct").text == "Conflict at /r/direct"
    assert client.get("/r/dependency").status_code == 418
    assert client.get("/app").json() == {"app": True}


def test_nested_routers_innermost_handler_first_and_status_codes_before_classes() -> None:
    outer = APIRouter(prefix="/o")
    inner = APIRouter(prefix="/i")

    @outer.exception_handler(Exception)
    async def outer_any(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("outer", status_code=500)

    @inner.exception_handler(Conflict)
    async def inner_conflict(request: Request, exc: Conflict) -> Response:
        return PlainTextResponse("inner", status_code=409)

    @inner.get("/conflict")
    def conflict() -> None:
        raise Conflict()

    @inner.get("/value")
    def value() -> None:
        raise ValueError()

    @inner.get("/missing")
    def missing() -> None:
        raise HTTPException(404)

    outer.include_router(inner)
    app = Heron()

    @app.exception_handler(404)
    async def app_404(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("app 404", status_code=404)

    app.include_router(outer)
    client = TestClient(app)
    assert client.get("/o/i/conflict").text == "inner"
    assert client.get("/o/i/value").text == "outer"
    # Flask's order: a handler for the status code, at any level, beats handlers by class.
    assert client.get("/o/i/missing").text == "app 404"


def test_a_router_handler_answers_its_before_hooks_exceptions() -> None:
    router = APIRouter()

    @router.before_request
    def guard() -> None:
        abort(401)

    @router.exception_handler(401)
    async def login(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("please log in", status_code=401)

    @router.get("/private")
    def private() -> str:
        return "secret"

    app = Heron()
    app.include_router(router)
    assert TestClient(app).get("/private").text == "please log in"


def test_a_router_500_handler_answers_unhandled_errors() -> None:
    router = APIRouter()

    @router.errorhandler(500)
    def oops(error: Exception) -> tuple[str, int]:
        return f"router oops: {error}", 500

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaput")

    app = Heron()
    app.include_router(router)

    @app.get("/app-boom")
    def app_boom() -> None:
        raise RuntimeError("app")

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/boom")
    assert (response.status_code, response.text) == (500, "router oops: kaput")
    assert client.get("/app-boom").text == "Internal Server Error"


def test_flask_errorhandler_spellings() -> None:
    app = Heron()
    router = APIRouter(prefix="/r")

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> tuple[str, int, dict[str, str]]:
        return f"<h1>{error.detail}</h1>", 404, {"X-Page": "404"}

    @app.errorhandler(Conflict)
    async def conflict(error: Conflict) -> dict[str, str]:
        return {"conflict": "yes"}  # no status: 200, as Flask

    def gone(request: Request, error: HTTPException) -> Response:
        return PlainTextResponse(f"gone: {request.url.path}", status_code=410)

    router.register_error_handler(410, gone)

    @router.get("/old")
    def old() -> None:
        abort(410)

    @app.get("/conflict")
    def make_conflict() -> None:
        raise Conflict()

    app.include_router(router)
    client = TestClient(app)
    missing = client.get("/nowhere")
    assert (missing.status_code, missing.text, missing.headers["x-page"]) == (
        404,
        "<h1>Not Found</h1>",
        "404",
    )
    assert missing.headers["content-type"] == "text/html; charset=utf-8"
    handled = client.get("/conflict")
    assert (handled.status_code, handled.json()) == (200, {"conflict": "yes"})
    assert client.get("/r/old").text == "gone: /r/old"


def test_an_errorhandler_returning_nothing_is_a_clear_error() -> None:
    app = Heron()

    @app.errorhandler(Conflict)
    def forgot(error: Conflict) -> None:
        pass

    @app.get("/")
    def endpoint() -> None:
        raise Conflict()

    with pytest.raises(Exception, match="did not return a valid response"):
        TestClient(app).get("/")


def test_a_handler_registered_after_the_inclusion_applies() -> None:
    router = APIRouter()

    @router.get("/c")
    def c() -> None:
        raise Conflict()

    app = Heron()
    app.include_router(router)
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/c").status_code == 500
    router.add_exception_handler(Conflict, teapot)
    assert client.get("/c").status_code == 418


# ---------------------------------------------------------------- router.cli


def cli_router_app() -> tuple[Heron, list[str]]:
    ran: list[str] = []
    app = Heron(title="shop", lifespan=None)
    admin = APIRouter(name="admin")
    merged = APIRouter(name="tools", cli_group=None)
    renamed = APIRouter(name="users", cli_group="people")

    @admin.cli.command("create")  # type: ignore[untyped-decorator]  # AppGroup.command returns Any
    def create() -> None:
        from heron.globals import current_app

        ran.append(f"create in {current_app.title}")

    @merged.cli.command("top")  # type: ignore[untyped-decorator]  # AppGroup.command returns Any
    async def top() -> None:
        ran.append("top")

    @renamed.cli.command()  # type: ignore[untyped-decorator]  # AppGroup.command returns Any
    def purge() -> None:
        ran.append("purge")

    for router in (admin, merged, renamed):
        app.include_router(router)
    return app, ran


def test_router_cli_groups_join_the_app_cli() -> None:
    app, ran = cli_router_app()
    runner = CliRunner()
    listed = runner.invoke(app.cli, ["--help"])
    assert listed.exit_code == 0
    assert {"admin", "people", "top"} <= set(listed.output.split())
    for arguments in (["admin", "create"], ["top"], ["people", "purge"]):
        result = runner.invoke(app.cli, arguments)
        assert result.exit_code == 0, result.output
    assert ran == ["create in shop", "top", "purge"]


def test_a_router_not_included_adds_no_commands() -> None:
    app = Heron()
    router = APIRouter(name="lonely")

    @router.cli.command()  # type: ignore[untyped-decorator]  # AppGroup.command returns Any
    def hello() -> None:
        pass

    result = CliRunner().invoke(app.cli, ["lonely", "hello"])
    assert result.exit_code == 2 and "No such command 'lonely'" in result.output


ROUTER_CLI_APP = """
from contextlib import asynccontextmanager
import click
from heron import APIRouter, Heron
from heron.globals import g

@asynccontextmanager
async def lifespan(app):
    print("startup")
    yield {"db": "the-db"}
    print("shutdown")

app = Heron(lifespan=lifespan)
admin = APIRouter(name="admin")

@admin.cli.command("create-user")
@click.argument("name")
def create_user(name):
    print(f"created {name} in {g.db}")

app.include_router(admin)
"""


def test_the_heron_script_runs_router_commands(tmp_path: Path) -> None:
    (tmp_path / "blog.py").write_text(ROUTER_CLI_APP)
    heron = Path(sys.executable).parent / "heron"
    environment = {k: v for k, v in os.environ.items() if k != "HERON_APP"}
    done = subprocess.run(
        [str(heron), "--app", "blog", "admin", "create-user", "ann"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["startup", "created ann in the-db", "shutdown"]
