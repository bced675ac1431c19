"""Material aid: the request decides on approval, a supervisor (never the requester) decides, the purchase is capped."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.aid.models import AidPurchase, AidRequest, AidStatus
from engine.instances.models import ProcessInstance
from tests.processes.driver import FormDataRejected, FourEyesViolation
from tests.processes.samples import sample


@pytest.fixture(autouse=True)
def _limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPD_MATERIAL_AID_APPROVAL_LIMIT", "300.00")


def _request(s) -> AidRequest:
    [row] = s.session.scalars(select(AidRequest).where(AidRequest.instance_id == s.instance.id)).all()
    return row


def test_under_the_limit_it_needs_no_approval_and_the_purchase_is_recorded(start) -> None:
    s = start("material_aid")
    s.complete("Task_request_aid", sample("material_aid/request"))
    request = _request(s)
    assert (request.needs_approval, request.approval_reason, request.status) == (False, "within_limit", "approved")
    assert s.ready_ids() == ["Task_record_purchase"]
    s.complete("Task_record_purchase", sample("material_aid/purchase"))
    assert s.completed
    s.session.refresh(request)
    assert request.status == AidStatus.PURCHASED
    assert request.purchase is not None and request.purchase.amount == Decimal("149.99")


def test_the_process_carries_ids_and_outcomes_never_the_request_itself(start) -> None:
    s = start("material_aid")
    s.complete("Task_request_aid", sample("material_aid/request", aid_description="Winter boots for the baby"))
    data = s.data
    assert data["aid_request_id"] == _request(s).id
    assert data["aid_needs_approval"] is False
    for key in ("aid_description", "aid_amount", "aid_recipient", "aid_category"):
        assert key not in data
    assert "Winter boots" not in repr(data)


def test_over_the_limit_a_supervisor_decides_and_the_purchase_stays_within_the_approved_amount(start) -> None:
    s = start("material_aid")
    s.complete("Task_request_aid", sample("material_aid/request", aid_amount="450.00"), actor="anna")
    request = _request(s)
    assert (request.needs_approval, request.approval_reason) == (True, "amount_above_limit")
    approval = s.task("Task_approve_aid")
    assert approval.task_spec.lane == "supervisor"
    assert (approval.row.subject_kind, approval.row.subject_id) == ("aid_request", request.id)
    s.complete("Task_approve_aid", sample("material_aid/approval"), actor="ewa")
    with pytest.raises(FormDataRejected, match="purchase_amount"):
        s.complete("Task_record_purchase", sample("material_aid/purchase", purchase_amount="450.01"))
    s.complete("Task_record_purchase", sample("material_aid/purchase", purchase_amount="449.00"))
    assert s.completed
    s.session.refresh(request)
    assert request.status == AidStatus.PURCHASED and request.decided_by_id == s.desk.user("ewa").id


def test_without_approval_a_purchase_may_not_pass_the_limit(start) -> None:
    s = start("material_aid")
    s.complete("Task_request_aid", sample("material_aid/request", aid_amount="280.00"))
    with pytest.raises(FormDataRejected, match="purchase_amount"):
        s.complete("Task_record_purchase", sample("material_aid/purchase", purchase_amount="5000.00"))
    assert s.session.scalar(select(AidPurchase.id)) is None
    s.complete("Task_record_purchase", sample("material_aid/purchase", purchase_amount="300.00"))
    assert s.completed


def test_small_appliances_always_need_approval_and_a_refusal_needs_a_reason(start) -> None:
    s = start("material_aid")
    s.complete(
        "Task_request_aid",
        sample("material_aid/request", aid_category="small_appliances", aid_amount="120.00"),
        actor="anna",
    )
    assert _request(s).approval_reason == "category"
    with pytest.raises(FormDataRejected, match="aid_decision_comment"):
        s.complete("Task_approve_aid", sample("material_aid/approval", aid_decision="reject"), actor="ewa")
    s.complete(
        "Task_approve_aid",
        sample("material_aid/approval", aid_decision="reject", aid_decision_comment="Donated kettle available."),
        actor="ewa",
    )
    assert s.completed
    assert "Task_record_purchase" not in s.trail
    assert _request(s).status == AidStatus.REJECTED


def test_two_requests_on_one_case_each_preparer_is_refused_on_their_own_only(start, desk) -> None:
    first = start("material_aid")
    first.complete("Task_request_aid", sample("material_aid/request", aid_amount="1250.00"), actor="anna")
    second = start("material_aid", actor="ewa")
    second.complete("Task_request_aid", sample("material_aid/request", aid_amount="300.01"), actor="ewa")
    one, two = _request(first), _request(second)
    assert first.task("Task_approve_aid").row.subject_id == one.id
    assert second.task("Task_approve_aid").row.subject_id == two.id
    # Anna prepared the first request: she may decide the second, never her own.
    with pytest.raises(FourEyesViolation):
        first.complete("Task_approve_aid", sample("material_aid/approval"), actor="anna")
    second.complete("Task_approve_aid", sample("material_aid/approval"), actor="anna")
    with pytest.raises(FourEyesViolation):
        second_again = start("material_aid", actor="ewa")
        second_again.complete("Task_request_aid", sample("material_aid/request", aid_amount="999.00"), actor="ewa")
        second_again.complete("Task_approve_aid", sample("material_aid/approval"), actor="ewa")
    first.complete("Task_approve_aid", sample("material_aid/approval"), actor="ewa")
    assert {one.status, two.status} == {AidStatus.APPROVED}
    instances = desk.session.scalars(select(ProcessInstance.id).where(ProcessInstance.process_id == "material_aid"))
    assert len(list(instances)) == 3


def test_the_decision_stays_on_the_request_the_approval_was_opened_for(start, desk) -> None:
    from engine.errors import InvalidInput
    from engine.instances.service import set_instance_variables

    first = start("material_aid")
    first.complete("Task_request_aid", sample("material_aid/request", aid_amount="1250.00"), actor="anna")
    second = start("material_aid")
    second.complete("Task_request_aid", sample("material_aid/request", aid_amount="900.00"), actor="anna")
    boss = desk.user("koordynator", "supervisor")
    with pytest.raises(InvalidInput, match="case records"):
        set_instance_variables(desk.session, boss, first.instance.id, {"aid_request_id": _request(second).id})
    first.complete("Task_approve_aid", sample("material_aid/approval"), actor="ewa")
    assert _request(first).status == AidStatus.APPROVED
    assert _request(second).status == AidStatus.AWAITING_APPROVAL


def test_a_national_administrators_limit_overrides_the_environment_and_is_audited(start) -> None:
    from engine.accounts.models import Office
    from engine.audit.models import AuditEvent
    from engine.programme import change_setting
    from tests import factories

    s = start("material_aid")
    office = s.session.scalars(select(Office).order_by(Office.id)).first()
    national = factories.user(s.session, "national_admin", office_code=office.code)
    change_setting(s.session, national, "IPD_MATERIAL_AID_APPROVAL_LIMIT", "100.00")
    s.complete("Task_request_aid", sample("material_aid/request"))  # 149.99: within the environment's 300.00
    request = _request(s)
    assert (request.needs_approval, request.approval_reason, request.approval_limit) == (
        True,
        "amount_above_limit",
        Decimal("100.00"),
    )
    event = s.session.scalars(select(AuditEvent).where(AuditEvent.kind == "programme.setting_changed")).one()
    assert event.details["setting"] == "IPD_MATERIAL_AID_APPROVAL_LIMIT" and event.actor_id == national.id
