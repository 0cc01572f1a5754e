"""SQL databases through SQLAlchemy 2 (asyncio): engine, session per request, migrations.

``Database`` owns an app's engine (created and disposed by the app's lifespan) and gives
each request an ``AsyncSession`` (``Depends(db.session)``), committed when the endpoint
returns and rolled back when it raises; an unreachable database answers 503. ``Model`` is
the declarative base class; ``heron db`` (``heron.sql.commands``) creates and migrates the
tables with Alembic (``heron.sql.migrations``). See docs/sql.md.

Needs the ``sql`` extra (``pip install 'heron[sql]'``), and ``postgres`` for PostgreSQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    import sqlalchemy  # noqa: F401
except ImportError as exc:  # pragma: no cover - the test environment has the extra
    raise ImportError("heron.sql needs SQLAlchemy: pip install 'heron[sql]'") from exc

from heron.exceptions import DatabaseUnavailable
from heron.sql.database import Database, async_url
from heron.sql.models import NAMING_CONVENTION, Model

if TYPE_CHECKING:
    from heron.sql.migrations import Migrations

__all__ = [
    "NAMING_CONVENTION",
    "Database",
    "DatabaseUnavailable",
    "Migrations",
    "Model",
    "async_url",
]


def __getattr__(name: str) -> Any:
    if name == "Migrations":
        # PERF: Alembic takes ~100 ms to import; apps load it when they migrate, not to serve.
        from heron.sql.migrations import Migrations

        return Migrations
    raise AttributeError(f"module 'heron.sql' has no attribute {name!r}")
