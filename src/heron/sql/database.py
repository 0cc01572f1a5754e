"""``Database``: an app's SQLAlchemy async engine, and one session per request.

Called by the app's lifespan (``start``/``stop``, through ``Heron(lifespan=db.lifespan)``
or ``db.init_app(app)``) and by the dependency solver (``Depends(db.session)``); calls
SQLAlchemy's asyncio extension, and raises ``DatabaseUnavailable`` (503) when the database
cannot be reached.

No ``from __future__ import annotations`` here: the solver reads the signature of the
session dependency at run time.
"""

import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
from sqlalchemy import MetaData, event, inspect
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from heron.exceptions import ConfigError, DatabaseUnavailable, HeronError
from heron.param_functions import Depends
from heron.sql.models import Model

__all__ = ["Database", "async_url"]

logger = logging.getLogger("heron.sql")

# The asyncio driver a URL without one gets, and the extra that installs it.
_ASYNC_DRIVERS = {"postgresql": "asyncpg", "sqlite": "aiosqlite"}
_EXTRAS = {"asyncpg": "postgres", "aiosqlite": "sql"}
# Heroku, Render and others still hand out ``postgres://``, a scheme SQLAlchemy 1.4 dropped.
_SCHEME_ALIASES = {"postgres": "postgresql"}
# Failures of getting a connection: the driver's own (refused, timed out, name not
# resolved: OSError/TimeoutError), SQLAlchemy-wrapped ones (authentication, unknown
# database, unreadable SQLite file) and an exhausted pool.
_CONNECT_ERRORS = (OSError, TimeoutError, DBAPIError, PoolTimeout)
# SQLITE_BUSY: another connection held the write lock past the busy timeout.
_SQLITE_BUSY = sqlite3.SQLITE_BUSY


def async_url(url: str | URL) -> URL:
    """``url`` with an asyncio driver, as ``Database`` uses it.

    ``postgresql://`` (and ``postgres://``) get ``+asyncpg``, ``sqlite://`` gets
    ``+aiosqlite``: hosts hand out driverless URLs in ``DATABASE_URL``. A libpq
    ``sslmode`` query parameter becomes asyncpg's ``ssl``. Other URLs are kept as given.

    Raises:
        sqlalchemy.exc.ArgumentError: ``url`` is not a database URL.
    """
    parsed = make_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    backend = _SCHEME_ALIASES.get(backend, backend)
    driver = driver or _ASYNC_DRIVERS.get(backend, "")
    parsed = parsed.set(drivername=f"{backend}+{driver}" if driver else backend)
    if driver == "asyncpg" and "sslmode" in parsed.query:
        query = dict(parsed.query)
        query["ssl"] = query.pop("sslmode")
        parsed = parsed.set(query=query)
    return parsed


def _is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc``, raised while a session was in use, means "the database went away".

    SQLAlchemy marks errors it recognises as a lost connection (server shut down or
    restarted, socket closed) with ``connection_invalidated``, for both drivers; a
    timed-out pool and a SQLite file locked past the busy timeout are temporary too.
    Everything else (``IntegrityError``, a bad query) is a real error and stays one.
    """
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == _SQLITE_BUSY


def _unavailable(exc: BaseException) -> DatabaseUnavailable:
    logger.warning("Database unavailable: %s: %s", type(exc).__name__, exc)
    return DatabaseUnavailable()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # SQLite ignores FOREIGN KEY clauses unless told otherwise: enforce them, so an app
        # behaves the same on SQLite as on PostgreSQL (a dangling reference is an error).
        cursor.execute("PRAGMA foreign_keys=ON")
        # Write-ahead log: readers do not wait for the writer nor the writer for readers,
        # so concurrent requests (one connection each) do not queue on "database is
        # locked". Stored in the file; an in-memory database answers "memory" and stays so.
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


async def _close(session: AsyncSession) -> None:
    # Shielded: a cancelled request (a server giving up on it) still rolls back, and the
    # connection goes back to the pool for the next request. Unshielded, the rollback is
    # cancelled too and the pool has to throw the connection away (tests/test_sql.py).
    with anyio.CancelScope(shield=True):
        try:
            await session.close()
        except Exception:  # the connection is dead already: nothing left to release
            logger.warning("Could not close a database session", exc_info=True)


def _session_dependency(database: "Database") -> Callable[..., Awaitable[AsyncSession]]:
    """``db.session``: a plain dependency over a ``scope="function"`` yield dependency.

    The indirection makes ``Depends(db.session)`` commit before the response is sent
    (when the endpoint returns) whatever scope the user wrote: a yield dependency of the
    default scope exits after the response, when a failed commit can no longer change it
    and a client could already read stale data.
    """

    async def open_session() -> AsyncIterator[AsyncSession]:
        session = database.sessionmaker()
        try:
            with database._connecting():
                # Connect now, so a database that is down is told apart (503) from errors
                # of the endpoint's own code.
                await session.connection()
            try:
                yield session
                await session.commit()
            except Exception as exc:
                if _is_unavailable(exc):
                    raise _unavailable(exc) from exc
                raise
        finally:
            await _close(session)

    async def session(
        session: AsyncSession = Depends(open_session, scope="function"),
    ) -> AsyncSession:
        """The request's ``AsyncSession``: committed when the endpoint returns, else rolled back."""
        return session

    return session


def _create_tables(metadata: MetaData) -> Callable[[Connection], list[str]]:
    def create(connection: Connection) -> list[str]:
        existing = set(inspect(connection).get_table_names())
        metadata.create_all(connection)
        return [table.name for table in metadata.sorted_tables if table.name not in existing]

    return create


class Database:
    """One SQL database of an app: its async engine, sessions, and tables.

    The engine is created at startup and disposed at shutdown, by the app's lifespan
    (``Heron(lifespan=db.lifespan)``, or ``db.init_app(app)``, which also adds the
    ``heron db`` commands). Endpoints get a session with ``Depends(db.session)``.

    Engine defaults: ``pool_pre_ping`` (a connection the server dropped, e.g. across a
    restart, is replaced instead of failing a request), a connect timeout for PostgreSQL,
    and SQLite's foreign keys and WAL journal turned on. Sessions use
    ``expire_on_commit=False``: objects stay readable after the commit, when the
    response is built.

    Args:
        url: A SQLAlchemy URL; None: the ``DATABASE_URL`` environment variable. A URL
            without a driver gets the asyncio one (see :func:`async_url`).
        echo: Log every SQL statement (SQLAlchemy's ``echo``).
        engine_options: More ``create_async_engine`` arguments, over Heron's defaults
            (``pool_size``, ``connect_args``…).
        session_options: More ``async_sessionmaker`` arguments.
        metadata: The tables to create and migrate; default ``Model.metadata``.
        connect_timeout: Seconds to wait for a PostgreSQL connection before answering 503.
        migrations_directory: Where ``heron db`` keeps Alembic's migrations, relative to
            the current directory.

    Raises:
        ConfigError: No URL was given and ``DATABASE_URL`` is not set, or the URL cannot
            be parsed.
    """

    def __init__(
        self,
        url: str | URL | None = None,
        *,
        echo: bool = False,
        engine_options: Mapping[str, Any] | None = None,
        session_options: Mapping[str, Any] | None = None,
        metadata: MetaData | None = None,
        connect_timeout: float = 5.0,
        migrations_directory: str | os.PathLike[str] = "migrations",
    ) -> None:
        given = url if url is not None else os.environ.get("DATABASE_URL")
        if not given:
            raise ConfigError("No database URL: pass Database(url) or set DATABASE_URL.")
        try:
            self.url = async_url(given)
        except ArgumentError as exc:
            # The value is not shown: it may hold a password.
            raise ConfigError("The database URL (or DATABASE_URL) cannot be parsed.") from exc
        self.echo = echo
        self.engine_options = dict(engine_options or {})
        self.session_options = dict(session_options or {})
        self.metadata = metadata if metadata is not None else Model.metadata
        self.connect_timeout = connect_timeout
        self.migrations_directory = migrations_directory
        self._engine: AsyncEngine | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self._failed_sqlite_connect = False
        #: The dependency giving each request its ``AsyncSession``: ``Depends(db.session)``.
        self.session = _session_dependency(self)

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    # ------------------------------------------------------------ engine

    @property
    def engine(self) -> AsyncEngine:
        """The ``AsyncEngine``, between startup and shutdown.

        Raises:
            HeronError: The database is not started.
        """
        if self._engine is None:
            raise HeronError(
                "The database is not started: serve the app with Heron(lifespan=db.lifespan) "
                "or db.init_app(app), or use `async with db.lifespan():` in a script."
            )
        return self._engine

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        """Makes sessions outside requests: ``async with db.sessionmaker.begin() as s:``.

        Raises:
            HeronError: The database is not started.
        """
        if self._sessionmaker is None:
            self.engine  # noqa: B018 - raises the explanation
        assert self._sessionmaker is not None
        return self._sessionmaker

    def _create_engine(self) -> AsyncEngine:
        connect_args: dict[str, Any] = {}
        if self.url.get_driver_name() == "asyncpg":
            connect_args["timeout"] = self.connect_timeout
        options: dict[str, Any] = {"echo": self.echo, "pool_pre_ping": True}
        options.update(self.engine_options)
        options["connect_args"] = {**connect_args, **self.engine_options.get("connect_args", {})}
        try:
            engine = create_async_engine(self.url, **options)
        except ModuleNotFoundError as exc:
            driver = self.url.get_driver_name()
            extra = _EXTRAS.get(driver)
            hint = f": pip install 'heron[{extra}]'" if extra else ""
            raise HeronError(f"The {driver} driver is not installed{hint}") from exc
        if self.url.get_backend_name() == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine

    async def start(self) -> None:
        """Create the engine (no connection is made yet); nothing if it exists."""
        if self._engine is None:
            self._engine = self._create_engine()
            options = {"expire_on_commit": False, **self.session_options}
            self._sessionmaker = async_sessionmaker(self._engine, **options)

    async def stop(self) -> None:
        """Dispose of the engine: its pooled connections are closed."""
        engine, self._engine, self._sessionmaker = self._engine, None, None
        if engine is not None:
            await engine.dispose()
        if self._failed_sqlite_connect:
            self._failed_sqlite_connect = False
            # NOTE: aiosqlite stops the thread of a connection that failed to open without
            # waiting for it; when the event loop closes first (a one-shot command), the
            # thread fails with "Event loop is closed". Sleeping hands it the GIL first.
            await anyio.sleep(0.01)

    @contextmanager
    def _connecting(self) -> Iterator[None]:
        """Any failure to get a connection is a 503: the database cannot be reached."""
        try:
            yield
        except _CONNECT_ERRORS as exc:
            self._failed_sqlite_connect = self.url.get_driver_name() == "aiosqlite"
            raise _unavailable(exc) from exc

    @asynccontextmanager
    async def lifespan(self, app: Any = None) -> AsyncIterator[None]:
        """The database started for a block: ``Heron(lifespan=db.lifespan)``.

        Also ``async with db.lifespan():`` in scripts and tests. When the database is
        started already (by ``init_app``), the block leaves it running.

        Args:
            app: The application (the lifespan protocol passes it; unused).
        """
        started_here = self._engine is None
        await self.start()
        try:
            yield
        finally:
            if started_here:
                await self.stop()

    def init_app(self, app: Any) -> None:
        """Start and stop the database with ``app``, and add the ``heron db`` commands.

        The engine is created before the app's own lifespan runs and disposed after it,
        so the lifespan and ``@app.cli.command()`` commands can use the database.

        Args:
            app: The ``Heron`` application.
        """
        # PERF: the commands need click (~33 ms to import); they load with the app's CLI.
        from heron.sql.commands import database_commands

        app.add_event_handler("startup", self.start)
        app.add_event_handler("shutdown", self.stop)
        app.cli.add_command(database_commands(self, app))

    # ------------------------------------------------------------ tables

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction, committed when the block ends without error.

        For scripts, commands and migrations; the database is started for the block when
        it is not running.

        Raises:
            DatabaseUnavailable: The database cannot be reached.
        """
        async with self.lifespan():
            connection = self.engine.connect()
            with self._connecting():
                await connection.start()
            try:
                async with connection.begin():
                    yield connection
            finally:
                await connection.close()

    async def create_all(self) -> list[str]:
        """Create the tables of ``metadata`` that do not exist (no migrations involved).

        Returns:
            The names of the tables created.

        Raises:
            DatabaseUnavailable: The database cannot be reached.
        """
        async with self.begin() as connection:
            return await connection.run_sync(_create_tables(self.metadata))

    async def drop_all(self) -> None:
        """Drop the tables of ``metadata`` (all their rows are lost).

        Raises:
            DatabaseUnavailable: The database cannot be reached.
        """
        async with self.begin() as connection:
            await connection.run_sync(self.metadata.drop_all)
