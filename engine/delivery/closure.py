"""Closing a case withdraws its open nursery applications, camp enrolments and referrals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.audit.service import record
from engine.cases.models import Case
from engine.closure.hooks import Commitment, on_case_closed
from engine.delivery.models import (
    CampEnrolment,
    CampStatus,
    NurseryPlacement,
    PlacementStatus,
    Referral,
    ReferralStatus,
)

#: (model, record kind, open statuses, withdrawn status, what the supervisor reads)
_OPEN: tuple[tuple[Any, str, tuple[str, ...], str, str], ...] = (
    (
        NurseryPlacement,
        "nursery_placement",
        (PlacementStatus.APPLIED, PlacementStatus.WAITING_LIST),
        PlacementStatus.WITHDRAWN,
        "nursery/kindergarten application",
    ),
    (CampEnrolment, "camp_enrolment", (CampStatus.ENROLLED,), CampStatus.WITHDRAWN, "camp enrolment"),
    (
        Referral,
        "referral",
        (ReferralStatus.SENT, ReferralStatus.ACCEPTED),
        ReferralStatus.WITHDRAWN,
        "referral",
    ),
)


def _rows(session: Session, model: Any, case: Case, statuses: tuple[str, ...], *, lock: bool = False) -> list[Any]:
    stmt = select(model).where(model.case_id == case.id, model.status.in_(statuses)).order_by(model.id)
    return list(session.scalars(stmt.with_for_update() if lock else stmt))


def describe(session: Session, case: Case) -> list[Commitment]:
    return [
        Commitment(kind, row.id, f"{what} ({row.status})")
        for model, kind, statuses, _, what in _OPEN
        for row in _rows(session, model, case, statuses)
    ]


def stop(session: Session, actor: User | None, case: Case) -> None:
    for model, kind, statuses, withdrawn, _ in _OPEN:
        for row in _rows(session, model, case, statuses, lock=True):
            previous = row.status
            row.status = withdrawn
            record(
                session,
                "delivery.withdrawn",
                actor=actor,
                actor_name=None if actor else "engine",
                case_id=case.id,
                record_kind=kind,
                record_id=row.id,
                previous=previous,
            )


on_case_closed("delivery", describe, stop)
