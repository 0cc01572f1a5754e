"""heron.sql against a real PostgreSQL that goes away: 503s, recovery, connections released.

These tests stop the session's server (``postgres_server.stop()``) and start it again before
they end; the tests shared with SQLite are in ``test_sql.py``.
"""

import threading
import time
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import anyio
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from heron import Depends, Heron
from heron.sql import Database
from heron.testclient import AsyncTestClient, TestClient
from postgres_server import PostgresServer


@pytest.fixture
def anyio_backend() -> str:
    # asyncio only: SQLAlchemy's asyncio engine and asyncpg run on an asyncio event loop.
    return "asyncio"


@pytest.fixture
def server(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """The session's server, running again after the test whatever happened."""
    yield postgres_server
    if postgres_server.proc is None:
        postgres_server.start()


def make_app(url: str, **options: Any) -> tuple[Heron, Database, threading.Event]:
    """An app whose ``/notes`` endpoints use the database; ``/sleep`` holds a query."""
    db = Database(url, **options)
    app = Heron(lifespan=db.lifespan)
    Session = Annotated[AsyncSession, Depends(db.session)]
    querying = threading.Event()

    @app.post("/notes", status_code=201)
    async def add_note(body: str, session: Session) -> None:
        await session.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": body})

    @app.get("/notes")
    async def notes(session: Session) -> list[str]:
        return list(await session.scalars(text("SELECT body FROM notes ORDER BY id")))

    @app.get("/sleep")
    async def sleep(session: Session) -> None:
        await session.execute(text("SELECT 1"))
        querying.set()
        await session.execute(text("SELECT pg_sleep(30)"))

    return app, db, querying


def notes_database(server: PostgresServer) -> str:
    url = server.create_database()
    name = url.rsplit("/", 1)[1]
    server.psql("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)", name)
    return url


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def backends(server: PostgresServer, url: str, where: str = "TRUE") -> int:
    name = url.rsplit("/", 1)[1]
    sql = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}' AND {where}"
    return int(server.psql(sql))


def test_a_stopped_server_is_a_503_and_the_app_recovers(server: PostgresServer) -> None:
    app, _, _ = make_app(notes_database(server))
    with TestClient(app) as client:
        assert client.post("/notes", params={"body": "before"}).status_code == 201
        server.stop()
        down = client.get("/notes")
        assert (down.status_code, down.json()) == (503, {"detail": "Database unavailable"})
        assert client.post("/notes", params={"body": "during"}).status_code == 503
        server.start()
        # The pooled connection died with the server: pre-ping replaces it.
        assert client.get("/notes").json() == ["before"]
        assert client.post("/notes", params={"body": "after"}).status_code == 201
        assert client.get("/notes").json() == ["before", "after"]


def test_a_server_that_goes_away_mid_request_is_a_503(server: PostgresServer) -> None:
    app, _, querying = make_app(notes_database(server))

    def stop_during_the_query() -> None:
        if querying.wait(10):
            time.sleep(0.2)
            server.stop()

    with TestClient(app) as client:
        stopper = threading.Thread(target=stop_during_the_query)
        stopper.start()
        started = time.monotonic()
        response = client.get("/sleep")
        stopper.join()
        assert time.monotonic() - started < 10  # not the 30 s of the query
        assert (response.status_code, response.json()) == (503, {"detail": "Database unavailable"})
        server.start()
        assert client.get("/notes").json() == []


def test_a_database_that_does_not_exist_is_a_503(server: PostgresServer) -> None:
    app, _, _ = make_app(server.url("no_such_database"))
    with TestClient(app) as client:
        response = client.get("/notes")
    assert (response.status_code, response.json()) == (503, {"detail": "Database unavailable"})


def test_shutdown_closes_the_connections(server: PostgresServer) -> None:
    url = notes_database(server)
    app, _, _ = make_app(url)
    with TestClient(app) as client:
        client.get("/notes")
        assert backends(server, url) == 1  # the pooled connection, idle
    assert wait_for(lambda: backends(server, url) == 0)


@pytest.mark.anyio
async def test_a_request_cancelled_during_a_query_releases_it(server: PostgresServer) -> None:
    url = notes_database(server)
    # PostgreSQL notices a closed connection only when the query ends, unless told to check
    # (docs/sql.md): the abandoned query would go on for its 30 s.
    checks = {"server_settings": {"client_connection_check_interval": "100ms"}}
    app, db, querying = make_app(url, engine_options={"connect_args": checks})
    async with AsyncTestClient(app) as client:
        async with anyio.create_task_group() as group:
            group.start_soon(client.get, "/sleep")
            await anyio.to_thread.run_sync(querying.wait, 10)
            await anyio.sleep(0.2)
            group.cancel_scope.cancel()
        assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        # The server is not left running the abandoned query.
        sleeping = "query LIKE '%pg_sleep%' AND state = 'active'"
        assert await anyio.to_thread.run_sync(
            lambda: wait_for(lambda: backends(server, url, sleeping) == 0)
        )
        assert (await client.get("/notes")).json() == []
