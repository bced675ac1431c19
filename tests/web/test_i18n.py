"""Every user-facing message has a Polish translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHOD_MAP = [
    ("engine/**.py", "python"),
    ("web/**.py", "python"),
    ("forms/**.py", "python"),
    ("web/templates/**.html", "jinja2"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, callback=None
    ):
        found.add(message if isinstance(message, str) else message[0])
    return {m for m in found if m}


def test_every_message_is_translated_to_polish():
    with open(ROOT / "web/translations/pl/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle, locale="pl")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and m.string and not m.fuzzy and (m.string if isinstance(m.string, str) else all(m.string))
    }
    missing = sorted(_source_messages() - translated)
    assert not missing, "untranslated (run `make translations` and translate):\n" + "\n".join(missing)
