"""Typed HTML forms: one pydantic model behind the HTML form and the JSON API.

Called by templates (an :class:`HTMLForm` renders each field with its value, its errors and
the HTML5 attributes its type and constraints call for) and by ``handlers.APIHandler`` for
routes registered with ``form_template=`` (a :class:`FormPage` answers refused input with
the form's page, rendered again); calls ``heron.templating`` and pydantic's field
information.

On a ``form_template=`` route, a form submission that fails validation, or whose endpoint
(or one of its dependencies) raises :class:`~heron.exceptions.FormError`, is answered with
the template rendered again (422) with:

* ``form``: an :class:`HTMLForm` holding what the user typed (strings; never files, never
  secret fields) and each field's error messages (pydantic's ``msg``);
* the endpoint's arguments that were resolved, by name, except the body (path parameters,
  dependencies: an edit page's ``post: Post = Depends(get_post)`` is ``post``);
* what every template sees (``request``, ``session``, ``g``, ``url_for``, ``csrf_token``…).

A JSON body (or a client whose ``Accept`` prefers JSON to HTML) gets FastAPI's 422 JSON
instead: one model, one route, for the browser and the API.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin

from markupsafe import Markup, escape
from pydantic import AnyUrl, BaseModel, Field, SecretBytes, SecretStr, create_model
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from heron.csrf import csrf_field
from heron.datastructures import UploadFile
from heron.dependencies.solving import is_json_content
from heron.error_pages import prefers_json
from heron.exceptions import FormError, HeronError, HTTPError, RequestValidationError
from heron.globals import enable
from heron.responses import HTMLResponse

if TYPE_CHECKING:
    from heron.dependencies.models import BodyField, Dependant
    from heron.requests import Request
    from heron.responses import Response

__all__ = [
    "BoundField",
    "FieldSpec",
    "FormError",
    "FormPage",
    "HTMLForm",
    "field_specs",
    "prefers_json",
]

_UNIONS = (typing.Union, types.UnionType)
_SEQUENCES = (list, set, tuple, frozenset, Sequence, typing.Sequence)
_TRUE = frozenset({"true", "on", "1", "yes", "y", "t"})


# ---------------------------------------------------------------- fields of a model


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one model field is shown in HTML; worked out once per model.

    Attributes:
        name: The model's field name.
        html_name: The form key (the field's alias, else its name).
        label: The field's ``title``, else its name in words.
        required: The field has no default.
        input_type: ``text``, ``number``, ``checkbox``, ``password``, ``file``, ``email``…
        attrs: HTML5 constraint attributes (``required``, ``minlength``, ``min``, ``pattern``…).
        choices: ``(value, label)`` pairs of a ``Literal`` or ``Enum`` field (a ``<select>``).
        multiple: The field holds a list (several values under one name).
        secret: Its value is never written back into a page (passwords, files).
    """

    name: str
    html_name: str
    label: str
    required: bool
    input_type: str
    attrs: tuple[tuple[str, str | bool], ...]
    choices: tuple[tuple[str, str], ...]
    multiple: bool
    secret: bool


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool, bool]:
    """The type under ``Optional``/``Annotated``/``list``, its constraints, list?, nullable?"""
    metadata: list[Any] = []
    multiple = nullable = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            for item in extra:
                metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        elif origin in _UNIONS:
            members = [a for a in get_args(annotation) if a is not type(None)]
            nullable = nullable or len(members) < len(get_args(annotation))
            if len(members) != 1:
                return annotation, metadata, multiple, nullable
            annotation = members[0]
        elif origin in _SEQUENCES and not multiple:
            args = get_args(annotation)
            annotation = args[0] if args else str
            multiple = True
        else:
            return annotation, metadata, multiple, nullable


def _is_class(value: Any, cls: type | tuple[type, ...]) -> bool:
    return isinstance(value, type) and issubclass(value, cls)


def _input_type(base: Any, name: str) -> str:
    if base is bool:
        return "checkbox"
    if _is_class(base, UploadFile):
        return "file"
    if _is_class(base, (SecretStr, SecretBytes)) or "password" in name.lower():
        return "password"
    if _is_class(base, (int, float, decimal.Decimal)):
        return "number"
    if _is_class(base, datetime.datetime):
        return "datetime-local"
    if _is_class(base, datetime.date):
        return "date"
    if _is_class(base, datetime.time):
        return "time"
    if getattr(base, "__name__", "") in ("EmailStr", "NameEmail"):
        return "email"
    if _is_class(base, AnyUrl):
        return "url"
    return "text"


def _choices(base: Any) -> tuple[tuple[str, str], ...]:
    if get_origin(base) is typing.Literal:
        return tuple((_text(value), _text(value)) for value in get_args(base))
    if _is_class(base, enum.Enum):
        return tuple(
            (_text(member.value), member.value if isinstance(member.value, str) else member.name)
            for member in base
        )
    return ()


def _html_pattern(pattern: str) -> str:
    """A pydantic ``pattern`` (searched anywhere) as HTML's (always matched whole)."""
    start = pattern.startswith("^")
    end = pattern.endswith("$") and not pattern.endswith("\\$")
    core = pattern[1 if start else 0 : len(pattern) - 1 if end else len(pattern)]
    core = core.replace("(?P<", "(?<")  # named groups, JavaScript's spelling
    return f"{'' if start else '.*'}(?:{core}){'' if end else '.*'}"


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, int) else _text(value)


def _constraints(metadata: list[Any], base: Any, input_type: str) -> list[tuple[str, str | bool]]:
    """HTML5 attributes for pydantic's constraints (exclusive bounds only for integers)."""
    attrs: list[tuple[str, str | bool]] = []
    numeric = input_type == "number"
    integer = numeric and _is_class(base, int)
    for item in metadata:
        for key, attr in (("min_length", "minlength"), ("max_length", "maxlength")):
            value = getattr(item, key, None)
            if value is not None and not numeric:
                attrs.append((attr, str(value)))
        for key, attr in (("ge", "min"), ("le", "max"), ("multiple_of", "step")):
            value = getattr(item, key, None)
            if value is not None and numeric:
                attrs.append((attr, _number(value)))
        for key, attr, shift in (("gt", "min", 1), ("lt", "max", -1)):
            value = getattr(item, key, None)
            if isinstance(value, int) and integer:
                attrs.append((attr, str(value + shift)))
        pattern = getattr(item, "pattern", None)
        if isinstance(pattern, str) and not numeric:
            attrs.append(("pattern", _html_pattern(pattern)))
    return attrs


def _spec(name: str, info: FieldInfo) -> FieldSpec:
    base, metadata, multiple, nullable = _unwrap(info.annotation)
    metadata = [*info.metadata, *metadata]
    input_type = _input_type(base, name)
    choices = _choices(base)
    if choices and not multiple and nullable and not info.is_required():
        choices = (("", ""), *choices)
    attrs = _constraints(metadata, base, input_type)
    if input_type == "number" and not _is_class(base, int) and "step" not in dict(attrs):
        attrs.append(("step", "any"))
    required = info.is_required()
    if required:
        attrs.insert(0, ("required", True))
    return FieldSpec(
        name=name,
        html_name=info.alias or name,
        label=info.title or name.replace("_", " ").capitalize(),
        required=required,
        input_type="select" if choices else input_type,
        attrs=tuple(attrs),
        choices=choices,
        multiple=multiple,
        secret=input_type in ("password", "file"),
    )


_SPECS: dict[type[BaseModel], tuple[FieldSpec, ...]] = {}


def field_specs(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """The :class:`FieldSpec` of each field of ``model``, in declaration order (cached)."""
    found = _SPECS.get(model)
    if found is None:
        found = _SPECS[model] = tuple(
            _spec(name, info) for name, info in model.model_fields.items()
        )
    return found


# ---------------------------------------------------------------- values


def _text(value: Any) -> str:
    """A value as a form shows it: enums by value, dates in ISO format, booleans in words."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        plain = value.replace(tzinfo=None)
        exact = plain.second or plain.microsecond
        return plain.isoformat(timespec="seconds" if exact else "minutes")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _shown(spec: FieldSpec, value: Any) -> str | list[str] | None:
    """What the page shows for ``value``: text, a list of texts, or nothing."""
    if value is None or spec.secret or isinstance(value, SecretStr | SecretBytes | UploadFile):
        return None
    if spec.multiple and isinstance(value, list | tuple | set | frozenset):
        return [_text(item) for item in value if not isinstance(item, UploadFile)]
    return _text(value)


def _default(model: type[BaseModel], spec: FieldSpec) -> Any:
    info = model.model_fields[spec.name]
    if info.default_factory is not None and info.default_factory_takes_validated_data:
        return None  # a default made from other fields' values: unknown before input
    value = info.get_default(call_default_factory=True)
    return None if value is PydanticUndefined else value


def _lookup(values: Any, spec: FieldSpec) -> Any:
    if isinstance(values, Mapping):
        if spec.multiple and hasattr(values, "getlist"):
            return values.getlist(spec.html_name) or values.getlist(spec.name) or None
        if spec.html_name in values:
            return values[spec.html_name]
        return values.get(spec.name)
    return getattr(values, spec.name, None)  # a model instance, an ORM row, any object


# ---------------------------------------------------------------- rendering


def _attributes(attrs: Mapping[str, Any]) -> str:
    """``key="value"`` pairs, escaped; True gives a bare attribute, False/None none."""
    parts = []
    for key, value in attrs.items():
        name = key.rstrip("_").replace("_", "-")  # class_ → class, data_id → data-id
        if value is True:
            parts.append(f" {name}")
        elif value is not None and value is not False:
            parts.append(f' {name}="{escape(_text(value))}"')
    return "".join(parts)


class BoundField:
    """One field of an :class:`HTMLForm`: its value, its errors, and its HTML.

    ``{{ form.username }}`` renders the field's default control (an ``<input>``, or a
    ``<select>`` for ``Literal``/``Enum`` fields); ``form.body.textarea()``,
    ``form.kind.select()``, ``form.email.input(placeholder="you@example.com")`` choose one
    and add attributes (``class_="x"`` gives ``class="x"``). Values are always escaped.

    Args:
        spec: How the field is shown.
        value: Its current value as text (a list for multiple values; None: empty).
        errors: Its error messages.
    """

    __slots__ = ("errors", "spec", "value")

    def __init__(self, spec: FieldSpec, value: str | list[str] | None, errors: list[str]):
        self.spec = spec
        self.value = value
        self.errors = errors

    @property
    def name(self) -> str:
        """The form key (``name=`` of the control)."""
        return self.spec.html_name

    @property
    def id(self) -> str:
        """The control's ``id`` (the form key)."""
        return self.spec.html_name

    @property
    def label(self) -> str:
        """The field's title, else its name in words."""
        return self.spec.label

    @property
    def required(self) -> bool:
        """Whether the field has no default."""
        return self.spec.required

    @property
    def type(self) -> str:
        """The control's type (``text``, ``number``, ``select``…)."""
        return self.spec.input_type

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        """``(value, label)`` pairs of a select field."""
        return self.spec.choices

    @property
    def checked(self) -> bool:
        """For a checkbox: whether its value is true."""
        return isinstance(self.value, str) and self.value.lower() in _TRUE

    def _base_attrs(self, extra: Mapping[str, Any]) -> dict[str, Any]:
        attrs: dict[str, Any] = {"name": self.name, "id": self.id}
        attrs.update(self.spec.attrs)
        if self.errors:
            attrs["aria-invalid"] = "true"
        attrs.update(extra)
        return attrs

    def input(self, **attrs: Any) -> Markup:
        """An ``<input>`` of the field's type, with its value and constraints."""
        kind = "text" if self.spec.input_type == "select" else self.spec.input_type
        base = {"type": kind, **self._base_attrs(attrs)}
        if kind == "checkbox":
            base.setdefault("value", "true")
            base["checked"] = self.checked
        elif kind == "file" and self.spec.multiple:
            base["multiple"] = True
        elif not self.spec.secret and isinstance(self.value, str):
            base.setdefault("value", self.value)
        return Markup(f"<input{_attributes(base)}>")

    def textarea(self, **attrs: Any) -> Markup:
        """A ``<textarea>`` holding the value."""
        text = self.value if isinstance(self.value, str) else ""
        return Markup(f"<textarea{_attributes(self._base_attrs(attrs))}>{escape(text)}</textarea>")

    def select(self, **attrs: Any) -> Markup:
        """A ``<select>`` of the field's choices, the current value(s) selected."""
        base = self._base_attrs(attrs)
        base["multiple"] = base.get("multiple", self.spec.multiple)
        chosen = set(self.value) if isinstance(self.value, list) else {self.value or ""}
        options = "".join(
            f"<option{_attributes({'value': value, 'selected': value in chosen})}>"
            f"{escape(label)}</option>"
            for value, label in self.spec.choices
        )
        return Markup(f"<select{_attributes(base)}>{options}</select>")

    def label_tag(self, text: str | None = None, **attrs: Any) -> Markup:
        """A ``<label for=...>`` with the field's label (or ``text``)."""
        label = self.label if text is None else text
        return Markup(f"<label{_attributes({'for': self.id, **attrs})}>{escape(label)}</label>")

    def __html__(self) -> Markup:
        return self.select() if self.spec.input_type == "select" else self.input()

    def __str__(self) -> str:
        return str(self.__html__())

    def __repr__(self) -> str:
        return f"<BoundField {self.name!r} value={self.value!r} errors={self.errors!r}>"


class HTMLForm:
    """A pydantic model as an HTML form: fields with their values and error messages.

    In a template: ``{{ form.username }}`` (or ``form["username"]``) renders a field,
    ``form.username.errors`` lists its messages, ``{% for field in form %}`` goes through
    the fields in order, ``form.form_errors`` holds messages about the whole form, and
    ``{{ form.csrf_field }}`` is the hidden CSRF input.

    Args:
        model: The pydantic model the form submits to.
        values: The values shown: a dict (form keys or field names), a model instance, or
            any object with the fields as attributes (an ORM row, for edit pages); None:
            the model's defaults. Secret fields (``SecretStr``, names containing
            "password") and files are never shown.
        errors: Messages by field (form key or field name); a name that is not a field of
            the model is shown as a form-level message.
        form_errors: Messages about the whole form.
    """

    def __init__(
        self,
        model: type[BaseModel],
        values: Any = None,
        errors: Mapping[str, str | Sequence[str]] | None = None,
        *,
        form_errors: Sequence[str] = (),
    ) -> None:
        self.model = model
        self.form_errors: list[str] = list(form_errors)
        specs = field_specs(model)
        by_key = {spec.html_name: spec for spec in specs} | {spec.name: spec for spec in specs}
        found: dict[str, list[str]] = {}
        for key, messages in (errors or {}).items():
            listed = [messages] if isinstance(messages, str) else list(messages)
            spec = by_key.get(key)
            if spec is None:
                self.form_errors.extend(f"{key}: {message}" for message in listed)
            else:
                found.setdefault(spec.html_name, []).extend(listed)
        self._fields = {
            spec.html_name: BoundField(
                spec,
                _shown(spec, _default(model, spec) if values is None else _lookup(values, spec)),
                found.get(spec.html_name, []),
            )
            for spec in specs
        }
        self._by_name = {field.spec.name: field for field in self._fields.values()}

    @property
    def errors(self) -> dict[str, list[str]]:
        """Error messages by form key, for the fields that have any."""
        return {key: field.errors for key, field in self._fields.items() if field.errors}

    @property
    def has_errors(self) -> bool:
        """Whether any field, or the form itself, has an error message."""
        return bool(self.form_errors) or any(field.errors for field in self._fields.values())

    @property
    def fields(self) -> list[BoundField]:
        """The fields, in the model's order."""
        return list(self._fields.values())

    @property
    def csrf_field(self) -> Markup:
        """The hidden input carrying this session's CSRF token (see ``heron.csrf``)."""
        return csrf_field()

    def __getitem__(self, key: str) -> BoundField:
        found = self._fields.get(key) or self._by_name.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __getattr__(self, name: str) -> BoundField:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"{self.model.__name__} has no field {name!r}") from None

    def __iter__(self) -> Iterator[BoundField]:
        return iter(list(self._fields.values()))

    def __contains__(self, key: object) -> bool:
        return key in self._fields or key in self._by_name

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"<HTMLForm {self.model.__name__} errors={self.errors!r}>"


# ---------------------------------------------------------------- the route's page


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub.dependant)


def _model_of(field: BodyField) -> Any:
    declared = field.declared if field.declared is not None else field.annotation
    while get_origin(declared) is Annotated:
        declared = get_args(declared)[0]
    return declared


def _fields_model(fields: list[BodyField]) -> type[BaseModel]:
    """A model of form fields declared one by one (``name: str = Form()``)."""
    members: dict[str, Any] = {}
    for body in fields:
        marker = body.marker
        options: dict[str, Any] = {"title": getattr(marker, "title", None)}
        if body.alias != body.name:
            options["alias"] = body.alias
        if body.default is not PydanticUndefined:
            options["default"] = body.default
        members[body.name] = (body.annotation, Field(**options))
    model: type[BaseModel] = create_model("Form", **members)
    return model


def _form_model(plan: Dependant) -> type[BaseModel]:
    """The model the route's form shows, and its form bodies set to accept JSON too.

    Raises:
        HeronError: The body is JSON-only (declared without ``Form()``), mixes a form
            model with other form fields, or takes a union of models or ``Model | None``.
    """
    name = getattr(plan.call, "__name__", repr(plan.call))
    fields: list[BodyField] = []
    for dependant in _walk(plan):
        if dependant.body_mode in ("single", "embed"):
            raise HeronError(
                f"form_template= needs the body of {name} declared as a form: "
                "data: Annotated[Model, Form()] (it then accepts JSON too)"
            )
        if dependant.body_mode == "form":
            dependant.accepts_json = True
            fields.extend(dependant.body)
    models = [field for field in fields if field.model_fields is not None]
    if not models:
        return _fields_model(fields)
    if len(fields) > 1:
        raise HeronError(
            f"form_template=: {name} must take one Form() model, or form "
            "fields one by one, not both"
        )
    model: type[BaseModel] = _model_of(models[0])
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise HeronError(
            f"form_template=: {name} must take one Form() model, not a union or an optional"
            f" one ({model})"
        )
    return model


def _page_errors(exc: Exception) -> tuple[int, dict[str, list[str]], list[str]] | None:
    """Status, field errors and form errors of a refused form; None for other errors."""
    if isinstance(exc, FormError):
        return exc.status_code, exc.field_errors, exc.form_errors
    if not isinstance(exc, RequestValidationError):
        return None
    fields: dict[str, list[str]] = {}
    form: list[str] = []
    for error in exc.errors():
        loc = error.get("loc") or ()
        if not loc or loc[0] != "body":
            return None  # a bad path or query parameter: not the form's fault
        if len(loc) > 1 and isinstance(loc[1], str):
            fields.setdefault(loc[1], []).append(str(error.get("msg", "")))
        else:
            form.append(str(error.get("msg", "")))
    return 422, fields, form


async def _typed_values(request: Request) -> dict[str, list[str]]:
    """What the user typed, as text (files left out)."""
    try:
        form = await request.form()
    except (HTTPError, OSError, RuntimeError):
        return {}  # unreadable now: the page comes back empty rather than not at all
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    return values


class _TypedValues(dict[str, Any]):
    """Typed values by form key: one text, or all of them for multiple fields."""

    def getlist(self, key: str) -> list[str]:
        found = super().get(key)
        return list(found) if isinstance(found, list) else []


class FormPage:
    """How a ``form_template=`` route answers refused input: its page, rendered again.

    Built once per route by ``handlers.APIHandler``.

    Args:
        template: The template to render.
        plan: The endpoint's analysed signature.

    Raises:
        HeronError: The endpoint's body cannot be a form (see :func:`_form_model`).
    """

    def __init__(self, template: str, plan: Dependant) -> None:
        # The page renders with the request's context globals (request, session, url_for).
        enable()
        self.template = template
        self.model = _form_model(plan)
        self.reads_form = any(d.body_mode == "form" for d in _walk(plan))
        self.body_names = frozenset(field.name for field in plan.body)
        self.multiple = {spec.html_name for spec in field_specs(self.model) if spec.multiple}

    async def response(
        self, exc: Exception, request: Request, arguments: Mapping[str, Any]
    ) -> Response | None:
        """The page for ``exc``, or None when it is not a form's error or JSON is wanted.

        Args:
            exc: What the request raised.
            request: The request (its form is parsed already, when it is one).
            arguments: The endpoint's arguments resolved so far.
        """
        found = _page_errors(exc)
        if found is None:
            return None
        if is_json_content(request.scope) or prefers_json(request.headers.get("accept")):
            return None
        # PERF: Jinja2 takes ~50 ms to import; it loads with the first page rendered.
        from heron.templating import render_template_async

        status, field_errors, form_errors = found
        values = _TypedValues()
        if self.reads_form:
            for key, texts in (await _typed_values(request)).items():
                values[key] = texts if key in self.multiple else texts[-1]
        form = HTMLForm(self.model, values, field_errors, form_errors=form_errors)
        context = {k: v for k, v in arguments.items() if k not in self.body_names}
        context["form"] = form
        html = await render_template_async(self.template, **context)
        return HTMLResponse(html, status_code=status)
