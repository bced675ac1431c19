"""Closing a case ends its plan: the version in force and any draft, submission or annex still waiting."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.closure.hooks import Commitment, on_case_closed
from engine.plans.models import Plan, PlanStatus, PlanVersion


def _open_plans(session: Session, case: Case, *, lock: bool = False) -> list[Plan]:
    stmt = select(Plan).where(Plan.case_id == case.id, Plan.ended_on.is_(None)).order_by(Plan.id)
    return list(session.scalars(stmt.with_for_update() if lock else stmt))


def _open_versions(plan: Plan) -> list[PlanVersion]:
    return [v for v in plan.versions if v.status != PlanStatus.ENDED]


def describe(session: Session, case: Case) -> list[Commitment]:
    return [
        Commitment("plan", plan.id, ", ".join(f"IPD version {v.version} ({v.status})" for v in _open_versions(plan)))
        for plan in _open_plans(session, case)
        if _open_versions(plan)
    ]


def stop(session: Session, actor: User | None, case: Case) -> None:
    today = utcnow().date()
    for plan in _open_plans(session, case, lock=True):
        ended = _open_versions(plan)
        for version in ended:
            version.status = PlanStatus.ENDED
            version.ended_on = today
        plan.ended_on = today
        plan.end_reason = "case_closed"
        plan.ended_by_id = actor.id if actor else None
        record(
            session,
            "plan.ended_with_case",
            actor=actor,
            actor_name=None if actor else "engine",
            case_id=case.id,
            plan_id=plan.id,
            versions=[v.version for v in ended],
        )


on_case_closed("plans", describe, stop)
