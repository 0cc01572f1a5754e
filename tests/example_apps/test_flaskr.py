"""The Flask tutorial's blog on Heron (examples/flaskr): its behaviours, through the test client.

The same checks as the tutorial's own tests (factory, database command, registration,
login, logout, login_required, author-only edits, validation), plus what Heron adds:
forms that re-render with their errors and CSRF on every form.
"""

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from examples.flaskr import create_app
from examples.flaskr.auth import hash_password
from examples.flaskr.db import get_db, init_db

from heron import Heron
from heron.testclient import TestClient

DATA = """
INSERT INTO user (username, password) VALUES ('test', '{test}'), ('other', '{other}');
INSERT INTO post (title, body, author_id, created)
VALUES ('test title', 'test' || x'0a' || 'body', 1, '2018-01-01 00:00:00');
"""

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@pytest.fixture
def app(tmp_path: Path) -> Heron:
    app = create_app({"DATABASE": str(tmp_path / "flaskr.sqlite")})
    with app.app_context():
        init_db()
        get_db().executescript(
            DATA.format(test=hash_password("test"), other=hash_password("other"))
        )
        get_db().close()
    return app


@pytest.fixture
def client(app: Heron) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


def csrf_token(client: TestClient, page: str = "/auth/login") -> str:
    """The CSRF token of ``page``'s form, as a browser would submit it."""
    found = CSRF.search(client.get(page).text)
    assert found is not None, "no csrf_token field in the page"
    return found.group(1) or found.group(2)


def submit(
    client: TestClient, url: str, data: dict[str, str], page: str | None = None
) -> httpx.Response:
    """Post ``data`` as the form on ``page`` (``url`` by default) would."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)})


def login(
    client: TestClient, username: str = "test", password: str = "test"
) -> httpx.Response:
    return submit(client, "/auth/login", {"username": username, "password": password})


def query(app: Heron, sql: str, *args: object) -> list[sqlite3.Row]:
    with sqlite3.connect(app.config["DATABASE"]) as db:
        db.row_factory = sqlite3.Row
        return db.execute(sql, args).fetchall()


# ---------------------------------------------------------------- factory and database


def test_config(tmp_path: Path) -> None:
    assert (
        create_app({"DATABASE": str(tmp_path / "x.sqlite")}).config["DATABASE"].endswith("x.sqlite")
    )
    assert create_app({"DATABASE": "d", "SECRET_KEY": "other"}).secret_key == "other"


def test_init_db_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``heron --app examples.flaskr init-db`` finds the factory and creates the tables."""
    from heron.cli import cli

    database = tmp_path / "cli.sqlite"
    monkeypatch.setenv("FLASKR_DATABASE", str(database))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--app", "examples.flaskr", "init-db"])
    assert result.exit_code == 0, result.output
    assert "Initialized the database." in result.output
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"user", "post"} <= tables


# ---------------------------------------------------------------- auth


def test_register(client: TestClient, app: Heron) -> None:
    assert client.get("/auth/register").status_code == 200
    response = submit(client, "/auth/register", {"username": "a", "password": "a"})
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login"
    assert query(app, "SELECT * FROM user WHERE username = 'a'")
    assert "Registered" in client.get("/auth/login").text  # the flash message


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "", "Field required"),
        ("a", "", "Field required"),
        ("test", "test", "already registered"),
    ],
)
def test_register_validate_input(
    client: TestClient, username: str, password: str, message: str
) -> None:
    response = submit(client, "/auth/register", {"username": username, "password": password})
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"]
    assert message in response.text
    assert f'value="{username}"' in response.text  # what was typed is kept


def test_login(client: TestClient) -> None:
    assert client.get("/auth/login").status_code == 200
    response = login(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    page = client.get("/").text
    assert "test" in page and "Log Out" in page


@pytest.mark.parametrize(("username", "password"), [("a", "test"), ("test", "a")])
def test_login_validate_input(client: TestClient, username: str, password: str) -> None:
    response = login(client, username, password)
    assert response.status_code == 422
    assert "Incorrect username or password." in response.text
    assert "password" not in re.findall(r'value="([^"]*)"', response.text)  # never echoed


def test_logout(client: TestClient) -> None:
    login(client)
    response = submit(client, "/auth/logout", {}, page="/")
    assert response.status_code == 303
    assert "Log In" in client.get("/").text


# ---------------------------------------------------------------- blog


def test_index(client: TestClient) -> None:
    page = client.get("/").text
    assert "Log In" in page and "Register" in page
    login(client)
    page = client.get("/").text
    assert "Log Out" in page
    assert "test title" in page
    assert "by test on 2018-01-01" in page
    assert "test\nbody" in page
    assert 'href="/1/update"' in page


@pytest.mark.parametrize("path", ["/create", "/1/update"])
def test_login_required_pages(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login"


@pytest.mark.parametrize("path", ["/create", "/1/update", "/1/delete"])
def test_login_required_posts(client: TestClient, path: str) -> None:
    response = submit(client, path, {"title": "x", "body": ""}, page="/auth/login")
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login"


def test_author_required(app: Heron, client: TestClient) -> None:
    with sqlite3.connect(app.config["DATABASE"]) as db:
        db.execute("UPDATE post SET author_id = 2 WHERE id = 1")
    login(client)
    assert client.get("/1/update").status_code == 403
    assert submit(client, "/1/update", {"title": "x"}, page="/").status_code == 403
    assert submit(client, "/1/delete", {}, page="/").status_code == 403
    assert 'href="/1/update"' not in client.get("/").text  # no edit link for others' posts


@pytest.mark.parametrize("path", ["/2/update", "/2/delete"])
def test_exists_required(client: TestClient, path: str) -> None:
    login(client)
    assert submit(client, path, {"title": "x"}, page="/").status_code == 404


def test_create(client: TestClient, app: Heron) -> None:
    login(client)
    assert client.get("/create").status_code == 200
    response = submit(client, "/create", {"title": "created", "body": ""})
    assert response.status_code == 303
    assert query(app, "SELECT count(id) AS n FROM post")[0]["n"] == 2


def test_update(client: TestClient, app: Heron) -> None:
    login(client)
    page = client.get("/1/update").text
    assert 'value="test title"' in page  # the form starts with the post
    response = submit(client, "/1/update", {"title": "updated", "body": ""})
    assert response.status_code == 303
    assert query(app, "SELECT title FROM post WHERE id = 1")[0]["title"] == "updated"


@pytest.mark.parametrize("path", ["/create", "/1/update"])
def test_create_update_validate(client: TestClient, app: Heron, path: str) -> None:
    login(client)
    response = submit(client, path, {"title": "", "body": "kept <b>body</b>"})
    assert response.status_code == 422
    assert "Field required" in response.text  # an empty field is a missing one
    assert "kept &lt;b&gt;body&lt;/b&gt;" in response.text  # typed, kept, escaped
    assert query(app, "SELECT title FROM post WHERE id = 1")[0]["title"] == "test title"


def test_delete(client: TestClient, app: Heron) -> None:
    login(client)
    response = submit(client, "/1/delete", {}, page="/1/update")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert query(app, "SELECT * FROM post WHERE id = 1") == []


# ---------------------------------------------------------------- bad input


def test_posts_without_csrf_token_are_refused(client: TestClient, app: Heron) -> None:
    login(client)
    response = client.post("/1/delete", headers={"accept": "text/html"})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert query(app, "SELECT * FROM post WHERE id = 1")  # nothing deleted
    response = client.post("/1/delete", data={"csrf_token": "forged"})
    assert response.status_code == 403


def test_forged_session_cookie_is_logged_out(client: TestClient) -> None:
    login(client)
    session = client.cookies.get("session")
    assert session
    client.cookies.set("session", session[:-4] + "AAAA")
    page = client.get("/")
    assert page.status_code == 200
    assert "Log In" in page.text
    assert client.get("/1/update").status_code == 303


def test_oversized_and_unexpected_fields(client: TestClient) -> None:
    login(client)
    response = submit(client, "/create", {"title": "x" * 201, "body": "", "author_id": "2"})
    assert response.status_code == 422
    assert "at most 200 characters" in response.text
