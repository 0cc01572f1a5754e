"""``flask.debughelpers`` on ``heron.flask``: debug mode's explanations of common mistakes.

Differential (see ``tests/flask_differential.py``): each test runs on Flask and on
``heron.flask``, with the same app, and expects Flask's messages word for word.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any, cast

import pytest
from jinja2 import TemplateNotFound
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.routing import RequestRedirect

from flask_differential import MODULES, FlaskModule, Scaffold, submodule


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


# ------------------------------------------------------------------ request.files


def upload_app(fl: FlaskModule, debug: bool) -> Scaffold:
    app = fl.Flask("heron_t_upload")
    app.debug = debug

    @app.post("/upload")
    def upload() -> str:
        return cast(str, fl.request.files["doc"].filename)

    return app


def test_a_form_without_multipart_explains_the_missing_file(fl: FlaskModule) -> None:
    debug_files_key_error = submodule(fl, "debughelpers").DebugFilesKeyError
    client = upload_app(fl, debug=True).test_client()
    with pytest.raises(debug_files_key_error) as caught:
        client.post("/upload", data={"doc": ["report.pdf", "draft.pdf"]})
    assert isinstance(caught.value, KeyError)
    assert str(caught.value) == (
        "You tried to access the file 'doc' in the request.files dictionary but it does not"
        " exist. The mimetype for the request is 'application/x-www-form-urlencoded' instead"
        " of 'multipart/form-data' which means that no file contents were transmitted. To"
        ' fix this error you should provide enctype="multipart/form-data" in your form.'
        "\n\nThe browser instead transmitted some file names. This was submitted:"
        " 'report.pdf', 'draft.pdf'"
    )


def test_other_missing_files_and_real_uploads_are_unchanged(fl: FlaskModule) -> None:
    debug_files_key_error = submodule(fl, "debughelpers").DebugFilesKeyError
    client = upload_app(fl, debug=True).test_client()
    with pytest.raises(BadRequestKeyError) as caught:
        client.post("/upload", data={"other": "x"})  # no "doc" field at all
    assert not isinstance(caught.value, debug_files_key_error)
    sent = client.post("/upload", data={"doc": (BytesIO(b"%PDF"), "report.pdf")})
    assert (sent.status_code, sent.data) == (200, b"report.pdf")


def test_outside_debug_mode_a_missing_file_is_a_400(fl: FlaskModule) -> None:
    client = upload_app(fl, debug=False).test_client()
    assert client.post("/upload", data={"doc": "report.pdf"}).status_code == 400


# ------------------------------------------------------------------ routing redirects


def slash_app(fl: FlaskModule, debug: bool) -> Scaffold:
    app = fl.Flask("heron_t_slash")
    app.debug = debug

    @app.route("/user/", methods=["GET", "POST"])
    def user() -> str:
        return cast(str, fl.request.form.get("status", "none"))

    return app


def test_routing_redirects_keep_the_body_by_default(fl: FlaskModule) -> None:
    client = slash_app(fl, debug=True).test_client()
    response = client.post("/user", data={"status": "kept"}, follow_redirects=True)
    assert response.data == b"kept"


def test_a_redirect_that_drops_the_body_fails_in_debug_mode(
    fl: FlaskModule, monkeypatch: pytest.MonkeyPatch
) -> None:
    redirect_error = submodule(fl, "debughelpers").FormDataRoutingRedirect
    monkeypatch.setattr(RequestRedirect, "code", 301)
    client = slash_app(fl, debug=True).test_client()
    with pytest.raises(redirect_error) as caught:
        client.post("/user?next=1", data={"status": "lost"})
    assert isinstance(caught.value, AssertionError)
    assert str(caught.value) == (
        "A request was sent to 'http://localhost/user?next=1', but routing issued a redirect"
        " to the canonical URL 'http://localhost/user/?next=1'. The URL was defined with a"
        " trailing slash. Flask will redirect to the URL with a trailing slash if it was"
        " accessed without one. Send requests to the canonical URL, or use 307 or 308 for"
        " routing redirects. Otherwise, browsers will drop form data.\n\n"
        "This exception is only raised in debug mode."
    )
    assert client.get("/user").status_code == 301  # a GET has no body to lose


def test_outside_debug_mode_the_redirect_is_sent(
    fl: FlaskModule, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RequestRedirect, "code", 301)
    response = slash_app(fl, debug=False).test_client().post("/user", data={"status": "x"})
    assert (response.status_code, response.location) == (301, "http://localhost/user/")


# ------------------------------------------------------------------ template loading


class Records(logging.Handler):
    """The messages logged to a logger while the test runs."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger("heron_t_templates")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def template_app(fl: FlaskModule, root: Path) -> Any:
    (root / "templates").mkdir(parents=True, exist_ok=True)
    (root / "templates" / "page.html").write_text("app page")
    (root / "admin" / "templates").mkdir(parents=True, exist_ok=True)
    (root / "admin" / "templates" / "page.html").write_text("admin page")
    app = fl.Flask("heron_t_templates", root_path=str(root))
    app.config.update(EXPLAIN_TEMPLATE_LOADING=True, TESTING=True)
    admin = fl.Blueprint(
        "admin", "heron_t_admin", root_path=str(root / "admin"), template_folder="templates"
    )

    @admin.route("/admin/<name>")
    def show(name: str) -> str:
        return cast(str, fl.render_template(name))

    app.register_blueprint(admin)
    return app


def loader_lines(number: int, owner: str, folder: Path) -> str:
    return (
        f"{number:5}: trying loader of {owner}\n"
        "       class: jinja2.loaders.FileSystemLoader\n"
        "       encoding: 'utf-8'\n"
        "       followlinks: False\n"
        "       searchpath:\n"
        f"         - {folder}\n"
    )


def test_explain_template_loading_lists_every_folder_tried(
    fl: FlaskModule, tmp_path: Path, records: Records
) -> None:
    client = template_app(fl, tmp_path).test_client()
    assert client.get("/admin/page.html").data == b"app page"
    app_loader = loader_lines(1, "application 'heron_t_templates'", tmp_path / "templates")
    admin_folder = tmp_path / "admin" / "templates"
    admin_loader = loader_lines(2, "blueprint 'admin' (heron_t_admin)", admin_folder)
    assert records.messages == [
        "Locating template 'page.html':\n"
        + app_loader
        + f"       -> found ('{tmp_path / 'templates' / 'page.html'}')\n"
        + admin_loader
        + f"       -> found ('{admin_folder / 'page.html'}')\n"
        "Warning: multiple loaders returned a match for the template.\n"
        "  The template was looked up from an endpoint that belongs to the blueprint 'admin'.\n"
        "  Maybe you did not place a template in the right folder?\n"
        "  See https://flask.palletsprojects.com/blueprints/#templates"
    ]
    with pytest.raises(TemplateNotFound):
        client.get("/admin/missing.html")
    assert "\nError: the template could not be found.\n" in records.messages[-1]
    assert records.messages[-1].count("-> no match") == 2


def test_explaining_off_logs_nothing(fl: FlaskModule, tmp_path: Path, records: Records) -> None:
    app = template_app(fl, tmp_path)
    app.config["EXPLAIN_TEMPLATE_LOADING"] = False
    assert app.test_client().get("/admin/page.html").data == b"app page"
    assert records.messages == []
