"""Alembic migrations of a ``Database``, through Alembic's Python API.

Called by the ``heron db`` commands (``heron.sql.commands``) and by code that migrates
itself (tests, deployment scripts); calls ``alembic.command`` with a ``Config`` built here
(no ``alembic.ini``) on a connection of the ``Database``. The migrations directory holds
``env.py`` (from ``template/``, copied by :meth:`Migrations.init`) and ``versions/``.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from heron.sql.database import Database

__all__ = ["Migrations", "environment"]

TEMPLATE = Path(__file__).resolve().parent / "template"
_T = TypeVar("_T")
# The keys of ``Config.attributes`` that ``env.py`` reads (see :func:`environment`).
_CONNECTION = "connection"
_DATABASE = "heron.database"


def environment(config: Config) -> tuple[Connection, Database]:
    """What ``env.py`` migrates: the connection and ``Database`` that ``heron db`` passed.

    Args:
        config: Alembic's ``context.config``.

    Raises:
        CommandError: ``env.py`` was run by something else than Heron (plain ``alembic``):
            edit ``env.py`` to make a connection of your own there.
    """
    connection = config.attributes.get(_CONNECTION)
    database = config.attributes.get(_DATABASE)
    if connection is None or database is None:
        raise CommandError(
            "This env.py runs under `heron db` (or heron.sql.migrations.Migrations), which "
            "hands it the app's database; edit it to connect by itself for plain `alembic`."
        )
    return connection, database


class Migrations:
    """Alembic's commands for the migrations of ``database`` kept in ``directory``.

    Each command runs in one transaction on a connection of the database (the database is
    started for it when it is not running), so on PostgreSQL a failing migration leaves
    nothing half done.

    Args:
        database: The ``Database`` to migrate; its ``metadata`` is what ``--autogenerate``
            compares with.
        directory: The migrations directory; default ``database.migrations_directory``.
    """

    def __init__(self, database: Database, directory: str | Path | None = None) -> None:
        self.database = database
        self.directory = Path(directory if directory is not None else database.migrations_directory)

    def config(self, connection: Connection | None = None) -> Config:
        """Alembic's ``Config`` for this directory (and ``connection``, for ``env.py``)."""
        # stdout is passed explicitly: Alembic's default is the sys.stdout of import time,
        # which misses a later redirection (click's test runner, pytest's capture).
        config = Config(stdout=sys.stdout)
        # ConfigParser interpolates "%": a literal one in the path must be doubled.
        config.set_main_option("script_location", str(self.directory).replace("%", "%%"))
        config.attributes[_DATABASE] = self.database
        if connection is not None:
            config.attributes[_CONNECTION] = connection
        return config

    def init(self) -> Path:
        """Create the directory: ``env.py``, the revision template and ``versions/``.

        Returns:
            The directory created.

        Raises:
            CommandError: The directory exists and is not empty.
        """
        if self.directory.exists() and any(self.directory.iterdir()):
            raise CommandError(f"{self.directory} exists and is not empty")
        self.directory.mkdir(parents=True, exist_ok=True)
        for name in ("env.py", "script.py.mako", "README"):
            shutil.copyfile(TEMPLATE / name, self.directory / name)
        (self.directory / "versions").mkdir()
        return self.directory

    def _check(self) -> None:
        if not (self.directory / "env.py").is_file():
            raise CommandError(
                f"No migrations in {self.directory}: run `heron db init` first "
                "(or pass the right --directory)."
            )

    async def _run(self, operation: Callable[[Config], _T]) -> _T:
        """Run ``operation(config)`` in a transaction, with the connection in the config."""
        self._check()

        def run(connection: Connection) -> _T:
            return operation(self.config(connection))

        async with self.database.begin() as connection:
            return await connection.run_sync(run)

    async def upgrade(self, revision: str = "head") -> None:
        """Apply the migrations up to ``revision`` (``"head"``: all; ``"+1"``: the next)."""
        await self._run(lambda config: command.upgrade(config, revision))

    async def downgrade(self, revision: str) -> None:
        """Undo the migrations down to ``revision`` (``"-1"``: the last; ``"base"``: all)."""
        await self._run(lambda config: command.downgrade(config, revision))

    async def stamp(self, revision: str) -> None:
        """Record ``revision`` as applied without running anything (after ``create_all``)."""
        await self._run(lambda config: command.stamp(config, revision))

    async def revision(self, message: str | None = None, *, autogenerate: bool = False) -> Path:
        """Write a new migration file; with ``autogenerate``, from the models' changes.

        ``autogenerate`` compares ``database.metadata`` with the database as it is, so the
        database must be reachable and at the latest revision.

        Returns:
            The path of the file written.
        """

        def write(config: Config) -> Path:
            script: Any = command.revision(config, message=message, autogenerate=autogenerate)
            return Path(script.path)

        if autogenerate:
            return await self._run(write)
        self._check()
        return write(self.config())

    async def current(self) -> list[str]:
        """The revisions the database is at (none before the first upgrade)."""

        def heads(config: Config) -> list[str]:
            connection = config.attributes[_CONNECTION]
            return list(MigrationContext.configure(connection).get_current_heads())

        return await self._run(heads)

    def heads(self) -> list[str]:
        """The latest revisions of the migrations directory."""
        self._check()
        return list(ScriptDirectory.from_config(self.config()).get_heads())
