"""Read a JSON request body and check it against the operation's request schema."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from jsonschema import Draft202012Validator

from web.api.problems import ApiProblem, invalid

#: Deeper than any request schema goes; the checks after parsing recurse, so depth is bounded first.
MAX_DEPTH = 32


def json_body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    """The body as an object valid for ``schema``: 400 when it is not JSON, 422 naming each bad field.

    The size is limited before reading (web/bodies.py); here the nesting depth, and text that PostgreSQL
    cannot store (NUL) or that is not Unicode text at all (lone UTF-16 surrogates such as ``"\\ud800"``).
    """
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
    errors = _text_problems(body)
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


def _text_problems(body: dict[str, Any]) -> dict[str, str]:
    """Every string (key or value) that cannot be stored as text, by path; ApiProblem 400 when too deep."""
    problems: dict[str, str] = {}
    stack: list[tuple[Any, str, int]] = [(body, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                problems[path or "(body)"] = problem
            continue
        if isinstance(value, dict | list) and depth > MAX_DEPTH:
            raise ApiProblem(400, f"the request body is nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                problem = _text_problem(key)
                if problem:
                    problems[_printable(where)] = f"field name: {problem}"
                else:
                    stack.append((item, where, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value))
    return problems


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "text must not contain the NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text must be valid Unicode (no lone UTF-16 surrogates)"
    return None


def _printable(path: str) -> str:
    return path.encode("utf-8", "backslashreplace").decode("utf-8")
