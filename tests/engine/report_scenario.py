"""A scenario with known numbers for the funder report: three cases in two offices over 2026-Q1 and 2026-Q2.

Cases are walked through the deployed process library by ``CaseWalker`` (intake, diagnosis, the IPD, its
approval and signature) and then through the areas' occurrences, on a frozen clock; every date a form asks for
is "today" on that clock, so what falls in which quarter is decided by when the walk does it.

- LUB case A (female, UA, born 1990, refugee) opened in Q1: plan drawn up and approved in Q1; in Q1 one
  social-work session of 60 minutes, a school kit bought for 149.99, a nursery place, a referral to PCPR
  (accepted and done) and a rent subsidy of 3 × 1200.00 approved (first month paid in Q1).
- LUB case B (male, SY, born 2010, subsidiary protection, refused the reporting consent) opened in Q1; plan in
  Q1; in Q2 a psychologist's family session of 90 minutes.
- WAW case C (female, UA, born 1958, refugee) opened in Q2: plan drawn up and approved in Q2; a camp in Q2
  with two participants, one attended.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.cases.occurrences import start_occurrence
from engine.cases.service import BeneficiaryInput, open_case, start_case
from engine.clock import FrozenClock
from engine.definitions.service import deploy, read_directory
from engine.instances.models import InstanceStatus, ProcessInstance, Timer, TimerStatus
from engine.instances.service import start_instance
from engine.subsidies.budgets import set_budget
from engine.tasks.models import HumanTask, TaskState
from tests import factories
from tests.processes.driver import PROCESSES
from tests.processes.samples import sample
from tests.processes.walker import CaseWalker, Staff

START = datetime(2026, 2, 2, 9, tzinfo=UTC)
Q2_START = datetime(2026, 4, 14, 9, tzinfo=UTC)


@dataclass
class Scenario:
    lub: Staff
    waw: Staff
    a: Case
    b: Case
    c: Case
    d: Case
    national: User


def _today(clock: FrozenClock) -> str:
    return clock.current.date().isoformat()


def _answers(clock: FrozenClock, **person: Any) -> dict[str, Callable[[Any], dict[str, Any]]]:
    """Form answers dated "today" on the clock; ``person`` overrides the registration and legal status."""
    t = lambda: _today(clock)  # noqa: E731
    register = {k: person[k] for k in ("sex", "citizenship", "birth_date", "given_names_latin") if k in person}
    consents: list[dict[str, Any]] = [
        {"purpose": purpose, "granted": True, "given_on": t(), "consent_language": "uk", "interpreter_used": False}
        for purpose in ("services", "sharing_partners")
    ]
    consents[1]["partner_names"] = ["PCPR Lublin"]
    # Listed in reports only with the reporting consent in force: everyone grants it unless ``reporting=False``.
    consents.append(
        {
            "purpose": "reporting",
            "granted": person.get("reporting", True),
            "given_on": t(),
            "consent_language": "uk",
            "interpreter_used": False,
        }
    )
    return {
        "intake/register": lambda task: sample("intake/register", **register),
        "intake/legal_status": lambda task: sample(
            "intake/legal_status",
            legal_status=person.get("legal_status", "refugee"),
            consents=consents,
            diagnosis_areas=["social"],
        ),
        "ipd/signature": lambda task: sample("ipd/signature", ipd_signed_on=t()),
        "session/record": lambda task: sample(
            "session/record",
            session_date=t(),
            session_duration_minutes=person.get("minutes", 60),
            session_form=person.get("form", "individual"),
        ),
        "material_aid/purchase": lambda task: sample("material_aid/purchase", purchase_date=t(), handed_over_on=t()),
        "nursery/application": lambda task: sample(
            "nursery/application", application_submitted_on=t(), requested_start_date=t()
        ),
        "nursery/placement": lambda task: sample("nursery/placement", placement_start_date=t()),
        "camp/enrolment": lambda task: sample("camp/enrolment", camp_start_date=t(), camp_end_date=t()),
        "referral/send": lambda task: sample("referral/send", referral_sent_on=t()),
        "referral/answer": lambda task: sample("referral/answer", referral_answer_on=t()),
        "referral/outcome": lambda task: sample("referral/outcome", referral_done_on=t()),
        "housing/payment": lambda task: sample("housing/payment", payment_paid_on=t()),
    }


def _occurrence_done(session: Session, case: Case, process_id: str) -> Callable[[], bool]:
    def done() -> bool:
        return (
            not session.query(ProcessInstance)
            .filter(
                ProcessInstance.case_id == case.id,
                ProcessInstance.process_id == process_id,
                ProcessInstance.status == InstanceStatus.RUNNING,
            )
            .count()
        )

    return done


def _case(session: Session, staff: Staff, clock: FrozenClock, name: str, **person: Any) -> CaseWalker:
    case = open_case(session, staff.case_manager, BeneficiaryInput(given_names_latin=name, family_name_latin="Report"))
    start_case(session, staff.case_manager, case)
    walker = CaseWalker(session, staff, clock, answers=_answers(clock, given_names_latin=name, **person))
    walker.walk(case, until=lambda: "ipd/signature" in walker.trail)
    walker.case = case  # type: ignore[attr-defined]
    return walker


def occur(walker: CaseWalker, process_id: str, until: Callable[[], bool] | None = None, **kwargs: Any) -> None:
    case: Case = walker.case  # type: ignore[attr-defined]
    start_occurrence(walker.session, walker.staff.case_manager, case, process_id, **kwargs)
    walker.walk(case, until=until or _occurrence_done(walker.session, case, process_id))


def build(session: Session, clock: FrozenClock) -> Scenario:
    deploy(session, None, read_directory(PROCESSES))
    lub, waw = Staff.create(session, "LUB", prefix="rep"), Staff.create(session, "WAW", prefix="rep")
    national = factories.user(session, Role.NATIONAL_ADMIN, office_code="LUB", username="rep-national")
    for code in ("LUB", "WAW"):
        set_budget(session, None, code, date(2026, 1, 1), date(2026, 12, 31), Decimal("50000.00"))

    clock.current = START
    a = _case(session, lub, clock, "Anna", sex="female", citizenship="UA", birth_date="1990-03-04")
    occur(a, "service_session")
    occur(a, "material_aid")
    occur(a, "nursery_placement")
    occur(a, "referral")
    # The subsidy's first month is paid at once; the walk stops before the clock runs on to the next month.
    occur(a, "housing_subsidy", until=lambda: a.trail.count("housing/payment") == 1)
    b = _case(
        session,
        lub,
        clock,
        "Bilal",
        sex="male",
        citizenship="SY",
        birth_date="2010-05-01",
        legal_status="subsidiary_protection",
        reporting=False,
        minutes=90,
        form="family",
    )

    d = CaseWalker(session, waw, clock, answers=_answers(clock, given_names_latin="Dmytro"))
    d_case = open_case(
        session, waw.case_manager, BeneficiaryInput(given_names_latin="Dmytro", family_name_latin="Report")
    )
    start_case(session, waw.case_manager, d_case)
    # Registered and diagnosis requested; the diagnosis is left undone, so it falls overdue.
    d.walk(d_case, until=lambda: "intake/legal_status" in d.trail)
    team_meeting(session, lub, clock, a.case)  # type: ignore[attr-defined]

    clock.current = Q2_START
    occur(b, "service_session", session_role="psychologist")
    c = _case(session, waw, clock, "Chrystyna", sex="female", citizenship="UA", birth_date="1958-06-30")
    occur(c, "camp_enrolment")
    session.flush()
    return Scenario(lub, waw, a.case, b.case, c.case, d_case, national)  # type: ignore[attr-defined]


def team_meeting(session: Session, staff: Staff, clock: FrozenClock, case: Case) -> None:
    """One meeting of the office's team held today: case ``case`` on the agenda, two decisions (one for it)."""
    t = _today(clock)
    minutes = sample("team/minutes", meeting_held_on=t, continue_meetings=False)
    minutes["meeting_decisions"][0]["case_ref"] = case.number
    answers = {
        "team/agenda": sample(
            "team/agenda",
            meeting_planned_on=t,
            agenda_items=[{"case_ref": case.number, "reason": "Housing", "presenter_role": "social_worker"}],
        ),
        "team/minutes": minutes,
    }
    walker = CaseWalker(session, staff, clock, answers=answers)
    outcome = start_instance(session, staff.supervisor, "team_meeting", data={"extra_meeting": False})
    instance_id = outcome.instance.id
    for _ in range(10):
        open_tasks = list(
            session.scalars(
                select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == TaskState.OPEN)
            )
        )
        if "team/minutes" in walker.trail:
            return
        if open_tasks:
            walker.complete(open_tasks[0])
            continue
        timer = session.scalar(
            select(Timer).where(Timer.instance_id == instance_id, Timer.status == TimerStatus.PENDING).limit(1)
        )
        assert timer is not None, walker.trail
        clock.current = max(clock.current, timer.due_at + timedelta(minutes=1))  # the meeting month comes
        walker.fire_due()
