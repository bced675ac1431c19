"""Flag a case for the interdisciplinary team, and take it off the list once discussed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.audit.service import record
from engine.cases.models import Case, CaseStatus
from engine.clock import utcnow
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.people.models import CaseFlag, FlagKind


def team_flag(session: Session, case_id: int) -> CaseFlag | None:
    return session.scalar(
        select(CaseFlag).where(
            CaseFlag.case_id == case_id, CaseFlag.kind == FlagKind.TEAM, CaseFlag.cleared_at.is_(None)
        )
    )


def flag_for_team(session: Session, actor: User, case: Case, reason: str) -> CaseFlag:
    """Any case member asks the team to discuss ``case`` at its next meeting, saying why."""
    if not case.can_view(actor):
        raise Forbidden("you have no access to this case")
    if case.status != CaseStatus.OPEN:
        raise Conflict("the case is closed")
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("say why the team should discuss the case", {"reason": "required"})
    if team_flag(session, case.id) is not None:
        raise Conflict("the case is already on the team's list")
    flag = CaseFlag(case_id=case.id, kind=FlagKind.TEAM, reason=text[:2000], set_by_id=actor.id, set_at=utcnow())
    session.add(flag)
    session.flush()
    record(session, "case.flagged", actor=actor, case_id=case.id, flag_id=flag.id, flag=str(FlagKind.TEAM))
    return flag


def clear_team_flag(session: Session, actor: User | None, case_id: int) -> None:
    flag = team_flag(session, case_id)
    if flag is None:
        return
    flag.cleared_at = utcnow()
    flag.cleared_by_id = actor.id if actor else None
    record(session, "case.flag_cleared", actor=actor, case_id=case_id, flag_id=flag.id, flag=str(FlagKind.TEAM))


def flagged_for_team(session: Session, office_id: int) -> list[tuple[Case, CaseFlag]]:
    """The open cases of an office waiting for the team, oldest flag first."""
    rows = session.execute(
        select(Case, CaseFlag)
        .join(CaseFlag, CaseFlag.case_id == Case.id)
        .where(
            Case.office_id == office_id,
            Case.status == CaseStatus.OPEN,
            CaseFlag.kind == FlagKind.TEAM,
            CaseFlag.cleared_at.is_(None),
        )
        .order_by(CaseFlag.set_at, CaseFlag.id)
    ).all()
    return [(case, flag) for case, flag in rows]
