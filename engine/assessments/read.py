"""The needs diagnosis as the case file shows it."""

from __future__ import annotations

from dataclasses import dataclass
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
class Diagnosis:
    area: str
    task_id: int
    state: str
    priority: str | None
    completed_at: Any
    completed_by_id: int | None
    details: dict[str, Any] | None  # None when withheld
    restricted: bool


def for_casefile(session: Session, actor: User, case: Case, ctx: CaseTasks) -> list[Diagnosis]:
    special = may_read_special(actor)
    diagnoses = []
    for task in ctx.tasks:
        if not task.element_id.startswith("Task_diagnose_") or task.state == TaskState.CANCELLED:
            continue
        area = task.element_id.removeprefix("Task_diagnose_")
        submitted = task.submitted or {}
        restricted = is_special_category(task) and not special
        diagnoses.append(
            Diagnosis(
                area=area,
                task_id=task.id,
                state=task.state,
                priority=submitted.get(f"{area}_priority"),
                completed_at=task.completed_at,
                completed_by_id=task.completed_by_id,
                details=None if restricted or not task.submitted else dict(submitted),
                restricted=restricted,
            )
        )
    return diagnoses
