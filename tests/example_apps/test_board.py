"""The team board (examples/board) through the test client, on SQLite and on a real PostgreSQL.

Pages with forms and CSRF, the JSON API with bearer tokens, live updates over WebSocket,
the notification outbox written in the background, health, the CLI, and bad input.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from board_support import csrf_token, load_board
from heron.testclient import TestClient
from postgres_server import PostgresServer


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'board.sqlite'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture
def board(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    return load_board(monkeypatch, DATABASE_URL=database_url, SECRET_KEY="test secret")


@pytest.fixture
def client(board: Any) -> Iterator[TestClient]:
    with TestClient(board, follow_redirects=False) as client:
        yield client


def submit(client: TestClient, url: str, data: dict[str, str], page: str | None = None) -> Any:
    """Post ``data`` as the form on ``page`` (``url`` by default) would, with its token."""
    token = csrf_token(client.get(page or url).text)
    return client.post(url, data={**data, "csrf_token": token})


def register(client: TestClient, username: str = "ann", password: str = "correct horse") -> Any:
    response = submit(client, "/register", {"username": username, "password": password})
    assert response.status_code == 303, response.text
    return response


def api_token(client: TestClient, username: str = "ann", password: str = "correct horse") -> str:
    response = client.post("/api/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return cast(str, response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ---------------------------------------------------------------- pages


def test_register_log_out_and_in(client: TestClient) -> None:
    register(client)
    page = client.get("/").text
    assert "Welcome, ann!" in page and "Log out" in page
    assert submit(client, "/logout", {}, page="/").status_code == 303
    assert "Log in" in client.get("/").text
    response = submit(client, "/login", {"username": "ann", "password": "correct horse"})
    assert response.headers["location"] == "/"
    assert "Hello, ann." in client.get("/").text


def test_form_errors_re_render_with_the_typed_values(client: TestClient) -> None:
    response = submit(client, "/register", {"username": "a!", "password": "short"})
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"]
    assert 'value="a!"' in response.text
    assert "at least 8 characters" in response.text
    assert "short" not in response.text  # a password is never sent back
    register(client)
    client.cookies.clear()
    taken = submit(client, "/register", {"username": "ann", "password": "another one"})
    assert taken.status_code == 422 and "This username is taken." in taken.text
    wrong = submit(client, "/login", {"username": "ann", "password": "not the one"})
    assert wrong.status_code == 422 and "Wrong username or password." in wrong.text


def test_post_edit_comment_delete(client: TestClient) -> None:
    register(client)
    response = submit(client, "/posts/new", {"title": "Hello <team>", "body": "First!"})
    assert response.status_code == 303
    post_url = response.headers["location"]
    page = client.get(post_url).text
    assert "Hello &lt;team&gt;" in page and "Your post is on the board." in page
    bad = submit(client, "/posts/new", {"title": "", "body": "kept text"})
    assert bad.status_code == 422 and "kept text" in bad.text
    edit = submit(client, post_url + "/edit", {"title": "Hello team", "body": "Edited"})
    assert edit.status_code == 303
    assert "Edited" in client.get(post_url).text
    commented = submit(client, post_url + "/comments", {"body": "Nice"}, page=post_url)
    assert commented.status_code == 303 and "#c" in commented.headers["location"]
    assert "Nice" in client.get(post_url).text
    empty = submit(client, post_url + "/comments", {"body": ""}, page=post_url)
    assert empty.status_code == 422 and "Hello team" in empty.text  # the post page again
    assert submit(client, post_url + "/delete", {}, page=post_url).status_code == 303
    assert client.get(post_url).status_code == 404


def test_only_the_author_edits(client: TestClient) -> None:
    register(client)
    post_url = submit(client, "/posts/new", {"title": "Mine", "body": ""}).headers["location"]
    submit(client, "/logout", {}, page="/")
    register(client, "bob")
    assert client.get(post_url + "/edit").status_code == 403
    assert submit(client, post_url + "/delete", {}, page=post_url).status_code == 403
    assert "Mine" in client.get(post_url).text


def test_members_only_pages_redirect_to_login(client: TestClient) -> None:
    response = client.get("/posts/new")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fposts%2Fnew"
    register(client)
    submit(client, "/logout", {}, page="/")
    login = submit(
        client,
        "/login?next=/posts/new",
        {"username": "ann", "password": "correct horse"},
        page="/login",
    )
    assert login.headers["location"] == "/posts/new"
    evil = submit(
        client,
        "/login?next=//evil.example",
        {"username": "ann", "password": "correct horse"},
        page="/login",
    )
    assert evil.headers["location"] == "/"  # never an open redirect


def test_pagination_links(client: TestClient) -> None:
    token = api_token_after_register(client)
    for n in range(12):
        client.post("/api/posts", json={"title": f"post {n}"}, headers=bearer(token))
    first = client.get("/").text
    assert "post 11" in first and "post 1<" not in first
    assert 'href="/?page=2"' in first
    second = client.get("/?page=2").text
    assert "post 1<" in second and 'href="/?page=1"' in second
    assert client.get("/?page=0").status_code == 422


def api_token_after_register(client: TestClient) -> str:
    register(client)
    return api_token(client)


# ---------------------------------------------------------------- API


def test_api_round_trip(client: TestClient) -> None:
    token = api_token_after_register(client)
    assert client.get("/api/me", headers=bearer(token)).json()["username"] == "ann"
    created = client.post(
        "/api/posts", json={"title": "Via API", "body": "x"}, headers=bearer(token)
    )
    assert created.status_code == 201
    post = created.json()
    assert post["author"]["username"] == "ann" and post["updated"] is None
    listing = client.get("/api/posts").json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == post["id"]
    patched = client.patch(f"/api/posts/{post['id']}", json={"title": "New"}, headers=bearer(token))
    assert patched.json()["title"] == "New" and patched.json()["body"] == "x"
    comment = client.post(
        f"/api/posts/{post['id']}/comments", json={"body": "hi"}, headers=bearer(token)
    )
    assert comment.status_code == 201
    assert [c["body"] for c in client.get(f"/api/posts/{post['id']}/comments").json()] == ["hi"]
    assert client.delete(f"/api/posts/{post['id']}", headers=bearer(token)).status_code == 204
    assert client.get(f"/api/posts/{post['id']}").status_code == 404


def test_api_auth_and_bad_input(client: TestClient) -> None:
    assert client.post("/api/posts", json={"title": "x"}).status_code == 401
    bad = client.post("/api/posts", json={"title": "x"}, headers=bearer("forged"))
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    assert (
        client.post("/api/token", data={"username": "ann", "password": "nope"}).status_code == 400
    )
    token = api_token_after_register(client)
    missing = client.post("/api/posts", json={}, headers=bearer(token))
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "title"]
    extra = client.post("/api/posts", json={"title": "x", "author_id": 2}, headers=bearer(token))
    assert extra.status_code == 422
    garbage = client.post(
        "/api/posts",
        content=b"{not json",
        headers={**bearer(token), "content-type": "application/json"},
    )
    assert garbage.status_code == 422
    assert client.get("/api/posts?per_page=1000").status_code == 422
    assert client.get("/api/posts/abc").status_code == 422
    other = client.post("/api/posts", json={"title": "x"}, headers=bearer(token)).json()
    client.cookies.clear()
    register(client, "bob")
    bob = api_token(client, "bob")
    assert client.delete(f"/api/posts/{other['id']}", headers=bearer(bob)).status_code == 403


def test_the_same_model_documents_form_and_json(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    create = document["paths"]["/api/posts"]["post"]["requestBody"]["content"]
    assert create["application/json"]["schema"] == {"$ref": "#/components/schemas/PostIn"}
    assert "/api/token" in document["paths"]
    assert "/posts/new" not in document["paths"]  # the pages are not part of the API
    assert client.get("/docs").status_code == 200


# ---------------------------------------------------------------- live and background


def test_new_posts_reach_open_boards_live(client: TestClient) -> None:
    token = api_token_after_register(client)
    with client.websocket_connect("/ws/board") as socket:
        client.post("/api/posts", json={"title": "Live!"}, headers=bearer(token))
        event = json.loads(socket.receive_text())
    assert event["type"] == "post" and event["title"] == "Live!" and event["author"] == "ann"
    assert event["url"] == f"/posts/{event['id']}"


def test_notifications_go_to_the_outbox(client: TestClient, board: Any) -> None:
    register(client)
    post_url = submit(client, "/posts/new", {"title": "Ann's", "body": ""}).headers["location"]
    submit(client, "/logout", {}, page="/")
    register(client, "bob")
    submit(client, post_url + "/comments", {"body": "Great"}, page=post_url)
    from examples.board.deps import db
    from examples.board.models import Notification
    from sqlalchemy import select

    async def outbox() -> list[str]:
        async with db.sessionmaker() as session:
            return list(await session.scalars(select(Notification.message)))

    assert client.portal is not None  # the client is entered
    messages = client.portal.call(outbox)
    assert "bob commented on “Ann's”." in messages


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "database": "up"}


# ---------------------------------------------------------------- bad input


def test_csrf_and_forged_cookies(client: TestClient) -> None:
    register(client)
    response = client.post("/posts/new", data={"title": "x"}, headers={"accept": "text/html"})
    assert response.status_code == 403 and "CSRF" in response.text
    cookie = client.cookies.get("session")
    assert cookie is not None
    client.cookies.set("session", cookie[:-3] + "abc")
    page = client.get("/")
    assert page.status_code == 200 and "Log in" in page.text


def test_error_pages_for_browsers_json_for_api(client: TestClient) -> None:
    html = client.get("/posts/999", headers={"accept": "text/html,*/*;q=0.8"})
    assert html.status_code == 404 and "Nothing here" in html.text
    assert client.get("/api/posts/999").json() == {"detail": "Post 999 does not exist."}


# ---------------------------------------------------------------- comments and pictures

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_comments_are_edited_and_deleted_by_their_author(client: TestClient) -> None:
    register(client)
    post_url = submit(client, "/posts/new", {"title": "Ann's", "body": ""}).headers["location"]
    submit(client, "/logout", {}, page="/")
    register(client, "bob")
    location = submit(client, post_url + "/comments", {"body": "First"}, page=post_url)
    comment_id = location.headers["location"].rsplit("#c", 1)[1]
    edit = f"/comments/{comment_id}/edit"
    assert ">First</textarea>" in client.get(edit).text  # the form starts with the comment
    empty = submit(client, edit, {"body": ""})
    assert empty.status_code == 422 and "Edit your comment" in empty.text
    assert submit(client, edit, {"body": "Second"}).status_code == 303
    assert "Second" in client.get(post_url).text
    token = api_token(client, "bob")
    patched = client.patch(
        f"/api/comments/{comment_id}", json={"body": "Third"}, headers=bearer(token)
    )
    assert patched.json()["body"] == "Third"
    submit(client, "/logout", {}, page="/")
    login = submit(client, "/login", {"username": "ann", "password": "correct horse"})
    assert login.status_code == 303
    assert client.get(edit).status_code == 403  # Ann wrote the post, not the comment
    ann = api_token(client, "ann")
    assert client.delete(f"/api/comments/{comment_id}", headers=bearer(ann)).status_code == 403
    assert client.delete(f"/api/comments/{comment_id}", headers=bearer(token)).status_code == 204
    assert client.delete(f"/api/comments/{comment_id}", headers=bearer(token)).status_code == 404


def test_profile_pictures_are_checked_and_served_as_images(client: TestClient) -> None:
    register(client)
    assert client.get("/users/1/avatar").status_code == 404
    token = csrf_token(client.get("/profile").text)

    def upload(name: str, data: bytes) -> Any:
        files = {"avatar": (name, data, "image/png")}
        return client.post("/profile/avatar", data={"csrf_token": token}, files=files)

    fake = upload("cat.png", b"<script>alert(1)</script>")
    assert fake.status_code == 422
    assert "This is not a PNG, JPEG, GIF or WebP picture." in fake.text
    huge = upload("big.png", PNG + b"\x00" * 300_000)
    assert huge.status_code == 422 and "larger than 256 KiB" in huge.text
    assert upload("me.png", PNG).status_code == 303
    picture = client.get("/users/1/avatar")
    assert picture.content == PNG
    assert picture.headers["content-type"] == "image/png"
    assert picture.headers["x-content-type-options"] == "nosniff"
    post_url = submit(client, "/posts/new", {"title": "With a face"}).headers["location"]
    assert 'src="/users/1/avatar"' in client.get(post_url).text

    api = bearer(api_token(client))
    gif = {"avatar": ("x.gif", b"GIF89a" + b"\x00" * 16, "application/octet-stream")}
    assert client.put("/api/me/avatar", files=gif, headers=api).status_code == 204
    assert client.get("/users/1/avatar").headers["content-type"] == "image/gif"
    text = {"avatar": ("x.png", b"hello", "image/png")}
    assert client.put("/api/me/avatar", files=text, headers=api).status_code == 415
    big = {"avatar": ("x.png", PNG * 5000, "image/png")}
    assert client.put("/api/me/avatar", files=big, headers=api).status_code == 413
    assert client.put("/api/me/avatar", headers=api).status_code == 422
