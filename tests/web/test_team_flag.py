"""A case member puts a case on the interdisciplinary team's list from the case file."""

from __future__ import annotations

from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.cases.service import BeneficiaryInput, open_case
from engine.team.flags import team_flag
from tests import factories


def test_a_case_member_flags_the_case_with_a_reason_once(client, login, db_session):
    worker = factories.user(db_session, "social_worker", username="anna")
    stranger = factories.user(db_session, "social_worker", username="marek")
    case = open_case(db_session, worker, BeneficiaryInput(given_names_latin="Olena", family_name_latin="Kovalenko"))
    db_session.commit()

    login(stranger)
    assert client.post(f"/cases/{case.id}/team-flag", data={"reason": "Eviction"}).status_code == 404
    assert team_flag(db_session, case.id) is None
    client.post("/logout")

    login(worker)
    page = client.post(f"/cases/{case.id}/team-flag", data={"reason": "  "}, follow_redirects=True)
    assert team_flag(db_session, case.id) is None
    assert "team" in page.get_data(as_text=True).lower() or "zespo" in page.get_data(as_text=True).lower()
    response = client.post(f"/cases/{case.id}/team-flag", data={"reason": "Eviction next month"})
    assert response.status_code == 302
    flag = team_flag(db_session, case.id)
    assert flag is not None and flag.reason == "Eviction next month" and flag.set_by_id == worker.id
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Eviction next month" in page and 'name="reason"' not in page
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.kind == "case.flagged")).all()
    assert len(events) == 1 and "Eviction" not in repr(events[0].details)
