"""Closing a case ends its unpaid scheduled subsidy payments and releases their reservations."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.accounts.models import User
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.closure.hooks import Commitment, on_case_closed
from engine.subsidies.models import HousingSubsidy, PaymentStatus, SubsidyStatus

#: A subsidy still open: waiting for its decision, or approved with months to pay.
_OPEN = (SubsidyStatus.APPLIED, SubsidyStatus.AWAITING_APPROVAL, SubsidyStatus.APPROVED)


def _open_subsidies(session: Session, case: Case, *, lock: bool = False) -> list[HousingSubsidy]:
    stmt = (
        select(HousingSubsidy)
        .where(HousingSubsidy.case_id == case.id, HousingSubsidy.status.in_(_OPEN))
        .order_by(HousingSubsidy.id)
    )
    if lock:
        return list(session.scalars(stmt.with_for_update()))
    return list(session.scalars(stmt.options(selectinload(HousingSubsidy.payments))))


def describe(session: Session, case: Case) -> list[Commitment]:
    found = []
    for subsidy in _open_subsidies(session, case):
        unpaid = [p for p in subsidy.payments if p.status == PaymentStatus.SCHEDULED]
        reserved = sum((p.amount for p in unpaid), Decimal("0.00"))
        if subsidy.status == SubsidyStatus.APPROVED:
            summary = f"housing subsidy: {len(unpaid)} unpaid monthly payments, {reserved} PLN reserved"
        else:
            summary = f"housing subsidy application ({subsidy.status})"
        found.append(Commitment("subsidy", subsidy.id, summary))
    return found


def stop(session: Session, actor: User | None, case: Case) -> None:
    now = utcnow()
    for subsidy in _open_subsidies(session, case, lock=True):
        cancelled = [p for p in subsidy.payments if p.status == PaymentStatus.SCHEDULED]
        released = sum((p.amount for p in cancelled), Decimal("0.00"))
        for payment in cancelled:
            payment.status = PaymentStatus.CANCELLED
            payment.cancelled_at = now
        previous = subsidy.status
        subsidy.status = SubsidyStatus.ENDED
        subsidy.ended_at = now
        record(
            session,
            "subsidy.ended",
            actor=actor,
            actor_name=None if actor else "engine",
            case_id=case.id,
            subsidy_id=subsidy.id,
            previous=previous,
            payments_cancelled=[p.id for p in cancelled],
            released=str(released),
        )


on_case_closed("housing_subsidy", describe, stop)
