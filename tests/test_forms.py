"""Typed HTML forms: one model for the form and the JSON API, pages re-rendered with errors."""

import datetime
import enum
import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any, Literal

import pytest
from pydantic import AnyUrl, BaseModel, ConfigDict, Field, SecretStr

from heron import APIRouter, Depends, File, Form, Heron, Request, UploadFile
from heron.exceptions import HeronError
from heron.forms import FormError, HTMLForm, prefers_json
from heron.responses import HTMLResponse, Response
from heron.routing import APIRoute
from heron.templating import render_template_string
from heron.testclient import TestClient

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

PAGE = """<p id="form-errors">{% for e in form.form_errors %}[{{ e }}]{% endfor %}</p>
{% for field in form %}<div>{{ field.label_tag() }}{{ field }}<ul id="{{ field.name }}-errors">
{%- for e in field.errors %}<li>{{ e }}</li>{% endfor %}</ul></div>
{% endfor %}<p id="extra">{{ extra }}</p>"""


class Signup(BaseModel):
    username: Annotated[str, Field(min_length=3, max_length=30, title="User name")]
    age: int | None = None
    password: SecretStr


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Everything(BaseModel):
    name: Annotated[str, Field(pattern=r"^[a-z]+$")]
    count: Annotated[int, Field(ge=1, lt=10)] = 1
    price: Annotated[float, Field(gt=0, le=99.5)] = 1.0
    agree: bool = False
    size: Literal["s", "m", "l"] = "m"
    color: Color | None = None
    tags: list[Literal["a", "b", "c"]] = []
    born: datetime.date | None = None
    email_password: str = ""
    note: str = ""


def templates(tmp_path: Path, **pages: str) -> str:
    for name, source in pages.items():
        (tmp_path / name).write_text(source)
    return str(tmp_path)


def signup_app(tmp_path: Path) -> Heron:
    app = Heron(template_folder=templates(tmp_path, **{"signup.html": PAGE}))

    @app.post("/signup", form_template="signup.html")
    async def signup(data: Annotated[Signup, Form()]) -> dict[str, Any]:
        if data.username == "admin":
            raise FormError({"username": "This name is taken."})
        if data.username == "nobody":
            raise FormError("Signups are closed.", status_code=409)
        return {"username": data.username, "age": data.age}

    return app


def errors_of(page: str, name: str) -> list[str]:
    found = re.search(rf'<ul id="{name}-errors">(.*?)</ul>', page, re.DOTALL)
    assert found is not None, page
    return [html.unescape(e) for e in re.findall(r"<li>(.*?)</li>", found.group(1))]


def value_of(page: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found is not None, page
    value = re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else None


# ---------------------------------------------------------------- the re-rendered page


def test_invalid_form_comes_back_with_typed_values_and_errors(tmp_path: Path) -> None:
    client = TestClient(signup_app(tmp_path))
    response = client.post(
        "/signup",
        data={"username": "ab", "age": "ten", "password": "hunter2"},
        headers={"accept": BROWSER},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert value_of(page, "username") == "ab"
    assert value_of(page, "age") == "ten"  # what was typed, not what the model would hold
    assert value_of(page, "password") is None  # secrets never go back into the page
    assert "hunter2" not in page
    assert errors_of(page, "username") == ["String should have at least 3 characters"]
    assert errors_of(page, "age") == [
        "Input should be a valid integer, unable to parse string as an integer"
    ]
    assert errors_of(page, "password") == []
    assert '<label for="username">User name</label>' in page
    assert 'aria-invalid="true"' in page


def test_missing_field_is_reported_on_the_field(tmp_path: Path) -> None:
    response = TestClient(signup_app(tmp_path)).post("/signup", data={"username": "alice"})
    assert response.status_code == 422
    assert errors_of(response.text, "password") == ["Field required"]
    assert value_of(response.text, "username") == "alice"


def test_valid_form_and_json_reach_the_endpoint(tmp_path: Path) -> None:
    client = TestClient(signup_app(tmp_path))
    response = client.post("/signup", data={"username": "alice", "age": "7", "password": "x"})
    assert response.json() == {"username": "alice", "age": 7}
    response = client.post("/signup", json={"username": "bob", "age": 3, "password": "x"})
    assert response.json() == {"username": "bob", "age": 3}


def test_json_body_errors_are_fastapis(tmp_path: Path) -> None:
    client = TestClient(signup_app(tmp_path))
    response = client.post("/signup", json={"username": "ab", "age": "x"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "detail": [
            {
                "type": "string_too_short",
                "loc": ["body", "username"],
                "msg": "String should have at least 3 characters",
                "input": "ab",
                "ctx": {"min_length": 3},
            },
            {
                "type": "int_parsing",
                "loc": ["body", "age"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "x",
            },
            {
                "type": "missing",
                "loc": ["body", "password"],
                "msg": "Field required",
                "input": {"username": "ab", "age": "x"},
            },
        ]
    }
    bad = client.post("/signup", content=b"{nope", headers={"content-type": "application/json"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["type"] == "json_invalid"
    listed = client.post("/signup", json=[1, 2])
    assert listed.status_code == 422
    assert listed.json()["detail"][0]["loc"] == ["body"]


@pytest.mark.parametrize(
    ("accept", "wants_json"),
    [
        (None, False),
        ("*/*", False),
        (BROWSER, False),
        ("text/html", False),
        ("application/json", True),
        ("application/json, text/html;q=0.5", True),
        ("text/html;q=0.5, application/*", True),
        ("application/json;q=0.5, text/html", False),
        ("application/json;q=nope, text/html;q=0.1", False),
        ("application/json;q=0.3, text/html;q=nan", True),
        ("application/json;q=2", False),
        (",,;;==,application/json;;q=", False),
    ],
)
def test_accept_decides_between_page_and_json(
    tmp_path: Path, accept: str | None, wants_json: bool
) -> None:
    assert prefers_json(accept) is wants_json
    headers = {"accept": accept} if accept is not None else {}
    response = TestClient(signup_app(tmp_path)).post(
        "/signup", data={"username": "ab"}, headers=headers
    )
    assert response.status_code == 422
    if wants_json:
        assert [e["loc"] for e in response.json()["detail"]] == [
            ["body", "username"],
            ["body", "password"],
        ]
    else:
        assert response.headers["content-type"].startswith("text/html")


def test_form_error_from_the_endpoint(tmp_path: Path) -> None:
    client = TestClient(signup_app(tmp_path))
    response = client.post("/signup", data={"username": "admin", "age": "4", "password": "x"})
    assert response.status_code == 422
    assert errors_of(response.text, "username") == ["This name is taken."]
    assert value_of(response.text, "age") == "4"
    closed = client.post("/signup", data={"username": "nobody", "password": "x"})
    assert closed.status_code == 409
    assert "[Signups are closed.]" in closed.text
    as_json = client.post(
        "/signup",
        data={"username": "admin", "password": "x"},
        headers={"accept": "application/json"},
    )
    assert as_json.status_code == 422
    assert as_json.json() == {
        "detail": [
            {
                "type": "form_error",
                "loc": ["body", "username"],
                "msg": "This name is taken.",
                "input": None,
            }
        ]
    }


def test_form_error_outside_a_form_route_is_a_json_422() -> None:
    app = Heron()

    @app.post("/things")
    def things() -> None:
        raise FormError({"name": ["Too short.", "Not unique."]})

    response = TestClient(app).post("/things")
    assert response.status_code == 422
    assert [e["msg"] for e in response.json()["detail"]] == ["Too short.", "Not unique."]


def test_page_context_holds_dependencies_and_path_parameters(tmp_path: Path) -> None:
    events: list[str] = []

    class Row:
        """Like an ORM row: readable only while its session is open."""

        def __init__(self, post_id: int) -> None:
            self.open = True
            self.id = post_id
            self._title = "First <post>"

        @property
        def title(self) -> str:
            if not self.open:
                raise RuntimeError("detached")
            return self._title

    async def get_post(post_id: int) -> AsyncIterator[Row]:
        row = Row(post_id)
        try:
            yield row
        except FormError:
            events.append("rolled back")
            raise
        finally:
            row.open = False

    class PostIn(BaseModel):
        title: Annotated[str, Field(min_length=1)]

    page = (
        "{{ post.title }}|{{ post_id }}|{{ form.title.errors|join(',') }}|{{ form.title }}|"
        "{{ data }}"
    )
    app = Heron(template_folder=templates(tmp_path, **{"edit.html": page}))

    @app.post("/posts/{post_id}/edit", form_template="edit.html")
    def edit(post_id: int, data: Annotated[PostIn, Form()], post: Row = Depends(get_post)) -> str:
        raise FormError({"title": "Someone else changed it."})

    client = TestClient(app)
    response = client.post("/posts/7/edit", data={"title": ""})
    assert response.status_code == 422
    assert response.text.startswith("First &lt;post&gt;|7|Field required|")
    assert response.text.endswith("|")  # the body argument is not in the context
    response = client.post("/posts/7/edit", data={"title": "New"})
    assert response.text.startswith("First &lt;post&gt;|7|Someone else changed it.|")
    assert 'value="New"' in response.text
    assert events == ["rolled back"]  # the yield dependency saw the error
    bad_path = client.post("/posts/x/edit", data={"title": "New"})
    assert bad_path.status_code == 422
    assert bad_path.json()["detail"][0]["loc"] == ["path", "post_id"]  # not the form's fault


def test_fields_declared_one_by_one(tmp_path: Path) -> None:
    page = "{% for f in form %}{{ f }}[{{ f.errors|join(',') }}]{% endfor %}"
    app = Heron(template_folder=templates(tmp_path, **{"login.html": page}))

    @app.post("/login", form_template="login.html")
    def login(
        username: Annotated[str, Form(min_length=2, title="Login")],
        remember: Annotated[bool, Form()] = False,
    ) -> dict[str, Any]:
        return {"username": username, "remember": remember}

    client = TestClient(app)
    response = client.post("/login", data={"username": "a", "remember": "true"})
    assert response.status_code == 422
    assert response.text == (
        '<input type="text" name="username" id="username" required minlength="2" '
        'aria-invalid="true" value="a">[String should have at least 2 characters]'
        '<input type="checkbox" name="remember" id="remember" value="true" checked>[]'
    )
    assert client.post("/login", json={"username": "ann"}).json() == {
        "username": "ann",
        "remember": False,
    }


def test_file_fields_are_not_echoed(tmp_path: Path) -> None:
    class Upload(BaseModel):
        title: Annotated[str, Field(min_length=3)]
        attachment: UploadFile

    app = Heron(template_folder=templates(tmp_path, **{"up.html": PAGE}))

    @app.post("/upload", form_template="up.html")
    async def upload(data: Annotated[Upload, Form()]) -> dict[str, Any]:
        return {"title": data.title, "size": len(await data.attachment.read())}

    client = TestClient(app)
    files = {"attachment": ("secret.txt", b"TOP SECRET CONTENT", "text/plain")}
    response = client.post("/upload", data={"title": "ab"}, files=files)
    assert response.status_code == 422
    assert value_of(response.text, "title") == "ab"
    assert '<input type="file" name="attachment" id="attachment" required>' in response.text
    assert "TOP SECRET" not in response.text and "secret.txt" not in response.text
    ok = client.post("/upload", data={"title": "abc"}, files=files)
    assert ok.json() == {"title": "abc", "size": 18}


def test_file_parameter_next_to_fields(tmp_path: Path) -> None:
    app = Heron(template_folder=templates(tmp_path, **{"up.html": PAGE}))

    @app.post("/avatar", form_template="up.html")
    async def avatar(
        name: Annotated[str, Form(min_length=2)], picture: Annotated[UploadFile, File()]
    ) -> dict[str, str]:
        return {"name": name, "file": picture.filename or ""}

    response = TestClient(app).post(
        "/avatar", data={"name": "x"}, files={"picture": ("a.png", b"\x89PNG", "image/png")}
    )
    assert response.status_code == 422
    assert errors_of(response.text, "name") == ["String should have at least 2 characters"]
    assert '<input type="file" name="picture" id="picture" required>' in response.text


def test_unexpected_fields(tmp_path: Path) -> None:
    class Strict(BaseModel):
        model_config = ConfigDict(extra="forbid")
        name: str

    class Lenient(BaseModel):
        name: str

    app = Heron(template_folder=templates(tmp_path, **{"f.html": PAGE}))

    @app.post("/strict", form_template="f.html")
    def strict(data: Annotated[Strict, Form()]) -> str:
        return data.name

    @app.post("/lenient", form_template="f.html")
    def lenient(data: Annotated[Lenient, Form()]) -> str:
        return data.name

    client = TestClient(app)
    response = client.post("/strict", data={"name": "a", "is_admin": "1", "<b>x</b>": "y"})
    assert response.status_code == 422
    assert (
        "[is_admin: Extra inputs are not permitted]"
        "[&lt;b&gt;x&lt;/b&gt;: Extra inputs are not permitted]"
    ) in response.text
    assert value_of(response.text, "name") == "a"
    assert client.post("/lenient", data={"name": "a", "is_admin": "1"}).json() == "a"


def test_oversized_values_get_a_4xx(tmp_path: Path) -> None:
    app = signup_app(tmp_path)
    app.max_body_size = 4096
    client = TestClient(app)
    big = client.post("/signup", data={"username": "a" * 5000, "password": "x"})
    assert big.status_code == 413
    app = signup_app(tmp_path)
    huge_field = TestClient(app).post(
        "/signup", data={"username": "a" * (1024 * 1024 + 1), "password": "x"}
    )
    assert huge_field.status_code == 400
    too_long = TestClient(app).post("/signup", data={"username": "a" * 31, "password": "x"})
    assert too_long.status_code == 422
    assert errors_of(too_long.text, "username") == ["String should have at most 30 characters"]


def test_user_values_are_escaped(tmp_path: Path) -> None:
    response = TestClient(signup_app(tmp_path)).post(
        "/signup", data={"username": '"><script>alert(1)</script>', "age": "'><img>"}
    )
    assert response.status_code == 422
    assert "<script>" not in response.text and "<img>" not in response.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in response.text
    assert value_of(response.text, "age") == "'><img>"


def test_flask_style_route_and_sync_endpoint(tmp_path: Path) -> None:
    app = Heron(template_folder=templates(tmp_path, **{"signup.html": PAGE}))

    @app.route("/signup", methods=["POST"], form_template="signup.html")
    def signup(data: Annotated[Signup, Form()]) -> str:
        if data.username == "admin":
            raise FormError("No.")
        return f"<p>hello {data.username}</p>"

    client = TestClient(app)
    assert client.post("/signup", data={"username": "ann", "password": "x"}).text == (
        "<p>hello ann</p>"
    )
    refused = client.post("/signup", data={"username": "admin", "password": "x"})
    assert refused.status_code == 422 and "[No.]" in refused.text


def test_router_route_and_custom_route_class(tmp_path: Path) -> None:
    class TimedRoute(APIRoute):
        def get_route_handler(self) -> Any:
            handler = super().get_route_handler()

            async def timed(request: Request) -> Response:
                response: Response = await handler(request)
                response.headers["x-wrapped"] = "yes"
                return response

            return timed

    router = APIRouter(prefix="/account", route_class=TimedRoute)

    @router.post("/signup", form_template="signup.html")
    async def signup(data: Annotated[Signup, Form()]) -> str:
        raise FormError({"username": "Taken."})

    app = Heron(template_folder=templates(tmp_path, **{"signup.html": PAGE}))
    app.include_router(router)
    response = TestClient(app).post("/account/signup", data={"username": "ann", "password": "x"})
    assert response.status_code == 422
    assert response.headers["x-wrapped"] == "yes"
    assert errors_of(response.text, "username") == ["Taken."]


def test_form_template_needs_a_form_body() -> None:
    app = Heron()
    with pytest.raises(HeronError, match="declared as a form"):

        @app.post("/json", form_template="x.html")
        def json_body(data: Signup) -> None: ...

    class Other(BaseModel):
        x: int

    with pytest.raises(HeronError, match="one Form\\(\\) model"):

        @app.post("/mixed", form_template="x.html")
        def mixed(data: Annotated[Signup, Form()], other: Annotated[str, Form()]) -> None: ...


def test_route_without_a_body_re_renders_form_errors(tmp_path: Path) -> None:
    app = Heron(
        template_folder=templates(tmp_path, **{"d.html": "{{ form.form_errors|join(',') }}"})
    )

    @app.post("/items/{item_id}/delete", form_template="d.html")
    def delete(item_id: int) -> None:
        raise FormError(f"Item {item_id} is in use.")

    response = TestClient(app).post("/items/3/delete")
    assert response.status_code == 422
    assert response.text == "Item 3 is in use."


# ---------------------------------------------------------------- HTMLForm


def render(source: str, **context: Any) -> str:
    app = Heron()
    with app.app_context():
        return render_template_string(source, **context)


def test_empty_form_renders_html5_attributes() -> None:
    page = render("{% for f in form %}{{ f }}\n{% endfor %}", form=HTMLForm(Everything))
    assert page.splitlines() == [
        '<input type="text" name="name" id="name" required pattern="(?:[a-z]+)">',
        '<input type="number" name="count" id="count" min="1" max="9" value="1">',
        '<input type="number" name="price" id="price" max="99.5" step="any" value="1.0">',
        '<input type="checkbox" name="agree" id="agree" value="true">',
        '<select name="size" id="size"><option value="s">s</option>'
        '<option value="m" selected>m</option><option value="l">l</option></select>',
        '<select name="color" id="color"><option value="" selected></option>'
        '<option value="red">red</option><option value="green">green</option></select>',
        '<select name="tags" id="tags" multiple><option value="a">a</option>'
        '<option value="b">b</option><option value="c">c</option></select>',
        '<input type="date" name="born" id="born">',
        '<input type="password" name="email_password" id="email_password">',
        '<input type="text" name="note" id="note" value="">',
    ]


def test_values_from_a_model_an_object_and_a_dict() -> None:
    model = Everything(name="ann", count=3, agree=True, color=Color.GREEN, tags=["a", "c"])
    form = HTMLForm(Everything, model)
    assert form.count.value == "3" and form.agree.checked
    assert 'value="green" selected' in str(form.color)
    assert str(form.tags).count("selected") == 2
    row = SimpleNamespace(name="bob", born=datetime.date(2001, 2, 3), note="a\n<b>")
    form = HTMLForm(Everything, row)
    assert form["name"].value == "bob"
    assert 'value="2001-02-03"' in str(form.born)
    assert str(form.note.textarea(rows=3, class_="wide")) == (
        '<textarea name="note" id="note" rows="3" class="wide">a\n&lt;b&gt;</textarea>'
    )
    form = HTMLForm(Signup, {"username": "ann", "password": "pw", "age": 5})
    assert form.password.value is None and "pw" not in str(form.password)
    assert form.age.value == "5"
    secret = HTMLForm(Signup, Signup(username="ann", password=SecretStr("pw")))
    assert secret.password.value is None


def test_dates_times_and_urls_in_html_formats() -> None:
    class Meeting(BaseModel):
        at: datetime.datetime
        until: datetime.time | None = None
        link: AnyUrl | None = None

    at = datetime.datetime(2024, 5, 6, 7, 8, tzinfo=datetime.UTC)
    form = HTMLForm(Meeting, Meeting(at=at, until=datetime.time(9, 30), link=AnyUrl("https://a.b/")))
    assert str(form.at) == (
        '<input type="datetime-local" name="at" id="at" required value="2024-05-06T07:08">'
    )
    assert str(form.until) == '<input type="time" name="until" id="until" value="09:30:00">'
    assert str(form.link) == '<input type="url" name="link" id="link" value="https://a.b/">'
    exact = HTMLForm(Meeting, {"at": at.replace(second=9)})
    assert exact.at.value == "2024-05-06T07:08:09"


def test_form_attributes_errors_and_lookup() -> None:
    form = HTMLForm(
        Signup,
        errors={"username": "Taken.", "age": ["Too young.", "Really."], "coupon": "Unknown."},
        form_errors=["Try again."],
    )
    assert form.errors == {"username": ["Taken."], "age": ["Too young.", "Really."]}
    assert form.form_errors == ["Try again.", "coupon: Unknown."]
    assert form.has_errors and not HTMLForm(Signup).has_errors
    assert [f.name for f in form] == ["username", "age", "password"]
    assert len(form) == 3 and "username" in form and "coupon" not in form
    field = form["username"]
    assert (field.label, field.required, field.type, field.id) == (
        "User name",
        True,
        "text",
        "username",
    )
    assert not form.age.required
    assert form.fields[1] is form.age
    assert str(field.label_tag("Name <you>")) == '<label for="username">Name &lt;you&gt;</label>'
    assert str(field.input(placeholder='"x"', data_id=3, disabled=False)) == (
        '<input type="text" name="username" id="username" required minlength="3" '
        'maxlength="30" aria-invalid="true" placeholder="&#34;x&#34;" data-id="3">'
    )
    with pytest.raises(KeyError):
        form["coupon"]
    with pytest.raises(AttributeError, match="Signup has no field 'coupon'"):
        _ = form.coupon
    assert "username" in repr(form) and "Taken." in repr(field)


def test_aliases_are_the_form_keys() -> None:
    class Aliased(BaseModel):
        user_name: str = Field(alias="user-name")

    form = HTMLForm(Aliased, {"user-name": "ann"}, {"user_name": "Bad."})
    assert form["user-name"] is form["user_name"]
    assert str(form["user-name"]) == (
        '<input type="text" name="user-name" id="user-name" required aria-invalid="true" '
        'value="ann">'
    )
    assert form.errors == {"user-name": ["Bad."]}


def test_csrf_field_needs_a_session() -> None:
    with pytest.raises(HeronError, match="no CSRF protection without sessions"):
        render("{{ form.csrf_field }}", form=HTMLForm(Signup))


def test_get_page_with_an_empty_form(tmp_path: Path) -> None:
    app = Heron(template_folder=templates(tmp_path, **{"signup.html": PAGE}))

    @app.get("/signup", response_class=HTMLResponse)
    def page() -> str:
        return render_template_string(PAGE, form=HTMLForm(Signup), extra="hi")

    text = TestClient(app).get("/signup").text
    assert value_of(text, "username") is None and "hi" in text


# ---------------------------------------------------------------- OpenAPI


def test_openapi_documents_both_content_types(tmp_path: Path) -> None:
    app = signup_app(tmp_path)

    @app.post("/plain")
    def plain(data: Annotated[Signup, Form()]) -> None: ...

    operation = app.openapi()["paths"]["/signup"]["post"]
    schema = {"$ref": "#/components/schemas/Signup"}
    assert operation["requestBody"] == {
        "content": {
            "application/x-www-form-urlencoded": {"schema": schema},
            "application/json": {"schema": schema},
        },
        "required": True,
    }
    assert operation["responses"]["422"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}},
        "text/html": {"schema": {"type": "string"}},
    }
    plain_op = app.openapi()["paths"]["/plain"]["post"]
    assert list(plain_op["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]
    assert list(plain_op["responses"]["422"]["content"]) == ["application/json"]


def test_openapi_multipart_with_files(tmp_path: Path) -> None:
    app = Heron(template_folder=str(tmp_path))

    @app.post("/avatar", form_template="x.html")
    async def avatar(
        name: Annotated[str, Form()], picture: Annotated[UploadFile, File()]
    ) -> None: ...

    content = app.openapi()["paths"]["/avatar"]["post"]["requestBody"]["content"]
    assert list(content) == ["multipart/form-data", "application/json"]
    assert content["multipart/form-data"] == content["application/json"]
