"""What the board does, once for the pages and the API: plain functions over a session."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Comment, Notification, Post, User
from .schemas import CommentIn, PostIn, PostPatch
from .security import hash_password, verify_password

__all__ = [
    "UsernameTaken",
    "add_comment",
    "authenticate",
    "create_post",
    "notify",
    "page_of_posts",
    "register",
    "update_post",
]


class UsernameTaken(Exception):
    """Registration with a name someone already has."""


async def register(session: AsyncSession, username: str, password: str) -> User:
    """Create an account.

    Raises:
        UsernameTaken: The name exists (checked by the database's unique index, so two
            concurrent registrations cannot both win).
    """
    user = User(username=username, password_hash=hash_password(password))
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise UsernameTaken(username) from None
    return user


async def authenticate(session: AsyncSession, username: str, password: str) -> User | None:
    """The user with these credentials, else None."""
    user = await session.scalar(select(User).where(User.username == username))
    if not verify_password(user.password_hash if user else None, password):
        return None
    return user


async def page_of_posts(
    session: AsyncSession, page: int, per_page: int
) -> tuple[list[Post], int, int]:
    """Posts of ``page`` (from 1), newest first; with the page count and the total."""
    total = await session.scalar(select(func.count(Post.id))) or 0
    pages = max(1, math.ceil(total / per_page))
    posts = await session.scalars(
        select(Post)
        .order_by(Post.created.desc(), Post.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(posts.unique()), pages, total


async def create_post(session: AsyncSession, author: User, data: PostIn) -> Post:
    """Save a new post of ``author``."""
    post = Post(author=author, title=data.title, body=data.body)
    session.add(post)
    await session.flush()
    return post


async def update_post(session: AsyncSession, post: Post, data: PostIn | PostPatch) -> Post:
    """Apply the fields given in ``data``."""
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(post, name, value)
    post.updated = datetime.now(UTC).replace(tzinfo=None)
    await session.flush()
    return post


async def add_comment(session: AsyncSession, post: Post, author: User, data: CommentIn) -> Comment:
    """Save a comment of ``author`` under ``post``."""
    comment = Comment(post=post, author=author, body=data.body)
    session.add(comment)
    await session.flush()
    return comment


async def notify(session: AsyncSession, recipient_id: int, message: str) -> None:
    """Write a notification to the outbox (a mailer would pick it up from there)."""
    session.add(Notification(recipient_id=recipient_id, message=message))
    await session.flush()
