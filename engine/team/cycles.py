"""Start the quarterly meeting cycle of every office, and extra meetings called by a supervisor.

The quarterly rhythm lives in the diagram (``processes/team_meeting.bpmn``: a timer on the 1st of February,
May, August and November), so process owners can see and change it; the engine only makes sure each office
has one running cycle. The scheduled job and ``ipd team start-cycles`` call ``start_team_cycles``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import Office, User
from engine.accounts.roles import Role
from engine.definitions.models import ProcessDefinition
from engine.errors import Forbidden
from engine.instances.models import ACTIVE_STATUSES, ProcessInstance
from engine.instances.service import StepOutcome, start_instance

#: The meeting process (a cycle, or one extra meeting when started with ``extra_meeting``).
MEETING_PROCESS = "team_meeting"


def _running_cycle(session: Session, office_id: int) -> ProcessInstance | None:
    # A cycle is started by the scheduler (no user); an extra meeting always by a supervisor.
    return session.scalar(
        select(ProcessInstance)
        .where(
            ProcessInstance.process_id == MEETING_PROCESS,
            ProcessInstance.office_id == office_id,
            ProcessInstance.status.in_(ACTIVE_STATUSES),
            ProcessInstance.started_by_id.is_(None),
        )
        .limit(1)
    )


def start_team_cycles(session: Session) -> list[int]:
    """Start a meeting cycle for every office that has none running; return the offices started.

    Before the process library is deployed there is nothing to start (the scheduler tries again later).
    """
    if not session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.process_id == MEETING_PROCESS).limit(1)):
        return []
    started = []
    for office in session.scalars(select(Office).order_by(Office.id)):
        if _running_cycle(session, office.id) is None:
            start_instance(session, None, MEETING_PROCESS, data={"extra_meeting": False}, office_id=office.id)
            started.append(office.id)
    return started


def call_extra_meeting(session: Session, actor: User) -> StepOutcome:
    """A supervisor calls a meeting outside the quarterly rhythm: its agenda task is ready at once."""
    if not actor.has_role(Role.SUPERVISOR):
        raise Forbidden("only supervisors can call a team meeting")
    return start_instance(session, actor, MEETING_PROCESS, data={"extra_meeting": True}, office_id=actor.office_id)
