"""The posts: everyone reads them; their author, logged in, edits and deletes them."""

from __future__ import annotations

import sqlite3
from typing import Annotated

from pydantic import BaseModel, Field

from heron import APIRouter, Depends, Form, abort, redirect, url_for
from heron.forms import HTMLForm
from heron.responses import Response
from heron.templating import render_template

from .auth import User, login_required
from .db import Db

__all__ = ["router"]

router = APIRouter(tags=["blog"])


class PostForm(BaseModel):
    """A post as its form (and JSON body) sends it."""

    title: Annotated[str, Field(min_length=1, max_length=200, title="Title")]
    body: Annotated[str, Field(max_length=20_000, title="Body")] = ""


@router.route("/")
def index(db: Db) -> str:
    """Every post, newest first."""
    posts = db.execute(
        "SELECT p.id, title, body, created, author_id, username"
        " FROM post p JOIN user u ON p.author_id = u.id"
        " ORDER BY created DESC, p.id DESC"
    ).fetchall()
    return render_template("blog/index.html", posts=posts)


def get_post(id: int, db: Db, user: User) -> sqlite3.Row:
    """A dependency: the post ``id``, 404 if it does not exist, 403 if not the user's."""
    post = db.execute(
        "SELECT p.id, title, body, created, author_id, username"
        " FROM post p JOIN user u ON p.author_id = u.id WHERE p.id = ?",
        (id,),
    ).fetchone()
    if post is None:
        abort(404, f"Post id {id} doesn't exist.")
    if post["author_id"] != user["id"]:
        abort(403)
    return post  # type: ignore[no-any-return]


OwnPost = Annotated[sqlite3.Row, Depends(get_post)]


@router.route("/create", dependencies=[Depends(login_required)])
def create_page() -> str:
    """The new-post form."""
    return render_template("blog/create.html", form=HTMLForm(PostForm))


@router.route("/create", methods=["POST"], form_template="blog/create.html")
def create(data: Annotated[PostForm, Form()], user: User, db: Db) -> Response:
    """Save a new post."""
    db.execute(
        "INSERT INTO post (title, body, author_id) VALUES (?, ?, ?)",
        (data.title, data.body, user["id"]),
    )
    db.commit()
    return redirect(url_for("index"), 303)


@router.route("/<int:id>/update")
def update_page(post: OwnPost) -> str:
    """The edit form, filled with the post."""
    return render_template("blog/update.html", post=post, form=HTMLForm(PostForm, dict(post)))


@router.route("/<int:id>/update", methods=["POST"], form_template="blog/update.html")
def update(data: Annotated[PostForm, Form()], post: OwnPost, db: Db) -> Response:
    """Save the edited post."""
    db.execute(
        "UPDATE post SET title = ?, body = ? WHERE id = ?", (data.title, data.body, post["id"])
    )
    db.commit()
    return redirect(url_for("index"), 303)


@router.route("/<int:id>/delete", methods=["POST"])
def delete(post: OwnPost, db: Db) -> Response:
    """Delete the post."""
    db.execute("DELETE FROM post WHERE id = ?", (post["id"],))
    db.commit()
    return redirect(url_for("index"), 303)
