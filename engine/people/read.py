"""The beneficiary's registration, legal status, consents and flags as the case file shows them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.casefile import (
    CaseTasks,
    instance_data,
    latest_completed,
)
from engine.cases.models import Case


# Legacy reader: reads submitted task data; being replaced by queries over this area's tables.
@dataclass
class PersonFile:
    registration: dict[str, Any]
    legal: dict[str, Any]
    legal_status: str | None
    intake_outcome: dict[str, Any]

    @property
    def household(self) -> list[dict[str, Any]]:
        return list(self.registration.get("household_members") or [])

    @property
    def flags(self) -> list[str]:
        return list(self.registration.get("flags") or [])

    @property
    def consents(self) -> list[dict[str, Any]]:
        return list(self.legal.get("consents") or [])

    @property
    def documents(self) -> list[dict[str, Any]]:
        return list(self.legal.get("documents") or [])


def for_casefile(session: Session, actor: User, case: Case, ctx: CaseTasks) -> PersonFile:
    register = latest_completed(ctx.tasks, "Task_register")
    legal = latest_completed(ctx.tasks, "Task_legal_status")
    intake_outcome: dict[str, Any] = {}
    for instance in ctx.instances:
        if instance.process_id in ("intake", "case_lifecycle") and legal is not None:
            data = instance_data(session, instance)
            intake_outcome = {k: data.get(k) for k in ("intake_outcome", "ipi_apply_by", "intake_eligible")}
    return PersonFile(
        registration=dict(register.submitted or {}) if register else dict(case.beneficiary.profile or {}),
        legal=dict(legal.submitted or {}) if legal else {},
        legal_status=((legal.submitted or {}).get("legal_status") if legal else None) or case.beneficiary.legal_status,
        intake_outcome=intake_outcome,
    )
