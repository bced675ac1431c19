"""Inbox queries over the human-task projection (with the case and beneficiary each task is about)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from engine.access.policy import can_work, candidate_clause, task_case_visible
from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Beneficiary, Case
from engine.clock import utcnow
from engine.pagination import MAX_PAGE, PageWindow, count_rows
from engine.tasks.models import HumanTask, TaskState

PAGE_SIZE = 25


class InboxView(StrEnum):
    MINE = "mine"
    ROLE = "role"
    OVERDUE = "overdue"
    COMPLETED = "completed"


SORTS = ("due", "-due", "created", "-created", "case", "-case", "task", "-task")


@dataclass(frozen=True)
class TaskFilters:
    process_id: str | None = None
    role: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class TaskRow:
    id: int
    name_pl: str
    name_en: str
    process_id: str
    role: str | None
    state: str
    due_at: datetime | None
    created_at: datetime
    completed_at: datetime | None
    assignee_id: int | None
    case_id: int | None
    case_number: str | None
    beneficiary_name: str | None

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_pl


def _claimable(actor: User) -> ColumnElement[bool]:
    """Open, unassigned tasks the actor is a candidate for (the access policy's rule)."""
    return and_(HumanTask.assignee_id.is_(None), candidate_clause(actor))


def _view_condition(actor: User, view: InboxView, now: datetime) -> ColumnElement[bool]:
    is_open = HumanTask.state == TaskState.OPEN
    if view == InboxView.MINE:
        return and_(is_open, HumanTask.assignee_id == actor.id)
    if view == InboxView.ROLE:
        return and_(is_open, _claimable(actor))
    if view == InboxView.OVERDUE:
        mine = or_(HumanTask.assignee_id == actor.id, _claimable(actor))
        if actor.has_role(Role.SUPERVISOR):
            # Supervisors escalate: every overdue task of their office.
            mine = or_(mine, HumanTask.office_id == actor.office_id)
        return and_(is_open, HumanTask.due_at.is_not(None), HumanTask.due_at < now, mine)
    return and_(HumanTask.state == TaskState.COMPLETED, HumanTask.completed_by_id == actor.id)


def _base(actor: User, view: InboxView, filters: TaskFilters, now: datetime) -> Select[HumanTask, str, str]:
    # A candidate not yet associated with the case learns its number, not whom it is about.
    named = task_case_visible(actor)
    full_name = Beneficiary.given_names_latin + " " + Beneficiary.family_name_latin
    stmt = (
        select(HumanTask, Case.number, case((named, full_name), else_=None).label("beneficiary_name"))
        .outerjoin(Case, Case.id == HumanTask.case_id)
        .outerjoin(Beneficiary, Beneficiary.id == Case.beneficiary_id)
        .where(_view_condition(actor, view, now))
    )
    if filters.process_id:
        stmt = stmt.where(HumanTask.process_id == filters.process_id)
    if filters.role:
        stmt = stmt.where(HumanTask.role == filters.role)
    if filters.search and filters.search.strip():
        needle = f"%{filters.search.strip().lower()}%"
        by_name = or_(
            func.lower(full_name).like(needle),
            func.lower(Beneficiary.family_name_latin + " " + Beneficiary.given_names_latin).like(needle),
        )
        # Searching by name only finds the people of cases the actor sees (a search must not reveal others).
        stmt = stmt.where(or_(and_(named, by_name), func.lower(Case.number).like(needle)))
    return stmt


def _order(sort: str, view: InboxView) -> list[ColumnElement[Any]]:
    key = sort if sort in SORTS else ("-completed" if view == InboxView.COMPLETED else "due")
    if key == "-completed":
        return [HumanTask.completed_at.desc(), HumanTask.id.desc()]
    descending = key.startswith("-")
    column = {
        "due": HumanTask.due_at,
        "created": HumanTask.created_at,
        "case": Case.number,
        "task": HumanTask.name_pl,
    }[key.lstrip("-")]
    ordered = column.desc() if descending else column.asc()
    # Tasks without a due date go last either way.
    return [column.is_(None), ordered, HumanTask.id.asc()]


def list_tasks(
    session: Session,
    actor: User,
    view: InboxView | str,
    filters: TaskFilters | None = None,
    sort: str = "due",
    page: int = 1,
    *,
    page_size: int = PAGE_SIZE,
) -> tuple[list[TaskRow], int]:
    """One page of the actor's inbox ``view`` and the total number of matching tasks."""
    view = InboxView(view)
    now = utcnow()
    stmt = _base(actor, view, filters or TaskFilters(), now)
    window = PageWindow.numbered(min(max(1, page), MAX_PAGE), page_size)
    total = count_rows(session, stmt)
    stmt = window.apply(stmt.order_by(*_order(sort, view)))
    rows = [
        TaskRow(
            id=task.id,
            name_pl=task.name_pl,
            name_en=task.name_en,
            process_id=task.process_id,
            role=task.role,
            state=task.state,
            due_at=task.due_at,
            created_at=task.created_at,
            completed_at=task.completed_at,
            assignee_id=task.assignee_id,
            case_id=task.case_id,
            case_number=number,
            beneficiary_name=name,
        )
        for task, number, name in session.execute(stmt)
    ]
    return rows, total


def task_counts(session: Session, actor: User, views: Iterable[InboxView] = tuple(InboxView)) -> dict[str, int]:
    """How many tasks each of ``views`` (by default every inbox view) holds for the actor."""
    now = utcnow()
    return {
        str(view): session.scalar(select(func.count()).select_from(HumanTask).where(_view_condition(actor, view, now)))
        or 0
        for view in views
    }


def process_ids(session: Session, actor: User) -> list[str]:
    """The processes the actor's open or completed tasks come from (for the filter)."""
    stmt = (
        select(HumanTask.process_id)
        .where(or_(HumanTask.office_id == actor.office_id, HumanTask.assignee_id == actor.id))
        .distinct()
        .order_by(HumanTask.process_id)
    )
    return list(session.scalars(stmt))


def approval_tasks(session: Session, actor: User, limit: int = 200) -> list[HumanTask]:
    """Open supervisor-lane tasks of the actor's office, oldest due first."""
    if not actor.has_role(Role.SUPERVISOR):
        return []
    stmt = (
        select(HumanTask)
        .where(
            HumanTask.state == TaskState.OPEN,
            HumanTask.role == Role.SUPERVISOR,
            HumanTask.office_id == actor.office_id,
        )
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def next_task_of_case(session: Session, actor: User, case_id: int | None) -> HumanTask | None:
    """The open task of this case the actor can work now (theirs, or unclaimed in their lane), oldest due first.

    Used after a submit so the user carries on with the case instead of going back to the inbox.
    """
    if case_id is None:
        return None
    stmt = (
        select(HumanTask)
        .where(HumanTask.case_id == case_id, HumanTask.state == TaskState.OPEN)
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id)
        .limit(50)
    )
    return next((task for task in session.scalars(stmt) if can_work(actor, task)), None)
