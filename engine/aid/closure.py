"""Closing a case withdraws its material-aid requests that were not bought yet."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.aid.models import AidRequest, AidStatus
from engine.audit.service import record
from engine.cases.models import Case
from engine.closure.hooks import Commitment, on_case_closed

_OPEN = (AidStatus.AWAITING_APPROVAL, AidStatus.APPROVED)


def _open_requests(session: Session, case: Case, *, lock: bool = False) -> list[AidRequest]:
    stmt = select(AidRequest).where(AidRequest.case_id == case.id, AidRequest.status.in_(_OPEN))
    return list(session.scalars(stmt.with_for_update() if lock else stmt.order_by(AidRequest.id)))


def describe(session: Session, case: Case) -> list[Commitment]:
    return [
        Commitment("aid_request", request.id, f"material aid {request.amount} PLN ({request.status})")
        for request in _open_requests(session, case)
    ]


def stop(session: Session, actor: User | None, case: Case) -> None:
    for request in _open_requests(session, case, lock=True):
        previous = request.status
        request.status = AidStatus.WITHDRAWN
        record(
            session,
            "aid.withdrawn",
            actor=actor,
            actor_name=None if actor else "engine",
            case_id=case.id,
            aid_request_id=request.id,
            previous=previous,
        )


on_case_closed("material_aid", describe, stop)
