# ruff: noqa: F811  (pytest fixtures imported from test_cases_pages)
"""The new-case check shows why a person may be registered already; a supervisor merges or closes duplicates;
the case list finds people in every script and by document number."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engine.cases.models import Beneficiary, Case, CaseStatus
from engine.cases.service import BeneficiaryInput, open_case
from tests.web.test_cases_pages import library, page, staff  # noqa: F401 - fixtures

BORN = date(1985, 4, 12)


def test_the_new_case_page_names_the_reasons_before_creating(client, login, db_session, library, staff) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    first = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kowalenko", BORN, names_original="Коваленко"))
    db_session.commit()
    login(staff["sw"])
    data = {
        "given_names_latin": "Olena",
        "family_name_latin": "Kovalenko",
        "names_original": "Коваленко",
        "date_of_birth": "1985-04-12",
    }
    before = db_session.scalar(select(Case.id).order_by(Case.id.desc()))
    text = page(client.post("/cases/new", data=data))
    assert "duplicate-warning" in text and first.number in text
    assert "podobne imię i nazwisko" in text and "ta sama data urodzenia" in text
    assert "to samo imię i nazwisko w oryginalnym zapisie" in text
    assert db_session.scalar(select(Case.id).order_by(Case.id.desc())) == before
    assert client.post("/cases/new", data={**data, "confirm_new_person": "y"}).status_code == 303
    assert db_session.scalar(select(Case.id).order_by(Case.id.desc())) != before


def test_al_hassan_without_a_birth_date_is_caught(client, login, db_session, library, staff) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    first = open_case(db_session, staff["sw"], BeneficiaryInput("Ahmad", "Al Hassan", names_original="الحسن"))
    db_session.commit()
    login(staff["sw"])
    text = page(client.post("/cases/new", data={"given_names_latin": "Ahmad", "family_name_latin": "Al-Hassan"}))
    assert "duplicate-warning" in text and first.number in text and "brak daty urodzenia" in text


def test_the_case_list_finds_maria_in_cyrillic_and_by_document_number(
    client, login, db_session, library, staff
) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    case = open_case(
        db_session,
        staff["sw"],
        BeneficiaryInput("Mariia", "Kovalenko", names_original="Марія", document_number="FA777"),
    )
    other = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Bondarenko"))
    db_session.commit()
    login(staff["sw"])
    for query in ("Марія", "марія", "fa777"):
        text = page(client.get("/cases", query_string={"q": query}))
        assert case.number in text and other.number not in text, query


def test_a_supervisor_merges_the_person_and_closes_the_duplicate_case(
    client, login, db_session, library, staff
) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    kept = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kowalenko", BORN))
    twice = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kovalenko", BORN))
    kept_id, twice_person = kept.id, twice.beneficiary_id
    db_session.commit()
    login(staff["sw"])
    assert 'id="sec-duplicates"' not in page(client.get(f"/cases/{kept.id}"))
    assert client.post(f"/cases/{kept.id}/merge-person", data={"other_case": twice.number}).status_code == 403
    client.post("/logout")
    login(staff["sup"])
    assert 'id="sec-duplicates"' in page(client.get(f"/cases/{kept.id}"))
    response = client.post(f"/cases/{kept.id}/merge-person", data={"other_case": twice.number.lower()})
    assert response.status_code == 303
    db_session.expire_all()
    assert db_session.get(Case, twice.id).beneficiary_id == kept.beneficiary_id
    assert db_session.get(Beneficiary, twice_person).merged_into_id == kept.beneficiary_id
    response = client.post(f"/cases/{twice.id}/close-duplicate", data={"other_case": kept.number})
    assert response.status_code == 303 and response.headers["Location"] == f"/cases/{kept_id}"
    db_session.expire_all()
    assert db_session.get(Case, twice.id).status == CaseStatus.CLOSED
    # A number that is no case of the office changes nothing.
    response = client.post(f"/cases/{kept.id}/close-duplicate", data={"other_case": "NO/SUCH/1"})
    assert response.status_code == 303
    db_session.expire_all()
    assert db_session.get(Case, kept.id).status == CaseStatus.OPEN
