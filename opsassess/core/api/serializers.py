"""Input serializers that take JSON at its word.

DRF is lenient by default: it ignores fields it does not know and coerces types (123 becomes
"123", "no" becomes False, "1_000" and Arabic-Indic digits become numbers). Every write in
the API validates through StrictSerializer or StrictModelSerializer instead, which refuse,
each with a 400 naming the field:

- a field the serializer does not declare (or one it only ever reads);
- a string field given anything but a JSON string;
- a boolean field given anything but true or false;
- a number field given anything but a JSON number or a string of ASCII digits (an optional
  minus sign and, for decimals, one decimal point): "" and "1_000" are refused too;
- a list or object given for a scalar, and the same rules for each item of a list or value
  of an object.

The OpenAPI schema says so: their request bodies have `additionalProperties: false`
(opsassess.core.api.schema.AutoSchema).
"""

import re
from collections.abc import Mapping
from typing import Any

from rest_framework import fields, serializers

WHOLE_NUMBER = re.compile(r"-?[0-9]+", re.ASCII)
DECIMAL_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)

Errors = list[str] | dict[Any, Any]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def type_errors(field: fields.Field, value: Any) -> Errors | None:
    """Why `value` is not of the JSON type `field` takes, or None when it is."""
    if value is None or isinstance(field, serializers.BaseSerializer):
        # null is the field's own business (allow_null); nested serializers check themselves.
        return None
    if isinstance(field, fields.BooleanField):
        return None if isinstance(value, bool) else ["Must be a valid boolean: JSON true or false."]
    if isinstance(field, fields.IntegerField):
        if _is_number(value) or (isinstance(value, str) and WHOLE_NUMBER.fullmatch(value)):
            return None
        return ["A valid integer is required: a JSON number or a string of ASCII digits."]
    if isinstance(field, fields.DecimalField | fields.FloatField):
        if _is_number(value) or (isinstance(value, str) and DECIMAL_NUMBER.fullmatch(value)):
            return None
        return [
            'A valid number is required: a JSON number or ASCII digits in a string, e.g. "12.5".'
        ]
    if isinstance(field, fields.ListField):
        if not isinstance(value, list):
            return None  # ListField's own "Expected a list" message
        items = {
            index: errors
            for index, item in enumerate(value)
            if (errors := type_errors(field.child, item)) is not None
        }
        return items or None
    if isinstance(field, fields.DictField):
        if not isinstance(value, Mapping):
            return None  # DictField's own "Expected a dictionary" message
        entries = {
            key: errors
            for key, item in value.items()
            if (errors := type_errors(field.child, item)) is not None
        }
        return entries or None
    if isinstance(
        field, fields.CharField | fields.ChoiceField | fields.DateTimeField | fields.DateField
    ):
        return None if isinstance(value, str) else ["Not a valid string: send a JSON string."]
    return None


class StrictInputMixin:
    # No docstring: drf-spectacular would publish it as every request body's description.
    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = {name: field for name, field in self.fields.items() if not field.read_only}
            errors: dict[str, Errors] = {
                name: ["Unknown field. Allowed: " + ", ".join(sorted(writable)) + "."]
                for name in data
                if name not in writable
            }
            for name, field in writable.items():
                if name in data and (problem := type_errors(field, data[name])) is not None:
                    errors[name] = problem
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    pass
