"""The team board: the app object, its lifespan, error pages, health and CLI commands."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import click
from sqlalchemy import text

from heron import Heron
from heron.middleware.sessions import SessionMiddleware
from heron.responses import JSONResponse, Response

from . import api, live, services, web
from .deps import broadcast, db, settings
from .models import Base

__all__ = ["app"]


@asynccontextmanager
async def lifespan(app: Heron) -> AsyncIterator[None]:
    """Tables (on the embedded default), then the live channel, for the app's lifetime."""
    if settings.create_tables:
        path = db.engine.url.database
        if db.engine.url.get_backend_name() == "sqlite" and path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)  # missing tables only
    async with broadcast:
        yield


app = Heron(
    __name__,
    title="Team board",
    version="1.0.0",
    description="Posts and comments of a team, as pages and as a JSON API.",
    secret_key=settings.secret_key,
    lifespan=lifespan,
)
db.init_app(app)
if settings.redis_url:
    # Sessions in Redis: every worker sees them, and logging out revokes them for good.
    from heron.sessions import RedisSessionStore

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        store=RedisSessionStore(settings.redis_url, prefix="board:session:"),
    )

app.include_router(web.router)
app.include_router(api.router)
app.include_router(live.router)


#: Which process answered: ``X-Served-By`` on every response (as CDNs and GitHub do), so
#: load balancing across workers and machines can be seen and debugged.
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


@app.after_request
def served_by(response: Response) -> Response:
    """Name the worker in every response (an after-request hook)."""
    response.headers["X-Served-By"] = INSTANCE
    return response


@app.get("/health", tags=["ops"])
async def health() -> JSONResponse:
    """For load balancers: 200 when the database answers, else 503."""
    try:
        async with db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure to reach it: the instance is not healthy
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "up"})


@app.cli.command("create-user")
@click.argument("username")
@click.password_option()
async def create_user(username: str, password: str) -> None:
    """Create an account."""
    async with db.sessionmaker() as session, session.begin():
        try:
            await services.register(session, username, password)
        except services.UsernameTaken:
            raise click.ClickException(f"{username} exists already.") from None
    click.echo(f"Created {username}.")


def _template_context() -> dict[str, Any]:
    return {"site_name": "Team board"}


app.context_processor(_template_context)
