"""Registration, login and logout; who is logged in (``g.user``) and ``login_required``."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from typing import Annotated

from pydantic import BaseModel, Field, SecretStr

from heron import APIRouter, Depends, Form, abort, flash, g, redirect, session, url_for
from heron.forms import FormError, HTMLForm
from heron.responses import Response
from heron.templating import render_template

from .db import Db, get_db

__all__ = ["User", "load_logged_in_user", "login_required", "router"]

router = APIRouter(prefix="/auth", tags=["auth"])


class Credentials(BaseModel):
    """The register and login forms (and a JSON body, on the same routes)."""

    username: Annotated[str, Field(min_length=1, max_length=80, title="Username")]
    password: Annotated[SecretStr, Field(min_length=1, max_length=200, title="Password")]


# Passwords: scrypt from the standard library (the tutorial's werkzeug helpers are not
# a Heron dependency); "scrypt$salt$hash", compared in constant time.
def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password``."""
    salt = secrets.token_hex(16)
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=2**14, r=8, p=1)
    return f"scrypt${salt}${digest.hex()}"


def check_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash."""
    _, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(password.encode(), salt=salt.encode(), n=2**14, r=8, p=1)
    return hmac.compare_digest(candidate.hex(), digest)


def load_logged_in_user() -> None:
    """Before each request: ``g.user`` is the logged-in user's row, or None."""
    user_id = session.get("user_id")
    g.user = (
        None
        if user_id is None
        else get_db().execute("SELECT * FROM user WHERE id = ?", (user_id,)).fetchone()
    )


def login_required() -> sqlite3.Row:
    """A dependency: the logged-in user, or a redirect to the login page."""
    if g.user is None:
        abort(redirect(url_for("login"), 303))
    return g.user  # type: ignore[no-any-return]


User = Annotated[sqlite3.Row, Depends(login_required)]


@router.route("/register")
def register_page() -> str:
    """The registration form."""
    return render_template("auth/register.html", form=HTMLForm(Credentials))


@router.route("/register", methods=["POST"], form_template="auth/register.html")
def register(data: Annotated[Credentials, Form()], db: Db) -> Response:
    """Create the account, then go to the login page."""
    try:
        db.execute(
            "INSERT INTO user (username, password) VALUES (?, ?)",
            (data.username, hash_password(data.password.get_secret_value())),
        )
        db.commit()
    except sqlite3.IntegrityError:
        raise FormError({"username": f"User {data.username} is already registered."}) from None
    flash("Registered: you can log in now.")
    return redirect(url_for("login"), 303)


@router.route("/login")
def login_page() -> str:
    """The login form."""
    return render_template("auth/login.html", form=HTMLForm(Credentials))


@router.route("/login", methods=["POST"], form_template="auth/login.html")
def login(data: Annotated[Credentials, Form()], db: Db) -> Response:
    """Check the credentials and remember the user in the session."""
    user = db.execute("SELECT * FROM user WHERE username = ?", (data.username,)).fetchone()
    if user is None or not check_password(user["password"], data.password.get_secret_value()):
        raise FormError("Incorrect username or password.")
    session.clear()
    session["user_id"] = user["id"]
    return redirect(url_for("index"), 303)


@router.route("/logout", methods=["POST"])
def logout() -> Response:
    """Forget the user (a POST: a link on another site cannot log you out)."""
    session.clear()
    return redirect(url_for("index"), 303)
