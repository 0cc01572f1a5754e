"""The board's shared objects and the dependencies its routes declare."""

from __future__ import annotations

import os
from typing import Annotated, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from heron import Depends, HTTPException, Path, Request, abort, redirect, url_for
from heron.channels import Broadcast
from heron.security import OAuth2PasswordBearer
from heron.sql import Database

from .models import Base, Comment, Post, User
from .security import TokenSigner
from .settings import Settings

__all__ = [
    "DB",
    "ApiUser",
    "CurrentUser",
    "LoggedIn",
    "OwnComment",
    "OwnPost",
    "broadcast",
    "db",
    "settings",
    "tokens",
]

settings = Settings()
db = Database(
    settings.database_url,
    metadata=Base.metadata,
    migrations_directory=os.path.join(os.path.dirname(__file__), "migrations"),
)
broadcast = Broadcast(settings.redis_url or "memory://")
tokens = TokenSigner(settings.secret_key, settings.token_max_age)

#: One session per request: committed when the route returns, rolled back on error.
DB = Annotated[AsyncSession, Depends(db.session)]


async def current_user(request: Request, session: DB) -> User | None:
    """The user logged in through the session cookie, if any."""
    user_id = request.session.get("user_id")
    if not isinstance(user_id, int):
        return None
    return await session.get(User, user_id)


CurrentUser = Annotated[User | None, Depends(current_user)]


def logged_in(user: CurrentUser, request: Request) -> User:
    """Pages for members: the user, or a redirect to the login page (and back after)."""
    if user is None:
        abort(redirect(url_for("login_page", next=request.url.path), 303))
    return user


LoggedIn = Annotated[User, Depends(logged_in)]

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/token")


async def api_user(token: Annotated[str, Depends(oauth2)], session: DB) -> User:
    """API calls: the user of the bearer token, else 401."""
    user_id = tokens.user_id(token)
    user = await session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise HTTPException(401, "Invalid or expired token", headers={"WWW-Authenticate": "Bearer"})
    return user


ApiUser = Annotated[User, Depends(api_user)]


#: Ids are the databases' 32-bit integers: anything larger is a 422, never a driver error.
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
_Written = TypeVar("_Written", Post, Comment)


async def _found(session: AsyncSession, model: type[_Written], key: int) -> _Written:
    """Row ``key`` of ``model``, else 404 ("Post 7 does not exist.")."""
    row = await session.get(model, key)
    if row is None:
        abort(404, f"{model.__name__} {key} does not exist.")
    return row


def check_author(item: _Written, user: User) -> _Written:
    """``item`` (a post or a comment) if ``user`` wrote it, else 403."""
    if item.author_id != user.id:
        abort(403, f"Only the author can change this {type(item).__name__.lower()}.")
    return item


async def post_or_404(post_id: Id, session: DB) -> Post:
    """The post ``post_id``, else 404."""
    return await _found(session, Post, post_id)


async def comment_or_404(comment_id: Id, session: DB) -> Comment:
    """The comment ``comment_id``, else 404."""
    return await _found(session, Comment, comment_id)


async def own_post(post: Annotated[Post, Depends(post_or_404)], user: LoggedIn) -> Post:
    """Edit pages: the logged-in user's own post."""
    return check_author(post, user)


async def own_comment(
    comment: Annotated[Comment, Depends(comment_or_404)], user: LoggedIn
) -> Comment:
    """Comment edit pages: the logged-in user's own comment."""
    return check_author(comment, user)


OwnPost = Annotated[Post, Depends(own_post)]
OwnComment = Annotated[Comment, Depends(own_comment)]
