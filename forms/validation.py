"""Validate submitted form data against its JSON Schema, reporting problems per field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

_format_checker = FormatChecker()


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: ``path`` like ``goals/0/deadline``, a stable ``code`` and an English message."""

    path: str
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


def _path(error: ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(form)"


def _describe(error: ValidationError) -> FieldError:
    kind = str(error.validator)
    path = _path(error)
    value = error.validator_value
    messages = {
        "required": ("required", "This field is required.", {}),
        "type": ("type", f"Must be of type {value}.", {"type": value}),
        "enum": ("choice", "Choose one of the listed options.", {"choices": value}),
        "const": ("choice", "This value is not allowed here.", {}),
        "format": ("format", f"Must be a valid {value}.", {"format": value}),
        "pattern": ("pattern", "The value has the wrong form.", {"pattern": value}),
        "minLength": ("min_length", f"Must be at least {value} characters long.", {"min": value}),
        "maxLength": ("max_length", f"Must be at most {value} characters long.", {"max": value}),
        "minimum": ("minimum", f"Must be at least {value}.", {"min": value}),
        "maximum": ("maximum", f"Must be at most {value}.", {"max": value}),
        "exclusiveMinimum": ("minimum", f"Must be more than {value}.", {"min": value}),
        "exclusiveMaximum": ("maximum", f"Must be less than {value}.", {"max": value}),
        "minItems": ("min_items", f"Add at least {value}.", {"min": value}),
        "maxItems": ("max_items", f"Add at most {value}.", {"max": value}),
        "additionalProperties": ("unknown_field", "The form has no such field.", {}),
    }
    code, message, params = messages.get(kind, ("invalid", error.message, {}))
    return FieldError(path=path, code=code, message=message, params=params)


def validate_data(schema: dict[str, Any], data: Any) -> dict[str, FieldError]:
    """Return the problems found, keyed by field path (first problem per field); empty when valid."""
    validator = Draft202012Validator(schema, format_checker=_format_checker)
    problems: dict[str, FieldError] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        if error.validator == "required" and isinstance(error.instance, dict):
            # One entry per missing field, at the field's own path.
            base = [str(p) for p in error.absolute_path]
            for name in error.validator_value:
                if name not in error.instance:
                    path = "/".join([*base, str(name)])
                    problems.setdefault(path, FieldError(path, "required", "This field is required."))
            continue
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            base = [str(p) for p in error.absolute_path]
            known = set((error.schema.get("properties") or {}) if isinstance(error.schema, dict) else ())
            for name in error.instance:
                if name not in known:
                    path = "/".join([*base, str(name)])
                    problems.setdefault(path, FieldError(path, "unknown_field", "The form has no such field."))
            continue
        described = _describe(error)
        problems.setdefault(described.path, described)
    return problems
