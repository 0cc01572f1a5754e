"""Templates: the app's environment (render_template…) and FastAPI's Jinja2Templates."""

import warnings
from pathlib import Path
from typing import Any

import anyio
import jinja2
import pytest

import heron.globals
from heron import (
    APIRouter,
    Heron,
    Request,
    flash,
    g,
    render_template,
    render_template_string,
)
from heron.exceptions import HeronDeprecationWarning, HeronError, HTTPException, OutsideContextError
from heron.responses import StreamingResponse
from heron.templating import (
    Jinja2Templates,
    TemplateResponse,
    render_template_async,
    stream_template,
    stream_template_string,
)
from heron.testclient import AsyncTestClient, TestClient
from heron.types import Message

pytestmark = pytest.mark.anyio


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    templates = tmp_path / "templates"
    (templates / "pages").mkdir(parents=True)
    (templates / "page.html").write_text("<h1>{{ title }}</h1>")
    (templates / "page.txt").write_text("{{ title }}")
    (templates / "pages" / "about.html").write_text("about {{ request.url.path }}")
    (templates / "links.html").write_text(
        "{{ url_for('item', item_id=3) }}|{{ url_for('item', item_id=3, q='a b') }}|"
        "{{ url_for('static', filename='css/a.css') }}|{{ request.url.path }}|{{ g.user }}"
    )
    (tmp_path / "secret.html").write_text("TOP SECRET")
    (tmp_path / "static").mkdir()
    return templates


def make_app(folder: Path, **options: Any) -> Heron:
    return Heron(
        template_folder=str(folder), static_folder=str(folder.parent / "static"), **options
    )


def test_render_template_in_sync_and_async_handlers(folder: Path) -> None:
    app = make_app(folder)

    @app.route("/sync")
    def sync_page() -> str:
        return render_template("page.html", title="<b>sync</b>")

    @app.route("/async")
    async def async_page() -> str:
        return render_template("page.html", title="async")

    client = TestClient(app)
    response = client.get("/sync")
    assert response.text == "<h1>&lt;b&gt;sync&lt;/b&gt;</h1>"  # autoescaped
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert client.get("/async").text == "<h1>async</h1>"


def test_autoescape_by_extension(folder: Path) -> None:
    """SECURITY.md M2 (autoescape by extension) and M1 (a value is never template code)."""
    (folder / "page.xml").write_text("<x>{{ title }}</x>")
    (folder / "page.html.jinja").write_text("{{ title }}")
    app = make_app(folder)
    with app.app_context():
        evil = "<script>alert(1)</script>"
        assert render_template("page.txt", title=evil) == evil  # plain text: not escaped
        escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
        assert render_template("page.xml", title=evil) == f"<x>{escaped}</x>"
        assert render_template("page.html.jinja", title=evil) == escaped
        assert render_template_string("{{ t }}", t=evil) == escaped
        # A context value is data, never template code (SSTI).
        assert render_template("page.txt", title="{{ 7*7 }}") == "{{ 7*7 }}"


def test_url_for_request_and_g_in_templates(folder: Path) -> None:
    app = make_app(folder)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> int:
        return item_id

    @app.route("/links")
    def links() -> str:
        g.user = "ann"
        return render_template("links.html")

    assert TestClient(app).get("/links").text == (
        "/items/3|/items/3?q=a+b|/static/css/a.css|/links|ann"
    )


def test_session_and_flashed_messages_in_templates(folder: Path) -> None:
    (folder / "flashes.html").write_text(
        "{% for category, m in get_flashed_messages(with_categories=true) %}"
        "[{{ category }}:{{ m }}]{% endfor %}|{{ session.get('name') }}"
    )
    app = make_app(folder, secret_key="s3cret-key-for-tests")

    @app.route("/set")
    def set_() -> Any:
        flash("Saved <ok>", "info")
        from heron import session

        session["name"] = "bob"
        return "set"

    @app.route("/show")
    def show() -> str:
        return render_template("flashes.html")

    client = TestClient(app)
    client.get("/set")
    assert client.get("/show").text == "[info:Saved &lt;ok&gt;]|bob"
    assert client.get("/show").text == "|bob"  # flashes are shown once


def test_csrf_token_placeholder_and_registry(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "form.html").write_text('<input name="csrf" value="{{ csrf_token() }}">')
    app = make_app(folder)
    with app.app_context(), pytest.raises(HeronError, match="no CSRF protection"):
        render_template("form.html")
    monkeypatch.setitem(heron.globals.template_globals, "csrf_token", lambda: "tok<en>")
    fresh = make_app(folder)
    with fresh.app_context():
        assert render_template("form.html") == '<input name="csrf" value="tok&lt;en&gt;">'


def test_context_processors_filters_tests_and_globals(folder: Path) -> None:
    (folder / "hooks.html").write_text(
        "{{ site }}|{{ who }}|{{ name|shout }}|{{ name|whisper }}|{{ 4 is even_number }}|"
        "{{ answer() }}|{{ bare() }}|{{ added() }}"
    )
    app = make_app(folder)

    @app.context_processor
    def site() -> dict[str, Any]:
        return {"site": "Heron", "who": "processor"}

    @app.template_filter()
    def shout(value: str) -> str:
        return value.upper()

    @app.template_filter("whisper")
    def lower_it(value: str) -> str:
        return value.lower()

    @app.template_test("even_number")
    def is_even(value: int) -> bool:
        return value % 2 == 0

    @app.template_global()
    def answer() -> int:
        return 42

    @app.template_global
    def bare() -> str:
        return "bare"

    @app.route("/")
    def index() -> str:
        return render_template("hooks.html", who="explicit", name="Ann")

    app.add_template_global(lambda: "added value", "added")
    assert TestClient(app).get("/").text == "Heron|explicit|ANN|ann|True|42|bare|added value"
    # Registered after the environment exists: still seen.
    app.add_template_filter(lambda v: f"*{v}*", "star")
    with app.app_context():
        assert render_template_string("{{ 'x'|star }}") == "*x*"
    app.jinja_env.globals["direct"] = "direct"
    with app.app_context():
        assert render_template_string("{{ direct }}") == "direct"


def test_router_registrations(folder: Path) -> None:
    (folder / "r.html").write_text("{{ local|default('-') }}|{{ everywhere }}|{{ 'a'|rfilter }}")
    app = make_app(folder)
    router = APIRouter(prefix="/r")

    @router.context_processor
    def local() -> dict[str, Any]:
        return {"local": "router"}

    @router.app_context_processor
    def everywhere() -> dict[str, Any]:
        return {"everywhere": "all"}

    @router.app_template_filter()
    def rfilter(value: str) -> str:
        return value * 2

    @router.route("/page")
    def router_page() -> str:
        return render_template("r.html")

    @app.route("/page")
    def app_page() -> str:
        return render_template("r.html")

    app.include_router(router)
    client = TestClient(app)
    assert client.get("/r/page").text == "router|all|aa"
    assert client.get("/page").text == "-|all|aa"  # the router's own processor stays local


async def test_render_template_async_lets_other_tasks_run(folder: Path) -> None:
    (folder / "big.html").write_text("{% for i in range(n) %}<p>{{ i }} {{ text }}</p>{% endfor %}")
    app = make_app(folder)
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await anyio.sleep(0)

    with app.app_context():
        small = await render_template_async("page.html", title="small")
        assert small == render_template("page.html", title="small")
        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker)
            await anyio.sleep(0)
            before = ticks
            html = await render_template_async("big.html", n=5000, text="x" * 40)
            during = ticks - before
            done = True
        assert html == render_template("big.html", n=5000, text="x" * 40)
        assert len(html) > 200_000
        assert during >= 5  # the ticker ran between slices


async def test_stream_template(folder: Path) -> None:
    (folder / "big.html").write_text("{% for i in range(n) %}<p>{{ i }}</p>{% endfor %}")
    app = make_app(folder)

    @app.route("/stream")
    def stream() -> StreamingResponse:
        response = stream_template("big.html", n=20000)
        response.status_code = 201
        return response

    @app.route("/stream-string")
    async def stream_string() -> StreamingResponse:
        return stream_template_string("{{ request.url.path }} {{ x }}", x="<y>")

    expected = "".join(f"<p>{i}</p>" for i in range(20000))
    async with AsyncTestClient(app) as client:
        response = await client.get("/stream")
        assert response.status_code == 201
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert "content-length" not in response.headers
        assert response.text == expected
        assert (await client.get("/stream-string")).text == "/stream-string &lt;y&gt;"
    with app.app_context():
        chunks = [chunk async for chunk in stream_template("big.html", n=20000).body_iterator]
    assert len(chunks) > 3 and "".join(map(str, chunks)) == expected


@pytest.mark.parametrize(
    "name",
    [
        "../secret.html",
        "pages/../../secret.html",
        "/etc/passwd",
        "..\\secret.html",
        "pages\\about.html",
        "page.html\x00",
        "C:/secret.html",
        "",
        "..",
    ],
)
def test_unsafe_template_names_are_a_404(folder: Path, name: str) -> None:
    app = make_app(folder)
    with app.app_context(), pytest.raises(HTTPException) as info:
        render_template(name)
    assert info.value.status_code == 404
    with pytest.raises(HTTPException):
        Jinja2Templates(directory=folder).get_template(name)


def test_template_name_from_the_url(folder: Path) -> None:
    app = make_app(folder)

    @app.route("/pages/<path:name>")
    def page(name: str) -> str:
        return render_template(f"pages/{name}.html")

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/pages/about").text == "about /pages/about"
    for path in ("/pages/..%2F..%2Fsecret", "/pages/%2e%2e/%2e%2e/secret", "/pages/..%5Csecret"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "SECRET" not in response.text
    # A name that is safe but missing is a bug of the app: a 500, as in Flask.
    assert client.get("/pages/nope").status_code == 500


def test_outside_a_request(folder: Path) -> None:
    with pytest.raises(OutsideContextError):
        render_template("page.html", title="x")
    app = make_app(folder)
    with app.app_context():
        assert render_template("page.html", title="x") == "<h1>x</h1>"
        with pytest.raises(jinja2.TemplateNotFound):
            render_template("nope.html")
        assert render_template(["nope.html", "page.html"], title="first found") == (
            "<h1>first found</h1>"
        )


def test_template_folder_next_to_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "tpl_app"
    (package / "templates").mkdir(parents=True)
    (package / "templates" / "hi.html").write_text("hi {{ name }}")
    (package / "__init__.py").write_text(
        "from heron import Heron\nby_name = Heron(__name__)\nby_frame = Heron()\n"
        "nowhere = Heron(template_folder=None)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import tpl_app  # type: ignore[import-not-found]

    for app in (tpl_app.by_name, tpl_app.by_frame):
        with app.app_context():
            assert render_template("hi.html", name="you") == "hi you"
    with tpl_app.nowhere.app_context(), pytest.raises(TypeError):
        render_template("hi.html")  # no loader at all


def test_auto_reload_follows_debug(folder: Path) -> None:
    assert make_app(folder).jinja_env.auto_reload is False
    assert make_app(folder, debug=True).jinja_env.auto_reload is True


# ---------------------------------------------------------------- Jinja2Templates


def test_jinja2_templates_as_fastapi(folder: Path) -> None:
    (folder / "fa.html").write_text(
        "{{ request.url.path }} {{ url_for('item', item_id=1) }} {{ x }}"
    )
    templates = Jinja2Templates(directory=str(folder))
    app = Heron()

    @app.get("/items/{item_id}")
    def item(item_id: int) -> int:
        return item_id

    @app.get("/page")
    def page(request: Request) -> TemplateResponse:
        return templates.TemplateResponse(request, "fa.html", {"x": "<x>"}, status_code=202)

    response = TestClient(app).get("/page")
    assert response.status_code == 202
    assert response.text == "/page http://testserver/items/1 &lt;x&gt;"
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_jinja2_templates_same_output_as_fastapi(folder: Path) -> None:
    from fastapi import FastAPI, Request as FastAPIRequest
    from fastapi.staticfiles import StaticFiles as FastAPIStaticFiles
    from fastapi.templating import Jinja2Templates as FastAPITemplates

    from heron.staticfiles import StaticFiles

    (folder.parent / "static" / "a.css").write_text("a")
    (folder / "fa.html").write_text(
        "{{ request.url }}|{{ url_for('item', item_id=2) }}|{{ url_for('static', path='a.css') }}"
        "|{{ x }}|{{ extra }}"
    )

    def processor(request: Any) -> dict[str, Any]:
        return {"extra": request.url.path, "x": "from processor"}

    def build(app: FastAPI | Heron, templates: Any, request_type: Any, static: Any) -> Any:
        app.mount("/static", static(directory=folder.parent / "static"), name="static")

        @app.get("/items/{item_id}")
        def item(item_id: int) -> int:
            return item_id

        @app.get("/page")
        def page(request: request_type) -> Any:
            return templates.TemplateResponse(request, "fa.html", {"x": "<x>"})

        return app

    theirs = build(
        FastAPI(),
        FastAPITemplates(directory=str(folder), context_processors=[processor]),
        FastAPIRequest,
        FastAPIStaticFiles,
    )
    ours = build(
        Heron(),
        Jinja2Templates(directory=str(folder), context_processors=[processor]),
        Request,
        StaticFiles,
    )
    a = TestClient(theirs).get("/page?q=1")
    b = TestClient(ours).get("/page?q=1")
    assert (a.status_code, a.text, a.headers["content-type"]) == (
        b.status_code,
        b.text,
        b.headers["content-type"],
    )
    assert b.text.endswith("|from processor|/page")  # processors win, as in Starlette


def test_jinja2_templates_options(folder: Path) -> None:
    with pytest.raises(HeronError, match="either 'directory' or 'env'"):
        Jinja2Templates()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True)
    env.globals["g"] = "mine"
    templates = Jinja2Templates(env=env)
    with pytest.raises(HeronError):
        Jinja2Templates(directory=str(folder), env=env)
    assert templates.env is env
    assert env.globals["g"] == "mine"  # the environment's own globals are kept
    assert "url_for" in env.globals and "get_flashed_messages" in env.globals
    assert templates.get_template("page.html").render(title="t") == "<h1>t</h1>"
    several = Jinja2Templates(directory=[str(folder / "pages"), str(folder)])
    assert str(several.get_template("about.html").filename).endswith("about.html")
    assert several.get_template("page.html").render(title="2") == "<h1>2</h1>"


def test_template_response_keeps_template_and_context(folder: Path) -> None:
    templates = Jinja2Templates(directory=str(folder))
    app = Heron()
    kept: list[TemplateResponse] = []

    @app.get("/")
    def index(request: Request) -> TemplateResponse:
        kept.append(templates.TemplateResponse(request, "page.html", {"title": "t"}))
        return kept[-1]

    TestClient(app).get("/")
    assert kept[0].template.name == "page.html"
    assert kept[0].context["title"] == "t" and isinstance(kept[0].context["request"], Request)


async def test_template_response_debug_extension(folder: Path) -> None:
    templates = Jinja2Templates(directory=str(folder))
    response = templates.TemplateResponse(Request({"type": "http"}), "page.html", {"title": "d"})
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "headers": [],
        "extensions": {"http.response.debug": {}},
    }
    await response(scope, receive, send)
    assert messages[0]["type"] == "http.response.debug"
    assert messages[0]["info"]["template"].name == "page.html"
    assert messages[-1]["body"] == b"<h1>d</h1>"


def test_old_style_template_response(folder: Path) -> None:
    templates = Jinja2Templates(directory=str(folder))
    app = Heron()

    @app.get("/")
    def index(request: Request) -> TemplateResponse:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            response = templates.TemplateResponse("page.html", {"request": request, "title": "old"})
        assert caught and issubclass(caught[0].category, HeronDeprecationWarning)
        return response

    assert TestClient(app).get("/").text == "<h1>old</h1>"


async def test_templates_in_concurrent_requests(folder: Path) -> None:
    app = make_app(folder)

    @app.route("/p/<name>")
    async def page(name: str) -> str:
        await anyio.sleep(0.01 if name == "a" else 0)
        return render_template("pages/about.html")

    async with AsyncTestClient(app) as client:
        results: dict[str, str] = {}

        async def get(name: str) -> None:
            results[name] = (await client.get(f"/p/{name}")).text

        async with anyio.create_task_group() as tg:
            for name in ("a", "b", "c"):
                tg.start_soon(get, name)
    assert results == {n: f"about /p/{n}" for n in ("a", "b", "c")}
