"""Duplicates caught across spellings and scripts, merged or closed by a supervisor; search in every script."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.cases.models import Beneficiary, Case, CaseStatus
from engine.cases.service import BeneficiaryInput, open_case, visible_cases
from engine.errors import Forbidden
from engine.people.duplicates import Person, Reason, find_candidates
from engine.people.merge import close_duplicate_case, merge_beneficiaries
from engine.people.models import IdentityDocument
from engine.people.names import search_key, skeleton
from engine.people.search import case_search
from tests import factories

BORN = date(1985, 4, 12)


@pytest.fixture
def sw(db_session):  # type: ignore[no-untyped-def]
    return factories.user(db_session, "social_worker", "supervisor")


def _found(db_session, actor, person: Person) -> dict[int, tuple[Reason, ...]]:  # type: ignore[no-untyped-def]
    return {c.beneficiary.id: c.reasons for c in find_candidates(db_session, actor, person)}


def test_kowalenko_and_kovalenko_born_the_same_day_with_the_same_cyrillic_name(db_session, sw) -> None:  # type: ignore[no-untyped-def]
    first = open_case(db_session, sw, BeneficiaryInput("Olena", "Kowalenko", BORN, names_original="Олена Коваленко"))
    found = _found(db_session, sw, Person("Olena", "Kovalenko", "Олена Коваленко", BORN))
    assert set(found[first.beneficiary_id]) == {Reason.SIMILAR_NAME, Reason.SAME_ORIGINAL_NAME, Reason.SAME_BIRTH_DATE}
    # Born on another day, it is another person.
    assert first.beneficiary_id not in _found(db_session, sw, Person("Olena", "Kovalenko", None, date(1990, 1, 1)))


@pytest.mark.parametrize(
    ("family", "original"),
    [("Al Hassan", None), ("Al Hassan", "أحمد الحسن"), ("Alhasan", "Ахмад Аль-Хасан"), ("Hasan", "Ахмад Аль-Хасан")],
)
def test_al_hassan_without_a_birth_date_is_found_in_any_spelling_and_script(db_session, sw, family, original) -> None:  # type: ignore[no-untyped-def]
    first = open_case(db_session, sw, BeneficiaryInput("Ahmad", "Al-Hassan"))
    found = _found(db_session, sw, Person("Ahmed", family, original, BORN))
    assert Reason.SIMILAR_NAME in found[first.beneficiary_id]
    assert Reason.NO_BIRTH_DATE in found[first.beneficiary_id]


def test_the_arabic_and_cyrillic_spellings_share_a_skeleton() -> None:
    assert skeleton("Al-Hassan") == skeleton("Аль-Хасан") == skeleton("الحسن") == "lhsn"
    assert skeleton("Kowalenko") == skeleton("Коваленко")


def test_different_people_are_not_candidates(db_session, sw) -> None:  # type: ignore[no-untyped-def]
    open_case(db_session, sw, BeneficiaryInput("Olena", "Shevchenko", BORN))
    open_case(db_session, sw, BeneficiaryInput("Ahmad", "Al-Hassan"))
    assert _found(db_session, sw, Person("Maria", "Bondarenko", None, BORN)) == {}
    assert _found(db_session, sw, Person("Olena", "Kovalenko", None, BORN)) == {}


def test_document_number_and_pesel_match_whatever_the_name(db_session, sw) -> None:  # type: ignore[no-untyped-def]
    case = open_case(
        db_session, sw, BeneficiaryInput("Olena", "Kovalenko", document_number="fa 123456", pesel="85041212345")
    )
    db_session.add(
        IdentityDocument(beneficiary_id=case.beneficiary_id, document_type="residence_card", number="RC998877")
    )
    db_session.flush()
    assert _found(db_session, sw, Person("X", "Y", document_number="FA 123456")) == {
        case.beneficiary_id: (Reason.DOCUMENT_NUMBER,)
    }
    assert _found(db_session, sw, Person("X", "Y", document_number="rc998877")) == {
        case.beneficiary_id: (Reason.DOCUMENT_NUMBER,)
    }
    assert _found(db_session, sw, Person("X", "Y", pesel="85041212345")) == {case.beneficiary_id: (Reason.PESEL,)}


def test_another_offices_people_are_not_shown(db_session, sw) -> None:  # type: ignore[no-untyped-def]
    other = factories.user(db_session, "social_worker", office_code="WAW")
    open_case(db_session, other, BeneficiaryInput("Olena", "Kovalenko", BORN))
    assert _found(db_session, sw, Person("Olena", "Kovalenko", None, BORN)) == {}


def _search(db_session, actor, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    stmt = visible_cases(actor).join(Beneficiary, Beneficiary.id == Case.beneficiary_id).where(case_search(query))
    return [case.number for case in db_session.scalars(stmt.order_by(Case.id))]


def test_search_is_case_insensitive_in_every_script_on_both_databases(db_session, sw) -> None:  # type: ignore[no-untyped-def]
    case = open_case(db_session, sw, BeneficiaryInput("Mariia", "Kovalenko", names_original="Марія Коваленко"))
    open_case(db_session, sw, BeneficiaryInput("Olena", "Shevchenko"))
    for query in ("Марія", "марія", "МАРІЯ", "арія", "коваленко", "KOVALENKO", "Mariia", "Mariya"):
        assert _search(db_session, sw, query) == [case.number], query
    assert _search(db_session, sw, "Ганна") == []
    assert _search(db_session, sw, "%") == []


def test_search_by_document_number_and_pesel(db_session, sw) -> None:  # type: ignore[no-untyped-def]
    case = open_case(
        db_session, sw, BeneficiaryInput("Olena", "Kovalenko", document_number="FA123456", pesel="85041212345")
    )
    db_session.add(IdentityDocument(beneficiary_id=case.beneficiary_id, document_type="decision", number="DPU-123/24"))
    db_session.flush()
    assert _search(db_session, sw, "fa123456") == [case.number]
    assert _search(db_session, sw, "dpu-123/24") == [case.number]
    assert _search(db_session, sw, "85041212345") == [case.number]
    assert _search(db_session, sw, "FA12345") == []


def test_the_search_key_follows_every_change_of_a_name(db_session, sw) -> None:  # type: ignore[no-untyped-def]
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    person = case.beneficiary
    person.names_original = "Олена Коваленко"
    db_session.flush()
    assert person.search_key == search_key("Olena", "Kovalenko", "Олена Коваленко")
    assert "олена" in (person.search_key or "")


def test_a_supervisor_merges_two_records_of_one_person(db_session, sw) -> None:  # type: ignore[no-untyped-def]
    kept = open_case(db_session, sw, BeneficiaryInput("Olena", "Kowalenko", BORN))
    twice = open_case(
        db_session,
        sw,
        BeneficiaryInput("Olena", "Kovalenko", None, names_original="Олена Коваленко", pesel="85041212345"),
    )
    db_session.add(IdentityDocument(beneficiary_id=twice.beneficiary_id, document_type="decision", number="D1"))
    db_session.flush()
    keep_id, merged_id = kept.beneficiary_id, twice.beneficiary_id
    moved = merge_beneficiaries(db_session, sw, keep_id, merged_id)
    assert moved == {"cases.beneficiary_id": 1, "identity_documents.beneficiary_id": 1}
    assert db_session.get(Case, twice.id).beneficiary_id == keep_id
    merged = db_session.get(Beneficiary, merged_id)
    assert merged.merged_into_id == keep_id and merged.merged_at is not None
    keep = db_session.get(Beneficiary, keep_id)
    assert keep.pesel == "85041212345" and keep.names_original == "Олена Коваленко"
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.kind == "beneficiary.merged")).one()
    assert event.details["case_ids"] == [twice.id] and event.details["filled"] == ["names_original", "pesel"]
    assert "85041212345" not in str(event.details)
    # The merged record no longer turns up as a candidate.
    assert merged_id not in _found(db_session, sw, Person("Olena", "Kovalenko", None, BORN))


def test_only_a_supervisor_merges(db_session) -> None:  # type: ignore[no-untyped-def]
    worker = factories.user(db_session, "social_worker")
    one = open_case(db_session, worker, BeneficiaryInput("Olena", "Kovalenko"))
    two = open_case(db_session, worker, BeneficiaryInput("Olena", "Kowalenko"))
    with pytest.raises(Forbidden):
        merge_beneficiaries(db_session, worker, one.beneficiary_id, two.beneficiary_id)


def test_a_supervisor_closes_a_duplicate_case(db_session, sw) -> None:  # type: ignore[no-untyped-def]
    kept = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko", BORN))
    twice = open_case(db_session, sw, BeneficiaryInput("Olena", "Kowalenko", BORN))
    close_duplicate_case(db_session, sw, twice, kept)
    assert twice.status == CaseStatus.CLOSED and twice.closure_reason == "duplicate"
    kinds = [e.kind for e in db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == twice.id))]
    assert "closure.case_closed" in kinds and "case.closed_as_duplicate" in kinds


def test_numbered_placeholders_are_told_apart(db_session, sw) -> None:  # type: ignore[no-untyped-def]
    first = open_case(db_session, sw, BeneficiaryInput("Person1", "Kovalenko", BORN))
    assert first.beneficiary_id not in _found(db_session, sw, Person("Person2", "Kovalenko", None, BORN))
    assert first.beneficiary_id in _found(db_session, sw, Person("Person1", "Kowalenko", None, BORN))
