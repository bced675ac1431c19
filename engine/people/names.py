"""Names in any script made comparable: casefolded, transliterated to Latin, reduced to a consonant skeleton.

Cyrillic and Arabic go to Latin with anyascii ("Коваленко" → "kovalenko", "الحسن" → "lhsn"). Arabic script
leaves short vowels unwritten and transliterations disagree on vowels and doubled letters ("Kowalenko" /
"Kovalenko", "Al-Hassan" / "Al'-Khasan" / "lhsn"), so names are also compared by their consonant skeleton.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

_NOT_LETTER = re.compile(r"[^a-z0-9]+")
_VOWELS = re.compile(r"[aeiouy]")
#: Spellings of one sound across transliteration schemes, made equal before the vowels go.
_SOUNDS = (("kh", "h"), ("ch", "c"), ("sh", "s"), ("zh", "z"), ("ph", "f"), ("w", "v"), ("j", "i"), ("q", "k"))


def fold(text: str | None) -> str:
    """Casefolded, with compatibility forms and spaces normalised: the form searches compare in every script."""
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def latin(text: str | None) -> str:
    """The text transliterated to Latin, casefolded."""
    return fold(anyascii(text or ""))


def compact(text: str | None) -> str:
    """Latin letters and digits only: "Al-Hassan" → "alhassan"."""
    return _NOT_LETTER.sub("", latin(text))


def skeleton(text: str | None) -> str:
    """The consonants in order with repeats merged: "Al-Hassan", "Аль-Хасан" and "الحسن" all give "lhsn"."""
    letters = compact(text)
    for spelling, sound in _SOUNDS:
        letters = letters.replace(spelling, sound)
    consonants = _VOWELS.sub("", letters)
    return re.sub(r"(.)\1+", r"\1", consonants)


def search_key(given: str | None, family: str | None, original: str | None) -> str:
    """What a case search and the duplicate check compare: the names as written and in Latin, casefolded."""
    written = fold(f"{given or ''} {family or ''} {original or ''}")
    parts = [written, latin(written)]
    return " | ".join(dict.fromkeys(part for part in parts if part))


def query_forms(query: str) -> list[str]:
    """The forms of a typed query to look for in search keys: as typed and transliterated, casefolded."""
    return [form for form in dict.fromkeys((fold(query), latin(query))) if form]
