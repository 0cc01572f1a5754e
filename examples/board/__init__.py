"""The team board: Heron's showcase (pages, forms, a JSON API, live updates, SQL).

Run it with ``make demo`` (``heron run examples.board``): SQLite and in-process live
updates by default; ``DATABASE_URL`` and ``REDIS_URL`` for PostgreSQL and Redis.
"""

from .app import app

__all__ = ["app"]
