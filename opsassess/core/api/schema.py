"""Post-processing of the generated OpenAPI schema, so it describes what the server does."""

from typing import Any

from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from rest_framework import fields

from opsassess.core.api.serializers import StrictInputMixin

GENERIC_ERROR = "FieldError"
GENERIC_VALIDATION = "QueryParameterValidationError"


class AutoSchema(StandardizedErrorsAutoSchema):
    """Request bodies as strict as StrictInputMixin makes them: no extra properties, and
    numbers as JSON numbers or strings of ASCII digits."""

    def _map_serializer(self, serializer: Any, direction: Any, bypass_extensions: bool = False):  # type: ignore[no-untyped-def]
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and isinstance(serializer, StrictInputMixin):
            schema["additionalProperties"] = False
        return schema

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False):  # type: ignore[no-untyped-def]
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and isinstance(field, fields.DecimalField):
            number: dict[str, Any] = {"type": "number"}
            text = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
            if field.min_value is not None:
                number["minimum"] = float(field.min_value)
            if field.max_value is not None:
                number["maximum"] = float(field.max_value)
            kept = {k: v for k, v in schema.items() if k in {"nullable", "description"}}
            schema = {"oneOf": [number, text], **kept}
        return schema


def truthful_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Two facts drf-spectacular cannot see by itself.

    1. Validation errors can name fields the generator does not know: a query parameter that
       is unknown or repeated, an answer's position (`answers.3`), a target's section key.
       Every per-operation error item therefore also accepts the generic shape
       {attr, code, detail}; the known, named errors stay listed first.
    2. Every GET answers 304 to an If-None-Match that still matches (ConditionalGetMiddleware).
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[GENERIC_ERROR] = {
        "type": "object",
        "description": "An error about one field or query parameter (`attr`), or the request "
        "as a whole (`attr` is null).",
        "properties": {
            "code": {"type": "string"},
            "detail": {"type": "string"},
            "attr": {"type": "string", "nullable": True},
        },
        "required": ["code", "detail", "attr"],
    }
    schemas[GENERIC_VALIDATION] = {
        "type": "object",
        "description": "Query parameters that were unknown, blank, repeated or invalid.",
        "properties": {
            "type": {"type": "string", "enum": ["validation_error"]},
            "errors": {"type": "array", "items": {"$ref": f"#/components/schemas/{GENERIC_ERROR}"}},
        },
        "required": ["type", "errors"],
    }
    for name, schema in schemas.items():
        mapping = schema.get("discriminator", {}).get("mapping", {})
        if (
            name.endswith("ErrorResponse400")
            and "oneOf" in schema
            and "validation_error" not in mapping
        ):
            # Operations without a serializer or filters still refuse bad query parameters.
            ref = f"#/components/schemas/{GENERIC_VALIDATION}"
            schema["oneOf"].append({"$ref": ref})
            mapping["validation_error"] = ref
    for schema in schemas.values():
        discriminator = schema.get("discriminator", {})
        if "oneOf" in schema and discriminator.get("propertyName") == "attr":
            schema["anyOf"] = [
                *schema.pop("oneOf"),
                {"$ref": f"#/components/schemas/{GENERIC_ERROR}"},
            ]
            schema.pop("discriminator")
    for operations in result.get("paths", {}).values():
        get = operations.get("get")
        if get is not None:
            get.setdefault("responses", {}).setdefault(
                "304",
                {"description": "Not modified: the ETag sent in If-None-Match still matches."},
            )
    return result
