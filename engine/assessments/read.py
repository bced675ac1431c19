"""The needs diagnosis as the case file and the record cards show it, read from the assessment tables.

Each area's narrative (``assessment_details``) and needs reach only the readers ``engine.access.categories``
names for the area; everyone else who may see the case learns that the area was assessed, when, by whom and with
which priority.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.accounts.models import User
from engine.assessments.access import may_read_details
from engine.assessments.models import Assessment, AssessmentStatus
from engine.cases.models import Case
from engine.records.views import RecordCard, RecordSection, record_view


@dataclass(frozen=True)
class AssessmentItem:
    id: int
    area: str
    priority: str
    status: str
    assessed_on: date
    assessed_by_id: int | None
    needs: str | None  # None when withheld
    situation: str | None  # None when withheld
    details: dict[str, Any] | None  # the area's own answers; None when withheld
    restricted: bool


def for_casefile(session: Session, actor: User, case: Case) -> list[AssessmentItem]:
    """The case's current assessment of each area (a later diagnosis supersedes an earlier one)."""
    rows = session.scalars(
        select(Assessment)
        .where(Assessment.case_id == case.id, Assessment.status == AssessmentStatus.ASSESSED)
        .options(selectinload(Assessment.details))
        .order_by(Assessment.assessed_on, Assessment.id)
    )
    return [_item(actor, row, case) for row in rows]


def _item(actor: User, row: Assessment, case: Case) -> AssessmentItem:
    allowed = may_read_details(actor, row.area, case)
    details = row.details
    return AssessmentItem(
        id=row.id,
        area=row.area,
        priority=row.priority,
        status=row.status,
        assessed_on=row.assessed_on,
        assessed_by_id=row.assessed_by_id,
        needs=row.needs if allowed else None,
        situation=details.situation if allowed and details else None,
        details=dict(details.fields or {}) if allowed and details else None,
        restricted=not allowed,
    )


@record_view("assessment")
def assessment_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    row = session.get(Assessment, record_id)
    if row is None:
        return None
    area = row.area
    allowed = may_read_details(actor, area, session.get(Case, row.case_id))
    values: dict[str, Any] = {
        f"{area}_assessed_on": row.assessed_on.isoformat(),
        f"{area}_priority": row.priority,
    }
    form_key = f"diagnosis/{area}"
    if allowed:
        details = row.details
        values[f"{area}_needs"] = row.needs
        if details is not None:
            values[f"{area}_situation"] = details.situation
            values.update(details.fields or {})
        sections = [RecordSection(form_key, values, by_id=row.assessed_by_id, at=row.recorded_at)]
    else:
        # The reader learns the date and the priority; the needs, situation and answers are withheld.
        sections = [
            RecordSection(form_key, values, by_id=row.assessed_by_id, at=row.recorded_at),
            RecordSection(form_key, {}, by_id=row.assessed_by_id, at=row.recorded_at, restricted=True),
        ]
    return RecordCard("assessment", row.id, row.case_id, sections)
