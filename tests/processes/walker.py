"""Walk cases through whatever the deployed library asks, knowing forms and roles but no element id.

The walker answers every open task of a case with the sample of its form (or an answer given for that form),
as a person holding the task's role: the case manager for social work, a specialist per role, and two
supervisors so that four-eyes never blocks it. When nothing is open it moves the clock to the next timer of
the case and fires what fell due, as the scheduler does. Because it reads only form keys, roles and the
database, it walks a library whose element ids were all renamed exactly as it walks the original.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.policy import TaskView, task_view
from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.clock import FrozenClock
from engine.errors import Forbidden
from engine.instances.models import Incident, InstanceStatus, ProcessInstance, Timer, TimerStatus
from engine.instances.timers import claim_due_timers, fire_timer
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.service import assign_task, claim_task, complete_task
from tests import factories
from tests.processes.samples import sample


@dataclass
class Staff:
    """One person per case-work role in an office, and a second supervisor for four-eyes."""

    by_role: dict[str, User]
    second_supervisor: User

    @classmethod
    def create(cls, session: Session, office_code: str = "LUB", prefix: str = "walker") -> Staff:
        roles = (Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.LAWYER, Role.CAREER_COUNSELLOR, Role.SUPERVISOR)
        by_role = {
            str(role): factories.user(session, role, office_code=office_code, username=f"{prefix}-{role}-{office_code}")
            for role in roles
        }
        second = factories.user(
            session, Role.SUPERVISOR, office_code=office_code, username=f"{prefix}-sup2-{office_code}"
        )
        return cls(by_role, second)

    @property
    def case_manager(self) -> User:
        return self.by_role[str(Role.SOCIAL_WORKER)]

    @property
    def supervisor(self) -> User:
        return self.by_role[str(Role.SUPERVISOR)]


class WalkStuck(AssertionError):
    """The case stopped on an incident, or kept going past the step limit."""


@dataclass
class CaseWalker:
    session: Session
    staff: Staff
    clock: FrozenClock
    #: Form key → the answer to give instead of the sample (e.g. a not-eligible legal status).
    answers: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    #: Form keys answered so far, in order: what the walk went through.
    trail: list[str] = field(default_factory=list)

    def open_tasks(self, case: Case) -> list[HumanTask]:
        return list(
            self.session.scalars(
                select(HumanTask)
                .where(HumanTask.case_id == case.id, HumanTask.state == TaskState.OPEN)
                .order_by(HumanTask.id)
            )
        )

    def answer(self, task: HumanTask) -> dict[str, Any]:
        form = task.form_key or ""
        given = self.answers.get(form)
        if callable(given):
            return dict(given(task))
        return dict(given) if given is not None else sample(form)

    def complete(self, task: HumanTask) -> None:
        people = [self.staff.by_role[task.role or str(Role.SOCIAL_WORKER)]]
        if task.role == Role.SUPERVISOR:
            people.append(self.staff.second_supervisor)
        for person in people:
            self._take(task, person)
            try:
                result = complete_task(self.session, person, task.id, self.answer(task))
            except Forbidden as refused:
                if "four-eyes" in refused.message and person is not people[-1]:
                    continue
                raise
            if result.incident is not None:
                raise WalkStuck(f"{task.form_key}: {result.incident.message}")
            # Whoever did the work still sees it afterwards, through the one access policy.
            assert task_view(self.session, person, task) == TaskView.FULL, task.form_key
            self.trail.append(task.form_key or "")
            return

    def _take(self, task: HumanTask, person: User) -> None:
        if task.assignee_id == person.id:
            return
        if task.assignee_id is None:
            claim_task(self.session, person, task.id)
        else:
            assign_task(self.session, self.staff.supervisor, task.id, person.id)

    def next_timer(self, case: Case) -> Timer | None:
        return self.session.scalar(
            select(Timer)
            .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .where(ProcessInstance.case_id == case.id, Timer.status == TimerStatus.PENDING)
            .order_by(Timer.due_at)
            .limit(1)
        )

    def fire_due(self) -> None:
        for _ in range(100):
            due = claim_due_timers(self.session)
            if not due:
                return
            for timer_id in due:
                fire_timer(self.session, timer_id)

    def walk(self, case: Case, *, until: Callable[[], bool] | None = None, max_steps: int = 400) -> None:
        """Answer and wait until nothing is left for ``case`` (or ``until()`` holds)."""
        for _ in range(max_steps):
            if until is not None and until():
                return
            incident = self.session.scalar(
                select(Incident).where(Incident.case_id == case.id, Incident.resolved_at.is_(None)).limit(1)
            )
            if incident is not None:
                raise WalkStuck(f"incident at {incident.element_id}: {incident.message}")
            tasks = self.open_tasks(case)
            if tasks:
                self.complete(tasks[0])
                continue
            timer = self.next_timer(case)
            if timer is None:
                return
            if timer.due_at >= self.clock.current:
                self.clock.current = timer.due_at + timedelta(minutes=1)  # as the scheduler's next poll would
            self.fire_due()
        raise WalkStuck(f"still going after {max_steps} steps; last forms: {self.trail[-10:]}")

    def running(self, case: Case) -> list[ProcessInstance]:
        return list(
            self.session.scalars(
                select(ProcessInstance).where(
                    ProcessInstance.case_id == case.id, ProcessInstance.status == InstanceStatus.RUNNING
                )
            )
        )
