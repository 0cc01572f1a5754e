"""heron.sql on SQLite and on a real PostgreSQL: a session per request, commit and rollback,
503 when the database is unreachable, the engine's lifespan, and ``heron db``.

Tests taking the ``url`` fixture run on both databases (a file in ``tmp_path``, and a
database of its own on the session's PostgreSQL server); ``test_sql_postgres.py`` has the
ones that stop the server.
"""

import asyncio
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import anyio
import click
import pytest
from click.testing import CliRunner, Result
from pydantic import BaseModel
from sqlalchemy import ForeignKey, MetaData, String, event, func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from heron import Depends, Heron, HTTPException, Request
from heron.cli import cli
from heron.exceptions import ConfigError, HeronError
from heron.responses import HTMLResponse, JSONResponse
from heron.sql import NAMING_CONVENTION, Database, Model, async_url
from heron.testclient import AsyncTestClient, TestClient
from heron.types import Message, Receive, Scope, Send


@pytest.fixture
def anyio_backend() -> str:
    # asyncio only: SQLAlchemy's asyncio extension (AsyncEngine, greenlet bridge) and the
    # drivers behind it (aiosqlite, asyncpg) run on an asyncio event loop.
    return "asyncio"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))


class ItemIn(BaseModel):
    name: str


class TagIn(BaseModel):
    item_id: int


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL without a driver, as hosts hand them out (Database adds one)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    server = request.getfixturevalue("postgres_server")
    database_url: str = server.create_database()
    return database_url.replace("+asyncpg", "")


def make_app(url: str, **options: Any) -> tuple[Heron, Database]:
    db = Database(url, metadata=Base.metadata, **options)
    app = Heron(lifespan=db.lifespan)
    Session = Annotated[AsyncSession, Depends(db.session)]

    async def find(session: AsyncSession, item_id: int) -> Item:
        item = await session.get(Item, item_id)
        if item is None:
            raise HTTPException(404, "No such item")
        return item

    @app.post("/items", status_code=201)
    async def create_item(body: ItemIn, session: Session) -> dict[str, Any]:
        item = Item(name=body.name)
        session.add(item)
        await session.flush()  # gives the id (and raises IntegrityError here)
        return {"id": item.id, "name": item.name}

    @app.post("/items/unflushed", status_code=201)
    async def create_item_at_commit(body: ItemIn, session: Session) -> None:
        session.add(Item(name=body.name))  # written (and refused) by the commit

    @app.get("/items")
    async def list_items(session: Session) -> list[str]:
        return list(await session.scalars(select(Item.name).order_by(Item.id)))

    @app.get("/items/{item_id}")
    async def get_item(item_id: int, session: Session) -> dict[str, Any]:
        item = await find(session, item_id)
        return {"id": item.id, "name": item.name}

    @app.put("/items/{item_id}")
    async def rename_item(item_id: int, body: ItemIn, session: Session) -> dict[str, Any]:
        item = await find(session, item_id)
        item.name = body.name
        return {"id": item.id, "name": item.name}

    @app.delete("/items/{item_id}", status_code=204)
    async def delete_item(item_id: int, session: Session) -> None:
        await session.delete(await find(session, item_id))

    @app.post("/items/refused")
    async def refused(body: ItemIn, session: Session) -> None:
        session.add(Item(name=body.name))
        await session.flush()
        raise HTTPException(418, "Changed my mind")

    @app.post("/items/crash")
    async def crash(body: ItemIn, session: Session) -> None:
        session.add(Item(name=body.name))
        await session.flush()
        raise RuntimeError("a bug")

    @app.post("/tags", status_code=201)
    async def create_tag(body: TagIn, session: Session) -> None:
        session.add(Tag(item_id=body.item_id))

    return app, db


@pytest.fixture
def app_db(url: str) -> tuple[Heron, Database]:
    app, db = make_app(url)
    anyio.run(db.create_all)
    return app, db


def test_crud_through_endpoints(app_db: tuple[Heron, Database]) -> None:
    app, _ = app_db
    with TestClient(app) as client:
        first = client.post("/items", json={"name": "kettle"})
        assert first.status_code == 201
        item_id = first.json()["id"]
        client.post("/items", json={"name": "teapot"})
        assert client.get("/items").json() == ["kettle", "teapot"]
        assert client.get(f"/items/{item_id}").json() == {"id": item_id, "name": "kettle"}
        renamed = client.put(f"/items/{item_id}", json={"name": "samovar"})
        assert renamed.json() == {"id": item_id, "name": "samovar"}
        assert client.delete(f"/items/{item_id}").status_code == 204
        assert client.get("/items").json() == ["teapot"]
        missing = client.get(f"/items/{item_id}")
        assert (missing.status_code, missing.json()) == (404, {"detail": "No such item"})


def test_the_commit_is_done_before_the_response_starts(url: str) -> None:
    """A client reading right after a 201 sees the row: the commit is not left for later."""
    app, db = make_app(url)
    anyio.run(db.create_all)
    committed_at_response: list[int] = []

    async def count_rows() -> int:
        engine = create_async_engine(async_url(url))  # another connection than the app's
        try:
            async with engine.connect() as connection:
                return int(await connection.scalar(select(func.count()).select_from(Item)) or 0)
        finally:
            await engine.dispose()

    async def observed(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_and_count(message: Message) -> None:
            if message["type"] == "http.response.start":
                committed_at_response.append(await count_rows())
            await send(message)

        await app(scope, receive, send_and_count if scope["type"] == "http" else send)

    with TestClient(observed) as client:
        assert client.post("/items", json={"name": "kettle"}).status_code == 201
        client.post("/items", json={"name": "teapot"})
    assert committed_at_response == [1, 2]


def test_an_endpoint_that_raises_leaves_nothing_behind(app_db: tuple[Heron, Database]) -> None:
    app, db = app_db
    with TestClient(app, raise_server_exceptions=False) as client:
        refused = client.post("/items/refused", json={"name": "kettle"})
        assert (refused.status_code, refused.json()) == (418, {"detail": "Changed my mind"})
        assert client.post("/items/crash", json={"name": "teapot"}).status_code == 500
        assert client.get("/items").json() == []
        assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_integrity_errors_stay_errors_and_a_handler_can_answer_409(
    app_db: tuple[Heron, Database],
) -> None:
    app, _ = app_db
    with TestClient(app, raise_server_exceptions=False) as client:
        client.post("/items", json={"name": "kettle"})
        # A real error of the app: not disguised as "the database is unavailable".
        assert client.post("/items", json={"name": "kettle"}).status_code == 500

    @app.exception_handler(IntegrityError)
    async def conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        return JSONResponse({"detail": "Conflicts with existing data"}, status_code=409)

    with TestClient(app) as client:
        flushed = client.post("/items", json={"name": "kettle"})  # raised in the endpoint
        assert (flushed.status_code, flushed.json()) == (
            409,
            {"detail": "Conflicts with existing data"},
        )
        assert client.post("/items/unflushed", json={"name": "kettle"}).status_code == 409
        # Foreign keys hold on SQLite too (Database turns them on).
        assert client.post("/tags", json={"item_id": 999}).status_code == 409
        assert client.get("/items").json() == ["kettle"]


@pytest.mark.anyio
async def test_concurrent_requests_each_get_their_own_session(url: str) -> None:
    db = Database(url, metadata=Base.metadata)
    app = Heron(lifespan=db.lifespan)
    together = asyncio.Barrier(4)

    @app.post("/together/{n}")
    async def at_once(
        n: int, session: Annotated[AsyncSession, Depends(db.session)]
    ) -> dict[str, int]:
        await session.scalar(select(func.count()).select_from(Item))
        raw = await (await session.connection()).get_raw_connection()
        # All four requests hold their session here at the same time, or this times out.
        await asyncio.wait_for(together.wait(), 10)
        session.add(Item(name=f"item {n}"))
        return {"session": id(session), "connection": id(raw.driver_connection)}

    await db.create_all()
    async with AsyncTestClient(app) as client:
        responses = await asyncio.gather(*(client.post(f"/together/{n}") for n in range(4)))
        assert [response.status_code for response in responses] == [200] * 4
        assert len({response.json()["session"] for response in responses}) == 4
        assert len({response.json()["connection"] for response in responses}) == 4
        async with db.sessionmaker() as session:
            names = set(await session.scalars(select(Item.name)))
    assert names == {f"item {n}" for n in range(4)}


@pytest.mark.anyio
async def test_a_cancelled_request_rolls_back_and_gives_its_connection_back(url: str) -> None:
    """A server cancels a request it gives up on; the session is cleaned up all the same."""
    db = Database(url, metadata=Base.metadata)
    app = Heron(lifespan=db.lifespan)
    waiting = anyio.Event()

    @app.post("/slow")
    async def slow(session: Annotated[AsyncSession, Depends(db.session)]) -> None:
        session.add(Item(name="never"))
        await session.flush()
        waiting.set()
        await anyio.sleep(30)

    await db.create_all()
    async with AsyncTestClient(app) as client:
        pool_events: list[str] = []
        for name in ("reset", "invalidate"):
            event.listen(
                db.engine.sync_engine.pool, name, lambda *_, name=name: pool_events.append(name)
            )
        async with anyio.create_task_group() as group:
            group.start_soon(client.post, "/slow")
            await waiting.wait()
            group.cancel_scope.cancel()
        assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        # Rolled back and kept for the next request, not thrown away half-way.
        assert pool_events == ["reset"]
        async with db.sessionmaker() as session:
            assert list(await session.scalars(select(Item.name))) == []


def now_app(db: Database) -> Heron:
    app = Heron(lifespan=db.lifespan)

    @app.get("/now")
    async def now(session: Annotated[AsyncSession, Depends(db.session)]) -> int:
        return int(await session.scalar(text("SELECT 1")) or 0)

    return app


def test_an_unreachable_sqlite_file_is_a_503_until_it_is_back(tmp_path: Path) -> None:
    folder = tmp_path / "not-yet"
    app = now_app(Database(f"sqlite:///{folder / 'app.db'}"))
    with TestClient(app) as client:
        down = client.get("/now")
        assert (down.status_code, down.json()) == (503, {"detail": "Database unavailable"})
        folder.mkdir()
        assert client.get("/now").json() == 1


def test_a_sqlite_file_locked_past_the_busy_timeout_is_a_503(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    app, db = make_app(f"sqlite:///{path}", engine_options={"connect_args": {"timeout": 0.1}})
    anyio.run(db.create_all)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        with TestClient(app) as client:
            busy = client.post("/items", json={"name": "kettle"})
            assert (busy.status_code, busy.json()) == (503, {"detail": "Database unavailable"})
            writer.execute("ROLLBACK")
            assert client.post("/items", json={"name": "kettle"}).status_code == 201
    finally:
        writer.close()


def test_the_503_goes_through_the_apps_error_pages(tmp_path: Path) -> None:
    app = now_app(Database(f"sqlite:///{tmp_path / 'missing' / 'app.db'}"))
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    with TestClient(app) as client:
        page = client.get("/now", headers=browser)
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "Database unavailable" in page.text

    @app.exception_handler(503)
    async def busy_page(request: Request, exc: Exception) -> HTMLResponse:
        return HTMLResponse("<h1>Back in a moment</h1>", status_code=503)

    with TestClient(app) as client:
        page = client.get("/now")
    assert (page.status_code, page.text) == (503, "<h1>Back in a moment</h1>")
    assert page.headers["content-type"].startswith("text/html")


def test_a_server_that_never_answers_is_a_503_after_the_connect_timeout() -> None:
    with socket.socket() as silent:  # accepts connections and says nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        app = now_app(Database(f"postgresql://u@127.0.0.1:{port}/x", connect_timeout=0.5))
        with TestClient(app) as client:
            started = time.monotonic()
            response = client.get("/now")
            assert time.monotonic() - started < 5
    assert (response.status_code, response.json()) == (503, {"detail": "Database unavailable"})


def test_the_engine_lives_from_startup_to_shutdown(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'app.db'}")
    app = now_app(db)
    with pytest.raises(HeronError, match="not started"):
        db.engine  # noqa: B018
    with TestClient(app) as client:
        assert client.get("/now").json() == 1
        engine = db.engine
        assert engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    with pytest.raises(HeronError, match="not started"):
        db.sessionmaker  # noqa: B018
    assert engine.pool.checkedin() == 0  # type: ignore[attr-defined]  # disposed
    with TestClient(app) as client:  # a second run gets a new engine
        assert client.get("/now").json() == 1
        assert db.engine is not engine


def test_init_app_starts_the_database_for_the_lifespan_and_commands(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'app.db'}", metadata=Base.metadata)

    @asynccontextmanager
    async def lifespan(app: Heron) -> Any:
        await db.create_all()  # the engine exists already: init_app starts it first
        async with db.sessionmaker.begin() as session:
            if not await session.scalar(select(func.count()).select_from(Item)):
                session.add(Item(name="seeded"))
        yield

    app = Heron(lifespan=lifespan)
    db.init_app(app)

    @app.get("/items")
    async def items(session: Annotated[AsyncSession, Depends(db.session)]) -> list[str]:
        return list(await session.scalars(select(Item.name).order_by(Item.id)))

    @app.cli.command("add-item")  # type: ignore[untyped-decorator]  # AppGroup.command returns Any
    @click.argument("name")
    async def add_item(name: str) -> None:
        async with db.sessionmaker.begin() as session:
            session.add(Item(name=name))
        click.echo(f"Added {name}")

    result = CliRunner().invoke(app.cli, ["add-item", "kettle"])
    assert (result.exit_code, result.output) == (0, "Added kettle\n")
    with pytest.raises(HeronError):
        db.engine  # noqa: B018 - stopped with the command's lifespan
    with TestClient(app) as client:
        assert client.get("/items").json() == ["seeded", "kettle"]


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u:p@db.example/app", "postgresql+asyncpg://u:p@db.example/app"),
        ("postgres://u@db.example/app", "postgresql+asyncpg://u@db.example/app"),
        ("postgresql+asyncpg://u@h/app", "postgresql+asyncpg://u@h/app"),
        ("postgres://u@h/app?sslmode=require", "postgresql+asyncpg://u@h/app?ssl=require"),
        ("sqlite:///app.db", "sqlite+aiosqlite:///app.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("mysql+aiomysql://u@h/app", "mysql+aiomysql://u@h/app"),
    ],
)
def test_urls_get_the_asyncio_driver(given: str, used: str) -> None:
    assert async_url(given).render_as_string(hide_password=False) == used


def test_the_url_comes_from_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app:secret@db.example:5433/board")
    db = Database()
    assert db.url.render_as_string(hide_password=False) == (
        "postgresql+asyncpg://app:secret@db.example:5433/board"
    )
    assert "secret" not in repr(db)
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Database()
    monkeypatch.setenv("DATABASE_URL", "not a url with secret")
    with pytest.raises(ConfigError, match="cannot be parsed") as caught:
        Database()
    assert "secret" not in str(caught.value)


def test_a_missing_driver_is_named() -> None:
    db = Database("postgresql+psycopg://u@localhost/app")
    with pytest.raises(HeronError, match="psycopg driver is not installed"):
        anyio.run(db.start)


def test_sqlite_gets_foreign_keys_and_the_wal_journal(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'app.db'}")

    async def pragmas() -> tuple[Any, Any]:
        async with db.begin() as connection:
            foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
            journal = await connection.scalar(text("PRAGMA journal_mode"))
        return foreign_keys, journal

    assert anyio.run(pragmas) == (1, "wal")


def test_model_names_constraints_by_convention(tmp_path: Path) -> None:
    class Gadget(Model):
        __tablename__ = "sql_test_gadgets"
        id: Mapped[int] = mapped_column(primary_key=True)
        serial: Mapped[str] = mapped_column(String(20), unique=True)

    db = Database(f"sqlite:///{tmp_path / 'app.db'}")
    assert db.metadata is Model.metadata
    anyio.run(db.create_all)

    async def unique_names() -> list[Any]:
        async with db.begin() as connection:
            return await connection.run_sync(
                lambda sync: [
                    c["name"] for c in inspect(sync).get_unique_constraints(Gadget.__tablename__)
                ]
            )

    assert anyio.run(unique_names) == ["uq_sql_test_gadgets_serial"]
    Model.metadata.remove(Gadget.__table__)  # type: ignore[arg-type]


# ---------------------------------------------------------------- heron db

APP_MODULE = """
from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from heron import Heron
from heron.sql import NAMING_CONVENTION, Database


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80), unique=True)


db = Database({url!r}, metadata=Base.metadata)
app = Heron()
db.init_app(app)
"""


@pytest.fixture
def app_module(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str]]:
    """A module defining an app with a Database, importable, run from its directory."""
    name = f"sqlapp_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(APP_MODULE.format(url=url))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name, url


def heron_db(module: str, *arguments: str) -> Result:
    return CliRunner().invoke(cli, ["--app", f"{module}:app", "db", *arguments])


def table_names(url: str) -> set[str]:
    async def names() -> set[str]:
        engine = create_async_engine(async_url(url))
        try:
            async with engine.connect() as connection:
                return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
        finally:
            await engine.dispose()

    return anyio.run(names)


def test_migrations_from_init_to_downgrade(app_module: tuple[str, str], tmp_path: Path) -> None:
    module, url = app_module
    created = heron_db(module, "init")
    assert created.exit_code == 0, created.output
    assert (tmp_path / "migrations" / "env.py").is_file()

    written = heron_db(module, "revision", "-m", "create posts", "--autogenerate")
    assert written.exit_code == 0, written.output
    [script] = (tmp_path / "migrations" / "versions").glob("*.py")
    source = script.read_text()
    assert "op.create_table(" in source and "'posts'" in source
    assert "uq_posts_title" in source  # the naming convention reached the migration
    assert "posts" not in table_names(url)  # a revision changes no table

    upgraded = heron_db(module, "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert "Running upgrade  -> " in upgraded.output
    assert table_names(url) == {"alembic_version", "posts"}
    revision = script.name.split("_")[0]
    assert heron_db(module, "current").stdout == f"{revision} (head)\n"

    downgraded = heron_db(module, "downgrade", "-1")  # a revision, not an option
    assert downgraded.exit_code == 0, downgraded.output
    assert table_names(url) == {"alembic_version"}
    assert heron_db(module, "current").stdout == "No migration applied.\n"


def test_db_create_then_stamp(app_module: tuple[str, str]) -> None:
    module, url = app_module
    first = heron_db(module, "create")
    assert (first.exit_code, first.stdout) == (0, "Created posts\n")
    assert heron_db(module, "create").stdout == "All tables exist.\n"
    assert heron_db(module, "init").exit_code == 0
    assert heron_db(module, "revision", "-m", "empty").exit_code == 0
    assert heron_db(module, "stamp", "head").exit_code == 0
    assert heron_db(module, "current").stdout.endswith(" (head)\n")
    assert table_names(url) == {"alembic_version", "posts"}


@pytest.mark.parametrize("url", ["sqlite"], indirect=True)
def test_db_command_errors_are_one_line(app_module: tuple[str, str], tmp_path: Path) -> None:
    module, _ = app_module
    uninitialised = heron_db(module, "upgrade")
    assert uninitialised.exit_code == 1
    assert "No migrations in migrations: run `heron db init` first" in uninitialised.output
    assert heron_db(module, "init").exit_code == 0
    again = heron_db(module, "init")
    assert (again.exit_code, again.output) == (1, "Error: migrations exists and is not empty\n")
    unknown = heron_db(module, "upgrade", "abc123")
    assert unknown.exit_code == 1
    assert "Can't locate revision identified by 'abc123'" in unknown.output
    assert "Traceback" not in unknown.output


def test_db_commands_report_an_unreachable_database(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'missing' / 'app.db'}", metadata=Base.metadata)
    app = Heron()
    db.init_app(app)
    result = CliRunner().invoke(app.cli, ["db", "create"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Database unavailable: (sqlite3.OperationalError)")
    assert "unable to open database file" in result.output
