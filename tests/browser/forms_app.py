"""A sign-up form with CSRF, served by uvicorn for ``test_forms_browser.py``.

Templates live in a ``DictLoader`` so the app is this one file.
"""

from typing import Annotated

import jinja2
from pydantic import BaseModel, Field, field_validator

from heron import Form, Heron, flash, redirect, render_template, url_for
from heron.forms import FormError, HTMLForm

app = Heron(__name__, secret_key="browser-test-key")

TEMPLATES = {
    "base.html": """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{% block title %}{% endblock %}</title>
<style>body{font:16px system-ui;max-width:30rem;margin:2rem auto}
.error{color:#b00020}.flash{background:#e6f4ea;padding:.5rem}
input{display:block;margin:.25rem 0 .75rem}input[aria-invalid]{border-color:#b00020}</style>
</head><body>
{% for message in get_flashed_messages() %}<p class="flash">{{ message }}</p>{% endfor %}
{% block body %}{% endblock %}</body></html>""",
    "signup.html": """{% extends "base.html" %}{% block title %}Sign up{% endblock %}
{% block body %}<h1>Sign up</h1>
<form method="post" action="{{ url_for('signup') }}">
{% for message in form.form_errors %}<p class="error form-error">{{ message }}</p>{% endfor %}
{{ form.csrf_field }}
{% for field in form %}{{ field.label_tag() }}{{ field }}
{% for message in field.errors %}<p class="error" id="{{ field.name }}-error">{{ message }}</p>
{% endfor %}{% endfor %}
<button type="submit">Create my account</button></form>{% endblock %}""",
    "index.html": """{% extends "base.html" %}{% block title %}Home{% endblock %}
{% block body %}<h1>Home</h1>{% endblock %}""",
}
app.jinja_env.loader = jinja2.DictLoader(TEMPLATES)


class Signup(BaseModel):
    username: Annotated[str, Field(min_length=3, max_length=30, title="User name")]
    age: int | None = None

    @field_validator("username")
    @classmethod
    def no_spaces(cls, value: str) -> str:
        if " " in value:
            raise ValueError("no spaces, please")
        return value


@app.route("/")
def index() -> str:
    return render_template("index.html")


@app.route("/signup")
def signup_page() -> str:
    return render_template("signup.html", form=HTMLForm(Signup))


@app.route("/signup", methods=["POST"], form_template="signup.html")
def signup(data: Annotated[Signup, Form()]) -> object:
    if data.username == "admin":
        raise FormError({"username": "This name is taken."})
    flash(f"Welcome, {data.username}!")
    return redirect(url_for("index"), 303)
