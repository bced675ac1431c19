"""A scenario driver with the vocabulary of ``driver.py``, backed by the engine's services and a real database.

The ``Desk`` is one office on one database session: it deploys from ``processes/`` what a scenario starts (the
process, the processes it calls and the decision tables, inside the test's rolled-back transaction, so every
test sees the library as it is on disk), opens a case (``find_duplicates`` first), holds the people (a test's
actor name is one user holding every case-work role, so four-eyes is per person; ``user(name, role)`` makes
single-role users) and the frozen clock, and fires due timers as the scheduler does (``claim_due_timers`` +
``fire_timer``, which hands the team meeting its flagged cases through ``engine.cases.lifecycle``).
An ``EngineScenario`` is one process instance started with ``start_instance``; its tasks are the open
``HumanTask`` rows, completed with ``claim_task`` + ``complete_task`` as a user holding the task's role.
After every step ``advance()`` applies the case-level effects (``engine.cases.lifecycle.after_step``); the
driver fails the test on any incident it was not told to expect.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.cases.service import BeneficiaryInput, find_duplicates, open_case
from engine.clock import FrozenClock
from engine.definitions.service import deploy, read_directory
from engine.errors import Forbidden, InvalidInput
from engine.instances import service as instances
from engine.instances.models import Incident, InstanceStatus, ProcessInstance, Timer, TimerStatus
from engine.instances.timers import claim_due_timers, fire_timer
from engine.spiff.runner import InstanceRunner
from engine.tasks import service as tasks
from engine.tasks.models import HumanTask, TaskState
from tests import factories
from tests.processes.driver import PROCESSES, FormDataRejected, FourEyesViolation

LIBRARY = read_directory(PROCESSES)
_CALLED = re.compile(rb'calledElement="([a-z_]+)"')


@functools.cache
def library_closure(process_id: str) -> frozenset[str]:
    """The BPMN files ``process_id`` needs: its own and those of every process it calls, transitively."""
    contents = {f.name: f.content for f in LIBRARY}
    needed: set[str] = set()
    # The team meeting starts a follow-up process per decision through the engine (not a call activity).
    todo = [process_id, *(["team_decision"] if process_id == "team_meeting" else [])]
    while todo:
        name = f"{todo.pop()}.bpmn"
        if name in needed:
            continue
        needed.add(name)
        todo.extend(called.decode() for called in _CALLED.findall(contents[name]))
    return frozenset(needed)


#: The roles of case work; an actor named by a test holds all of them (the four-eyes rule is per person).
WORK_ROLES = (Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.LAWYER, Role.CAREER_COUNSELLOR, Role.SUPERVISOR)


class UnexpectedIncident(AssertionError):
    """The engine stopped on an error the test did not expect."""


@dataclass
class OpenTask:
    """An open human task: its row, and the spec and data of the ready SpiffWorkflow task behind it."""

    row: HumanTask
    task_spec: Any
    data: dict[str, Any]


@dataclass(frozen=True)
class PendingTimer:
    """A pending timer row, shaped like SpiffWorkflow's waiting event (``value`` is the due time)."""

    row: Timer

    @property
    def value(self) -> str:
        return self.row.due_at.isoformat()


class Desk:
    """One office of the platform on one database session, with a clock that moves only when told."""

    def __init__(self, session: Session, clock: FrozenClock, office_code: str = "LUB") -> None:
        self.session = session
        self.clock = clock
        self.office_code = office_code
        self.users: dict[str, User] = {}
        self.scenarios: dict[int, EngineScenario] = {}
        self.expected_incidents = 0
        self.steps: list[tuple[str, dict[str, Any]]] = []
        self.last_data: dict[str, dict[str, Any]] = {}
        self.cases: list[Case] = []
        self._case: Case | None = None
        self._deployed: set[str] = set()

    def deploy(self, process_id: str) -> None:
        """Deploy ``process_id`` with the processes it calls and every decision table (not yet deployed)."""
        if process_id in self._deployed:
            return
        files = [f for f in LIBRARY if f.name in library_closure(process_id) or f.name.endswith(".dmn")]
        deploy(self.session, None, files, source="scenario tests")
        self._deployed |= {name.removesuffix(".bpmn") for name in library_closure(process_id)}

    # -- people and cases -------------------------------------------------------------------------------------
    def user(self, name: str | User, *roles: str) -> User:
        """The user called ``name`` (created with ``roles``, by default every case-work role)."""
        if isinstance(name, User):
            return name
        if name not in self.users:
            self.users[name] = factories.user(
                self.session, *(roles or WORK_ROLES), office_code=self.office_code, username=name
            )
        return self.users[name]

    @property
    def case(self) -> Case:
        """The case the scenarios run for, opened by "anna" (its case manager) on first use."""
        if self._case is None:
            self._case = self.open_case("anna")
        return self._case

    def open_case(self, actor: str | User, **beneficiary: Any) -> Case:
        """Open a case as intake does: search for duplicates first, refuse when one is found."""
        person = BeneficiaryInput(
            **{
                "given_names_latin": "Olena",
                "family_name_latin": "Kovalenko",
                "date_of_birth": date(1990, 3, 4),
                "citizenship": "UA",
                "document_number": "RP1234567",
            }
            | beneficiary
        )
        user = self.user(actor)
        found = find_duplicates(
            self.session,
            user,
            person.given_names_latin,
            person.family_name_latin,
            person.date_of_birth,
            person.document_number,
        )
        if found:
            raise DuplicateFound(found)
        case = open_case(self.session, user, person)
        self.cases.append(case)
        if self._case is None:
            self._case = case
        return case

    def record_consent(
        self, case: Case | None = None, *, granted: bool = True, purpose: str = "sharing_partners"
    ) -> Any:
        """Record a consent on the case as the intake's legal-status step does (a row of ``engine.people``)."""
        from engine.people.models import Consent

        the_case = case or self.case
        consent = Consent(
            case_id=the_case.id,
            beneficiary_id=the_case.beneficiary_id,
            purpose=purpose,
            granted=granted,
            given_on=self.clock.current.date(),
            language="uk",
            partner_names=["PCPR Lublin"] if purpose == "sharing_partners" else [],
            recorded_by_id=self.user("anna").id,
        )
        self.session.add(consent)
        self.session.flush()
        return consent

    # -- processes ----------------------------------------------------------------------------------------------
    def start(
        self,
        process_id: str,
        data: dict[str, Any] | None = None,
        *,
        case: Case | None | bool = True,
        actor: str | User | None = None,
        start: datetime | None = None,
    ) -> EngineScenario:
        """Start ``process_id`` for the desk's case (``case=False``: a process of the office, e.g. the team)."""
        if start is not None:
            self.advance_to(start)
        self.deploy(process_id)
        the_case = self.case if case is True else (case or None)
        user = self.user(actor or ("anna" if the_case is not None else "ewa"))
        with self.step() as trail:
            outcome = instances.start_instance(self.session, user, process_id, case=the_case, data=data)
        scenario = EngineScenario(self, outcome.instance)
        self.scenarios[outcome.instance.id] = scenario
        scenario.trail.extend(trail)
        self.after(outcome.instance, outcome.incident)
        return scenario

    @contextmanager
    def step(self) -> Iterator[list[str]]:
        """Collect the element ids the engine completes during one service call."""
        self.steps = []
        trail: list[str] = []
        yield trail
        trail.extend(bpmn_id for bpmn_id, _ in self.steps)
        for bpmn_id, data in self.steps:
            self.last_data[bpmn_id] = data

    def record_completion(self, spiff_task: Any) -> None:
        bpmn_id = spiff_task.task_spec.bpmn_id
        if bpmn_id:
            self.steps.append((bpmn_id, copy.deepcopy(dict(spiff_task.data))))

    def after(self, instance: ProcessInstance, incident: Incident | None) -> None:
        """Apply the case-level effects of a step and fail on an incident nobody expected."""
        if incident is not None:
            if self.expected_incidents <= 0:
                raise UnexpectedIncident(f"{instance.process_id}: {incident.element_id}: {incident.message}")
            self.expected_incidents -= 1

    @contextmanager
    def expect_incident(self) -> Iterator[None]:
        self.expected_incidents += 1
        yield
        assert self.expected_incidents == 0, "the expected incident did not happen"

    # -- time -----------------------------------------------------------------------------------------------------
    def advance(self, **delta: float) -> None:
        """Move the clock and fire whatever timers fell due, as the scheduler would."""
        self.clock.advance(**delta)
        self.fire_due_timers()

    def advance_to(self, moment: datetime) -> None:
        assert moment >= self.clock.current, f"the clock cannot go back from {self.clock.current} to {moment}"
        self.clock.current = moment
        self.fire_due_timers()

    def fire_due_timers(self) -> int:
        fired = 0
        for _ in range(100):
            due = claim_due_timers(self.session)
            if not due:
                return fired
            for timer_id in due:
                timer = self.session.get(Timer, timer_id)
                assert timer is not None
                with self.step() as trail:
                    done = fire_timer(self.session, timer_id)
                if not done:
                    continue
                fired += 1
                scenario = self.scenarios.get(timer.instance_id)
                if scenario is not None:
                    scenario.trail.extend(trail)
                instance = self.session.get(ProcessInstance, timer.instance_id)
                assert instance is not None
                incident = self.session.scalar(
                    select(Incident).where(Incident.instance_id == instance.id, Incident.resolved_at.is_(None))
                )
                self.after(instance, incident)
            # Claimed timers are marked dispatched; what fell due meanwhile is claimed on the next round.
        raise AssertionError("timers kept falling due: a timer loop without a wait?")


class DuplicateFound(AssertionError):
    """``find_duplicates`` found the beneficiary before a second case was opened."""

    def __init__(self, found: list[Any]) -> None:
        super().__init__(f"{len(found)} possible duplicate(s)")
        self.found = found


class EngineScenario:
    """One process instance run through the services; same questions and actions as ``driver.Scenario``."""

    def __init__(self, desk: Desk, instance: ProcessInstance) -> None:
        self.desk = desk
        self.session = desk.session
        self.instance = instance
        self.trail: list[str] = []

    def __enter__(self) -> EngineScenario:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to undo: the test's transaction is rolled back and the clock restored by the fixture."""

    # -- looking ---------------------------------------------------------------------------------------------
    def runner(self) -> InstanceRunner:
        return instances.load_runner(self.session, self.instance)

    def rows(self, state: str = TaskState.OPEN) -> list[HumanTask]:
        return list(
            self.session.scalars(
                select(HumanTask)
                .where(HumanTask.instance_id == self.instance.id, HumanTask.state == state)
                .order_by(HumanTask.id)
            )
        )

    def ready(self, lane: str | None = None) -> list[OpenTask]:
        runner = self.runner()
        rows = self.rows()
        in_engine = {info.spiff_id for info in runner.ready_human_tasks()}
        assert {row.spiff_task_id for row in rows} == in_engine, "the task projection is out of step"
        found = []
        for row in rows:
            spiff_task = runner.get_task(row.spiff_task_id)
            assert spiff_task is not None
            assert row.role == spiff_task.task_spec.lane
            found.append(OpenTask(row, spiff_task.task_spec, dict(spiff_task.data)))
        return [t for t in found if lane is None or t.task_spec.lane == lane]

    def ready_ids(self) -> list[str]:
        return sorted(t.row.element_id for t in self.ready())

    def task(self, bpmn_id: str) -> OpenTask:
        found = [t for t in self.ready() if t.row.element_id == bpmn_id]
        assert found, f"{bpmn_id} is not open; open: {self.ready_ids()}"
        return found[0]

    def data_of(self, bpmn_id: str) -> dict[str, Any]:
        """Return the data of the last completed task with this id (recorded as it ran; the engine prunes it)."""
        assert bpmn_id in self.trail, f"{bpmn_id} never completed; trail: {self.trail}"
        return self.desk.last_data[bpmn_id]

    @property
    def data(self) -> dict[str, Any]:
        return self.runner().data

    @property
    def completed(self) -> bool:
        self.session.refresh(self.instance)
        done = self.instance.status == InstanceStatus.COMPLETED
        assert done == self.runner().is_finished()
        return done

    def waiting_timers(self) -> list[PendingTimer]:
        rows = self.session.scalars(
            select(Timer)
            .where(Timer.instance_id == self.instance.id, Timer.status == TimerStatus.PENDING)
            .order_by(Timer.due_at, Timer.id)
        ).all()
        assert len(rows) == len(self.runner().pending_timers()), "the timer table is out of step"
        return [PendingTimer(row) for row in rows]

    def count(self, bpmn_id: str) -> int:
        return self.trail.count(bpmn_id)

    # -- acting ----------------------------------------------------------------------------------------------
    def complete(self, bpmn_id: str, data: dict[str, Any], actor: str | User = "anna") -> OpenTask:
        """Claim (when nobody holds it) and complete the open task as ``actor``; the form is checked by the engine."""
        open_task = self.task(bpmn_id)
        row = open_task.row
        user = self.desk.user(actor)
        assert user.has_role(row.role), f"{user.username} does not hold the role {row.role}"
        if row.assignee_id is None:
            tasks.claim_task(self.session, user, row.id)
        elif row.assignee_id != user.id:
            tasks.assign_task(self.session, self.desk.user("koordynator", Role.SUPERVISOR), row.id, user.id)
        try:
            with self.desk.step() as trail:
                result = tasks.complete_task(self.session, user, row.id, copy.deepcopy(data))
        except InvalidInput as refused:
            raise FormDataRejected(f"{bpmn_id} ({row.form_key}): {refused.fields}") from refused
        except Forbidden as refused:
            if "four-eyes" in refused.message:
                raise FourEyesViolation(f"{user.username} cannot complete {bpmn_id}: {refused.message}") from refused
            raise
        self.trail.append(bpmn_id)
        self.desk.last_data[bpmn_id] = copy.deepcopy(data)
        self.trail.extend(trail)
        self.desk.after(self.instance, result.incident)
        return open_task

    def advance(self, **delta: float) -> None:
        self.desk.advance(**delta)

    def advance_to(self, moment: datetime) -> None:
        self.desk.advance_to(moment)

    def set_timer_data(self, bpmn_id: str, **data: Any) -> None:
        """Put data on the waiting process (``set_instance_variables``), e.g. what the team should discuss."""
        assert bpmn_id in [t.row.element_id for t in self.waiting_timers()], f"{bpmn_id} is not waiting"
        instances.set_instance_variables(
            self.session, self.desk.user("koordynator", Role.SUPERVISOR), self.instance.id, data
        )

    def incidents(self) -> list[Incident]:
        return list(self.session.scalars(select(Incident).where(Incident.instance_id == self.instance.id)))
