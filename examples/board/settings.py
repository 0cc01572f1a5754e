"""The board's settings: embedded defaults, overridden by environment variables.

``DATABASE_URL`` (SQLite file by default; ``postgresql://...`` in production),
``REDIS_URL`` (unset: live updates and sessions stay in the process; set: they go
through Redis, so several workers or machines share them) and ``SECRET_KEY``.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """What the board reads from the environment (and a ``.env`` file)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///instance/board.sqlite"
    redis_url: str | None = None
    secret_key: str = "dev: set SECRET_KEY in production"
    #: Create missing tables at startup (the embedded default); with PostgreSQL in
    #: production, run ``heron db upgrade`` instead and set it to false.
    create_tables: bool = True
    posts_per_page: int = 10
    token_max_age: int = 24 * 3600
