"""The operations of the material-aid process: request, decide, record the purchase."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine import programme
from engine.aid.models import AID_CATEGORIES, ALWAYS_APPROVED_BY_SUPERVISOR, AidPurchase, AidRequest, AidStatus
from engine.audit.service import record
from engine.clock import utcnow
from engine.errors import Conflict, InvalidInput, NotFound
from engine.operations import inputs
from engine.operations.registry import Call, Subject, operation
from engine.operations.rules import DecisionForm, require_actor, require_supervisor, take_decision

SUBJECT = Subject("aid_request", "aid_request_id")
DECISION_FORM = DecisionForm("aid_decision", "aid_decision_comment", ("approve", "reject"), needs_comment="reject")


def approval_limit(session: Session) -> Decimal:
    return Decimal(programme.setting(session, "IPD_MATERIAL_AID_APPROVAL_LIMIT"))


def load_request(session: Session, call: Call, *, lock: bool = False) -> AidRequest:
    case = call.require_case()
    request = session.get(AidRequest, call.record_id(SUBJECT.key), with_for_update=lock)
    if request is None or request.case_id != case.id or request.instance_id != call.instance.id:
        raise NotFound("the material-aid request of this process does not exist")
    return request


@operation(
    "request_aid",
    summary="Record a material-aid request; decides whether a supervisor must approve it.",
    fields={"aid_category": True, "aid_amount": True, "aid_description": True, "aid_recipient": True},
    writes=("aid_request_id", "aid_needs_approval"),
    subject=SUBJECT,
)
def request_aid(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    form = call.form
    category = inputs.choice(form, "aid_category", AID_CATEGORIES)
    amount = inputs.money(form, "aid_amount")
    limit = approval_limit(call.session)
    if category in ALWAYS_APPROVED_BY_SUPERVISOR:
        needs, reason = True, "category"
    elif amount > limit:
        needs, reason = True, "amount_above_limit"
    else:
        needs, reason = False, "within_limit"
    request = AidRequest(
        case_id=case.id,
        instance_id=call.instance.id,
        category=category,
        description=inputs.text(form, "aid_description") or "",
        recipient=inputs.text(form, "aid_recipient") or "",
        amount=amount,
        approval_limit=limit,
        needs_approval=needs,
        approval_reason=reason,
        status=AidStatus.AWAITING_APPROVAL if needs else AidStatus.APPROVED,
        requested_by_id=actor.id,
        requested_at=utcnow(),
    )
    call.session.add(request)
    call.session.flush()
    record(
        call.session,
        "aid.requested",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        aid_request_id=request.id,
        amount=str(amount),
        needs_approval=needs,
    )
    return {"aid_request_id": request.id, "aid_needs_approval": needs}


@operation(
    "decide_aid",
    summary="A supervisor approves or rejects the material-aid request (never their own).",
    fields={"aid_decision": True, "aid_decision_comment": False},
    reads=("aid_request_id",),
    writes=("aid_decision",),
    subject=SUBJECT,
)
def decide_aid(call: Call) -> Mapping[str, Any]:
    case = call.require_case()
    actor = require_supervisor(call.actor, case)
    request = load_request(call.session, call, lock=True)
    decision, comment = take_decision(
        call.form,
        actor,
        what="material-aid request",
        prepared_by_id=request.requested_by_id,
        status=request.status,
        waiting=AidStatus.AWAITING_APPROVAL,
        fields=DECISION_FORM,
    )
    request.status = AidStatus.APPROVED if decision == "approve" else AidStatus.REJECTED
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.decision = decision
    request.decision_comment = comment
    record(
        call.session,
        "aid.decided",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        aid_request_id=request.id,
        decision=decision,
    )
    return {"aid_decision": decision}


@operation(
    "record_purchase",
    summary="Record what was bought for an approved request (never more than approved, or than the limit).",
    fields={"purchase_date": True, "purchase_amount": True, "receipt_number": True, "handed_over_on": False},
    reads=("aid_request_id",),
    writes=(),
    subject=SUBJECT,
)
def record_purchase(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    request = load_request(call.session, call, lock=True)
    if request.status != AidStatus.APPROVED:
        raise Conflict(f"this request is {request.status}: only an approved request can be bought")
    amount = inputs.money(call.form, "purchase_amount")
    if amount > request.spending_cap:
        what = "the approved amount" if request.needs_approval else "the limit for purchases without approval"
        raise InvalidInput(
            "the purchase costs more than allowed",
            {"purchase_amount": f"at most {request.spending_cap} PLN ({what})"},
        )
    purchased_on = inputs.day(call.form, "purchase_date")
    handed_over_on = inputs.optional_day(call.form, "handed_over_on")
    if purchased_on > utcnow().date():
        raise InvalidInput("the purchase date is in the future", {"purchase_date": "cannot be in the future"})
    if handed_over_on is not None and handed_over_on < purchased_on:
        raise InvalidInput("dates out of order", {"handed_over_on": "cannot be before the purchase date"})
    purchase = AidPurchase(
        request_id=request.id,
        case_id=case.id,
        amount=amount,
        purchased_on=purchased_on,
        receipt_number=inputs.text(call.form, "receipt_number") or "",
        handed_over_on=handed_over_on,
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
    )
    call.session.add(purchase)
    request.status = AidStatus.PURCHASED
    call.session.flush()
    record(
        call.session,
        "aid.purchased",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        aid_request_id=request.id,
        amount=str(amount),
    )
    return {}
