"""The database: one SQLite connection per request, kept on ``g`` (Flask's habit).

Views take it typed, as a dependency (``db: Db``); hooks and CLI commands call
``get_db()``. The connection is closed by a ``teardown_request`` hook.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import click

from heron import Depends, Heron, current_app, g

__all__ = ["Db", "get_db", "init_app", "init_db"]


def get_db() -> sqlite3.Connection:
    """The request's connection, opened on first use."""
    if "db" not in g:
        # Sync views and hooks run in the thread pool, possibly on different threads of
        # one request: the connection is used by one of them at a time.
        g.db = sqlite3.connect(current_app.config["DATABASE"], check_same_thread=False)
        g.db.row_factory = sqlite3.Row
    return g.db  # type: ignore[no-any-return]


Db = Annotated[sqlite3.Connection, Depends(get_db)]


def close_db(exc: BaseException | None = None) -> None:
    """Close the connection, if the request opened one."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db() -> None:
    """Create the tables afresh."""
    db = get_db()
    db.executescript((Path(__file__).parent / "schema.sql").read_text())


def init_app(app: Heron) -> None:
    """Close connections after each request; add ``heron init-db``."""
    app.teardown_request(close_db)

    @app.cli.command("init-db")
    def init_db_command() -> None:
        """Clear the existing data and create new tables."""
        init_db()
        close_db()
        click.echo("Initialized the database.")
