"""Hand out the team's decisions once the minutes are recorded: each starts its own follow-up process.

A task decision becomes a human task for the named person (or the role in the office) due on the decided
day; a plan amendment starts the IPD drafting of an annex to the plan in force. The follow-up runs as a
separate, short instance per decision, so the meeting cycle's own state stays small.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.models import Case
from engine.notifications import events as notification_events
from engine.plans.models import Plan, PlanStatus, PlanVersion
from engine.team.models import DecisionKind, TeamDecision

#: The process started per decision (processes/team_decision.bpmn).
FOLLOW_UP_PROCESS = "team_decision"


def plan_in_force(session: Session, case_id: int) -> Plan | None:
    """The case's plan with a signed version in force (the one an annex amends)."""
    return session.scalar(
        select(Plan)
        .join(PlanVersion, PlanVersion.plan_id == Plan.id)
        .where(Plan.case_id == case_id, PlanVersion.status == PlanStatus.SIGNED)
        .order_by(Plan.id.desc())
        .limit(1)
    )


def start_data(session: Session, decision: TeamDecision) -> dict[str, Any]:
    data: dict[str, Any] = {
        "team_decision_id": decision.id,
        "decision_kind": decision.kind,
        "decision_role": decision.assigned_role,
        "decision_assignee_id": decision.assignee_id,
        "decision_due_on": decision.due_on.isoformat(),
    }
    if decision.kind == DecisionKind.PLAN_AMENDMENT and decision.case_id is not None:
        plan = plan_in_force(session, decision.case_id)
        if plan is not None:
            data["plan_id"] = plan.id
    return data


def _give_access(session: Session, task_ids: list[int]) -> None:
    """The person the team named works on the case: like taking a task, that makes them a member of it."""
    from engine.tasks.models import HumanTask
    from engine.tasks.service import associate_with_case

    for task_id in task_ids:
        task = session.get(HumanTask, task_id)
        if task is not None and task.assignee_id is not None:
            holder = session.get(User, task.assignee_id)
            if holder is not None:
                associate_with_case(session, task, holder)


def dispatch_decisions(session: Session, actor: User, office_id: int, decisions: list[TeamDecision]) -> None:
    """Start the follow-up of every decision and tell the people it goes to."""
    from engine.instances.service import start_instance

    for decision in decisions:
        case = session.get(Case, decision.case_id) if decision.case_id is not None else None
        outcome = start_instance(
            session,
            actor,
            FOLLOW_UP_PROCESS,
            case=case,
            data=start_data(session, decision),
            office_id=office_id,
        )
        decision.instance_id = outcome.instance.id
        _give_access(session, outcome.new_task_ids)
        if decision.kind == DecisionKind.TASK:
            notification_events.team_decision(
                session,
                decision_id=decision.id,
                case=case,
                office_id=office_id,
                role=decision.assigned_role,
                assignee_id=decision.assignee_id,
                due_on=decision.due_on.isoformat(),
                task_id=outcome.new_task_ids[0] if outcome.new_task_ids else None,
            )
