"""Case closure: request, four-eyes decision showing what will stop, and closing that withdraws everything running."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.accounts.roles import Role
from engine.aid.models import AidRequest, AidStatus
from engine.audit.models import AuditEvent
from engine.cases.models import CaseStatus
from engine.closure.models import ClosureRequest, ClosureStatus
from engine.delivery.models import NurseryPlacement, PlacementStatus, Referral, ReferralStatus
from engine.errors import Forbidden, InvalidInput
from engine.instances.models import InstanceStatus, ProcessInstance, Timer, TimerStatus
from engine.operations.binding import ServiceOperations
from engine.records.views import record_card
from engine.tasks.models import HumanTask, TaskState
from tests.processes.driver import FormDataRejected, FourEyesViolation
from tests.processes.samples import sample


@pytest.fixture(autouse=True)
def _limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPD_MATERIAL_AID_APPROVAL_LIMIT", "300.00")


def _requests(s) -> list[ClosureRequest]:
    return list(s.session.scalars(select(ClosureRequest).order_by(ClosureRequest.id)))


def test_closure_is_returned_then_approved_by_another_person(start) -> None:
    s = start("case_closure")
    with pytest.raises(FormDataRejected, match="closure_reason_other"):
        s.complete("Task_request_closure", sample("closure/request", closure_reason="other"), actor="anna")
    s.complete("Task_request_closure", sample("closure/request"), actor="anna")
    first = _requests(s)[0]
    assert s.data["closure_request_id"] == first.id and "handover_note" not in s.data
    approval = s.task("Task_approve_closure")
    assert (approval.row.subject_kind, approval.row.subject_id) == ("closure_request", first.id)
    s.complete(
        "Task_approve_closure",
        sample("closure/approval", closure_decision="return", closure_comment="Add the handover institution."),
        actor="ewa",
    )
    assert s.desk.case.status == CaseStatus.OPEN
    # The returned request comes back to the case manager as it was, with the supervisor's comment on its card.
    again = s.task("Task_request_closure")
    assert again.row.subject_id == first.id
    s.complete("Task_request_closure", sample("closure/request", handover_to="MOPR Lublin"), actor="anna")
    s.complete("Task_approve_closure", sample("closure/approval"), actor="ewa")
    assert s.completed
    returned, approved = _requests(s)
    assert (returned.status, returned.decision_comment) == (ClosureStatus.RETURNED, "Add the handover institution.")
    assert (approved.status, approved.handover_to) == (ClosureStatus.CLOSED, "MOPR Lublin")
    assert approved.decided_by_id == s.desk.user("ewa").id
    assert s.data["case_status"] == "closed" and s.data["case_closed_on"] == "2026-01-12"
    case = s.desk.case
    assert case.status == CaseStatus.CLOSED and case.closure_reason == "goals_met"


def test_the_requester_cannot_decide_their_own_closure(start) -> None:
    s = start("case_closure")
    s.complete("Task_request_closure", sample("closure/request"), actor="anna")  # anna is also a supervisor
    with pytest.raises(FourEyesViolation):
        s.complete("Task_approve_closure", sample("closure/approval"), actor="anna")
    [request] = _requests(s)
    assert request.status == ClosureStatus.SUBMITTED and request.decided_by_id is None
    assert s.desk.case.status == CaseStatus.OPEN
    s.complete("Task_approve_closure", sample("closure/approval"), actor="ewa")
    assert s.desk.case.status == CaseStatus.CLOSED


def _running_services(desk) -> dict[str, object]:
    """A case with every kind of service process running, each waiting for a person or a timer."""
    aid = desk.start("material_aid")
    aid.complete("Task_request_aid", sample("material_aid/request"))  # within the limit: approved, not bought
    desk.record_consent()
    referral = desk.start("referral")
    referral.complete("Task_send_referral", sample("referral/send"))
    nursery = desk.start("nursery_placement")
    nursery.complete("Task_apply_nursery", sample("nursery/application"))
    nursery.complete(
        "Task_record_placement",
        sample("nursery/placement", placement_status="waiting_list", placement_start_date=None, monthly_fee=None),
    )
    camp = desk.start("camp_enrolment")
    camp.complete("Task_enrol", sample("camp/enrolment"))
    session = desk.start("service_session", {"session_role": "psychologist"})
    return {"aid": aid, "referral": referral, "nursery": nursery, "camp": camp, "session": session}


def test_the_approval_card_shows_what_closing_will_stop_before_the_decision(desk) -> None:
    running = _running_services(desk)
    closure = desk.start("case_closure")
    closure.complete("Task_request_closure", sample("closure/request"), actor="anna")
    request_id = closure.data["closure_request_id"]
    card = record_card(desk.session, desk.user("ewa"), "closure_request", request_id)
    assert card is not None and card.prepared_by_id == desk.user("anna").id
    [stops] = [section for section in card.sections if section.form_key == "closure/stops"]
    shown = {p["instance_id"] for p in stops.values["running_processes"]}
    assert shown == {s.instance.id for s in running.values()}  # not the closure's own process
    kinds = sorted(c["kind"] for c in stops.values["open_commitments"])
    assert kinds == ["aid_request", "camp_enrolment", "nursery_placement", "referral"]
    assert desk.case.status == CaseStatus.OPEN  # showing it stops nothing


def test_closing_a_case_withdraws_its_running_processes_stops_commitments_and_no_task_appears_later(desk) -> None:
    running = _running_services(desk)
    closure = desk.start("case_closure")
    closure.complete("Task_request_closure", sample("closure/request", closure_reason="moved_away"), actor="anna")
    closure.complete("Task_approve_closure", sample("closure/approval"), actor="ewa")
    assert closure.completed  # the closure's own process ends normally
    case = desk.case
    assert case.status == CaseStatus.CLOSED and case.closure_reason == "moved_away"
    for scenario in running.values():
        desk.session.refresh(scenario.instance)
        assert scenario.instance.status == InstanceStatus.CANCELLED
        assert scenario.instance.end_reason == "case closed (moved_away)"
    assert desk.session.scalar(select(AidRequest.status)) == AidStatus.WITHDRAWN
    assert desk.session.scalar(select(Referral.status)) == ReferralStatus.WITHDRAWN
    assert desk.session.scalar(select(NurseryPlacement.status)) == PlacementStatus.WITHDRAWN
    # A month later (past the waiting-list re-check and the referral's answer deadline) nothing wakes up.
    desk.advance(days=40)
    open_tasks = desk.session.scalars(
        select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == TaskState.OPEN)
    ).all()
    assert open_tasks == []
    instance_ids = select(ProcessInstance.id).where(ProcessInstance.case_id == case.id)
    pending = desk.session.scalars(
        select(Timer).where(Timer.instance_id.in_(instance_ids), Timer.status == TimerStatus.PENDING)
    ).all()
    assert pending == []
    kinds = list(desk.session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == case.id)))
    assert kinds.count("instance.cancelled") == 5 and kinds.count("case.closed") == 1
    assert "aid.withdrawn" in kinds and kinds.count("delivery.withdrawn") == 3


def test_the_intake_closes_a_not_eligible_case_through_the_operation(desk) -> None:
    life = desk.start("case_lifecycle")
    operations = ServiceOperations(desk.session, desk.user("anna"), life.instance)
    outputs = operations("close_case", {"closure_reason": "not_eligible"}, {})
    assert outputs["case_status"] == "closed"
    assert desk.case.status == CaseStatus.CLOSED and desk.case.closure_reason == "not_eligible"
    desk.session.refresh(life.instance)
    assert life.instance.status == InstanceStatus.RUNNING  # the calling process is not withdrawn


def test_a_case_is_not_closed_without_an_approved_request_or_an_engine_reason(desk) -> None:
    life = desk.start("case_lifecycle")
    operations = ServiceOperations(desk.session, desk.user("anna"), life.instance)
    with pytest.raises(InvalidInput):
        operations("close_case", {"closure_reason": "goals_met"}, {})
    closure = desk.start("case_closure")
    closure.complete("Task_request_closure", sample("closure/request"), actor="anna")
    request_id = closure.data["closure_request_id"]
    with pytest.raises(Exception, match="submitted"):
        ServiceOperations(desk.session, desk.user("ewa"), closure.instance)(
            "close_case", {"closure_request_id": request_id}, {}
        )
    assert desk.case.status == CaseStatus.OPEN


def test_only_a_supervisor_withdraws_running_processes_when_the_intake_closes_a_case(desk) -> None:
    life = desk.start("case_lifecycle")
    session = desk.start("service_session", {"session_role": "lawyer"})
    worker = desk.user("stefan", Role.SOCIAL_WORKER)
    with pytest.raises(Forbidden, match="supervisor"):
        ServiceOperations(desk.session, worker, life.instance)("close_case", {"closure_reason": "not_eligible"}, {})
    assert desk.case.status == CaseStatus.OPEN
    supervisor = desk.user("koordynator", Role.SUPERVISOR)
    ServiceOperations(desk.session, supervisor, life.instance)("close_case", {"closure_reason": "not_eligible"}, {})
    desk.session.refresh(session.instance)
    assert session.instance.status == InstanceStatus.CANCELLED and desk.case.status == CaseStatus.CLOSED


def test_closing_a_case_with_an_approved_subsidy_stops_its_payments_and_frees_the_budget(start, desk) -> None:
    from decimal import Decimal

    from engine.reports import subsidy_spend
    from engine.subsidies.models import HousingSubsidy, PaymentStatus, SubsidyPayment
    from tests.processes.test_scenarios_subsidy import apply, pay

    subsidy = apply(start, desk)
    subsidy.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    pay(subsidy)
    (before,) = subsidy_spend(desk.session, desk.case.office_id)
    assert (before.paid, before.reserved) == (Decimal("1200.00"), Decimal("2400.00"))
    closure = desk.start("case_closure")
    closure.complete("Task_request_closure", sample("closure/request", closure_reason="moved_away"), actor="anna")
    card = record_card(desk.session, desk.user("ewa"), "closure_request", _requests(closure)[0].id)
    assert card is not None and "2400.00" in repr(card.sections)  # the supervisor sees what closing stops
    closure.complete("Task_approve_closure", sample("closure/approval"), actor="ewa")
    desk.session.refresh(subsidy.instance)
    assert subsidy.instance.status == InstanceStatus.CANCELLED
    statuses = desk.session.scalars(select(SubsidyPayment.status).order_by(SubsidyPayment.month_number)).all()
    assert statuses == [PaymentStatus.PAID, PaymentStatus.CANCELLED, PaymentStatus.CANCELLED]
    assert desk.session.scalar(select(HousingSubsidy.status)) == "ended"
    (after,) = subsidy_spend(desk.session, desk.case.office_id)
    assert (after.paid, after.reserved, after.remaining) == (
        Decimal("1200.00"),
        Decimal("0.00"),
        before.remaining + 2400,
    )
    desk.advance(days=62)  # two payment dates pass: no task for the closed case
    assert (
        desk.session.scalars(
            select(HumanTask).where(HumanTask.case_id == desk.case.id, HumanTask.state == TaskState.OPEN)
        ).all()
        == []
    )
