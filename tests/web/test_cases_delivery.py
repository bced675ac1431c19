"""The case file's delivery section and the closure approval, read from the delivery and closure tables."""

from __future__ import annotations

from engine.cases.service import BeneficiaryInput, open_case
from engine.instances.service import start_instance
from engine.people.consents import grant_sharing_override
from engine.tasks.service import claim_task, complete_task
from tests.processes.samples import sample
from tests.web.test_cases_pages import library, open_task, page, staff  # noqa: F401 - fixtures


def test_a_psychologists_session_note_is_shown_to_psychologists_only(client, login, db_session, library, staff):  # noqa: F811
    sw, psy = staff["sw"], staff["psy"]
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    start_instance(db_session, sw, "service_session", case=case, data={"session_role": "psychologist"})
    task = open_task(db_session, case.id, "Task_session_psychologist")
    claim_task(db_session, psy, task.id)
    complete_task(db_session, psy, task.id, sample("session/record", session_note="Nightmares since the journey."))
    db_session.commit()
    login(sw)
    text = page(client.get(f"/cases/{case.id}"))
    assert 'data-session="' in text and "restricted" in text and "Nightmares" not in text
    client.post("/logout")
    login(psy)
    assert "Nightmares since the journey." in page(client.get(f"/cases/{case.id}"))


def test_the_closure_approval_lists_what_will_be_stopped(client, login, db_session, library, staff):  # noqa: F811
    sw, sup = staff["sw"], staff["sup"]
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    start_instance(db_session, sw, "referral", case=case)
    # Sharing without consent: the supervisor's override first, then the case manager's referral.
    grant_sharing_override(
        db_session, sup, case, partner="PCPR", partner_name=None, basis="legal_obligation", reason="Statutory IPI"
    )
    referral = sample("referral/send", referral_sharing_basis="legal_obligation", referral_override_reason="IPI")
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_send_referral").id, referral)
    start_instance(db_session, sw, "case_closure", case=case)
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_request_closure").id, sample("closure/request"))
    approve = open_task(db_session, case.id, "Task_approve_closure")
    db_session.commit()
    login(sup)
    text = page(client.get(f"/tasks/{approve.id}"))
    assert 'data-record="closure_request:' in text
    stops = text[text.index("Procesy, które zostaną wycofane") :]
    assert "referral (sent)" in stops and "running" in stops
    case_page = page(client.get(f"/cases/{case.id}"))
    assert "data-referral=" in case_page and "data-closure-request=" in case_page
