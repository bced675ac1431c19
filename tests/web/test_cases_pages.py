"""New case, case list, case file, records and diagrams, driven through the Flask test client."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.assessments.models import Assessment
from engine.audit.models import AuditEvent
from engine.cases.models import Case, CaseMember
from engine.cases.service import BeneficiaryInput, open_case
from engine.definitions.service import deploy, read_directory
from engine.instances.service import start_instance
from engine.people.models import Consent
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.service import claim_task, complete_task
from forms.registry import FormRegistry, use_registry
from tests import factories
from tests.processes.samples import SAMPLES

LIBRARY = Path(__file__).resolve().parents[2] / "processes"


def sample(form_key: str, **changes: object) -> dict[str, object]:
    data = copy.deepcopy(SAMPLES[form_key])
    data.update(changes)
    return data


@pytest.fixture
def library(db_session: Session) -> Iterator[None]:
    """The process library deployed, validated against the real forms."""
    previous = use_registry(FormRegistry())
    deploy(db_session, None, read_directory(LIBRARY), source="test")
    db_session.commit()
    yield
    use_registry(previous)


@pytest.fixture
def staff(db_session: Session) -> dict[str, User]:
    people = {
        "sw": factories.user(db_session, "social_worker", username="anna"),
        "sw2": factories.user(db_session, "social_worker", username="marek"),
        "psy": factories.user(db_session, "psychologist", username="ewa"),
        "law": factories.user(db_session, "lawyer", username="jan"),
        "sup": factories.user(db_session, "supervisor", username="sup"),
        "sup2": factories.user(db_session, "supervisor", username="sup2"),
        "waw": factories.user(db_session, "supervisor", office_code="WAW", username="sup-waw"),
        "admin": factories.user(db_session, "admin", username="root"),
    }
    people["sw"].display_name = "Anna Kowalczyk"
    db_session.commit()
    return people


def open_task(db: Session, case_id: int, element_id: str) -> HumanTask:
    task = db.scalar(
        select(HumanTask).where(
            HumanTask.case_id == case_id, HumanTask.element_id == element_id, HumanTask.state == TaskState.OPEN
        )
    )
    assert task is not None, f"no open {element_id}"
    return task


def admitted_case(db: Session, staff: dict[str, User]) -> Case:
    """A case through intake (refugee, all four diagnosis areas), with the needs diagnosis running."""
    sw = staff["sw"]
    case = open_case(db, sw, BeneficiaryInput("Olena", "Kovalenko"))
    start_instance(db, sw, "intake", case=case)
    complete_task(db, sw, open_task(db, case.id, "Task_register").id, sample("intake/register"))
    complete_task(db, sw, open_task(db, case.id, "Task_legal_status").id, sample("intake/legal_status"))
    start_instance(db, sw, "needs_diagnosis", case=case, data={"diagnosis_areas": "psychological,legal"})
    db.commit()
    return case


def page(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_pages_need_login(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/cases", "/cases/new", "/cases/1", "/rights", "/dashboard"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_new_case_starts_intake_and_lands_on_the_first_task(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    login(staff["sw"])
    assert 'name="given_names_latin"' in page(client.get("/cases/new"))
    response = client.post(
        "/cases/new",
        data={"given_names_latin": "Olena", "family_name_latin": "Kovalenko", "date_of_birth": "1990-03-04"},
    )
    assert response.status_code == 303
    case = db_session.scalar(select(Case).order_by(Case.id.desc()))
    task = open_task(db_session, case.id, "Task_register")
    assert response.headers["Location"] == f"/tasks/{task.id}"
    assert task.assignee_id == staff["sw"].id
    assert task.input_data.get("birth_date") == "1990-03-04"
    assert case.case_manager_id == staff["sw"].id


def test_duplicate_warning_links_visible_cases_and_stays_neutral_otherwise(  # type: ignore[no-untyped-def]
    client, login, db_session, library, staff
) -> None:
    open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kovalenko", document_number="RP1"))
    db_session.commit()
    data = {"given_names_latin": "olena", "family_name_latin": "KOVALENKO", "document_number": "x"}
    login(staff["sw"])
    response = client.post("/cases/new", data=data)
    text = page(response)
    mine = db_session.scalar(select(Case).order_by(Case.id.desc()))
    assert response.status_code == 200 and "duplicate-warning" in text and mine.number in text
    before = db_session.scalar(select(Case.id).order_by(Case.id.desc()))
    client.post("/logout")
    login(staff["sw2"])
    text = page(client.post("/cases/new", data={**data, "document_number": "rp1"}))
    assert mine.number not in text
    assert "jest już zarejestrowana w Twoim biurze — zapytaj koordynatora" in text
    assert db_session.scalar(select(Case.id).order_by(Case.id.desc())) == before
    # Confirmed as a different person: registered anyway.
    response = client.post("/cases/new", data={**data, "confirm_new_person": "y"})
    assert response.status_code == 303
    assert db_session.scalar(select(Case.id).order_by(Case.id.desc())) != before


def test_case_list_search_and_record_level_access(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    first = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kovalenko"))
    other = open_case(db_session, staff["sw2"], BeneficiaryInput("Ahmad", "Karimi"))
    db_session.commit()
    login(staff["sw"])
    listing = page(client.get("/cases"))
    assert first.number in listing and other.number not in listing
    assert first.number not in page(client.get("/cases?q=nobody"))
    assert first.number in page(client.get("/cases?q=kovalen"))
    assert client.get(f"/cases/{other.id}").status_code == 404
    assert client.get(f"/cases/{first.id}").status_code == 200
    client.post("/logout")
    login(staff["sup"])
    listing = page(client.get("/cases"))
    assert first.number in listing and other.number in listing
    client.post("/logout")
    login(staff["waw"])
    assert client.get(f"/cases/{first.id}").status_code == 404


def test_case_file_content_timeline_and_view_audit(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    case = admitted_case(db_session, staff)
    login(staff["sw"])
    response = client.post("/language", data={"locale": "en", "next": "/"})
    text = page(client.get(f"/cases/{case.id}"))
    assert "Refugee status" in text and "PCPR" in text
    assert "Ivan Kovalenko" in text and "Medical needs" in text
    assert "MOPR Lublin" in text  # consent to share with a named partner
    assert "Anna Kowalczyk completed ‘Register the beneficiary’" in text
    assert "started the process ‘Intake’" in text
    views = db_session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.kind == "viewed")
    ).all()
    case_views = [view for view in views if view.details.get("item") == "case"]
    assert len(case_views) == 1 and case_views[0].actor_id == staff["sw"].id
    client.post("/language", data={"locale": "pl", "next": "/"})
    text = page(client.get(f"/cases/{case.id}"))
    assert "Anna Kowalczyk — zakończono zadanie „Zarejestruj beneficjenta”" in text
    assert "rozpoczęto proces „Przyjęcie”" in text
    assert "Status uchodźcy" in text
    assert response.status_code == 302


def test_psychological_details_only_for_psychologists(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    case = admitted_case(db_session, staff)
    psy_task = open_task(db_session, case.id, "Task_diagnose_psychological")
    law_task = open_task(db_session, case.id, "Task_diagnose_legal")
    claim_task(db_session, staff["psy"], psy_task.id)
    complete_task(
        db_session,
        staff["psy"],
        psy_task.id,
        sample(
            "diagnosis/psychological",
            psychological_situation="Nightmares since the journey.",
            psychological_needs="Weekly sessions for nightmares.",
        ),
    )
    claim_task(db_session, staff["law"], law_task.id)
    complete_task(db_session, staff["law"], law_task.id, sample("diagnosis/legal"))
    db_session.commit()
    psychological = db_session.scalar(select(Assessment).where(Assessment.area == "psychological"))
    legal = db_session.scalar(select(Assessment).where(Assessment.area == "legal"))
    assert psychological is not None and legal is not None

    login(staff["law"])  # a case member (the legal assessment), not a psychologist
    text = page(client.get(f"/cases/{case.id}"))
    assert "Nightmares" not in text and "nightmares" not in text
    assert "diagnosis-psychological" in text and "restricted" in text
    assert "Apply for IPI at PCPR." in text  # the legal needs are for every case member
    card = page(client.get(f"/cases/{case.id}/records/assessment/{psychological.id}"))
    assert "Nightmares" not in card and "nightmares" not in card and 'class="restricted"' in card
    assert "Refugee status since December." in page(client.get(f"/cases/{case.id}/records/assessment/{legal.id}"))
    client.post("/logout")
    login(staff["psy"])
    assert "Nightmares since the journey." in page(
        client.get(f"/cases/{case.id}/records/assessment/{psychological.id}")
    )


def test_the_case_manager_records_a_withdrawn_consent(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    case = admitted_case(db_session, staff)
    sharing = db_session.scalar(
        select(Consent).where(Consent.case_id == case.id, Consent.purpose == "sharing_partners")
    )
    assert sharing is not None
    case.members.append(CaseMember(user_id=staff["sw2"].id, role="social_worker"))
    db_session.commit()
    login(staff["sw2"])
    assert f"/consents/{sharing.id}/withdraw" not in page(client.get(f"/cases/{case.id}"))
    assert client.post(f"/cases/{case.id}/consents/{sharing.id}/withdraw").status_code == 403
    client.post("/logout")
    login(staff["sw"])
    assert f"/consents/{sharing.id}/withdraw" in page(client.get(f"/cases/{case.id}"))
    response = client.post(f"/cases/{case.id}/consents/{sharing.id}/withdraw")
    assert response.status_code == 303
    db_session.refresh(sharing)
    assert sharing.withdrawn_on is not None and sharing.withdrawn_by_id == staff["sw"].id
    assert f"/consents/{sharing.id}/withdraw" not in page(client.get(f"/cases/{case.id}"))
    again = client.post(f"/cases/{case.id}/consents/{sharing.id}/withdraw", follow_redirects=True)
    assert again.status_code == 200


def test_the_rights_lookup_reads_the_beneficiarys_legal_status_from_the_row(
    client, login, db_session, library, staff
) -> None:  # type: ignore[no-untyped-def]
    case = admitted_case(db_session, staff)
    login(staff["sw"])
    client.post("/language", data={"locale": "en", "next": "/"})
    text = page(client.get(f"/rights?case_id={case.id}"))
    assert 'id="rights-title">Refugee status<' in text and "PCPR" in text
    client.post("/logout")
    login(staff["waw"])  # a supervisor of another office learns nothing of the case
    assert 'id="rights-title"' not in page(client.get(f"/rights?case_id={case.id}"))


def test_diagram_json_marks_current_and_completed(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    sw = staff["sw"]
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    instance = start_instance(db_session, sw, "intake", case=case).instance
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_register").id, sample("intake/register"))
    db_session.commit()
    login(sw)
    text = page(client.get(f"/cases/{case.id}"))
    url = f"/cases/{case.id}/instances/{instance.id}/diagram?process=intake"
    assert f'data-diagram-url="{url}"' in text
    assert "vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in text
    body = client.get(url).get_json()
    assert body["process_id"] == "intake" and '<bpmn:process id="intake"' in body["xml"]
    assert body["states"] == {"Task_register": "completed", "Task_legal_status": "current"}
    client.post("/logout")
    other = open_case(db_session, staff["sw2"], BeneficiaryInput("Ahmad", "Karimi"))
    db_session.commit()
    login(staff["sw2"])
    assert client.get(url).status_code == 404
    assert client.get(f"/cases/{other.id}/instances/{instance.id}/diagram").status_code == 404


def test_case_pages_keep_the_strict_csp(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    case = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kovalenko"))
    start_instance(db_session, staff["sw"], "intake", case=case)
    db_session.commit()
    login(staff["sw"])
    response = client.get(f"/cases/{case.id}")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe" not in csp


def test_lifecycle_diagram_marks_the_running_call_activity(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    sw = staff["sw"]
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    instance = start_instance(db_session, sw, "case_lifecycle", case=case).instance
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_register").id, sample("intake/register"))
    db_session.commit()
    login(sw)
    body = client.get(f"/cases/{case.id}/instances/{instance.id}/diagram?process=case_lifecycle").get_json()
    assert body["states"].get("Call_intake") == "current"


def test_a_returned_plan_shows_the_comment_to_the_drafter(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    sw, sup = staff["sw"], staff["sup"]
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    start_instance(db_session, sw, "ipd_drafting", case=case)
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_draft_plan").id, sample("ipd/plan"))
    approve = open_task(db_session, case.id, "Task_approve_plan")
    claim_task(db_session, sup, approve.id)
    decision = {"ipd_approval_decision": "return", "ipd_approval_comment": "Brakuje terminu rejestracji w PUP."}
    complete_task(db_session, sup, approve.id, decision)
    redraft = open_task(db_session, case.id, "Task_draft_plan")
    db_session.commit()
    login(sw)
    text = page(client.get(f"/tasks/{redraft.id}"))
    # The returned draft works on the plan: its card shows the version as submitted and the supervisor's return.
    assert (redraft.subject_kind, redraft.subject_id) == ("plan", approve.subject_id)
    assert 'class="card subject-record"' in text and f'data-record="plan:{redraft.subject_id}"' in text
    assert "Brakuje terminu rejestracji w PUP." in text and "Zwracam do poprawy" in text
    assert "Learn Polish" in text  # the form starts from the returned version, read from the plan tables
    complete_task(db_session, sw, redraft.id, sample("ipd/plan"))
    approve = open_task(db_session, case.id, "Task_approve_plan")
    db_session.commit()
    client.post("/logout")
    login(staff["sup2"])
    text = page(client.get(f"/tasks/{approve.id}"))
    # The second supervisor decides the resubmitted version and sees why it was returned before.
    assert f'data-record="plan:{approve.subject_id}"' in text and "Brakuje terminu rejestracji w PUP." in text
    assert "four-eyes-note" not in text


def test_the_case_file_shows_the_plan_and_marks_an_action_done(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    from engine.plans.models import PlanAction

    sw, sup = staff["sw"], staff["sup"]
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    start_instance(db_session, sw, "ipd_drafting", case=case)
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_draft_plan").id, sample("ipd/plan"))
    approve = open_task(db_session, case.id, "Task_approve_plan")
    claim_task(db_session, sup, approve.id)
    complete_task(db_session, sup, approve.id, sample("ipd/approval"))
    complete_task(db_session, sw, open_task(db_session, case.id, "Task_sign_plan").id, sample("ipd/signature"))
    db_session.commit()
    course = db_session.scalars(select(PlanAction).order_by(PlanAction.position)).first()
    login(sw)
    text = page(client.get(f"/cases/{case.id}"))
    assert 'data-plan-status="signed"' in text and "Learn Polish" in text and "CIC Lublin" in text
    assert f'data-action="{course.id}"' in text and 'class="inline-form action-status"' in text
    response = client.post(f"/cases/{case.id}/plan/actions/{course.id}/status", data={"status": "done"})
    assert response.status_code == 303
    db_session.refresh(course)
    assert course.status == "done" and course.status_changed_by_id == sw.id
    plan_card = page(client.get(f"/cases/{case.id}/records/plan/{approve.subject_id}"))
    assert "Learn Polish" in plan_card and "Zatwierdzam" in plan_card
    # A specialist of another role, not on the case, sees no plan and cannot change it.
    client.post("/logout")
    login(staff["law"])
    response = client.post(f"/cases/{case.id}/plan/actions/{course.id}/status", data={"status": "dropped"})
    assert response.status_code in (403, 404)
    db_session.refresh(course)
    assert course.status == "done"
