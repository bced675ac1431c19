"""Turn a form's JSON Schema into field descriptors for a page, and submitted fields back into data.

HTML field names are flat: ``ipd_goals-0-goal_area`` is ``data["ipd_goals"][0]["goal_area"]``; the
validation path of the same field is ``ipd_goals/0/goal_area``. Rows of a repeating group carry a
hidden ``<name>-<i>-__row`` marker so a row left blank still exists after a round trip.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

ROW_MARKER = "__row"


class FormData(Protocol):
    """What a submitted form offers (werkzeug's MultiDict has both)."""

    def getlist(self, key: str) -> list[str]: ...

    def __iter__(self) -> Any: ...


@dataclass
class Option:
    value: str
    label: str


@dataclass
class Row:
    """One item of a repeating field: its index and its fields (one field for a list of texts)."""

    index: int
    name: str
    fields: list[Field]


@dataclass
class Field:
    key: str
    name: str
    path: str
    label: str
    help: str | None
    widget: str
    required: bool
    value: Any = None
    error: str | None = None
    options: list[Option] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    min_items: int = 0
    max_items: int | None = None
    pattern: str | None = None
    max_length: int | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    #: The name of a list the application offers as suggestions for a free-text field (``x-suggest``).
    suggest: str | None = None
    suggestions: list[str] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        return self.widget in ("group", "list")

    @property
    def selected_label(self) -> str | None:
        """The label of the chosen option (for read-only display)."""
        for option in self.options:
            if option.value == self.value:
                return option.label
        return None

    @property
    def selected_labels(self) -> list[str]:
        chosen = self.value if isinstance(self.value, list) else []
        return [o.label for o in self.options if o.value in chosen]


def localized(value: Any, locale: str, fallback: str = "") -> str:
    """Pick ``value[locale]`` from an ``{"pl": …, "en": …}`` annotation, else the other language."""
    if isinstance(value, Mapping):
        for key in (locale, "pl", "en"):
            if value.get(key):
                return str(value[key])
        return fallback
    if isinstance(value, str):
        return value
    return fallback


def _types(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type", "string")
    return list(kind) if isinstance(kind, list) else [kind]


def _main_type(schema: Mapping[str, Any]) -> str:
    return next((t for t in _types(schema) if t != "null"), "string")


def _nullable(schema: Mapping[str, Any]) -> bool:
    return "null" in _types(schema)


def _ordered(schema: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    props: dict[str, dict[str, Any]] = schema.get("properties") or {}
    order = [k for k in schema.get("x-order", []) if k in props]
    order += [k for k in props if k not in order]
    return [(k, props[k]) for k in order]


def _widget(schema: Mapping[str, Any]) -> str:
    kind = _main_type(schema)
    if kind == "array":
        items = schema.get("items") or {}
        if _main_type(items) == "object":
            return "group"
        return "checkboxes" if "enum" in items else "list"
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    explicit = schema.get("x-widget")
    if explicit in ("textarea", "radio", "select", "date", "money"):
        return str(explicit)
    if schema.get("format") == "date":
        return "date"
    if "enum" in schema:
        return "select"
    if schema.get("format") == "email":
        return "email"
    return "text"


def _options(schema: Mapping[str, Any], locale: str) -> list[Option]:
    labels = schema.get("x-enum-labels") or {}
    return [
        Option(str(v), localized(labels.get(str(v)), locale, str(v))) for v in schema.get("enum", []) if v is not None
    ]


def build_fields(
    schema: Mapping[str, Any],
    data: Mapping[str, Any] | None,
    locale: str,
    errors: Mapping[str, str] | None = None,
) -> list[Field]:
    """Field descriptors for every property of ``schema``, in ``x-order``, with values and errors."""
    return _object_fields(schema, dict(data or {}), locale, dict(errors or {}), name_prefix="", path_prefix="")


def _object_fields(
    schema: Mapping[str, Any],
    data: Mapping[str, Any],
    locale: str,
    errors: dict[str, str],
    *,
    name_prefix: str,
    path_prefix: str,
) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        _field(
            key,
            prop,
            data.get(key),
            locale,
            errors,
            name=f"{name_prefix}{key}",
            path=f"{path_prefix}{key}",
            required=key in required and not _nullable(prop),
        )
        for key, prop in _ordered(schema)
    ]


def _field(
    key: str,
    schema: Mapping[str, Any],
    value: Any,
    locale: str,
    errors: dict[str, str],
    *,
    name: str,
    path: str,
    required: bool,
) -> Field:
    widget = _widget(schema)
    source = schema.get("items", {}) if widget in ("checkboxes", "list") else schema
    result = Field(
        key=key,
        name=name,
        path=path,
        label=localized(schema.get("x-label"), locale, schema.get("title") or key),
        help=localized(schema.get("x-help"), locale) or None,
        widget=widget,
        required=required,
        value=value,
        error=errors.get(path),
        options=_options(source, locale),
        min_items=int(schema.get("minItems", 0)),
        max_items=schema.get("maxItems"),
        pattern=schema.get("pattern"),
        max_length=schema.get("maxLength"),
        minimum=schema.get("minimum"),
        maximum=schema.get("maximum"),
        suggest=schema.get("x-suggest"),
    )
    if widget == "group":
        items = schema["items"]
        values = value if isinstance(value, list) else []
        if not values and result.min_items and value is None:
            values = [{}]
        result.rows = [
            Row(
                index=i,
                name=f"{name}-{i}",
                fields=_object_fields(
                    items,
                    item if isinstance(item, Mapping) else {},
                    locale,
                    errors,
                    name_prefix=f"{name}-{i}-",
                    path_prefix=f"{path}/{i}/",
                ),
            )
            for i, item in enumerate(values)
        ]
    elif widget == "list":
        items = schema["items"]
        # Always offer a line to type into; blank lines are dropped when parsing.
        values = value if isinstance(value, list) and value else [""]
        result.rows = [
            Row(
                index=i,
                name=f"{name}-{i}",
                fields=[
                    _field(
                        key,
                        items,
                        item,
                        locale,
                        errors,
                        name=f"{name}-{i}",
                        path=f"{path}/{i}",
                        required=True,
                    )
                ],
            )
            for i, item in enumerate(values)
        ]
    return result


# -- parsing submitted fields --------------------------------------------------------------


def parse_form(schema: Mapping[str, Any], form: FormData) -> dict[str, Any]:
    """Typed data from flat HTML fields; empty optional fields are left out (null where allowed)."""
    names = set(form)
    return _parse_object(schema, form, names, prefix="")


def _first(form: FormData, name: str) -> str:
    values = form.getlist(name)
    return values[0].strip() if values else ""


def _parse_object(schema: Mapping[str, Any], form: FormData, names: set[str], *, prefix: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    required = set(schema.get("required", []))
    for key, prop in _ordered(schema):
        name = f"{prefix}{key}"
        present, value = _parse_value(prop, form, names, name, required=key in required)
        if present:
            result[key] = value
    return result


def _indices(names: Iterable[str], name: str) -> list[int]:
    pattern = re.compile(rf"^{re.escape(name)}-(\d+)(?:-|$)")
    found = {int(m.group(1)) for n in names if (m := pattern.match(n))}
    return sorted(found)


def _parse_value(
    schema: Mapping[str, Any], form: FormData, names: set[str], name: str, *, required: bool
) -> tuple[bool, Any]:
    kind = _main_type(schema)
    nullable = _nullable(schema)
    if kind == "array":
        items = schema.get("items") or {}
        if _main_type(items) == "object":
            rows = [_parse_object(items, form, names, prefix=f"{name}-{i}-") for i in _indices(names, name)]
            return (bool(rows) or required), rows
        if "enum" in items:
            chosen = [v for v in form.getlist(name) if v]
            return (bool(chosen) or required), chosen
        texts = [_first(form, f"{name}-{i}") for i in _indices(names, name)]
        texts = [t for t in texts if t]
        return (bool(texts) or required), texts
    if kind == "boolean":
        raw = _first(form, name)
        return True, raw.lower() in ("1", "true", "on", "yes")
    raw = _first(form, name)
    if raw == "":
        return (nullable, None) if nullable else (False, None)
    if kind == "integer":
        return True, int(raw) if re.fullmatch(r"-?\d+", raw) else raw
    if kind == "number":
        try:
            return True, float(raw.replace(",", "."))
        except ValueError:
            return True, raw
    if schema.get("x-widget") == "money":
        return True, raw.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    return True, raw


# -- editing repeating groups without JavaScript --------------------------------------------


def add_row(schema: Mapping[str, Any], data: dict[str, Any], name: str) -> bool:
    """Append a blank item to the repeating field named ``name`` (``goals`` or ``goals-0-items``)."""
    target = _locate(schema, data, name)
    if target is None:
        return False
    prop, container, key = target
    items = container.setdefault(key, [])
    if not isinstance(items, list):
        return False
    if prop.get("maxItems") is not None and len(items) >= int(prop["maxItems"]):
        return False
    items.append({} if _main_type(prop.get("items") or {}) == "object" else "")
    return True


def remove_row(schema: Mapping[str, Any], data: dict[str, Any], row_name: str) -> bool:
    """Drop the item ``row_name`` (``goals-1``) of a repeating field."""
    name, _, index = row_name.rpartition("-")
    target = _locate(schema, data, name)
    if target is None or not index.isdigit():
        return False
    _prop, container, key = target
    items = container.get(key)
    if not isinstance(items, list) or int(index) >= len(items):
        return False
    del items[int(index)]
    return True


def _locate(
    schema: Mapping[str, Any], data: dict[str, Any], name: str
) -> tuple[Mapping[str, Any], dict[str, Any], str] | None:
    """The array property named by a flat field name, the dict holding it and its key."""
    parts = name.split("-")
    current_schema: Mapping[str, Any] = schema
    container: Any = data
    while parts:
        key = parts.pop(0)
        prop = (current_schema.get("properties") or {}).get(key)
        if prop is None or not isinstance(container, dict) or _main_type(prop) != "array":
            return None
        if not parts:
            return prop, container, key
        index = parts.pop(0)
        items = container.get(key)
        if not index.isdigit() or not isinstance(items, list) or int(index) >= len(items):
            return None
        current_schema = prop.get("items") or {}
        container = items[int(index)]
    return None
