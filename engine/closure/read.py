"""The closure request as the supervisor sees it before deciding: the request, and what closing will stop."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.models import Case
from engine.closure.models import ClosureRequest, ClosureStatus
from engine.closure.service import what_closure_stops
from engine.records.views import RecordCard, RecordSection, record_view

REQUEST_FORM = "closure/request"
DECISION_FORM = "closure/approval"
#: A section of its own (no form): the processes and commitments the closure will stop.
STOPS_SECTION = "closure/stops"  # forms/closure/stops.json: read-only, no task uses it


def closure_requests(session: Session, case: Case) -> list[ClosureRequest]:
    """Every closure request of the case, oldest first (returned ones included)."""
    return list(
        session.scalars(
            select(ClosureRequest)
            .where(ClosureRequest.case_id == case.id)
            .order_by(ClosureRequest.requested_at, ClosureRequest.id)
        )
    )


@record_view("closure_request")
def closure_request_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    request = session.get(ClosureRequest, record_id)
    if request is None:
        return None
    sections = [
        RecordSection(
            REQUEST_FORM,
            {
                "closure_reason": request.reason,
                "closure_reason_other": request.reason_other,
                "handover_note": request.handover_note,
                "handover_to": request.handover_to,
            },
            by_id=request.requested_by_id,
            at=request.requested_at,
        )
    ]
    if request.status == ClosureStatus.SUBMITTED:
        case = session.get(Case, request.case_id)
        assert case is not None
        processes, commitments = what_closure_stops(session, case, keep_instance_id=request.instance_id)
        sections.append(
            RecordSection(
                STOPS_SECTION,
                {
                    "running_processes": [
                        {"instance_id": p.instance_id, "process_id": p.process_id, "status": p.status}
                        for p in processes
                    ],
                    "open_commitments": [
                        {"kind": c.kind, "record_id": c.record_id, "summary": c.summary} for c in commitments
                    ],
                },
            )
        )
    if request.decided_at is not None:
        sections.append(
            RecordSection(
                DECISION_FORM,
                {"closure_decision": request.decision, "closure_comment": request.decision_comment},
                by_id=request.decided_by_id,
                at=request.decided_at,
            )
        )
    return RecordCard("closure_request", request.id, request.case_id, sections, prepared_by_id=request.requested_by_id)
