"""The server-rendered pages: the board, posts with comments, accounts."""

from __future__ import annotations

from typing import Annotated

from heron import (
    APIRouter,
    BackgroundTasks,
    Depends,
    Form,
    Query,
    Request,
    abort,
    flash,
    redirect,
    url_for,
)
from heron.forms import FormError, HTMLForm
from heron.responses import HTMLResponse, Response
from heron.templating import render_template

from . import services
from .deps import DB, CurrentUser, Id, LoggedIn, OwnComment, OwnPost, db, post_or_404, settings
from .live import announce
from .models import Post
from .schemas import AvatarForm, CommentIn, Credentials, PostIn

__all__ = ["router"]

# Pages return render_template's text; the router's response class makes it HTML.
router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)


# ---------------------------------------------------------------- the board


@router.get("/")
async def board(
    session: DB, user: CurrentUser, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> str:
    """The newest posts, a page at a time; new ones appear live."""
    posts, pages, total = await services.page_of_posts(session, page, settings.posts_per_page)
    return render_template(
        "board.html",
        posts=posts,
        page=page,
        pages=pages,
        total=total,
        user=user,
        form=HTMLForm(PostIn),
    )


@router.get("/posts/new")
async def new_post_page(user: LoggedIn) -> str:
    """The new-post form."""
    return render_template("post_form.html", form=HTMLForm(PostIn), user=user, post=None)


@router.post("/posts/new", form_template="post_form.html")
async def new_post(
    data: Annotated[PostIn, Form()], user: LoggedIn, session: DB, tasks: BackgroundTasks
) -> Response:
    """Save the post, tell the open boards, notify the other members (in the background)."""
    post = await services.create_post(session, user, data)
    await session.commit()
    await announce(post)
    tasks.add_task(notify_members, author_id=user.id, username=user.username, title=post.title)
    flash("Your post is on the board.")
    return redirect(url_for("post_page", post_id=post.id), 303)


@router.get("/posts/{post_id}")
async def post_page(post: Annotated[Post, Depends(post_or_404)], user: CurrentUser) -> str:
    """A post and its comments."""
    return render_template("post.html", post=post, user=user, form=HTMLForm(CommentIn))


@router.get("/posts/{post_id}/edit")
async def edit_post_page(post: OwnPost, user: LoggedIn) -> str:
    """The edit form, filled with the post."""
    return render_template("post_form.html", form=HTMLForm(PostIn, post), post=post, user=user)


@router.post("/posts/{post_id}/edit", form_template="post_form.html")
async def edit_post(data: Annotated[PostIn, Form()], post: OwnPost, session: DB) -> Response:
    """Save the edited post."""
    await services.update_post(session, post, data)
    flash("Saved.")
    return redirect(url_for("post_page", post_id=post.id), 303)


@router.post("/posts/{post_id}/delete")
async def delete_post(post: OwnPost, session: DB) -> Response:
    """Delete the post and its comments."""
    await session.delete(post)
    flash("Post deleted.")
    return redirect(url_for("board"), 303)


@router.post("/posts/{post_id}/comments", form_template="post.html")
async def comment(
    data: Annotated[CommentIn, Form()],
    post: Annotated[Post, Depends(post_or_404)],
    user: LoggedIn,
    session: DB,
    tasks: BackgroundTasks,
) -> Response:
    """Add a comment; its post's author is notified."""
    comment = await services.add_comment(session, post, user, data)
    if post.author_id != user.id:
        tasks.add_task(notify_one, post.author_id, f"{user.username} commented on “{post.title}”.")
    return redirect(url_for("post_page", post_id=post.id, _anchor=f"c{comment.id}"), 303)


@router.get("/comments/{comment_id}/edit")
async def edit_comment_page(comment: OwnComment, user: LoggedIn) -> str:
    """The edit form of a comment."""
    return render_template(
        "comment_form.html", comment=comment, user=user, form=HTMLForm(CommentIn, comment)
    )


@router.post("/comments/{comment_id}/edit", form_template="comment_form.html")
async def edit_comment(data: Annotated[CommentIn, Form()], comment: OwnComment) -> Response:
    """Save the edited comment."""
    comment.body = data.body
    return redirect(url_for("post_page", post_id=comment.post_id, _anchor=f"c{comment.id}"), 303)


@router.post("/comments/{comment_id}/delete")
async def delete_comment(comment: OwnComment, session: DB) -> Response:
    """Delete a comment."""
    await session.delete(comment)
    flash("Comment deleted.")
    return redirect(url_for("post_page", post_id=comment.post_id), 303)


# ---------------------------------------------------------------- accounts


@router.get("/register")
async def register_page(user: CurrentUser) -> str:
    """The registration form."""
    return render_template("register.html", form=HTMLForm(Credentials), user=user)


@router.post("/register", form_template="register.html")
async def register(data: Annotated[Credentials, Form()], request: Request, session: DB) -> Response:
    """Create the account and log in."""
    try:
        user = await services.register(session, data.username, data.password)
    except services.UsernameTaken:
        raise FormError({"username": "This username is taken."}) from None
    await session.commit()
    request.session.clear()
    request.session["user_id"] = user.id
    flash(f"Welcome, {user.username}!")
    return redirect(url_for("board"), 303)


@router.get("/login")
async def login_page(user: CurrentUser, next: str | None = None) -> str:
    """The login form."""
    return render_template("login.html", form=HTMLForm(Credentials), user=user, next=next)


@router.post("/login", form_template="login.html")
async def login(
    data: Annotated[Credentials, Form()], request: Request, session: DB, next: str | None = None
) -> Response:
    """Check the credentials; back to where the user was going."""
    user = await services.authenticate(session, data.username, data.password)
    if user is None:
        raise FormError("Wrong username or password.")
    request.session.clear()
    request.session["user_id"] = user.id
    flash(f"Hello, {user.username}.")
    # Only a path of this site: never an open redirect to another one.
    target = next if next and next.startswith("/") and not next.startswith("//") else None
    return redirect(target or url_for("board"), 303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Log out (a POST with the CSRF token: another site cannot log you out)."""
    request.session.clear()
    flash("You are logged out.")
    return redirect(url_for("board"), 303)


@router.get("/profile")
async def profile_page(user: LoggedIn) -> str:
    """The user's profile: their picture and the form to change it."""
    return render_template("profile.html", user=user, form=HTMLForm(AvatarForm))


@router.post("/profile/avatar", form_template="profile.html")
async def upload_avatar(
    data: Annotated[AvatarForm, Form()], user: LoggedIn, session: DB
) -> Response:
    """Store a new picture (checked: size and real image format)."""
    try:
        await services.set_avatar(session, user, data.avatar)
    except services.BadPicture as refused:
        raise FormError({"avatar": str(refused)}) from None
    flash("Your picture is saved.")
    return redirect(url_for("profile_page"), 303)


@router.get("/users/{user_id}/avatar")
async def avatar(user_id: Id, session: DB) -> Response:
    """A user's picture, with the type read from its bytes."""
    found = await services.avatar_of(session, user_id)
    if found is None:
        abort(404, "No picture.")
    data, media_type = found
    headers = {
        "Cache-Control": "private, max-age=60",
        "X-Content-Type-Options": "nosniff",  # an image, never a page
        "Content-Security-Policy": "default-src 'none'",
    }
    return Response(data, media_type=media_type, headers=headers)


# ---------------------------------------------------------------- background work


async def notify_members(author_id: int, username: str, title: str) -> None:
    """Tell every other member about a new post (the outbox table)."""
    from sqlalchemy import select

    from .models import User

    async with db.sessionmaker() as session, session.begin():
        ids = await session.scalars(select(User.id).where(User.id != author_id))
        for user_id in ids:
            await services.notify(session, user_id, f"{username} posted “{title}”.")


async def notify_one(recipient_id: int, message: str) -> None:
    """One notification to the outbox."""
    async with db.sessionmaker() as session, session.begin():
        await services.notify(session, recipient_id, message)
