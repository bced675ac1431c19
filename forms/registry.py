"""Find and load the JSON Schema of a user task's form by its key (``area/name``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

FORMS_ROOT = Path(__file__).resolve().parent
KEY_RE = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")


class FormNotFound(LookupError):
    """No form with this key exists."""


class FormDefinitionError(ValueError):
    """A form file exists but is not a usable JSON Schema; the message says where."""


class FormRegistry:
    """The forms under one folder; each ``<key>.json`` is a JSON Schema (draft 2020-12)."""

    def __init__(self, root: Path = FORMS_ROOT) -> None:
        self.root = root

    def path_for(self, key: str) -> Path:
        if not KEY_RE.match(key):
            raise FormNotFound(f"{key!r} is not a form key (lower-case words separated by '/')")
        return self.root / f"{key}.json"

    def exists(self, key: str) -> bool:
        try:
            return self.path_for(key).is_file()
        except FormNotFound:
            return False

    def keys(self) -> Iterator[str]:
        for path in sorted(self.root.rglob("*.json")):
            yield path.relative_to(self.root).with_suffix("").as_posix()

    def load(self, key: str) -> dict[str, Any]:
        path = self.path_for(key)
        if not path.is_file():
            raise FormNotFound(f"no form {key!r} (looked for {path.name} in {path.parent})")
        return _load(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=256)
def _load(path: Path, _mtime: int) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FormDefinitionError(f"{path.name}: line {exc.lineno}: {exc.msg}") from None
    if not isinstance(schema, dict):
        raise FormDefinitionError(f"{path.name}: the top level must be a JSON object")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        location = "/".join(str(p) for p in exc.path) or "(top level)"
        raise FormDefinitionError(f"{path.name}: {location}: {exc.message}") from None
    return schema


_current = FormRegistry()


def current_registry() -> FormRegistry:
    """The registry the engine uses (the ``forms/`` package unless replaced)."""
    return _current


def use_registry(registry: FormRegistry) -> FormRegistry:
    """Replace the registry (tests, a deployment with its own forms folder); return the old one."""
    global _current
    previous, _current = _current, registry
    return previous
