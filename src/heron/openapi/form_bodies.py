"""The ``Body_*`` schema of a form holding form models (FastAPI 0.165's layout).

Called by ``openapi.utils`` for a form body that declares a form model next to other
fields, or a nullable one (``Annotated[Model | None, Form()]``). The fields of a form
model are the form's own fields, so the schema is not one property per argument:

* plain fields are properties, by their form names;
* each model (or union of models) is an ``allOf`` entry, validated against the form;
* a nullable model is "absent" when none of its fields is sent: ``{"not": {"anyOf":
  [{"required": [name]}, ...]}}`` (``{"maxProperties": 0}`` for a model taking extra
  fields), allowed as an alternative, or refused by ``not`` when the model is required.
"""

from __future__ import annotations

import copy
import warnings
from functools import partial
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    GetPydanticSchema,
    create_model,
)
from pydantic.fields import FieldInfo

from heron.dependencies.flat_models import ModelSource, form_models
from heron.dependencies.models import BodyField
from heron.openapi.schemas import schema_attributes

__all__ = ["form_body_model"]


def _model_schema(
    model: type[BaseModel], spec: ModelSource, core_schema: Any, handler: GetJsonSchemaHandler
) -> Any:
    """A form model's schema, its properties named as the form sends them.

    Pydantic names a property after the field's alias (or first alias choice); when the
    form reads it under another name first (``validate_by_alias=False``), or under several
    names while it is required (``populate_by_name``), the model's schema is inlined with
    the form's names: the first as the property, ``anyOf`` of ``required`` for the others.
    """
    schema = handler(core_schema)
    resolved = handler.resolve_ref_schema(schema)
    properties = resolved.get("properties", {})
    required = resolved.get("required", [])
    renames: dict[str, list[str]] = {}
    for (name, info), (pairs, _) in zip(model.model_fields.items(), spec.fields, strict=True):
        chosen = info.validation_alias
        if isinstance(chosen, AliasChoices):
            shown: Any = chosen.choices[0]
        else:
            shown = chosen if isinstance(chosen, str) and chosen else (info.alias or name)
        keys = [key for key, _ in pairs]
        if isinstance(shown, str) and shown in properties:
            if keys[0] != shown or (len(keys) > 1 and shown in required):
                renames[shown] = keys
    if not renames:
        return schema
    inlined = copy.deepcopy(resolved)  # the shared model's own schema stays as it is
    inlined["properties"] = {
        renames.get(name, [name])[0]: value for name, value in inlined["properties"].items()
    }
    inlined["required"] = []
    for name in required:
        keys = renames.get(name, [name])
        if len(keys) == 1:
            inlined["required"].append(keys[0])
        else:
            inlined.setdefault("allOf", []).append({"anyOf": [{"required": [k]} for k in keys]})
    return inlined


def _value_type(body: BodyField, info: FieldInfo, declared: Any) -> Any:
    spec = body.model_fields
    if spec is not None and not spec.union:
        model = form_models(declared)[0][0]
        schema = GetPydanticSchema(get_pydantic_json_schema=partial(_model_schema, model, spec))
        described: Any = Annotated.__class_getitem__((model, schema))  # type: ignore[attr-defined]
        return described | None if spec.nullable else described
    if info.metadata:
        return Annotated.__class_getitem__((info.annotation, *info.metadata))  # type: ignore[attr-defined]
    return info.annotation


def form_body_model(
    name: str, bodies: list[BodyField], infos: list[FieldInfo], declared: list[Any]
) -> type[BaseModel]:
    """The ``Body_*`` model of a form with form models, for its JSON Schema only.

    Args:
        name: The model's name (``Body_<unique id>``).
        bodies: The form's fields, in order.
        infos: Each field's merged ``FieldInfo`` (``schemas.field_info_of``).
        declared: Each field's type without ``Annotated`` metadata.
    """
    members: dict[str, Any] = {}
    for index, (body, info) in enumerate(zip(bodies, infos, strict=True)):
        options: dict[str, Any] = {**schema_attributes(info), "alias": f"field_{index}"}
        spec = body.model_fields
        if spec is None or spec.union or spec.nullable:
            # COMPAT(fastapi): a plain model field keeps the model's own title.
            options["title"] = info.title or body.name.replace("_", " ").title()
        members[f"field_{index}"] = (_value_type(body, info, declared[index]), Field(**options))
    required = [info.is_required() for info in infos]
    config = ConfigDict(json_schema_extra=partial(_layout, bodies, required))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # names like ``json`` shadow BaseModel's (schema only)
        return create_model(name, __config__=config, **members)


def _absent(body: BodyField) -> dict[str, Any]:
    """The schema of a form where this nullable model was not sent."""
    spec = body.model_fields
    assert spec is not None
    if spec.open:
        return {"maxProperties": 0}
    names = sorted(spec.own_names)
    return {"not": {"anyOf": [{"required": [n]} for n in names]}} if names else {}


def _layout(bodies: list[BodyField], required: list[bool], schema: dict[str, Any]) -> None:
    """Rewrite the ``field_<n>`` properties as the form's fields and models."""
    by_index = schema.pop("properties")
    schema.pop("required", None)
    properties: dict[str, Any] = {}
    names: list[str] = []
    conditions: list[dict[str, Any]] = []
    for index, body in enumerate(bodies):
        field_schema = by_index[f"field_{index}"]
        spec = body.model_fields
        if spec is None:
            if body.alias in properties:
                conditions.append({"properties": {body.alias: field_schema}})
            else:
                properties[body.alias] = field_schema
            if required[index] and body.alias not in names:
                names.append(body.alias)
            continue
        field_schema.pop("default", None)
        if spec.nullable:
            # A form has no null: the model is left out by sending none of its fields.
            field_schema["anyOf"] = [
                choice for choice in field_schema["anyOf"] if choice.get("type") != "null"
            ]
            absent = _absent(body)
            if required[index]:
                conditions.append({"not": absent})
            else:
                field_schema = {"anyOf": [absent, field_schema]}
        conditions.append(field_schema)
    if properties:
        schema["properties"] = properties
    if names:
        schema["required"] = names
    schema["allOf"] = conditions
