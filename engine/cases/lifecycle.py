"""Case-level effects of the lifecycle processes, which a diagram cannot have by itself.

The processes leave their outcome in their data (``processes/README.md``: "what each process leaves");
this module turns it into changes to the case and its beneficiary. It is called by the engine, never by
a process:

- ``after_step`` after every successful step of an instance (``engine.instances.service.advance``);
- ``timer_variables`` just before a due timer fires (``engine.instances.timers.fire_timer``), for data
  the process must see when it wakes up (the cases flagged for the interdisciplinary team).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.models import Case, CaseStatus
from engine.cases.service import close_case
from engine.people.models import CaseFlag, FlagKind

if TYPE_CHECKING:
    from engine.instances.models import ProcessInstance

TEAM_MEETING = "team_meeting"
MEETING_TIMER = "Timer_meeting_month"


def after_step(session: Session, instance: ProcessInstance, runner_data: Mapping[str, Any], finished: bool) -> None:
    """Apply what a step of ``instance`` means for its case: the case closed.

    Facts (the legal status, the registration...) are written by the operations the tasks name, never here.
    """
    if instance.case_id is None:
        return
    case = session.get(Case, instance.case_id)
    if case is None:
        return
    if finished and runner_data.get("case_status") == "closed" and case.status != CaseStatus.CLOSED:
        reason = runner_data.get("closure_reason")
        close_case(session, None, case, str(reason) if reason else instance.process_id)


def timer_variables(session: Session, instance: ProcessInstance, element_id: str, due_on: date) -> dict[str, Any]:
    """Data to put on ``instance`` before its timer ``element_id``, due on ``due_on``, fires (empty: nothing)."""
    if instance.process_id == TEAM_MEETING and element_id == MEETING_TIMER and instance.office_id is not None:
        # Keyed by the meeting's date, inside a dict: when a waiting task fires, SpiffWorkflow merges its
        # parent's data back into it and for a key both hold the parent's value wins (a list is trimmed to
        # the parent's length), while a dict keeps the keys only we have.
        return {"flagged_cases_by_meeting": {due_on.isoformat(): flagged_cases(session, instance.office_id)}}
    return {}


def flagged_cases(session: Session, office_id: int) -> list[dict[str, str]]:
    """The open cases of the office flagged for the team, as the meeting's agenda proposal."""
    cases = session.scalars(
        select(Case)
        .where(Case.office_id == office_id, Case.flagged_for_team.is_(True), Case.status == CaseStatus.OPEN)
        .order_by(Case.number)
    )
    return [{"case_ref": case.number, "reason": _flag_reason(session, case)} for case in cases]


def _flag_reason(session: Session, case: Case) -> str:
    """The reason given with the case's active flag for the team (the newest, when set more than once)."""
    reason = session.scalar(
        select(CaseFlag.reason)
        .where(CaseFlag.case_id == case.id, CaseFlag.kind == FlagKind.TEAM, CaseFlag.cleared_at.is_(None))
        .order_by(CaseFlag.set_at.desc(), CaseFlag.id.desc())
        .limit(1)
    )
    return str(reason) if reason else "Sprawa zgłoszona do zespołu"
