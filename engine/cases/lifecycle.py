"""Case-level effects of the lifecycle processes, which a diagram cannot have by itself.

The processes leave their outcome in their data (``processes/README.md``: "what each process leaves");
this module turns it into changes to the beneficiary (closing the case is the ``close_case`` operation).
It is called by the engine, never by a process:

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

from engine.audit.service import record
from engine.cases.models import Case, CaseStatus
from forms.registry import FormNotFound, current_registry

if TYPE_CHECKING:
    from engine.instances.models import ProcessInstance

LEGAL_STATUS_FORM = "intake/legal_status"
TEAM_MEETING = "team_meeting"
MEETING_TIMER = "Timer_meeting_month"


def after_step(session: Session, instance: ProcessInstance, runner_data: Mapping[str, Any], finished: bool) -> None:
    """Apply what a step of ``instance`` means for its case: the legal status recorded."""
    if instance.case_id is None:
        return
    case = session.get(Case, instance.case_id)
    if case is None:
        return
    # Closing a case is an operation (``close_case``, engine.closure.operations) the processes call by name.
    _record_legal_status(session, case, instance, runner_data)


def _record_legal_status(
    session: Session, case: Case, instance: ProcessInstance, runner_data: Mapping[str, Any]
) -> None:
    status = runner_data.get("legal_status")
    if not isinstance(status, str) or status not in _legal_statuses():
        return
    beneficiary = case.beneficiary
    if beneficiary.legal_status == status:
        return
    previous = beneficiary.legal_status
    beneficiary.legal_status = status
    record(
        session,
        "beneficiary.legal_status_changed",
        actor_name="engine",
        case_id=case.id,
        instance_id=instance.id,
        previous=previous,
        legal_status=status,
    )


def _legal_statuses() -> frozenset[str]:
    """The statuses the intake form offers: anything else in process data is not copied to the beneficiary."""
    try:
        field = current_registry().load(LEGAL_STATUS_FORM)["properties"]["legal_status"]
    except (FormNotFound, KeyError, ValueError):
        return frozenset()
    return frozenset(value for value in field.get("enum", ()) if isinstance(value, str))


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
    return [{"case_ref": case.number, "reason": _flag_reason(case)} for case in cases]


def _flag_reason(case: Case) -> str:
    reason = (case.beneficiary.profile or {}).get("team_reason")
    return str(reason) if reason else "Sprawa zgłoszona do zespołu"
