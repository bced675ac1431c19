"""How many open cases each person holds (as case manager or specialist), kept as cases open, gain people, close.

The dashboard reads these counts instead of counting every open case and membership of an office on every
view. The three places that change who holds an open case keep them: opening a case (its manager), a
specialist joining a case (`engine.tasks.service`), and closing it. `recount` rebuilds them from the cases
themselves (after a bulk load, or to repair).
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, delete, func, select, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.cases.models import Case, CaseMember, CaseStatus
from engine.db import Base


class CaseLoad(Base):
    __tablename__ = "case_loads"
    __table_args__ = (CheckConstraint("open_cases >= 0", name="open_cases_not_negative"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    open_cases: Mapped[int] = mapped_column(default=0)


def _bump(session: Session, user_id: int, delta: int) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(CaseLoad).values(user_id=user_id, open_cases=max(delta, 0))
    stmt = stmt.on_conflict_do_update(
        index_elements=[CaseLoad.user_id], set_={"open_cases": CaseLoad.open_cases + delta}
    )
    session.execute(stmt)


def holders(session: Session, case: Case) -> set[int]:
    """The people who hold ``case``: its manager and every specialist on it."""
    members = set(session.scalars(select(CaseMember.user_id).where(CaseMember.case_id == case.id)))
    return members | ({case.case_manager_id} if case.case_manager_id else set())


def case_opened(session: Session, case: Case) -> None:
    if case.case_manager_id is not None:
        _bump(session, case.case_manager_id, 1)


def joined(session: Session, case: Case, user_id: int) -> None:
    """``user_id`` joins an open case they did not hold yet."""
    if case.status == CaseStatus.OPEN:
        _bump(session, user_id, 1)


def case_closed(session: Session, case: Case) -> None:
    """Call before the case's status changes: everyone who held it holds one case less."""
    for user_id in holders(session, case):
        _bump(session, user_id, -1)


def recount(session: Session) -> int:
    """Rebuild every count from the open cases; return how many people hold one."""
    held = union(
        select(Case.id.label("case_id"), Case.case_manager_id.label("user_id")).where(
            Case.status == CaseStatus.OPEN, Case.case_manager_id.is_not(None)
        ),
        select(CaseMember.case_id, CaseMember.user_id)
        .join(Case, Case.id == CaseMember.case_id)
        .where(Case.status == CaseStatus.OPEN),
    ).subquery()
    counts = session.execute(select(held.c.user_id, func.count()).group_by(held.c.user_id)).all()
    session.execute(delete(CaseLoad))
    session.add_all(CaseLoad(user_id=user_id, open_cases=count) for user_id, count in counts)
    session.flush()
    return len(counts)
