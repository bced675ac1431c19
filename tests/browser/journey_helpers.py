"""Fill a task form rendered from its JSON Schema in the browser, field by field, from a sample dict.

The page's field names follow `forms.render`'s flat naming (``ipd_goals-0-goal_area``); the widget of
each field comes from the same descriptors the page was rendered from, so a select is chosen, a radio
checked and a repeating group grown with its "Add another" button, as a person would do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from playwright.sync_api import Page, expect

from forms.registry import current_registry
from forms.render import Field, build_fields

TEXT_WIDGETS = ("text", "email", "textarea", "date", "number", "money")


def fill_form(page: Page, form_key: str, data: Mapping[str, Any]) -> None:
    """Type ``data`` into the open task form ``form_key``; keys left out of ``data`` are not touched."""
    schema = current_registry().load(form_key)
    fields = build_fields(schema, dict(data), "pl")
    _fill_fields(page, [f for f in fields if f.key in data])


def _css(name: str) -> str:
    return f"[name='{name}']"


def _fill_fields(page: Page, fields: list[Field]) -> None:
    for f in fields:
        _fill_field(page, f)


def _rows(page: Page, name: str) -> list[str]:
    """The rows of the repeating field ``name`` on the page (by their ``data-row``, nested ones left out)."""
    pattern = re.compile(rf"^{re.escape(name)}-\d+$")
    found = page.eval_on_selector_all(f"[data-row^='{name}-']", "els => els.map(e => e.dataset.row)")
    return [row for row in found if pattern.match(row)]


def _grow(page: Page, f: Field, wanted: int) -> None:
    """Add or remove rows of the repeating field ``f`` with its own buttons until it has ``wanted`` rows."""
    while (count := len(_rows(page, f.name))) < wanted:
        page.locator(f"button[data-add-row='{f.name}']").click()
        expect(page.locator(f"[data-row='{f.name}-{count}']")).to_have_count(1)
    while (count := len(_rows(page, f.name))) > wanted:
        last = _rows(page, f.name)[-1]
        page.locator(f"[data-row='{last}'] > button[data-remove-row]").click()
        expect(page.locator(f"[data-row='{last}']")).to_have_count(0)


def _fill_field(page: Page, f: Field) -> None:
    value = f.value
    if f.widget == "group":
        _grow(page, f, len(f.rows))
        for row in f.rows:
            _fill_fields(page, row.fields)
        return
    if f.widget == "list":
        items = value if isinstance(value, list) else []
        _grow(page, f, max(len(items), 1))
        for row in f.rows:
            page.fill(_css(row.fields[0].name), "" if row.fields[0].value is None else str(row.fields[0].value))
        return
    if f.widget == "checkboxes":
        chosen = value if isinstance(value, list) else []
        for option in f.options:
            page.locator(f"{_css(f.name)}[value='{option.value}']").set_checked(option.value in chosen)
        return
    if f.widget == "radio":
        if value is not None:
            page.locator(f"{_css(f.name)}[value='{value}']").check()
        return
    if f.widget == "checkbox":
        page.locator(_css(f.name)).set_checked(bool(value))
        return
    if f.widget == "select":
        page.select_option(_css(f.name), "" if value is None else str(value))
        return
    assert f.widget in TEXT_WIDGETS, f"no way to fill a {f.widget} field ({f.name})"
    page.fill(_css(f.name), "" if value is None else str(value))
