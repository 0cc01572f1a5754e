"""The tables: people, their posts and comments, and the notification outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, LargeBinary, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship

from heron.sql import NAMING_CONVENTION

__all__ = ["Base", "Comment", "Notification", "Post", "User"]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """The board's declarative base (its own metadata; constraint names for Alembic)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """Someone with an account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(default=_now)
    #: The picture's media type, None without one; the bytes load only when served.
    avatar_type: Mapped[str | None] = mapped_column(String(20), default=None)
    avatar: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))


class Post(Base):
    """A post on the board."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(default=_now, index=True)
    updated: Mapped[datetime | None] = mapped_column(default=None)

    author: Mapped[User] = relationship(lazy="joined")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="post",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Comment.id",
        lazy="selectin",
    )


class Comment(Base):
    """A comment under a post."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(default=_now)

    post: Mapped[Post] = relationship(back_populates="comments")
    author: Mapped[User] = relationship(lazy="joined")


class Notification(Base):
    """The outbox: what a mailer would send (written by a background task)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(default=_now)
