"""Post-processing of the generated OpenAPI schema, so it describes what the server does."""

from typing import Any

GENERIC_ERROR = "FieldError"
GENERIC_VALIDATION = "QueryParameterValidationError"


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
