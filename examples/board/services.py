"""What the board does, once for the pages and the API: plain functions over a session."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Comment, Notification, Post, User
from .schemas import CommentIn, PostIn, PostPatch
from .security import hash_password, verify_password

__all__ = [
    "AVATAR_MAX_SIZE",
    "BadPicture",
    "UsernameTaken",
    "add_comment",
    "authenticate",
    "avatar_of",
    "create_post",
    "notify",
    "page_of_posts",
    "picture_type",
    "register",
    "set_avatar",
    "update_post",
]


class UsernameTaken(Exception):
    """Registration with a name someone already has."""


class BadPicture(Exception):
    """An avatar that is too large or not an image; the message says which.

    Attributes:
        too_large: Refused for its size (HTTP 413) rather than its content (422).
    """

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


#: The largest picture accepted, in bytes.
AVATAR_MAX_SIZE = 256 * 1024

# The first bytes of each accepted format: the type is read from the file itself, never
# from the client's Content-Type or file name, so nothing else is ever served as an image.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def picture_type(data: bytes) -> str | None:
    """The media type of an accepted picture format, else None."""
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


async def set_avatar(session: AsyncSession, user: User, upload: Any) -> None:
    """Store ``upload`` (an ``UploadFile``) as ``user``'s picture.

    Raises:
        BadPicture: Over ``AVATAR_MAX_SIZE``, or not PNG, JPEG, GIF or WebP.
    """
    data = await upload.read(AVATAR_MAX_SIZE + 1)  # never more than one byte past the limit
    if len(data) > AVATAR_MAX_SIZE:
        raise BadPicture("The picture is larger than 256 KiB.", too_large=True)
    media_type = picture_type(data)
    if media_type is None:
        raise BadPicture("This is not a PNG, JPEG, GIF or WebP picture.")
    user.avatar, user.avatar_type = data, media_type
    await session.flush()


async def avatar_of(session: AsyncSession, user_id: int) -> tuple[bytes, str] | None:
    """The picture of ``user_id`` and its media type, if they have one."""
    row = (
        await session.execute(select(User.avatar, User.avatar_type).where(User.id == user_id))
    ).first()
    if row is None or row.avatar is None or row.avatar_type is None:
        return None
    return row.avatar, row.avatar_type


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
