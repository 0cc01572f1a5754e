"""The JSON API under ``/api``: OAuth2 bearer tokens, the same models as the forms.

Documented at ``/docs``. Bearer tokens are not sent by browsers on their own, so these
routes need no CSRF token (``csrf=False`` for the token endpoint, which has none yet).
"""

from __future__ import annotations

from typing import Annotated

from heron import (
    APIRouter,
    BackgroundTasks,
    Depends,
    File,
    HTTPException,
    Query,
    UploadFile,
    status,
)
from heron.security import OAuth2PasswordRequestForm

from . import services
from .deps import DB, ApiUser, check_author, comment_or_404, post_or_404, tokens
from .live import announce
from .models import Comment, Post
from .schemas import (
    CommentIn,
    CommentOut,
    Credentials,
    PostIn,
    PostOut,
    PostPage,
    PostPatch,
    Token,
    UserOut,
)
from .web import notify_members, notify_one

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

NOT_FOUND = {404: {"description": "No such post"}}
AUTH = {401: {"description": "Missing, invalid or expired token"}}


@router.post(
    "/token",
    response_model=Token,
    csrf=False,
    responses={400: {"description": "Wrong credentials"}},
)
async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: DB) -> Token:
    """Exchange a username and password for a bearer token (OAuth2 password flow)."""
    user = await services.authenticate(session, form.username, form.password)
    if user is None:
        raise HTTPException(400, "Incorrect username or password")
    return Token(access_token=tokens.issue(user.id))


@router.post(
    "/users",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    csrf=False,
    responses={409: {"description": "The username is taken"}},
)
async def create_account(data: Credentials, session: DB) -> UserOut:
    """Register through the API (then get a token from ``/api/token``)."""
    try:
        user = await services.register(session, data.username, data.password)
    except services.UsernameTaken:
        raise HTTPException(409, "This username is taken.") from None
    return UserOut.model_validate(user)


@router.get("/me", response_model=UserOut, responses=AUTH)
async def me(user: ApiUser) -> UserOut:
    """Who the token belongs to."""
    return UserOut.model_validate(user)


@router.get("/posts", response_model=PostPage)
async def list_posts(
    session: DB,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PostPage:
    """The posts, newest first, a page at a time."""
    posts, pages, total = await services.page_of_posts(session, page, per_page)
    items = [PostOut.model_validate(post) for post in posts]
    return PostPage(items=items, page=page, pages=pages, total=total)


@router.post("/posts", response_model=PostOut, status_code=status.HTTP_201_CREATED, responses=AUTH)
async def create_post(data: PostIn, user: ApiUser, session: DB, tasks: BackgroundTasks) -> PostOut:
    """Write a post; open boards show it at once."""
    post = await services.create_post(session, user, data)
    await session.commit()
    await announce(post)
    tasks.add_task(notify_members, author_id=user.id, username=user.username, title=post.title)
    return PostOut.model_validate(post)


@router.get("/posts/{post_id}", response_model=PostOut, responses=NOT_FOUND)
async def get_post(post: Annotated[Post, Depends(post_or_404)]) -> PostOut:
    """One post."""
    return PostOut.model_validate(post)


@router.patch(
    "/posts/{post_id}",
    response_model=PostOut,
    responses={**NOT_FOUND, **AUTH, 403: {"description": "Not the author"}},
)
async def update_post(
    data: PostPatch, post: Annotated[Post, Depends(post_or_404)], user: ApiUser, session: DB
) -> PostOut:
    """Change a post's title or text (its author only)."""
    await services.update_post(session, check_author(post, user), data)
    return PostOut.model_validate(post)


@router.delete(
    "/posts/{post_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **AUTH, 403: {"description": "Not the author"}},
)
async def delete_post(
    post: Annotated[Post, Depends(post_or_404)], user: ApiUser, session: DB
) -> None:
    """Delete a post (its author only)."""
    await session.delete(check_author(post, user))


@router.get("/posts/{post_id}/comments", response_model=list[CommentOut], responses=NOT_FOUND)
async def list_comments(post: Annotated[Post, Depends(post_or_404)]) -> list[CommentOut]:
    """A post's comments, oldest first."""
    return [CommentOut.model_validate(comment) for comment in post.comments]


@router.post(
    "/posts/{post_id}/comments",
    response_model=CommentOut,
    status_code=status.HTTP_201_CREATED,
    responses={**NOT_FOUND, **AUTH},
)
async def add_comment(
    data: CommentIn,
    post: Annotated[Post, Depends(post_or_404)],
    user: ApiUser,
    session: DB,
    tasks: BackgroundTasks,
) -> CommentOut:
    """Comment on a post; its author is notified."""
    comment = await services.add_comment(session, post, user, data)
    if post.author_id != user.id:
        tasks.add_task(notify_one, post.author_id, f"{user.username} commented on “{post.title}”.")
    return CommentOut.model_validate(comment)


@router.patch(
    "/comments/{comment_id}",
    response_model=CommentOut,
    responses={
        404: {"description": "No such comment"},
        **AUTH,
        403: {"description": "Not the author"},
    },
)
async def update_comment(
    data: CommentIn, comment: Annotated[Comment, Depends(comment_or_404)], user: ApiUser
) -> CommentOut:
    """Change a comment's text (its author only)."""
    check_author(comment, user).body = data.body
    return CommentOut.model_validate(comment)


@router.delete(
    "/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        404: {"description": "No such comment"},
        **AUTH,
        403: {"description": "Not the author"},
    },
)
async def delete_comment(
    comment: Annotated[Comment, Depends(comment_or_404)], user: ApiUser, session: DB
) -> None:
    """Delete a comment (its author only)."""
    await session.delete(check_author(comment, user))


@router.put(
    "/me/avatar",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **AUTH,
        413: {"description": "Larger than 256 KiB"},
        415: {"description": "Not a PNG, JPEG, GIF or WebP picture"},
    },
)
async def put_avatar(avatar: Annotated[UploadFile, File()], user: ApiUser, session: DB) -> None:
    """Set the user's picture (served at ``/users/{id}/avatar``)."""
    try:
        await services.set_avatar(session, user, avatar)
    except services.BadPicture as refused:
        raise HTTPException(413 if refused.too_large else 415, str(refused)) from None
