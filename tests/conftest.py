"""Shared test setup: the tests directory on ``sys.path``, and real-server fixtures.

With ``--import-mode=importlib`` test modules are not packages, so helper modules here
(``servers``, ``apps_bad_input``) are imported by plain name once this directory is on
``sys.path``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS_DIR = str(Path(__file__).resolve().parent)
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)
# The example apps (``examples.flaskr``, ``examples.board``) are imported from the checkout.
ROOT_DIR = str(Path(__file__).resolve().parent.parent)
if ROOT_DIR not in sys.path:
    sys.path.append(ROOT_DIR)

from postgres_server import PostgresServer, postgres_server as start_postgres_server  # noqa: E402
from redis_server import RedisServer, redis_server as start_redis_server  # noqa: E402
from servers import Server, granian_available, serve  # noqa: E402

_SERVERS = [
    pytest.param(("uvicorn", "h11"), id="uvicorn-h11"),
    pytest.param(("uvicorn", "httptools"), id="uvicorn-httptools"),
    pytest.param(
        ("granian", "auto"),
        id="granian",
        marks=pytest.mark.skipif(not granian_available(), reason="granian is not installed"),
    ),
]


@pytest.fixture(
    params=[
        pytest.param("asyncio", id="asyncio"),
        pytest.param("trio", id="trio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every ``@pytest.mark.anyio`` test runs on asyncio and on trio (STYLE.md rule 12).

    A module whose test needs an asyncio-only library (redis.asyncio, asyncpg, SQLAlchemy's
    asyncio engine) overrides this fixture, saying which library ties it to asyncio.
    """
    return str(request.param)


@pytest.fixture(scope="session", params=_SERVERS)
def bad_input_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """``apps_bad_input:app`` served by a real server (one per kind, for the session)."""
    kind, http = request.param
    with serve("apps_bad_input:app", kind=kind, http=http) as server:
        yield server


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real ``redis-server`` on a free port, for this test only (see ``redis_server.py``)."""
    with start_redis_server() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on a free port, one for the session (``postgres_server.py``).

    Tests take a database of their own (``postgres_server.create_database()``); one that
    stops the server (``stop()``) starts it again before it ends.
    """
    with start_postgres_server() as server:
        yield server
