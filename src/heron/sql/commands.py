"""``heron db``: create and migrate an app's database from the command line.

Added to ``app.cli`` by ``Database.init_app``; calls ``Database.create_all`` and
``heron.sql.migrations.Migrations``. The commands run without the app's lifespan and
start the database themselves: a lifespan that reads tables (or needs Redis) must not
stand in the way of the migration that creates them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from heron.commands import AppGroup
from heron.exceptions import DatabaseUnavailable

if TYPE_CHECKING:
    from heron.sql.database import Database
    from heron.sql.migrations import Migrations

__all__ = ["database_commands"]

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")

_directory = click.option(
    "-d",
    "--directory",
    default=None,
    metavar="PATH",
    help="The migrations directory (default: the Database's, 'migrations').",
)


@contextmanager
def _reported() -> Iterator[None]:
    """Errors as one line of text: what went wrong, not a traceback.

    Alembic's messages (unknown revision, not up to date…), the driver's message for a
    migration whose SQL fails, and the cause of an unreachable database.
    """
    from alembic.util import CommandError

    # Alembic reports progress ("Running upgrade a -> b") by logging: show it here.
    alembic_logger = logging.getLogger("alembic")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-5.5s [%(name)s] %(message)s"))
    # Alembic's plugin set-up lines say nothing about the migration.
    handler.addFilter(lambda record: not record.name.startswith("alembic.runtime.plugins"))
    level = alembic_logger.level
    alembic_logger.addHandler(handler)
    alembic_logger.setLevel(logging.INFO)
    try:
        yield
    except CommandError as exc:
        raise click.ClickException(str(exc)) from exc
    except DatabaseUnavailable as exc:
        raise click.ClickException(f"Database unavailable: {exc.__cause__}") from exc
    except SQLAlchemyError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        alembic_logger.removeHandler(handler)
        alembic_logger.setLevel(level)


def _run(operation: Awaitable[_T]) -> Awaitable[_T]:
    """An ``async def`` command body, with its errors reported."""

    async def run() -> _T:
        with _reported():
            return await operation

    return run()


def _migrations(database: Database, directory: str | None) -> Migrations:
    # PERF: Alembic loads when a command runs, not when the app adds the group (~100 ms).
    from heron.sql.migrations import Migrations

    return Migrations(database, directory)


def database_commands(database: Database, app: Any = None) -> AppGroup:
    """The ``db`` command group of ``database``.

    Args:
        database: The database the commands act on.
        app: The application (``AppGroup``'s ``app``).

    Returns:
        The group, to add to ``app.cli`` (``init_app`` does).
    """
    group = AppGroup("db", app=app, help="Create and migrate the SQL database (Alembic).")

    def command(name: str, help: str, **options: Any) -> Callable[[_F], _F]:
        decorator: Callable[[_F], _F] = group.command(name, help=help, lifespan=False, **options)
        return decorator

    @command("init", "Create the migrations directory (env.py, versions/).")
    @click.argument("directory", required=False)
    def init(directory: str | None) -> None:
        with _reported():
            created = _migrations(database, directory).init()
        click.echo(f"Created {created}; next: heron db revision -m 'first' --autogenerate")

    @command("create", "Create the tables that do not exist (no migrations: quick starts).")
    def create() -> Awaitable[None]:
        async def body() -> None:
            created = await database.create_all()
            click.echo(f"Created {', '.join(created)}" if created else "All tables exist.")

        return _run(body())

    @command("revision", "Write a new migration (--autogenerate: from the models' changes).")
    @click.option("-m", "--message", default=None, help="What the migration does.")
    @click.option("--autogenerate", is_flag=True, help="Compare the models with the database.")
    @_directory
    def revision(message: str | None, autogenerate: bool, directory: str | None) -> Awaitable[Any]:
        # Alembic says "Generating <path> ... done" itself.
        migrations = _migrations(database, directory)
        return _run(migrations.revision(message, autogenerate=autogenerate))

    @command("upgrade", "Apply the migrations up to REVISION (default: head).")
    @click.argument("revision", default="head")
    @_directory
    def upgrade(revision: str, directory: str | None) -> Awaitable[None]:
        return _run(_migrations(database, directory).upgrade(revision))

    # ignore_unknown_options: "-1" and "-2" are revisions, not options click does not know.
    @command(
        "downgrade",
        "Undo the migrations down to REVISION (default -1: the last one; base: all).",
        context_settings={"ignore_unknown_options": True},
    )
    @click.argument("revision", default="-1")
    @_directory
    def downgrade(revision: str, directory: str | None) -> Awaitable[None]:
        return _run(_migrations(database, directory).downgrade(revision))

    @command("stamp", "Record REVISION as applied, running nothing (after `heron db create`).")
    @click.argument("revision")
    @_directory
    def stamp(revision: str, directory: str | None) -> Awaitable[None]:
        return _run(_migrations(database, directory).stamp(revision))

    @command("current", "Show the revision the database is at.")
    @_directory
    def current(directory: str | None) -> Awaitable[None]:
        async def body() -> None:
            migrations = _migrations(database, directory)
            revisions = await migrations.current()
            heads = set(migrations.heads())
            for revision in revisions:
                click.echo(f"{revision} (head)" if revision in heads else revision)
            if not revisions:
                click.echo("No migration applied.")

        return _run(body())

    return group
