"""The typed shapes: one model per form, also the JSON body of the matching API call."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from heron import UploadFile

__all__ = [
    "AvatarForm",
    "CommentIn",
    "CommentOut",
    "Credentials",
    "PostIn",
    "PostOut",
    "PostPage",
    "PostPatch",
    "Token",
    "UserOut",
]

# The database keeps UTC times without a zone (SQLite has none); the API says they are UTC,
# as RFC 3339's date-time (which OpenAPI's "date-time" means) requires an offset.
UTCDateTime = Annotated[
    datetime, AfterValidator(lambda value: value if value.tzinfo else value.replace(tzinfo=UTC))
]

Title = Annotated[str, Field(min_length=1, max_length=200, title="Title")]
Body = Annotated[str, Field(max_length=20_000, title="Text")]


class Credentials(BaseModel):
    """The register and login forms."""

    model_config = ConfigDict(extra="forbid")

    username: Annotated[
        str,
        Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$", title="Username"),
    ]
    # A plain str: pydantic words SecretStr's length errors as "items". The form never
    # sends a field named "password" back to the page, and the model never logs it.
    password: Annotated[str, Field(min_length=8, max_length=200, title="Password", repr=False)]


class PostIn(BaseModel):
    """A new or edited post: the HTML form and the JSON body of ``POST /api/posts``."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body = ""


class PostPatch(BaseModel):
    """A partial edit through the API."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: Body | None = None


class CommentIn(BaseModel):
    """A comment: the form under a post and the body of ``POST /api/posts/{id}/comments``."""

    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, Field(min_length=1, max_length=5_000, title="Comment")]


class AvatarForm(BaseModel):
    """The profile picture form (multipart)."""

    avatar: Annotated[UploadFile, Field(title="Picture (PNG, JPEG, GIF or WebP, at most 256 KiB)")]


class UserOut(BaseModel):
    """Someone, as the API shows them."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str


class CommentOut(BaseModel):
    """A comment, as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    post_id: int
    author: UserOut
    body: str
    created: UTCDateTime


class PostOut(BaseModel):
    """A post, as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body: str
    author: UserOut
    created: UTCDateTime
    updated: UTCDateTime | None


class PostPage(BaseModel):
    """One page of posts, newest first."""

    items: list[PostOut]
    page: int
    pages: int
    total: int


class Token(BaseModel):
    """OAuth2's token response."""

    access_token: str
    token_type: str = "bearer"
