"""Sessions, placements, camps and referrals as the case file shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.casefile import (
    CaseTasks,
    is_special_category,
    may_read_special,
)
from engine.cases.models import Case
from engine.tasks.models import TaskState


# Legacy reader: reads submitted task data; being replaced by queries over this area's tables.
@dataclass
class SessionRecord:
    task_id: int
    role: str | None
    session_date: str | None
    status: str | None
    duration_minutes: int | None
    details: dict[str, Any] | None
    restricted: bool


@dataclass
class DeliveryFile:
    sessions: list[SessionRecord] = field(default_factory=list)


def for_casefile(session: Session, actor: User, case: Case, ctx: CaseTasks) -> DeliveryFile:
    special = may_read_special(actor)
    sessions = []
    for task in ctx.tasks:
        if task.process_id != "service_session" or task.state != TaskState.COMPLETED or not task.submitted:
            continue
        restricted = is_special_category(task) and not special
        sessions.append(
            SessionRecord(
                task_id=task.id,
                role=task.role,
                session_date=task.submitted.get("session_date"),
                status=task.submitted.get("session_status"),
                duration_minutes=task.submitted.get("session_duration_minutes"),
                details=None if restricted else dict(task.submitted),
                restricted=restricted,
            )
        )
    return DeliveryFile(sessions=sessions)
