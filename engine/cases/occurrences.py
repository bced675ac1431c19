"""Start the short processes that run once per occurrence on a case: a session, an aid request, a subsidy…

Each gets the configuration it needs as start data (see `engine.programme`), so the diagrams hold no
amounts or limits of their own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import SPECIALIST_ROLES, Role
from engine.cases.models import Case, CaseStatus
from engine.errors import Conflict, InvalidInput

#: Process ids a specialist may start on an open case, in the order the case file offers them.
OCCURRENCE_PROCESSES = (
    "service_session",
    "material_aid",
    "housing_subsidy",
    "nursery_placement",
    "camp_enrolment",
    "referral",
)


def start_data(session: Session, case: Case, process_id: str, *, session_role: str | None = None) -> dict[str, Any]:
    """The configuration and choices ``process_id`` expects when it starts."""
    if process_id == "service_session":
        role = session_role or Role.SOCIAL_WORKER
        if role not in SPECIALIST_ROLES:
            raise InvalidInput("choose who holds the session", {"session_role": "a specialist role"})
        return {"session_role": str(role)}
    return {}


def start_occurrence(
    session: Session, actor: User, case: Case, process_id: str, *, session_role: str | None = None
) -> Any:
    """Start one occurrence on ``case``; returns the engine's StepOutcome."""
    from engine.instances.service import start_instance

    if process_id not in OCCURRENCE_PROCESSES:
        raise InvalidInput("unknown kind of work", {"process_id": f"one of {', '.join(OCCURRENCE_PROCESSES)}"})
    if case.status != CaseStatus.OPEN:
        raise Conflict("the case is closed")
    data = start_data(session, case, process_id, session_role=session_role)
    return start_instance(session, actor, process_id, case=case, data=data)
