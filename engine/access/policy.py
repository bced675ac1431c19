"""The access policy: who may see a case, a task, a record, a process instance, and who administers an office.

Each rule is a predicate on objects and, where lists need it, its SQL twin; views, the API, exports, the
Celery tasks and the test drivers call these and nothing else. Invisible things raise ``NotFound`` (never
``Forbidden``) where callers look them up, so a refusal does not tell that the thing exists.

- A case is seen by its case manager, the specialists assigned to it (case members) and the supervisors of its
  office. Its completed tasks and its records: by the same people only.
- An open, unclaimed task is also seen, as a summary, by its candidates (active users of the task's office who
  hold the task's role), so they can decide to take it: ``TASK_SUMMARY_FIELDS`` is all they learn. Taking the
  task makes them a member of the case (``engine.tasks.service``), which opens the rest.
- A task without a case (office work, such as a team meeting) is seen by its assignee, whoever completed it, its
  candidates while it is open and unclaimed, and the office's supervisors.
- Administrators administer their own office; national administrators every office. Administering gives
  technical access to process instances (status, elements, incidents), never to a case's contents: an
  administrator reads a case only if they also hold a case role that reaches it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session

from engine.access.categories import CASE_MANAGER, READERS, WORK_ROLES, Category
from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case, CaseMember
from engine.errors import NotFound
from engine.instances.models import ProcessInstance
from engine.tasks.models import HumanTask, TaskState

# -- cases ------------------------------------------------------------------------------------------------------


def is_associated(user: User, case: Case) -> bool:
    """The case manager or a specialist assigned to the case."""
    return user.id == case.case_manager_id or any(m.user_id == user.id for m in case.members)


def can_view_case(user: User, case: Case) -> bool:
    """Case manager, assigned specialists, and supervisors of the case's office."""
    if not user.active or user.office_id != case.office_id:
        return False
    return user.has_role(Role.SUPERVISOR) or is_associated(user, case)


def visible_case_ids(user: User) -> Select[Any]:
    """``can_view_case`` as a query of case ids."""
    stmt = select(Case.id).where(Case.office_id == user.office_id)
    if not user.active:
        return stmt.where(false())
    if not user.has_role(Role.SUPERVISOR):
        member = select(CaseMember.case_id).where(CaseMember.user_id == user.id)
        stmt = stmt.where(or_(Case.case_manager_id == user.id, Case.id.in_(member)))
    return stmt


def visible_cases(user: User) -> Select[Case]:
    """The cases ``user`` may see, as a query to filter and page further."""
    return select(Case).where(Case.id.in_(visible_case_ids(user)))


def require_visible_case(session: Session, user: User, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None or not can_view_case(user, case):
        raise NotFound(f"no case {case_id}")
    return case


def can_operate_case(user: User, case: Case) -> bool:
    """Suspend, resume, cancel, retry the case's processes: its office's supervisors and administrators."""
    if administers_office(user, case.office_id):
        return True
    return user.office_id == case.office_id and user.has_role(Role.SUPERVISOR)


# -- special categories -----------------------------------------------------------------------------------------


def may_read(user: User, category: Category | None, case: Case | None) -> bool:
    """May ``user`` (who sees ``case``) read the details of an item of ``category`` (None: not special)?"""
    if category is None:
        return True
    readers = READERS[category]
    if case is not None and CASE_MANAGER in readers and case.case_manager_id == user.id:
        return True
    return user.has_role(*(reader for reader in readers if reader != CASE_MANAGER))


# -- tasks ------------------------------------------------------------------------------------------------------


class TaskView(StrEnum):
    NONE = "none"
    #: Only ``TASK_SUMMARY_FIELDS``: a candidate deciding whether to take the task.
    SUMMARY = "summary"
    FULL = "full"


#: What a candidate who is not associated with the case sees of an open, unclaimed task: enough to decide to
#: take it (what, when, where), nothing about the person.
TASK_SUMMARY_FIELDS = (
    "id",
    "name_pl",
    "name_en",
    "process_id",
    "role",
    "state",
    "due_at",
    "created_at",
    "case_id",
    "case_number",
    "office",
)


def is_candidate(user: User, task: HumanTask) -> bool:
    """May ``user`` claim ``task``: an active user of the task's office holding the task's role."""
    if not user.active or task.office_id is None or user.office_id != task.office_id:
        return False
    return task.role is not None and user.has_role(task.role)


def candidate_clause(user: User) -> ColumnElement[bool]:
    """``is_candidate`` as a SQL condition on human_tasks."""
    roles = sorted(str(role) for role in user.roles)
    if not user.active or not roles:
        return false()
    return and_(HumanTask.office_id == user.office_id, HumanTask.role.in_(roles))


def task_view(session: Session, user: User, task: HumanTask) -> TaskView:
    """How much of ``task`` ``user`` sees."""
    if not user.active:
        return TaskView.NONE
    if task.assignee_id == user.id or task.completed_by_id == user.id:
        return TaskView.FULL
    if task.case_id is not None:
        case = session.get(Case, task.case_id)
        if case is not None and can_view_case(user, case):
            return TaskView.FULL
    elif user.office_id == task.office_id and user.has_role(Role.SUPERVISOR):
        return TaskView.FULL
    if task.state == TaskState.OPEN and task.assignee_id is None and is_candidate(user, task):
        return TaskView.FULL if task.case_id is None else TaskView.SUMMARY
    return TaskView.NONE


def can_see_task(session: Session, user: User, task: HumanTask) -> bool:
    return task_view(session, user, task) != TaskView.NONE


def visible_tasks(user: User) -> Select[Any]:
    """``can_see_task`` as one query, for lists (the API's and the inbox's)."""
    if not user.active:
        return select(HumanTask).where(false())
    seen: list[ColumnElement[bool]] = [
        HumanTask.assignee_id == user.id,
        HumanTask.completed_by_id == user.id,
        HumanTask.case_id.in_(visible_case_ids(user)),
        and_(HumanTask.state == TaskState.OPEN, HumanTask.assignee_id.is_(None), candidate_clause(user)),
    ]
    if user.has_role(Role.SUPERVISOR):
        seen.append(and_(HumanTask.case_id.is_(None), HumanTask.office_id == user.office_id))
    return select(HumanTask).where(or_(*seen))


def task_case_visible(user: User) -> ColumnElement[bool]:
    """SQL: the task's case (if any) is one ``user`` sees, so its person may be named in a list."""
    return HumanTask.case_id.in_(visible_case_ids(user))


def can_work(user: User, task: HumanTask) -> bool:
    """May ``user`` complete ``task`` now: its assignee, or a candidate while nobody holds it."""
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    return is_candidate(user, task)


def task_category(task: HumanTask) -> Category | None:
    """The special category of the work done in a task's lane (its submitted answers)."""
    return WORK_ROLES.get(task.role or "")


def may_read_task_data(session: Session, user: User, task: HumanTask) -> bool:
    """May ``user`` (who sees ``task`` fully) read its answers: the lane's special category decides."""
    category = task_category(task)
    if category is None:
        return True
    case = session.get(Case, task.case_id) if task.case_id is not None else None
    return may_read(user, category, case)


# -- records ----------------------------------------------------------------------------------------------------


def can_view_record(session: Session, user: User, case_id: int | None, office_id: int | None) -> bool:
    """A record of a case: whoever sees the case; a record of an office (a team meeting): its supervisors."""
    if case_id is None:
        return user.active and user.has_role(Role.SUPERVISOR) and user.office_id == office_id
    case = session.get(Case, case_id)
    return case is not None and can_view_case(user, case)


# -- offices and administration ---------------------------------------------------------------------------------


def is_national_admin(user: User) -> bool:
    return user.active and user.has_role(Role.NATIONAL_ADMIN)


def administers_office(user: User, office_id: int | None) -> bool:
    """Office administrators manage their own office; national administrators every office."""
    if not user.active:
        return False
    if user.has_role(Role.NATIONAL_ADMIN):
        return True
    return office_id is not None and user.has_role(Role.ADMIN) and user.office_id == office_id


def administers_all_offices(user: User) -> bool:
    return is_national_admin(user)


# -- process instances ------------------------------------------------------------------------------------------


class InstanceView(StrEnum):
    NONE = "none"
    #: Status, elements, incidents' kinds: what an administrator needs to operate it, no case contents.
    TECHNICAL = "technical"
    FULL = "full"


def instance_office(session: Session, instance: ProcessInstance) -> int | None:
    if instance.office_id is not None:
        return instance.office_id
    if instance.case_id is not None:
        case = session.get(Case, instance.case_id)
        return case.office_id if case is not None else None
    return None


def instance_view(session: Session, user: User, instance: ProcessInstance) -> InstanceView:
    if not user.active:
        return InstanceView.NONE
    if instance.case_id is not None:
        case = session.get(Case, instance.case_id)
        if case is not None and can_view_case(user, case):
            return InstanceView.FULL
    elif instance.office_id == user.office_id and user.has_role(Role.SUPERVISOR, Role.PROCESS_OWNER):
        return InstanceView.FULL
    if administers_office(user, instance_office(session, instance)):
        return InstanceView.TECHNICAL
    return InstanceView.NONE


def get_visible_instance(session: Session, user: User, instance_id: int) -> ProcessInstance:
    """An instance the user sees (fully or technically); NotFound otherwise."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or instance_view(session, user, instance) == InstanceView.NONE:
        raise NotFound(f"no process instance {instance_id}")
    return instance


def visible_instances(user: User) -> ColumnElement[bool]:
    """SQL twin of ``instance_view != NONE`` as a condition on process_instances."""
    if not user.active:
        return false()
    seen: list[ColumnElement[bool]] = [ProcessInstance.case_id.in_(visible_case_ids(user))]
    if user.has_role(Role.SUPERVISOR, Role.PROCESS_OWNER):
        seen.append(and_(ProcessInstance.case_id.is_(None), ProcessInstance.office_id == user.office_id))
    if user.has_role(Role.NATIONAL_ADMIN):
        return or_(*seen, ProcessInstance.id.is_not(None))
    if user.has_role(Role.ADMIN):
        office_cases = select(Case.id).where(Case.office_id == user.office_id)
        seen.append(ProcessInstance.office_id == user.office_id)
        seen.append(ProcessInstance.case_id.in_(office_cases))
    return or_(*seen)


def can_operate_instance(session: Session, user: User, instance: ProcessInstance) -> bool:
    """Suspend, resume, cancel, retry: the office's supervisors and the administrators of its office."""
    office_id = instance_office(session, instance)
    if administers_office(user, office_id):
        return True
    return user.active and user.has_role(Role.SUPERVISOR) and office_id is not None and user.office_id == office_id


def can_migrate_instance(session: Session, user: User, instance: ProcessInstance) -> bool:
    """The process library is organisation-wide; moving another office's running instances needs national scope."""
    if not user.active:
        return False
    if is_national_admin(user):
        return True
    return user.has_role(Role.PROCESS_OWNER, Role.ADMIN) and instance_office(session, instance) == user.office_id


def administered_users(user: User) -> ColumnElement[bool]:
    """SQL on users: the accounts ``user`` administers (their office's; every office's for national scope)."""
    from engine.accounts.models import User as Account

    if is_national_admin(user):
        return true()
    if user.active and user.has_role(Role.ADMIN):
        return Account.office_id == user.office_id
    return false()
