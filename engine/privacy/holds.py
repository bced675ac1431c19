"""Legal holds: a supervisor of the office stops a case's anonymisation (proceedings, a complaint), with a reason."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.errors import Conflict, InvalidInput, NotFound
from engine.privacy.models import LegalHold


def may_hold(actor: User, case: Case) -> bool:
    return actor.has_role(Role.SUPERVISOR) and actor.office_id == case.office_id


def active_hold(session: Session, case_id: int) -> LegalHold | None:
    return session.scalar(select(LegalHold).where(LegalHold.case_id == case_id, LegalHold.lifted_at.is_(None)).limit(1))


def holds_of(session: Session, case_id: int) -> list[LegalHold]:
    return list(session.scalars(select(LegalHold).where(LegalHold.case_id == case_id).order_by(LegalHold.id)))


def _case(session: Session, actor: User, case_id: int) -> Case:
    case = session.get(Case, case_id, with_for_update=True)
    if case is None or not case.can_view(actor) or not may_hold(actor, case):
        raise NotFound(f"no case {case_id}")
    return case


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("the reason is missing", {"reason": "give the reason (e.g. the proceedings' reference)"})
    if len(text) > 2000:
        raise InvalidInput("the reason is too long", {"reason": "at most 2000 characters"})
    return text


def set_legal_hold(session: Session, actor: User, case_id: int, reason: str) -> LegalHold:
    case = _case(session, actor, case_id)
    if case.anonymised_at is not None:
        raise Conflict("the case was already anonymised")
    if active_hold(session, case.id) is not None:
        raise Conflict("the case is already under a legal hold")
    hold = LegalHold(case_id=case.id, reason=_reason(reason), set_by_id=actor.id, set_at=utcnow())
    session.add(hold)
    session.flush()
    record(session, "case.legal_hold_set", actor=actor, case_id=case.id, office_id=case.office_id, hold_id=hold.id)
    return hold


def lift_legal_hold(session: Session, actor: User, case_id: int, reason: str) -> LegalHold:
    case = _case(session, actor, case_id)
    hold = active_hold(session, case.id)
    if hold is None:
        raise Conflict("the case is not under a legal hold")
    hold.lift_reason = _reason(reason)
    hold.lifted_by_id = actor.id
    hold.lifted_at = utcnow()
    session.flush()
    record(session, "case.legal_hold_lifted", actor=actor, case_id=case.id, office_id=case.office_id, hold_id=hold.id)
    return hold
