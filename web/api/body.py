"""Read a JSON request body and check it against the operation's request schema."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from jsonschema import Draft202012Validator

from web.api.problems import ApiProblem, invalid


def json_body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    """The body as an object valid for ``schema``: 400 when it is not JSON, 422 naming each bad field."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise ApiProblem(400, "send a JSON object as the request body")
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiProblem(400, "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiProblem(400, "the request body must be a JSON object")
    errors: dict[str, str] = {}
    for path in _nul_paths(body, ""):
        errors[path or "(body)"] = "text must not contain the NUL character"
    if errors:
        raise invalid(errors)
    for error in sorted(Draft202012Validator(schema).iter_errors(body), key=lambda e: list(map(str, e.path))):
        field = ".".join(str(part) for part in error.absolute_path) or "(body)"
        if error.validator == "required" or error.validator == "additionalProperties":
            field = ".".join([*map(str, error.absolute_path), _named(error.message)]).strip(".")
        errors.setdefault(field, error.message)
    if errors:
        raise invalid(errors)
    return body


def _named(message: str) -> str:
    # "'name' is a required property" / "Additional properties are not allowed ('x' was unexpected)"
    parts = message.split("'")
    return parts[1] if len(parts) > 2 else "(body)"


def _nul_paths(value: Any, path: str) -> list[str]:
    """Where the body holds U+0000, which PostgreSQL cannot store in text or JSON."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found += [where] if "\x00" in str(key) else _nul_paths(item, where)
        return found
    if isinstance(value, list):
        return [hit for index, item in enumerate(value) for hit in _nul_paths(item, f"{path}[{index}]")]
    return []
