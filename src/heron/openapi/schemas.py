"""JSON Schemas for the OpenAPI document: every value of every route, in one pydantic pass.

Called by ``heron.openapi.utils`` once per document. Each parameter, body, response and
streamed item becomes a :class:`SchemaField`; :func:`generate_schemas` hands all of them to
one pydantic ``GenerateJsonSchema``, so models shared by several routes are defined once
under ``components.schemas`` (with pydantic's ``-Input``/``-Output`` names when a model
validates and serializes differently), and returns each field's schema.

COMPAT(fastapi): FastAPI builds its schemas the same way (one generator over its
``ModelField`` type adapters, plus every model and enum reachable from them), which is what
makes the two documents equal; this module does it from Heron's ``Dependant`` analysis.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, Field, TypeAdapter
from pydantic.errors import (
    PydanticInvalidForJsonSchema,
    PydanticSchemaGenerationError,
    PydanticUserError,
)
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import CoreSchema, PydanticUndefined

from heron.exceptions import HeronError
from heron.openapi.constants import REF_TEMPLATE

__all__ = [
    "SchemaField",
    "field_from_info",
    "field_info_of",
    "generate_schemas",
    "schema_attributes",
    "schema_of",
]

Mode = Literal["validation", "serialization"]
FieldMapping = dict[tuple["SchemaField", Mode], JsonSchemaValue]

# The ``Field()`` attributes that shape a standalone value's JSON Schema. The others (alias,
# validate_default…) only mean something on a model field and change nothing in the schema.
_VALUE_ATTRIBUTES = (
    "default",
    "default_factory",
    "title",
    "description",
    "examples",
    "json_schema_extra",
    "discriminator",
    "deprecated",
)
# PydanticUserError: a type pydantic could not complete (an unresolved forward reference).
_SCHEMA_ERRORS = (PydanticSchemaGenerationError, PydanticInvalidForJsonSchema, PydanticUserError)


class _JsonSchemaGenerator(GenerateJsonSchema):
    """pydantic's generator, with ``bytes`` documented as OpenAPI 3.1 binary content."""

    def bytes_schema(self, schema: Any) -> JsonSchemaValue:
        # COMPAT(fastapi): ``contentMediaType`` (OpenAPI 3.1) rather than pydantic's
        # ``format: binary``; base64 only when the model's config says so.
        json_schema: JsonSchemaValue = {
            "type": "string",
            "contentMediaType": "application/octet-stream",
        }
        config = self._config
        encoding = config.ser_json_bytes if self.mode == "serialization" else config.val_json_bytes
        if encoding == "base64":
            json_schema["contentEncoding"] = "base64"
        self.update_with_validations(json_schema, schema, self.ValidationsMapping.bytes)
        return json_schema


@dataclasses.dataclass(eq=False)
class SchemaField:
    """One value of the document whose JSON Schema is needed (hashed by identity).

    Attributes:
        name: The name a missing ``title`` is made from (the alias, or ``Response_<id>``).
        base: The type, without its field metadata (walked for models and enums).
        annotation: The type handed to pydantic (``Annotated`` with its ``Field``).
        mode: ``"validation"`` (parameters, bodies) or ``"serialization"`` (responses).
        title: An explicit title, which wins over the one made from ``name``.
        owner: The route it belongs to (``"GET /items/{id}"``), for error messages.
    """

    name: str
    base: Any
    annotation: Any
    mode: Mode = "validation"
    title: str | None = None
    owner: str = ""
    _adapter: TypeAdapter[Any] | None = dataclasses.field(default=None, repr=False)

    @property
    def core_schema(self) -> CoreSchema:
        """Pydantic's core schema of :attr:`annotation` (built once).

        Raises:
            HeronError: pydantic cannot build a schema for the type.
        """
        if self._adapter is None:
            try:
                with warnings.catch_warnings():
                    # pydantic warns that ``deprecated`` does nothing outside a model; it
                    # does mark the schema, which is what the document needs.
                    warnings.simplefilter("ignore", category=UserWarning)
                    self._adapter = TypeAdapter(self.annotation)
            except _SCHEMA_ERRORS as exc:
                raise self.error(exc) from exc
        return self._adapter.core_schema

    def error(self, exc: Exception) -> HeronError:
        """The error naming the route and the type whose schema cannot be generated."""
        return HeronError(
            f"Cannot generate the OpenAPI document: {self.owner} uses the type "
            f"{_type_name(self.base)} (for {self.name!r}), which has no JSON Schema: {exc}"
        )


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__qualname__
    return repr(annotation)


def schema_attributes(info: FieldInfo) -> dict[str, Any]:
    """The attributes of ``info`` that shape a standalone value's JSON Schema."""
    attributes = {key: getattr(info, key, None) for key in _VALUE_ATTRIBUTES}
    return {
        key: value for key, value in attributes.items() if value is not None or key == "default"
    }


def field_info_of(declared: Any, marker: FieldInfo | None, default: Any) -> FieldInfo:
    """One ``FieldInfo`` merging an argument's ``Annotated`` metadata, marker and default.

    Args:
        declared: The annotation as written.
        marker: The ``Query()``/``Body()``… marker (in ``Annotated`` or as the default).
        default: The declared default (``PydanticUndefined``: required).
    """
    in_annotated = get_origin(declared) is Annotated and any(
        item is marker for item in get_args(declared)[1:]
    )
    if marker is not None and not in_annotated:
        # The marker was the default value (or Heron made it: a bare ``UploadFile``).
        declared = Annotated.__class_getitem__((declared, marker))  # type: ignore[attr-defined]
    if default is PydanticUndefined:
        return FieldInfo.from_annotation(declared)
    return FieldInfo.from_annotated_attribute(declared, default)


def field_from_info(
    name: str, info: FieldInfo, *, mode: Mode = "validation", owner: str = ""
) -> SchemaField:
    """The :class:`SchemaField` of a value described by ``info`` (type, constraints, metadata)."""
    base = info.annotation
    annotation = Annotated.__class_getitem__(  # type: ignore[attr-defined]
        (base, *info.metadata, Field(**schema_attributes(info)))
    )
    return SchemaField(name, base, annotation, mode, info.title, owner)


def _flat_models(annotation: Any, found: dict[type, None]) -> None:
    """Add the models and enums reachable from ``annotation`` to ``found`` (ordered set)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel | Enum):
        if annotation in found:
            return
        found[annotation] = None
        if issubclass(annotation, BaseModel):
            for info in annotation.model_fields.values():
                _flat_models(info.annotation, found)
        return
    if get_origin(annotation) is not None:
        for arg in get_args(annotation):
            _flat_models(arg, found)


def _has_computed_fields(annotation: Any, seen: set[type]) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        seen.add(annotation)
        if annotation.model_computed_fields:
            return True
        return any(
            _has_computed_fields(info.annotation, seen) for info in annotation.model_fields.values()
        )
    return any(_has_computed_fields(arg, seen) for arg in get_args(annotation))


def _mode_of(field: SchemaField, separate_input_output_schemas: bool) -> Mode:
    """The mode a field is documented in.

    COMPAT(fastapi): with ``separate_input_output_schemas=False`` every schema is the
    validation one, except for types with computed fields (which only serialization shows).
    """
    if separate_input_output_schemas or field.mode == "validation":
        return field.mode
    computed = field.core_schema.get("schema", {}).get("computed_fields")
    if computed or _has_computed_fields(field.base, set()):
        return field.mode
    return "validation"


def _with_flat_models(fields: Sequence[SchemaField]) -> list[SchemaField]:
    """``fields`` plus one field per model or enum reachable from them (FastAPI's inputs)."""
    direct = {id(field.base) for field in fields}
    extra: list[SchemaField] = []
    for mode in ("validation", "serialization"):
        found: dict[type, None] = {}
        for field in fields:
            if field.mode == mode:
                _flat_models(field.base, found)
        extra.extend(
            SchemaField(model.__name__, model, model, mode)
            for model in found
            if id(model) not in direct
        )
    return [*fields, *extra]


def generate_schemas(
    fields: Sequence[SchemaField], separate_input_output_schemas: bool = True
) -> tuple[FieldMapping, dict[str, JsonSchemaValue]]:
    """Generate the schema of every field and the shared definitions, in one pass.

    Returns:
        ``{(field, mode): schema}`` and the definitions for ``components.schemas``
        (descriptions cut at a form feed, as for operations).

    Raises:
        HeronError: A field's type has no JSON Schema; the message names the route and the
            type, and no document is produced.
    """
    inputs = [
        (field, _mode_of(field, separate_input_output_schemas), field.core_schema)
        for field in _with_flat_models(fields)
    ]
    generator = _JsonSchemaGenerator(ref_template=REF_TEMPLATE)
    try:
        with warnings.catch_warnings():
            # Descriptions of enums/models without docstrings etc. are pydantic's business.
            warnings.simplefilter("ignore", category=UserWarning)
            mapping, definitions = generator.generate_definitions(inputs=inputs)
    except _SCHEMA_ERRORS as exc:
        raise _culprit(inputs, exc) from exc
    for definition in definitions.values():
        description = definition.get("description")
        if isinstance(description, str):
            definition["description"] = description.split("\f")[0]
    return dict(mapping), {str(name): schema for name, schema in definitions.items()}


def _culprit(inputs: Iterable[tuple[SchemaField, Mode, CoreSchema]], exc: Exception) -> HeronError:
    """The error of the first field whose schema fails alone (the batch only says *that*)."""
    for field, mode, core_schema in inputs:
        try:
            _JsonSchemaGenerator(ref_template=REF_TEMPLATE).generate(core_schema, mode=mode)
        except _SCHEMA_ERRORS as field_exc:
            return field.error(field_exc)
    return HeronError(f"Cannot generate the OpenAPI document: {exc}")


def schema_of(
    field: SchemaField,
    mapping: FieldMapping,
    separate_input_output_schemas: bool = True,
) -> dict[str, Any]:
    """The schema of ``field`` in the document, with FastAPI's ``title`` rule.

    COMPAT(fastapi): an inline schema (no ``$ref``) gets the field's title, or its name
    title-cased with underscores as spaces (``item_id`` → ``Item Id``).
    """
    schema = dict(mapping[(field, _mode_of(field, separate_input_output_schemas))])
    if "$ref" not in schema:
        schema["title"] = field.title or field.name.title().replace("_", " ")
    return schema
