"""Possible duplicates of a person about to be registered, each with the reasons it matches.

A candidate shares a document number or PESEL, or has a similar name (compared in Latin transliteration, by
fuzzy similarity and by consonant skeleton, and as written in the original script) and no conflicting date of
birth. The office's beneficiaries are compared in Python with rapidfuzz, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rapidfuzz import fuzz
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.models import Beneficiary
from engine.people.models import IdentityDocument
from engine.people.names import compact, fold, skeleton

#: rapidfuzz ratio (0-100) from which two transliterated names count as the same name spelt differently.
SIMILAR = 85
#: Skeletons shorter than this ("mr" of "Maria") say too little to match on their own.
SKELETON_MIN = 3
LIMIT = 20


class Reason(StrEnum):
    DOCUMENT_NUMBER = "document_number"
    PESEL = "pesel"
    SIMILAR_NAME = "similar_name"
    SAME_ORIGINAL_NAME = "same_original_name"
    SAME_BIRTH_DATE = "same_birth_date"
    NO_BIRTH_DATE = "birth_date_missing"


@dataclass(frozen=True)
class Candidate:
    beneficiary: Beneficiary
    reasons: tuple[Reason, ...]
    #: For ordering: identifiers first, then how alike the names are.
    score: int


@dataclass(frozen=True)
class Person:
    """What is known of the person being registered."""

    given_names_latin: str
    family_name_latin: str
    names_original: str | None = None
    date_of_birth: date | None = None
    document_number: str | None = None
    pesel: str | None = None


def _words(text: str | None) -> set[str]:
    return {form for word in (text or "").split() if (form := compact(word))}


def _name_forms(given: str | None, family: str | None, original: str | None) -> tuple[set[str], set[str]]:
    """The given-name and family-name forms of a person; words of the original-script name count as both."""
    from_original = _words(original)
    family_forms = {form for form in (compact(family),) if form} | from_original
    return _words(given) | from_original, family_forms


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _alike(a: str, b: str) -> int:
    """How alike two compacted names are (0-100): fuzzy ratio, or 100 for the same consonant skeleton."""
    if a == b:
        return 100
    if _digits(a) != _digits(b):
        return 0  # "Person1" and "Person2": numbered placeholders are told apart by their numbers
    bones = skeleton(a)
    if len(bones) >= SKELETON_MIN and bones == skeleton(b):
        return 100
    return int(fuzz.ratio(a, b))


def _best(ours: set[str], theirs: set[str]) -> int:
    return max((_alike(a, b) for a in ours for b in theirs), default=0)


def find_candidates(session: Session, actor: User, person: Person, *, limit: int = LIMIT) -> list[Candidate]:
    """Beneficiaries of the actor's office that may be ``person``, best first (merged records left out)."""
    in_office = (Beneficiary.office_id == actor.office_id) & Beneficiary.merged_into_id.is_(None)
    document = (person.document_number or "").strip().upper()
    pesel = (person.pesel or "").strip()
    by_document: set[int] = set()
    if document:
        holders = select(IdentityDocument.beneficiary_id).where(func.upper(IdentityDocument.number) == document)
        by_document = set(
            session.scalars(
                select(Beneficiary.id).where(
                    in_office, or_(Beneficiary.document_number == document, Beneficiary.id.in_(holders))
                )
            )
        )
    by_pesel = (
        set(session.scalars(select(Beneficiary.id).where(in_office, Beneficiary.pesel == pesel))) if pesel else set()
    )

    given, family = _name_forms(person.given_names_latin, person.family_name_latin, person.names_original)
    original = fold(person.names_original)
    compared = select(
        Beneficiary.id,
        Beneficiary.given_names_latin,
        Beneficiary.family_name_latin,
        Beneficiary.names_original,
        Beneficiary.date_of_birth,
    ).where(in_office)
    if person.date_of_birth is not None:
        # Born on another day is another person, unless an identifier says otherwise: only these need comparing.
        compared = compared.where(
            or_(
                Beneficiary.date_of_birth.is_(None),
                Beneficiary.date_of_birth == person.date_of_birth,
                Beneficiary.id.in_(by_document | by_pesel),
            )
        )
    rows = session.execute(compared).all()
    found: dict[int, tuple[tuple[Reason, ...], int]] = {}
    for row in rows:
        reasons: list[Reason] = []
        if row.id in by_document:
            reasons.append(Reason.DOCUMENT_NUMBER)
        if row.id in by_pesel:
            reasons.append(Reason.PESEL)
        their_given, their_family = _name_forms(row.given_names_latin, row.family_name_latin, row.names_original)
        family_score = _best(family, their_family)
        given_score = _best(given, their_given)
        same_original = bool(original) and original == fold(row.names_original)
        similar = family_score >= SIMILAR and given_score >= SIMILAR
        if similar:
            reasons.append(Reason.SIMILAR_NAME)
        if same_original:
            reasons.append(Reason.SAME_ORIGINAL_NAME)
        named = similar or same_original
        if person.date_of_birth is not None and row.date_of_birth is not None:
            if person.date_of_birth == row.date_of_birth:
                reasons.append(Reason.SAME_BIRTH_DATE)
            elif not (row.id in by_document or row.id in by_pesel):
                continue  # a similar name born on another day is another person
        elif named:
            reasons.append(Reason.NO_BIRTH_DATE)
        if not (named or row.id in by_document or row.id in by_pesel):
            continue
        identifiers = 200 * (row.id in by_document) + 200 * (row.id in by_pesel)
        score = identifiers + family_score + given_score + 50 * same_original + 50 * (Reason.SAME_BIRTH_DATE in reasons)
        found[row.id] = (tuple(reasons), score)
    best = sorted(found.items(), key=lambda item: (-item[1][1], item[0]))[:limit]
    people = {b.id: b for b in session.scalars(select(Beneficiary).where(Beneficiary.id.in_([i for i, _ in best])))}
    return [Candidate(people[i], reasons, score) for i, (reasons, score) in best]
