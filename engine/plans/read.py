"""The IPD as the case file shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.casefile import (
    CaseTasks,
    latest_completed,
)
from engine.cases.models import Case
from engine.clock import utcnow
from engine.tasks.models import HumanTask, TaskState


# Legacy reader: reads submitted task data; being replaced by queries over this area's tables.
@dataclass
class Plan:
    status: str  # draft / awaiting_approval / returned / approved / signed
    goals: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    obligations_beneficiary: list[str]
    obligations_organisation: list[str]
    approval_history: list[dict[str, Any]]
    signed_on: str | None
    goal_ratings: dict[str, str]


def for_casefile(session: Session, actor: User, case: Case, ctx: CaseTasks) -> Plan | None:
    return _plan(ctx.tasks)


def _plan(tasks: list[HumanTask]) -> Plan | None:
    draft = latest_completed(tasks, "Task_draft_plan")
    if draft is None:
        return None
    data = draft.submitted or {}
    approvals = [
        t for t in tasks if t.element_id == "Task_approve_plan" and t.state == TaskState.COMPLETED and t.submitted
    ]
    history = [
        {
            "decision": (t.submitted or {}).get("ipd_approval_decision"),
            "comment": (t.submitted or {}).get("ipd_approval_comment"),
            "at": t.completed_at,
            "by_id": t.completed_by_id,
        }
        for t in approvals
    ]
    sign = latest_completed(tasks, "Task_sign_plan")
    awaiting = any(t.element_id == "Task_approve_plan" and t.state == TaskState.OPEN for t in tasks)
    status = "draft"
    last_approval = approvals[-1] if approvals else None
    if awaiting:
        status = "awaiting_approval"
    elif last_approval is not None and last_approval.completed_at and last_approval.id > draft.id:
        status = "approved" if history[-1]["decision"] == "approve" else "returned"
    if status == "approved" and sign is not None and (sign.submitted or {}).get("ipd_signature_status") == "signed":
        status = "signed"
    review = latest_completed(tasks, "Task_review_plan")
    ratings = {
        str(r.get("goal_id")): str(r.get("rating"))
        for r in ((review.submitted or {}).get("review_goal_ratings") or [] if review else [])
    }
    today = utcnow().date().isoformat()
    actions = []
    for action in data.get("ipd_actions") or []:
        deadline = action.get("deadline")
        actions.append({**action, "status": "deadline_passed" if deadline and deadline < today else "planned"})
    goals = [{**g, "status": ratings.get(str(g.get("goal_id")), "not_reviewed")} for g in data.get("ipd_goals") or []]
    return Plan(
        status=status,
        goals=goals,
        actions=actions,
        obligations_beneficiary=list(data.get("ipd_obligations_beneficiary") or []),
        obligations_organisation=list(data.get("ipd_obligations_organisation") or []),
        approval_history=history,
        signed_on=(sign.submitted or {}).get("ipd_signed_on") if sign else None,
        goal_ratings=ratings,
    )
