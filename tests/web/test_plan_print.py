"""The printable IPD: an approved plan as a bilingual A4 PDF, text extracted with pypdf."""

from __future__ import annotations

import io
import unicodedata

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.audit.models import AuditEvent
from engine.cases.models import Case
from engine.cases.service import BeneficiaryInput, open_case
from engine.instances.service import start_instance
from engine.plans.print_labels import LABELS
from engine.plans.printing import review_dates
from engine.tasks.service import claim_task, complete_task
from tests.web import test_cases_pages
from tests.web.test_cases_pages import open_task, sample

library = test_cases_pages.library
staff = test_cases_pages.staff

ARABIC_GOALS = [
    {
        "goal_id": "G1",
        "goal_area": "housing",
        "goal": "Rent a flat in Lublin",
        "target": "Signed tenancy agreement",
        "target_date": "2026-09-30",
    },
    {
        "goal_id": "G2",
        "goal_area": "vocational",
        "goal": "Have diploma recognised",
        "target": "Recognition decision",
        "target_date": "2026-11-30",
    },
]


def _plan(db: Session, people: dict[str, User], name: tuple[str, str], *, sign: bool = True, **plan: object) -> Case:
    sw, sup = people["sw"], people["sup"]
    case = open_case(db, sw, BeneficiaryInput(*name))
    start_instance(db, sw, "ipd_drafting", case=case)
    complete_task(db, sw, open_task(db, case.id, "Task_draft_plan").id, sample("ipd/plan", **plan))
    approve = open_task(db, case.id, "Task_approve_plan")
    claim_task(db, sup, approve.id)
    complete_task(db, sup, approve.id, sample("ipd/approval"))
    if sign:
        complete_task(db, sw, open_task(db, case.id, "Task_sign_plan").id, sample("ipd/signature"))
    db.commit()
    return case


def _text(pdf: bytes) -> str:
    """The PDF's text; NFKC folds the Arabic presentation forms the shaper drew back to their letters."""
    reader = PdfReader(io.BytesIO(pdf))
    return unicodedata.normalize("NFKC", "\n".join(page.extract_text() for page in reader.pages))


def _has(text: str, label: str) -> bool:
    """The label is in the text, also when the extractor reversed a right-to-left run."""
    folded = unicodedata.normalize("NFKC", label)
    squeezed = text.replace(" ", "").replace("\n", "")
    return folded in text or folded.replace(" ", "") in squeezed or folded[::-1].replace(" ", "") in squeezed


def test_a_ukrainian_plan_prints_both_languages_and_nothing_of_another_case(  # type: ignore[no-untyped-def]
    client, login, db_session, library, staff
) -> None:
    olena = _plan(db_session, staff, ("Olena", "Kovalenko"))
    other = _plan(db_session, staff, ("Ahmad", "Haddad"), ipd_language="ar", ipd_goals=ARABIC_GOALS)
    login(staff["sw"])
    response = client.get(f"/cases/{olena.id}")
    assert f'href="/cases/{olena.id}/plan/print.pdf"' in response.get_data(as_text=True)
    response = client.get(f"/cases/{olena.id}/plan/print.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = _text(response.data)
    assert "Learn Polish" in text and "Find work" in text and "Polish course" in text and "CIC Lublin" in text
    assert "Attend Polish classes" in text and "Pay the course fee" in text
    assert "Olena Kovalenko" in text and olena.number in text
    for key in ("sig_beneficiary", "sig_case_manager", "sig_supervisor", "goals", "plan_period", "approved_on"):
        assert _has(text, LABELS["pl"][key]) and _has(text, LABELS["uk"][key]), key
    assert "2026-02-10" in text  # the signature date recorded at the signature step
    assert _has(text, LABELS["uk"]["attachment"].format(n=2)) and "1200.00" in text
    assert "Rent a flat in Lublin" not in text and "Haddad" not in text and other.number not in text
    [event] = db_session.scalars(select(AuditEvent).where(AuditEvent.kind == "plan.downloaded")).all()
    assert (event.case_id, event.actor_id, event.details) == (olena.id, staff["sw"].id, {"plan_version": 1})


def test_an_arabic_plan_prints_its_labels_right_to_left(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    _plan(db_session, staff, ("Olena", "Kovalenko"))
    case = _plan(db_session, staff, ("Ahmad", "Haddad"), ipd_language="ar", ipd_goals=ARABIC_GOALS)
    login(staff["sw"])
    with client.application.test_request_context():
        from flask import render_template

        from engine.plans.printing import printable_plan

        html = render_template("cases/plan_print.html", p=printable_plan(db_session, staff["sw"], case), labels=LABELS)
    assert f'<span class="l-2" lang="ar" dir="rtl">{LABELS["ar"]["sig_beneficiary"]}</span>' in html
    text = _text(client.get(f"/cases/{case.id}/plan/print.pdf").data)
    assert "Rent a flat in Lublin" in text and "Have diploma recognised" in text
    for key in ("sig_beneficiary", "sig_case_manager", "sig_supervisor", "goals"):
        assert _has(text, LABELS["pl"][key]) and _has(text, LABELS["ar"][key]), key
    assert "Learn Polish" not in text and "Kovalenko" not in text


def test_an_unapproved_plan_does_not_print(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    sw = staff["sw"]
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    start_instance(db_session, sw, "ipd_drafting", case=case)
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_draft_plan").id, sample("ipd/plan"))
    db_session.commit()
    login(sw)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "plan/print.pdf" not in page and "plan-print-later" in page
    response = client.get(f"/cases/{case.id}/plan/print.pdf", follow_redirects=True)
    assert response.mimetype == "text/html"
    assert "Planu nie można jeszcze wydrukować" in response.get_data(as_text=True)
    assert not db_session.scalars(select(AuditEvent).where(AuditEvent.kind == "plan.downloaded")).all()


def test_nobody_outside_the_case_prints_it(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    case = _plan(db_session, staff, ("Olena", "Kovalenko"))
    login(staff["waw"])  # a supervisor of another office
    assert client.get(f"/cases/{case.id}/plan/print.pdf").status_code == 404


def test_every_language_has_every_label() -> None:
    for language, labels in LABELS.items():
        assert set(labels) == set(LABELS["pl"]), language
        assert all(value.strip() for value in labels.values()), language


@pytest.mark.parametrize(
    ("start", "end", "every", "expected"),
    [
        ("2026-01-31", "2027-01-31", 3, ["2026-04-30", "2026-07-31", "2026-10-31"]),
        ("2026-02-01", "2026-04-01", 3, []),
        ("2026-02-01", None, 3, []),
    ],
)
def test_review_dates_fall_every_interval_before_the_end(start, end, every, expected) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    found = review_dates(date.fromisoformat(start), date.fromisoformat(end) if end else None, every)
    assert [d.isoformat() for d in found] == expected


def test_the_second_language_is_the_plans_or_english_and_none_for_polish() -> None:
    from engine.plans.print_labels import is_rtl, second_language

    assert [second_language(code) for code in ("uk", "AR", "fa", "pl", "")] == ["uk", "ar", "en", None, "en"]
    assert is_rtl("ar") and not is_rtl("uk") and not is_rtl(None)
