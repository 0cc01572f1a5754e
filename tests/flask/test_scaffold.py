"""``heron.flask.scaffold``: what apps and blueprints share, beyond routes and hooks.

Each test runs on Flask 3.1 and on ``heron.flask`` (see ``tests/flask_differential.py``):
``open_resource`` and its modes, the static view without a static folder, the cache
max-age of static files, the errors of registering a handler for something that is not
an exception class, the method shortcuts, and the reprs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from flask_differential import MODULES, FlaskModule


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """An app folder with a UTF-8 resource and a static file."""
    (tmp_path / "data.txt").write_text("café\n", encoding="utf-8")
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "app.css").write_text("body {}")
    return tmp_path


# ------------------------------------------------------------------ open_resource


def test_open_resource_reads_bytes_by_default(fl: FlaskModule, root: Path) -> None:
    app = fl.Flask("scaffold_app", root_path=str(root))
    with app.open_resource("data.txt") as f:
        assert f.read() == "café\n".encode()


@pytest.mark.parametrize("mode", ["r", "rt"])
def test_open_resource_reads_text(fl: FlaskModule, root: Path, mode: str) -> None:
    app = fl.Flask("scaffold_app", root_path=str(root))
    with app.open_resource("data.txt", mode, encoding="utf-8") as f:
        assert f.read() == "café\n"
    with app.open_resource("data.txt", mode, encoding="latin-1") as f:
        assert f.read() == "cafÃ©\n"


@pytest.mark.parametrize("mode", ["w", "wb", "a", "r+", "x"])
def test_open_resource_refuses_to_write(fl: FlaskModule, root: Path, mode: str) -> None:
    app = fl.Flask("scaffold_app", root_path=str(root))
    with pytest.raises(ValueError) as error:
        app.open_resource("data.txt", mode)
    assert str(error.value) == "Resources can only be opened for reading."
    # Nothing was written.
    assert (root / "data.txt").read_text(encoding="utf-8") == "café\n"


def test_a_blueprint_opens_resources_of_its_own_folder(fl: FlaskModule, tmp_path: Path) -> None:
    (tmp_path / "bp").mkdir()
    (tmp_path / "bp" / "schema.sql").write_text("create table t;")
    bp = fl.Blueprint("bp", "scaffold_bp", root_path=str(tmp_path / "bp"))
    with bp.open_resource("schema.sql", "r") as f:
        assert f.read() == "create table t;"


# ------------------------------------------------------------------ static files


def test_send_static_file_without_a_static_folder(fl: FlaskModule, root: Path) -> None:
    app = fl.Flask("scaffold_app", root_path=str(root), static_folder=None)
    bp = fl.Blueprint("bp", "scaffold_bp", root_path=str(root))
    assert (app.has_static_folder, bp.has_static_folder) == (False, False)
    assert (app.static_url_path, bp.static_url_path) == (None, None)
    with app.test_request_context():
        for owner in (app, bp):
            with pytest.raises(RuntimeError) as error:
                owner.send_static_file("app.css")
            assert str(error.value) == "'static_folder' must be set to serve static_files."


def test_static_max_age_from_seconds(fl: FlaskModule, root: Path) -> None:
    app = fl.Flask("scaffold_app", root_path=str(root))
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 60
    with app.test_client().get("/static/app.css") as response:
        assert (response.status_code, response.text) == (200, "body {}")
        assert response.cache_control.max_age == 60
        assert response.cache_control.public is True
    with app.app_context():
        assert app.get_send_file_max_age("app.css") == 60


def test_static_max_age_default_is_no_cache(fl: FlaskModule, root: Path) -> None:
    app = fl.Flask("scaffold_app", root_path=str(root))
    with app.test_client().get("/static/app.css") as response:
        assert response.cache_control.max_age is None
        assert response.cache_control.no_cache is True
    with app.app_context():
        assert app.get_send_file_max_age("app.css") is None


def test_a_blueprints_static_folder(fl: FlaskModule, root: Path) -> None:
    app = fl.Flask("scaffold_app", root_path=str(root), static_folder=None)
    bp = fl.Blueprint(
        "bp", "scaffold_bp", root_path=str(root), static_folder="static/", url_prefix="/bp"
    )
    app.register_blueprint(bp)
    assert bp.static_url_path == "/static"
    with app.test_client().get("/bp/static/app.css") as response:
        assert (response.status_code, response.text) == (200, "body {}")
    with app.test_request_context():
        assert fl.url_for("bp.static", filename="app.css") == "/bp/static/app.css"


# ------------------------------------------------------------------ error handler keys


def test_an_unknown_status_code_cannot_have_a_handler(fl: FlaskModule) -> None:
    app = fl.Flask("scaffold_app")
    with pytest.raises(ValueError) as error:
        app.register_error_handler(599, lambda e: "x")
    assert str(error.value) == (
        "'599' is not a recognized HTTP error code. Use a subclass of HTTPException with that"
        " code instead."
    )


def test_an_exception_instance_cannot_have_a_handler(fl: FlaskModule) -> None:
    app = fl.Flask("scaffold_app")
    with pytest.raises(TypeError) as error:
        app.errorhandler(cast(Any, KeyError("k")))(lambda e: "x")
    assert str(error.value) == (
        "KeyError('k') is an instance, not a class. Handlers can only be registered for"
        " Exception classes or HTTP error codes."
    )


@pytest.mark.parametrize("cls", [str, KeyboardInterrupt])
def test_a_class_that_is_no_exception_cannot_have_a_handler(
    fl: FlaskModule, cls: type[Any]
) -> None:
    bp = fl.Blueprint("bp", __name__)
    with pytest.raises(ValueError) as error:
        bp.register_error_handler(cls, lambda e: "x")
    assert str(error.value) == (
        f"'{cls.__name__}' is not a subclass of Exception. Handlers can only be registered"
        " for Exception classes or HTTP error codes."
    )


# ------------------------------------------------------------------ routes and reprs


def test_method_shortcuts(fl: FlaskModule) -> None:
    app = fl.Flask("scaffold_app")
    for method in ("get", "post", "put", "delete", "patch"):
        getattr(app, method)("/item", endpoint=method)(lambda method=method: method)
    with pytest.raises(TypeError) as error:
        app.patch("/other", methods=["GET"])
    assert str(error.value) == "Use the 'route' decorator to use the 'methods' argument."
    client = app.test_client()
    answers = [client.open("/item", method=m.upper()).text for m in ("get", "post", "put")]
    answers += [client.delete("/item").text, client.patch("/item").text]
    assert answers == ["get", "post", "put", "delete", "patch"]


def test_reprs(fl: FlaskModule) -> None:
    assert repr(fl.Flask("scaffold_app")) == "<Flask 'scaffold_app'>"
    assert repr(fl.Blueprint("bp", __name__)) == "<Blueprint 'bp'>"


def test_template_context_outside_any_context(fl: FlaskModule) -> None:
    app = fl.Flask("scaffold_app")
    context: dict[str, Any] = {"mine": 1}
    app.update_template_context(context)
    assert context == {"mine": 1}
    with app.app_context():
        app.update_template_context(context)
        assert sorted(context) == ["g", "mine"]
