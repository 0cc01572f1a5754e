"""Running the team board as an operator would: migrations, the CLI, outages, many workers.

``heron db upgrade`` builds the schema on SQLite and on a real PostgreSQL; ``create-user``
makes an account; a PostgreSQL that goes away gives 503 pages and API answers and the board
recovers when it is back; ``heron run --workers 2`` with ``REDIS_URL`` fans new posts out
to the WebSocket clients of both workers and keeps sessions in Redis.
"""

import contextlib
import http.client
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from click.testing import CliRunner
from websockets.sync.client import ClientConnection, connect

from board_support import csrf_token, load_board
from heron.cli import cli
from heron.testclient import TestClient
from heron_run import heron_run
from postgres_server import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0
# Requests sent at most until both workers answered one: an idle worker tends to win every
# accept() of a sequential client, so the second one can take many tries.
MAX_TRIES = 200


def heron(monkeypatch: pytest.MonkeyPatch, database_url: str, *args: str) -> Any:
    """``heron --app examples.board ARGS`` with the board configured for ``database_url``."""
    load_board(monkeypatch, DATABASE_URL=database_url, CREATE_TABLES="false")
    return CliRunner().invoke(cli, ["--app", "examples.board", *args])


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'board.sqlite'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


def test_migrations_build_the_schema_the_board_runs_on(
    empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgraded = heron(monkeypatch, empty_database, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    current = heron(monkeypatch, empty_database, "db", "current")
    assert "(head)" in current.output
    created = heron(monkeypatch, empty_database, "create-user", "ann", "--password", "a password")
    assert created.exit_code == 0, created.output
    assert "Created ann." in created.output
    again = heron(monkeypatch, empty_database, "create-user", "ann", "--password", "a password")
    assert again.exit_code == 1 and "ann exists already." in again.output

    board = load_board(monkeypatch, DATABASE_URL=empty_database, CREATE_TABLES="false")
    with TestClient(board) as client:
        token = client.post("/api/token", data={"username": "ann", "password": "a password"})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert (
            client.post("/api/posts", json={"title": "migrated"}, headers=headers).status_code
            == 201
        )
        assert client.get("/api/posts").json()["total"] == 1

    downgraded = heron(monkeypatch, empty_database, "db", "downgrade", "base")
    assert downgraded.exit_code == 0, downgraded.output
    board = load_board(monkeypatch, DATABASE_URL=empty_database, CREATE_TABLES="false")
    with TestClient(board, raise_server_exceptions=False) as client:
        assert client.get("/api/posts").status_code == 500  # no tables: a real bug, not a 503


def test_a_database_that_goes_away_gives_503_and_the_board_recovers(
    postgres_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = load_board(monkeypatch, DATABASE_URL=postgres_server.create_database())
    with TestClient(board) as client:
        assert client.get("/").status_code == 200
        postgres_server.stop()
        try:
            page = client.get("/", headers={"accept": "text/html"})
            assert page.status_code == 503
            assert "text/html" in page.headers["content-type"]
            assert client.get("/api/posts").json() == {"detail": "Database unavailable"}
            assert client.get("/health").status_code == 503
        finally:
            postgres_server.start()
        assert client.get("/").status_code == 200
        assert client.get("/health").json()["database"] == "up"


def test_the_live_socket_ignores_what_clients_send(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = load_board(monkeypatch, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'b.sqlite'}")
    with TestClient(board) as client:
        with client.websocket_connect("/ws/board") as socket:
            socket.send_text("hello?")
            socket.send_bytes(b"\x00\xff")
            client.post("/api/users", json={"username": "ann", "password": "a password"})
            token = client.post(
                "/api/token", data={"username": "ann", "password": "a password"}
            ).json()["access_token"]
            client.post(
                "/api/posts",
                json={"title": "still live"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert json.loads(socket.receive_text())["title"] == "still live"


# ---------------------------------------------------------------- many workers


def request(port: int, method: str, path: str, body: Any = None, headers: Any = None) -> Any:
    """One request on a new connection, so the kernel may pick either worker."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        sent = {"Connection": "close", "Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        return response.status, response.getheader("x-served-by"), response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def event_stream(port: int) -> Iterator[Iterator[str]]:
    """``GET /api/events`` on a new connection: yields an iterator of its ``data:`` values."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    conn.request("GET", "/api/events", headers={"Accept": "text/event-stream"})
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("content-type", "").startswith("text/event-stream")
    while not response.readline().startswith(b": subscribed"):  # the subscription is live
        pass

    def data() -> Iterator[str]:
        while line := response.readline():
            if line.startswith(b"data:"):
                yield line[5:].strip().decode()

    try:
        yield data()
    finally:
        conn.close()


@pytest.fixture
def cluster(tmp_path: Path, redis_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    database = f"sqlite+aiosqlite:///{tmp_path / 'board.sqlite'}"
    assert heron(monkeypatch, database, "db", "upgrade").exit_code == 0
    env = {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database,
        "REDIS_URL": redis_server.url,
        "CREATE_TABLES": "false",
        "SECRET_KEY": "cluster secret",
    }
    with heron_run("examples.board:app", "--workers", "2", env=env) as served:
        seen: set[str] = set()
        deadline = time.monotonic() + 20
        while len(seen) < 2:  # both workers answer (they start one after the other)
            assert time.monotonic() < deadline, f"only {seen} answered"
            status, worker, _ = request(served.port, "GET", "/health")
            if status == 200:
                seen.add(worker)
        yield served.port


def test_two_workers_share_live_updates_and_sessions(cluster: int, redis_server: Any) -> None:
    port = cluster
    account = {"username": "ann", "password": "a password"}
    assert request(port, "POST", "/api/users", account)[0] == 201
    token = httpx.post(f"http://127.0.0.1:{port}/api/token", data=account).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    with contextlib.ExitStack() as stack:
        sockets: list[ClientConnection] = [
            stack.enter_context(connect(f"ws://127.0.0.1:{port}/ws/board", open_timeout=TIMEOUT))
            for _ in range(6)
        ]
        streams = [stack.enter_context(event_stream(port)) for _ in range(4)]
        # Posts are made until both workers made one; every client receives each post
        # (read as it comes, so no subscriber queue fills up however many it takes).
        posted_by: set[str] = set()
        for attempt in range(MAX_TRIES):
            if len(posted_by) == 2:
                break
            title = f"post {attempt}"
            status, worker, _ = request(port, "POST", "/api/posts", {"title": title}, bearer)
            assert status == 201
            posted_by.add(worker)
            for socket in sockets:
                assert json.loads(socket.recv(timeout=TIMEOUT))["title"] == title
            for stream in streams:
                assert json.loads(next(stream))["title"] == title
        assert len(posted_by) == 2, f"every post went to {posted_by}"
    # A login on one worker is seen by both: the cookie holds an id, the data is in Redis.
    fresh = httpx.Limits(max_keepalive_connections=0)  # a new connection per request
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", limits=fresh) as browser:
        token = csrf_token(browser.get("/login").text)
        form = {"username": "ann", "password": "a password", "csrf_token": token}
        assert browser.post("/login", data=form).status_code == 303
        workers = set()
        for _ in range(MAX_TRIES):
            page = browser.get("/")
            assert "Log out" in page.text
            workers.add(page.headers["x-served-by"])
            if len(workers) == 2:
                break
        assert len(workers) == 2, "every page came from one worker"
    keys = redis.Redis.from_url(redis_server.url).keys("board:session:*")
    assert len(keys) == 1
