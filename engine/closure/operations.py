"""The operations of the closure process: request the closure, decide it (four-eyes), close the case."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from engine.audit.service import record
from engine.cases.models import CaseStatus
from engine.clock import utcnow
from engine.closure import service
from engine.closure.models import (
    CLOSURE_DECISIONS,
    CLOSURE_REASONS,
    ENGINE_CLOSURE_REASONS,
    ClosureRequest,
    ClosureStatus,
)
from engine.errors import Conflict, InvalidInput, NotFound
from engine.operations import inputs
from engine.operations.registry import Call, OperationKind, Subject, operation, prefill_for
from engine.operations.rules import DecisionForm, require_actor, require_supervisor, take_decision

SUBJECT = Subject("closure_request", "closure_request_id")


def load_request(session: Session, call: Call, *, lock: bool = False) -> ClosureRequest:
    case = call.require_case()
    request = session.get(ClosureRequest, call.record_id(SUBJECT.key), with_for_update=lock)
    if request is None or request.case_id != case.id:
        raise NotFound("the closure request of this process does not exist")
    return request


@operation(
    "request_closure",
    summary="Record the case manager's request to close the case: reason and handover note.",
    fields={"closure_reason": True, "closure_reason_other": False, "handover_note": True, "handover_to": False},
    reads=("closure_request_id",),
    writes=("closure_request_id",),
    subject=SUBJECT,
)
def request_closure(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    if case.status == CaseStatus.CLOSED:
        raise Conflict("this case is already closed")
    form = call.form
    reason = inputs.choice(form, "closure_reason", CLOSURE_REASONS)
    request = ClosureRequest(
        case_id=case.id,
        instance_id=call.instance.id,
        reason=reason,
        reason_other=inputs.text(form, "closure_reason_other", required=reason == "other"),
        handover_note=inputs.text(form, "handover_note") or "",
        handover_to=inputs.text(form, "handover_to", required=False),
        status=ClosureStatus.SUBMITTED,
        requested_by_id=actor.id,
        requested_at=utcnow(),
    )
    call.session.add(request)
    call.session.flush()
    record(
        call.session,
        "closure.requested",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        closure_request_id=request.id,
        reason=reason,
    )
    return {"closure_request_id": request.id}


@prefill_for("request_closure")
def request_closure_prefill(call: Call) -> Mapping[str, Any]:
    """A returned request comes back as it was, for the case manager to correct."""
    if not isinstance(call.values.get(SUBJECT.key), int):
        return {}
    previous = call.session.get(ClosureRequest, call.values[SUBJECT.key])
    if previous is None or previous.status != ClosureStatus.RETURNED:
        return {}
    return {
        "closure_reason": previous.reason,
        "closure_reason_other": previous.reason_other,
        "handover_note": previous.handover_note,
        "handover_to": previous.handover_to,
    }


@operation(
    "decide_closure",
    summary="A supervisor (never the one who requested it) approves the closure or returns it with a comment.",
    fields={"closure_decision": True, "closure_comment": False},
    reads=("closure_request_id",),
    writes=("closure_decision",),
    subject=SUBJECT,
)
def decide_closure(call: Call) -> Mapping[str, Any]:
    case = call.require_case()
    actor = require_supervisor(call.actor, case)
    request = load_request(call.session, call, lock=True)
    decision, comment = take_decision(
        call.form,
        actor,
        what="closure request",
        prepared_by_id=request.requested_by_id,
        status=request.status,
        waiting=ClosureStatus.SUBMITTED,
        fields=DecisionForm("closure_decision", "closure_comment", CLOSURE_DECISIONS, needs_comment="return"),
    )
    request.status = ClosureStatus.APPROVED if decision == "approve" else ClosureStatus.RETURNED
    request.decision = decision
    request.decision_comment = comment
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    record(
        call.session,
        "closure.decided",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        closure_request_id=request.id,
        decision=decision,
    )
    return {"closure_decision": decision}


@operation(
    "close_case",
    kind=OperationKind.SERVICE,
    summary=(
        "Close the case: after an approved closure request (closure_request_id), or for an engine reason "
        "(closure_reason = not_eligible). Withdraws the case's other running processes and stops open commitments."
    ),
    reads=("closure_request_id", "closure_reason"),
    writes=("case_status", "case_closed_on"),
)
def close_case(call: Call) -> Mapping[str, Any]:
    case = call.require_case()
    if isinstance(call.values.get(SUBJECT.key), int):
        request = load_request(call.session, call, lock=True)
        if request.status != ClosureStatus.APPROVED:
            raise Conflict(f"this closure request is {request.status}: only an approved request closes the case")
        reason = request.reason
        request.status = ClosureStatus.CLOSED
    else:
        reason = str(call.values.get("closure_reason") or "")
        if reason not in ENGINE_CLOSURE_REASONS:
            raise InvalidInput(
                "a case closes after an approved closure request, or for a reason the engine knows",
                {"closure_reason": f"one of: {', '.join(ENGINE_CLOSURE_REASONS)}"},
            )
    if case.status != CaseStatus.CLOSED:
        service.close_case(call.session, call.actor, case, reason, keep_instance_id=call.instance.id)
    closed_at = case.closed_at or utcnow()
    return {"case_status": "closed", "case_closed_on": closed_at.date().isoformat()}
