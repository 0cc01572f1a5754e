"""Models filled from flat sources: parameter models and form models, FastAPI's way.

Called by ``analysis`` when a route is registered (:func:`model_source`,
:func:`form_models`, :func:`union_form_type`) and by ``solving`` for every request to a
route with such a model (:func:`fill`). A query string, the headers, the cookies and a
form are flat (a name, its values); a model is filled from one of them as FastAPI 0.165
does, so the values, the errors and their ``input`` are the same:

* each field is read under its first request name present (``validation_alias`` choices,
  ``Header()``'s ``user_agent`` → ``user-agent``), one value or, for lists, all of them;
  a form skips empty values and tries the next name;
* every other name of the source goes in too (``extra="forbid"`` refuses them), a
  repeated one as a list;
* ``Model | None`` is None (or the default) when none of its names is sent.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, get_args, get_origin

from pydantic import AliasChoices, AliasPath, BaseModel, BeforeValidator, Json, Tag
from pydantic.fields import FieldInfo

from heron.datastructures import UploadFile

__all__ = [
    "ModelSource",
    "fill",
    "form_models",
    "is_sent",
    "is_sequence",
    "model_source",
    "union_form_type",
]

_UNIONS = (typing.Union, types.UnionType)
_SEQUENCES = (list, set, tuple, frozenset, Collection, typing.Sequence)

# One field: its (key the model reads, name in the request) pairs, in order of
# preference, and whether it collects every value.
FieldPairs = tuple[tuple[tuple[str, str], ...], bool]


@dataclass(frozen=True, slots=True)
class ModelSource:
    """How one model is filled from a flat source.

    Attributes:
        fields: Per model field, its ``(key, name)`` pairs and whether it is a list.
        own_names: Every request name of the fields (lower-case for headers).
        header: Names are looked up lower-case, the first value of a name wins.
        nullable: ``Model | None``: not filled when none of ``own_names`` is sent.
        open: ``extra="allow"``/``"forbid"``: any value sent counts as sending it.
        hidden: Header names that are no extra input (``user_agent`` when the field
            reads ``user-agent``).
        renames: Error locations reported under the request name (headers).
        union: A union of form models: each member reads the values itself (see
            :func:`union_form_type`), so :func:`fill` passes them all on as they are.
    """

    fields: tuple[FieldPairs, ...]
    own_names: frozenset[str]
    header: bool = False
    nullable: bool = False
    open: bool = False
    hidden: frozenset[str] = frozenset()
    renames: Mapping[str, str] = dataclasses.field(default_factory=dict)
    union: bool = False


def _field_config(model: type[BaseModel], info: FieldInfo) -> Mapping[str, Any]:
    # COMPAT(fastapi): a field holding a model, a dict or a dataclass ignores the
    # model's name/alias settings.
    annotation = info.annotation
    nested = isinstance(annotation, type) and issubclass(annotation, BaseModel | dict)
    return {} if nested or dataclasses.is_dataclass(annotation) else model.model_config


def _pairs(
    name: str, info: FieldInfo, config: Mapping[str, Any], convert: bool
) -> tuple[tuple[str, str], ...]:
    """A field's ``(key, request name)`` pairs, in order of preference."""
    chosen = info.validation_alias
    key = chosen if isinstance(chosen, str) and chosen else (info.alias or name)
    pairs = [(key, key.replace("_", "-") if convert and key == name else key)]
    if isinstance(chosen, AliasChoices) and not any(
        isinstance(choice, AliasPath) for choice in chosen.choices
    ):
        # Choices are literal names (no ``_`` → ``-`` for headers).
        pairs = [(choice, choice) for choice in typing.cast(list[str], chosen.choices)]
    by_alias = config.get("validate_by_alias", True)
    by_name = config.get("validate_by_name", config.get("populate_by_name", False))
    if by_alias is False or by_name:
        request_name = name.replace("_", "-") if convert else name
        if by_alias is False:
            return ((name, request_name),)
        if name not in [k for k, _ in pairs]:
            pairs.append((name, request_name))
    return tuple(pairs)


def is_sequence(annotation: Any) -> bool:
    """Whether a value of ``annotation`` collects every value of a repeated name."""
    members = get_args(annotation) if get_origin(annotation) in _UNIONS else (annotation,)
    for member in members:
        if member is type(None):
            continue
        origin = get_origin(member)
        if origin is Annotated:
            return is_sequence(get_args(member)[0])
        if origin in _SEQUENCES or member in (list, set, tuple, frozenset):
            return True
    return False


def _is_list(info: FieldInfo) -> bool:
    # COMPAT(fastapi): a ``Json[list[...]]`` field is one JSON text, not a list.
    return is_sequence(info.annotation) and not any(type(m) is Json for m in info.metadata)


def model_source(
    models: list[type[BaseModel]],
    *,
    header: bool = False,
    convert: bool = False,
    nullable: bool = False,
) -> ModelSource:
    """The :class:`ModelSource` of a model (several: a union of form models).

    Args:
        models: The model, or every member of a union.
        header: The source is the headers.
        convert: Read a field without alias as ``Header()`` does (``_`` → ``-``).
        nullable: Declared ``Model | None``.
    """
    fields: list[FieldPairs] = []
    renames: dict[str, str] = {}
    for model in models:
        for name, info in model.model_fields.items():
            field_convert = getattr(info, "convert_underscores", convert)
            pairs = _pairs(name, info, _field_config(model, info), header and field_convert)
            fields.append((pairs, _is_list(info)))
            key, request_name = pairs[0]
            if header and key != request_name and model.model_config.get("loc_by_alias", True):
                renames[name] = request_name
    names = {n for pairs, _ in fields for _, n in pairs}
    hidden = {k.lower() for pairs, _ in fields for k, n in pairs if header and k != n}
    return ModelSource(
        fields=tuple(fields),
        own_names=frozenset(n.lower() for n in names) if header else frozenset(names),
        header=header,
        nullable=nullable,
        union=len(models) > 1,
        open=any(m.model_config.get("extra") in ("allow", "forbid") for m in models),
        hidden=frozenset(hidden),
        renames=renames,
    )


def _is_empty_upload(value: Any) -> bool:
    # What a browser sends for a file input left empty.
    return isinstance(value, UploadFile) and value.filename == "" and value.size == 0


def _form_values(found: list[Any], is_list: bool) -> list[Any]:
    """A form field's values, without the empty ones (COMPAT(fastapi): not sent)."""
    if is_list:
        return [v for v in found if not _is_empty_upload(v)]
    last = found[-1]
    return [] if last == "" or _is_empty_upload(last) else [last]


def fill(
    source: ModelSource, values: Mapping[str, list[Any]], *, form: bool = False
) -> dict[str, Any]:
    """The input of the model: its fields' values, then every other value of the source.

    Args:
        source: The model's :class:`ModelSource`.
        values: Every value of the source by name (lower-case header names).
        form: The source is a form: empty values count as not sent.
    """
    group: dict[str, Any] = {}
    used = set(source.hidden)
    for pairs, is_list in () if source.union else source.fields:
        for key, name in pairs:
            lookup = name.lower() if source.header else name
            found = values.get(lookup)
            if form:
                used.add(lookup)  # tried: no extra input, even when empty
                found = _form_values(found, is_list) if found else None
            if not found:
                continue
            used.add(lookup)
            if is_list:
                group[key] = found
            else:
                group[key] = found[0] if source.header else found[-1]
            break
    for name, found in values.items():
        if name not in used:
            group[name] = found[0] if len(found) == 1 else found
    return group


def is_sent(source: ModelSource, values: Mapping[str, Any], group: Mapping[str, Any]) -> bool:
    """Whether a nullable model was sent: one of its names is, or it takes any extra."""
    return not source.own_names.isdisjoint(values) or (source.open and bool(group))


def _member_model(member: Any) -> Any:
    if get_origin(member) is Annotated:
        member = get_args(member)[0]
    return member if isinstance(member, type) and issubclass(member, BaseModel) else None


def form_models(annotation: Any) -> tuple[list[type[BaseModel]], bool]:
    """The models of a form model annotation, and whether it is nullable.

    ``Model``, ``Model | None`` and unions of several models (``A | B``, ``A | B |
    None``) are form models; anything else gives ``([], False)``.
    """
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation], False
    if get_origin(annotation) not in _UNIONS:
        return [], False
    members = get_args(annotation)
    others = [m for m in members if m is not type(None)]
    nullable = len(others) < len(members)
    if len(others) == 1:
        # COMPAT(fastapi): ``Annotated[Model, ...] | None`` is a plain field.
        model = others[0]
        is_model = isinstance(model, type) and issubclass(model, BaseModel)
        return ([model], nullable) if is_model else ([], False)
    models = [_member_model(m) for m in others]
    if any(m is None for m in models):
        return [], False
    return models, nullable


def _normalize(value: Any, *, source: ModelSource) -> Any:
    """One union member's input: the form's values read by that member's fields."""
    if not isinstance(value, dict):
        return value
    values = {k: v if isinstance(v, list) else [v] for k, v in value.items()}
    return fill(source, values, form=True)


def union_form_type(annotation: Any) -> Any:
    """A union of form models, each member reading the form its own way.

    Errors name the member (``["body", "Cat", "kind"]``): its ``Tag``, else its class.
    """
    members = []
    for member in get_args(annotation):
        model = _member_model(member)
        if model is None:
            members.append(member)
            continue
        metadata = get_args(member)[1:] if get_origin(member) is Annotated else ()
        tag = next((m for m in reversed(metadata) if isinstance(m, Tag)), Tag(model.__name__))
        normalize = BeforeValidator(partial(_normalize, source=model_source([model])))
        members.append(Annotated[member, normalize, tag])
    return typing.Union.__getitem__(tuple(members))
