"""What only the engine adds to the scenarios: cases, duplicates, case-level effects, incidents."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from engine.accounts.roles import Role
from engine.audit.models import AuditEvent
from engine.cases.models import CaseStatus
from engine.cases.service import BeneficiaryInput, open_case
from engine.errors import Conflict, InvalidInput
from engine.instances.service import retry_incident, set_instance_variables
from engine.tasks.models import TaskState
from engine.team.flags import flag_for_team
from tests import factories
from tests.processes.samples import sample
from tests.processes.services_driver import Desk, DuplicateFound
from tests.processes.test_scenarios_subsidy import budget


def audit_kinds(desk: Desk, case_id: int) -> list[str]:
    return list(desk.session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == case_id)))


def test_an_eligible_beneficiary_gets_the_legal_status_and_the_diagnosis(desk: Desk) -> None:
    life = desk.start("case_lifecycle")
    life.complete("Task_register", sample("intake/register"))
    life.complete("Task_legal_status", sample("intake/legal_status", diagnosis_areas=["legal", "social"]))
    assert desk.case.status == CaseStatus.OPEN
    assert desk.case.beneficiary.legal_status == "refugee"
    assert {t.row.element_id: t.row.role for t in life.ready()} == {
        "Task_diagnose_legal": "lawyer",
        "Task_diagnose_social": "social_worker",
    }
    social = life.task("Task_diagnose_social").row
    assert social.assignee_id == desk.case.case_manager_id  # social work goes to the case manager
    assert social.due_at is not None and social.due_at.date() == date(2026, 1, 26)
    assert "beneficiary.legal_status_changed" in audit_kinds(desk, desk.case.id)


def test_the_legal_status_changes_only_through_its_operation_never_through_process_variables(desk: Desk) -> None:
    life = desk.start("case_lifecycle")
    life.complete("Task_register", sample("intake/register"))
    life.complete("Task_legal_status", sample("intake/legal_status", diagnosis_areas=["legal"]))
    with pytest.raises(InvalidInput, match="case records"):
        set_instance_variables(desk.session, desk.user("ewa"), life.instance.id, {"legal_status": "eu_citizen"})
    life.complete("Task_diagnose_legal", sample("diagnosis/legal"))
    desk.session.refresh(desk.case.beneficiary)
    assert desk.case.beneficiary.legal_status == "refugee"
    changes = desk.session.scalars(
        select(AuditEvent).where(AuditEvent.kind == "beneficiary.legal_status_changed")
    ).all()
    assert [(e.details["previous"], e.details["legal_status"]) for e in changes] == [(None, "refugee")]
    assert changes[0].actor_id == desk.user("anna").id


def test_a_beneficiary_not_eligible_is_informed_and_the_case_closed(desk: Desk) -> None:
    life = desk.start("case_lifecycle")
    life.complete("Task_register", sample("intake/register"))
    life.complete(
        "Task_legal_status", sample("intake/legal_status", legal_status="other", legal_status_decision_date=None)
    )
    assert desk.case.status == CaseStatus.OPEN  # not before the information is recorded
    life.complete("Task_inform_not_eligible", sample("intake/not_eligible"))
    assert life.completed
    assert desk.case.status == CaseStatus.CLOSED
    assert desk.case.closure_reason == "not_eligible"
    assert desk.case.beneficiary.legal_status == "other"
    assert life.rows(TaskState.OPEN) == []
    assert audit_kinds(desk, desk.case.id).count("case.closed") == 1


def test_a_duplicate_is_found_before_a_second_case_is_opened(desk: Desk) -> None:
    first = desk.open_case("anna")
    with pytest.raises(DuplicateFound) as same_person:
        desk.open_case("anna", document_number=None)  # same names and date of birth
    assert [b.id for b in same_person.value.found] == [first.beneficiary_id]
    with pytest.raises(DuplicateFound):
        desk.open_case("anna", given_names_latin="Olha", date_of_birth=date(1991, 1, 1), document_number="rp1234567")
    other = desk.open_case("anna", given_names_latin="Ivan", date_of_birth=date(1985, 5, 5), document_number="X1")
    assert other.id != first.id


def test_a_closure_run_on_its_own_closes_the_case(desk: Desk) -> None:
    closure = desk.start("case_closure")
    closure.complete("Task_request_closure", sample("closure/request", closure_reason="moved_away"))
    assert desk.case.status == CaseStatus.OPEN
    closure.complete("Task_approve_closure", sample("closure/approval"), actor="ewa")
    assert desk.case.status == CaseStatus.CLOSED and desk.case.closure_reason == "moved_away"


def test_a_failing_service_operation_stops_on_an_incident_and_is_retried(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.errors import Conflict
    from engine.subsidies import operations

    budget(desk)
    subsidy = desk.start("housing_subsidy")
    subsidy.complete("Task_apply", sample("housing/application"))
    original = operations._next_scheduled

    def unavailable(*args: object) -> None:
        raise Conflict("the payment schedule is being rebuilt")

    monkeypatch.setattr(operations, "_next_scheduled", unavailable)
    with desk.expect_incident():
        subsidy.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    [incident] = subsidy.incidents()
    assert incident.resolved_at is None and "payment schedule" in incident.message
    assert subsidy.ready_ids() == []
    monkeypatch.setattr(operations, "_next_scheduled", original)
    outcome = retry_incident(desk.session, desk.user("ewa"), incident.id)
    assert outcome.incident is None
    assert subsidy.ready_ids() == ["Task_confirm_payment"]


def test_the_team_sees_only_open_flagged_cases_of_its_office(desk: Desk) -> None:
    anna = desk.user("anna")
    flagged = desk.open_case(anna, given_names_latin="Ivan", document_number="A1")
    closed = desk.open_case(anna, given_names_latin="Oksana", document_number="A2")
    desk.open_case(anna, given_names_latin="Petro", document_number="A3")
    flag_for_team(desk.session, anna, flagged, "Eksmisja")
    flag_for_team(desk.session, anna, closed, "Przeprowadzka")
    closed.status = CaseStatus.CLOSED
    elsewhere = factories.user(desk.session, Role.SOCIAL_WORKER, office_code="WAW", username="waw-sw")
    other_office = open_case(
        desk.session, elsewhere, BeneficiaryInput(given_names_latin="Jan", family_name_latin="Kos")
    )
    flag_for_team(desk.session, elsewhere, other_office, "Inne biuro")
    with pytest.raises(Conflict):
        flag_for_team(desk.session, anna, flagged, "again")
    team = desk.start("team_meeting", {"extra_meeting": False}, case=False)
    desk.advance_to(datetime(2026, 2, 1, 8, tzinfo=UTC))
    assert team.task("Task_prepare_agenda").row.input_data["agenda_items"] == [
        {"case_ref": flagged.number, "reason": "Eksmisja", "presenter_role": "social_worker"}
    ]


def test_specialists_of_the_case_get_its_tasks_once_associated(desk: Desk) -> None:
    lawyer = desk.user("law-piotr", Role.LAWYER)
    first = desk.start("service_session", {"session_role": "lawyer"})
    row = first.task("Task_session_lawyer").row
    assert row.assignee_id is None  # nobody of the role is on the case yet: the office's lawyers may claim it
    first.complete("Task_session_lawyer", sample("session/record"), actor=lawyer)
    second = desk.start("service_session", {"session_role": "lawyer"})
    assert second.task("Task_session_lawyer").row.assignee_id == lawyer.id


def test_a_correction_made_while_the_plan_waits_for_its_review_is_kept(desk: Desk) -> None:
    drafting = desk.start("ipd_drafting")
    drafting.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    drafting.complete("Task_approve_plan", sample("ipd/approval"), actor="ewa")
    drafting.complete("Task_sign_plan", sample("ipd/signature"), actor="anna")
    plan = desk.start("plan_period", {"plan_id": drafting.data["plan_id"]})
    assert [t.value[:10] for t in plan.waiting_timers()] == ["2026-04-12"]
    # The plan's dates belong to the plan's records: a correction goes through its operations, not by hand.
    with pytest.raises(InvalidInput, match="case records"):
        set_instance_variables(desk.session, desk.user("ewa"), plan.instance.id, {"plan_ends_on": "2026-12-12"})
    # A value of the process's own is kept until the timer fires.
    set_instance_variables(desk.session, desk.user("ewa"), plan.instance.id, {"review_reminder": "call first"})
    desk.advance_to(datetime(2026, 4, 12, 12, tzinfo=UTC))
    assert plan.task("Task_review_plan").data["review_reminder"] == "call first"
