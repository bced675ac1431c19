"""The plan's actions on the case file: marked in progress, done or dropped outside any process."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.plans.models import ActionStatus, Plan, PlanAction, PlanGoal, PlanStatus, PlanVersion


def may_update_action(actor: User, case: Case, action: PlanAction) -> bool:
    """The case manager, the case's supervisors, or a specialist of the case holding the responsible role."""
    if actor.office_id != case.office_id:
        return False
    if actor.id == case.case_manager_id or actor.has_role("supervisor"):
        return True
    return (
        action.responsible_type == "role"
        and action.responsible_role is not None
        and actor.has_role(action.responsible_role)
        and case.is_associated(actor)
    )


def update_action_status(session: Session, actor: User, case: Case, action_id: int, status: str) -> PlanAction:
    """Mark an action of the plan in force in progress, done or dropped (from the case file)."""
    if status not in (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DROPPED, ActionStatus.PLANNED):
        raise InvalidInput("unknown action status", {"status": "in_progress, done or dropped"})
    row = session.execute(
        select(PlanAction, Plan)
        .join(PlanGoal, PlanGoal.id == PlanAction.goal_id)
        .join(PlanVersion, PlanVersion.id == PlanGoal.version_id)
        .join(Plan, Plan.id == PlanVersion.plan_id)
        .where(PlanAction.id == action_id)
        .with_for_update(of=PlanAction)
    ).first()
    if row is None or row.Plan.case_id != case.id:
        raise NotFound(f"no action {action_id} in this case's plan")
    action: PlanAction = row.PlanAction
    if not may_update_action(actor, case, action):
        raise Forbidden("only the case manager or the responsible specialist can change this action")
    if action.goal.version.status != PlanStatus.SIGNED:
        raise Conflict("only the actions of the plan in force can change")
    old = action.status
    if old == status:
        return action
    action.status = status
    action.status_changed_by_id = actor.id
    action.status_changed_at = utcnow()
    session.flush()
    record(
        session,
        "plan.action_status_changed",
        actor=actor,
        case_id=case.id,
        plan_id=row.Plan.id,
        action_id=action.id,
        old_status=old,
        new_status=status,
    )
    return action
