"""Closing a case: what it stops, and stopping it (the case, its running service processes, open commitments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.audit.service import record
from engine.cases import service as cases
from engine.cases.models import Case
from engine.closure.hooks import Commitment, open_commitments, stop_commitments
from engine.errors import Forbidden
from engine.instances import service as instances
from engine.instances.models import ACTIVE_STATUSES, ProcessInstance


@dataclass(frozen=True)
class RunningProcess:
    instance_id: int
    process_id: str
    status: str
    started_at: datetime | None


def running_processes(session: Session, case: Case, *, keep_instance_id: int | None = None) -> list[RunningProcess]:
    """The case's processes still running or suspended, except the one carrying the closure itself."""
    stmt = select(ProcessInstance).where(
        ProcessInstance.case_id == case.id, ProcessInstance.status.in_(ACTIVE_STATUSES)
    )
    if keep_instance_id is not None:
        stmt = stmt.where(ProcessInstance.id != keep_instance_id)
    return [
        RunningProcess(instance.id, instance.process_id, instance.status, instance.started_at)
        for instance in session.scalars(stmt.order_by(ProcessInstance.id))
    ]


def what_closure_stops(
    session: Session, case: Case, *, keep_instance_id: int | None = None
) -> tuple[list[RunningProcess], list[Commitment]]:
    """What closing ``case`` now would stop: shown to the supervisor before they decide."""
    return running_processes(session, case, keep_instance_id=keep_instance_id), open_commitments(session, case)


def close_case(session: Session, actor: User | None, case: Case, reason: str, *, keep_instance_id: int | None) -> int:
    """Close ``case``: withdraw its other running processes, stop every open commitment, set the case closed.

    ``keep_instance_id`` is the instance running the closure (it ends normally). Returns how many processes were
    withdrawn.
    """
    withdrawn = running_processes(session, case, keep_instance_id=keep_instance_id)
    if withdrawn and (actor is None or not case.can_operate(actor)):
        # The approving supervisor closes after a request; the intake's "not eligible" path is a social worker's,
        # and there is normally nothing else running then. If there is, a supervisor retries the step.
        raise Forbidden(
            f"closing this case withdraws {len(withdrawn)} running process(es); only a supervisor of the office "
            "can do that: ask one to retry this step"
        )
    for process in withdrawn:
        assert actor is not None
        instances.cancel_instance(session, actor, process.instance_id, f"case closed ({reason})")
    stop_commitments(session, actor, case)
    cases.close_case(session, actor, case, reason)
    record(
        session,
        "closure.case_closed",
        actor=actor,
        actor_name=None if actor else "engine",
        case_id=case.id,
        instance_id=keep_instance_id,
        reason=reason,
        withdrawn_instance_ids=[p.instance_id for p in withdrawn],
    )
    return len(withdrawn)
