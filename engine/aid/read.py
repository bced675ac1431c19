"""Material aid as the case file and the approval cards show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.accounts.models import User
from engine.aid.models import AidPurchase, AidRequest
from engine.cases.models import Case
from engine.records.views import RecordCard, RecordSection, record_view

REQUEST_FORM = "material_aid/request"
DECISION_FORM = "material_aid/approval"
PURCHASE_FORM = "material_aid/purchase"


@dataclass(frozen=True)
class AidItem:
    id: int
    category: str
    description: str
    amount: Decimal
    status: str
    needs_approval: bool
    requested_by_id: int | None
    requested_at: datetime
    decided_by_id: int | None
    decision_comment: str | None
    purchase_amount: Decimal | None
    receipt_number: str | None
    purchased_on: date | None


def for_casefile(session: Session, actor: User, case: Case) -> list[AidItem]:
    """Every material-aid request of the case with its purchase, oldest first."""
    requests = session.scalars(
        select(AidRequest)
        .where(AidRequest.case_id == case.id)
        .options(selectinload(AidRequest.purchase))
        .order_by(AidRequest.requested_at, AidRequest.id)
    )
    return [_item(request) for request in requests]


def _item(request: AidRequest) -> AidItem:
    purchase: AidPurchase | None = request.purchase
    return AidItem(
        id=request.id,
        category=request.category,
        description=request.description,
        amount=request.amount,
        status=request.status,
        needs_approval=request.needs_approval,
        requested_by_id=request.requested_by_id,
        requested_at=request.requested_at,
        decided_by_id=request.decided_by_id,
        decision_comment=request.decision_comment,
        purchase_amount=purchase.amount if purchase else None,
        receipt_number=purchase.receipt_number if purchase else None,
        purchased_on=purchase.purchased_on if purchase else None,
    )


@record_view("aid_request")
def aid_request_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    request = session.get(AidRequest, record_id)
    if request is None:
        return None
    sections = [
        RecordSection(
            REQUEST_FORM,
            {
                "aid_category": request.category,
                "aid_amount": str(request.amount),
                "aid_description": request.description,
                "aid_recipient": request.recipient,
            },
            by_id=request.requested_by_id,
            at=request.requested_at,
        )
    ]
    if request.decided_at is not None:
        sections.append(
            RecordSection(
                DECISION_FORM,
                {
                    "aid_decision": request.decision,
                    "aid_decision_comment": request.decision_comment,
                },
                by_id=request.decided_by_id,
                at=request.decided_at,
            )
        )
    purchase = request.purchase
    if purchase is not None:
        sections.append(
            RecordSection(
                PURCHASE_FORM,
                {
                    "purchase_date": purchase.purchased_on.isoformat(),
                    "purchase_amount": str(purchase.amount),
                    "receipt_number": purchase.receipt_number,
                    "handed_over_on": purchase.handed_over_on.isoformat() if purchase.handed_over_on else None,
                },
                by_id=purchase.recorded_by_id,
                at=purchase.recorded_at,
            )
        )
    return RecordCard("aid_request", request.id, request.case_id, sections, prepared_by_id=request.requested_by_id)
