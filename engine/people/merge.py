"""A supervisor's cleanup of duplicates: merge two records of one person, close a case opened twice."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.audit.service import record
from engine.cases.models import Beneficiary, Case, CaseStatus
from engine.clock import utcnow
from engine.db import Base
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound

#: Identity fields the kept record takes from the merged one when it has none of its own.
FILLED = ("names_original", "date_of_birth", "citizenship", "document_number", "pesel", "sex", "phone", "email")


def _supervisor_of(actor: User, office_id: int) -> None:
    if not (actor.active and actor.has_role(Role.SUPERVISOR) and actor.office_id == office_id):
        raise Forbidden("only a supervisor of the office merges records or closes duplicate cases")


def _beneficiary(session: Session, actor: User, beneficiary_id: int) -> Beneficiary:
    person = session.get(Beneficiary, beneficiary_id, with_for_update=True)
    if person is None or person.office_id != actor.office_id:
        raise NotFound(f"no beneficiary {beneficiary_id}")
    if person.merged_into_id is not None:
        raise Conflict(f"beneficiary {beneficiary_id} is already merged into another record")
    return person


def _references() -> list[tuple[str, str]]:
    """Every (table, column) that points at a beneficiary, found in the models: new tables are included."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if table.name == "beneficiaries" and column.name == "merged_into_id":
                continue
            if any(fk.column.table.name == "beneficiaries" for fk in column.foreign_keys):
                found.append((table.name, column.name))
    return found


def merge_beneficiaries(session: Session, actor: User, keep_id: int, merged_id: int) -> dict[str, int]:
    """Move every record of ``merged_id`` (cases, documents, consents, household…) to ``keep_id``.

    The merged record stays, marked merged into the kept one, so the audit trail and old links still lead
    somewhere. Returns how many rows moved per table.
    """
    _supervisor_of(actor, actor.office_id)
    if keep_id == merged_id:
        raise InvalidInput("a record cannot be merged into itself", {"merged_id": "choose another person's record"})
    keep = _beneficiary(session, actor, keep_id)
    merged = _beneficiary(session, actor, merged_id)
    moved: dict[str, int] = {}
    case_ids = list(session.scalars(select(Case.id).where(Case.beneficiary_id == merged.id).order_by(Case.id)))
    for table_name, column_name in _references():
        table = Base.metadata.tables[table_name]
        result = session.execute(
            update(table).where(table.c[column_name] == merged.id).values({column_name: keep.id}),
            execution_options={"synchronize_session": False},
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            moved[f"{table_name}.{column_name}"] = count
    filled = []
    for field in FILLED:
        if getattr(keep, field) in (None, "") and getattr(merged, field) not in (None, ""):
            setattr(keep, field, getattr(merged, field))
            filled.append(field)
    merged.merged_into_id = keep.id
    merged.merged_at = utcnow()
    session.flush()
    session.expire_all()
    record(
        session,
        "beneficiary.merged",
        actor=actor,
        kept_id=keep_id,
        merged_id=merged_id,
        case_ids=case_ids,
        moved=moved,
        filled=filled,
    )
    return moved


def close_duplicate_case(session: Session, actor: User, case: Case, duplicate_of: Case) -> int:
    """Close ``case`` as a duplicate of ``duplicate_of`` through the closure service; returns processes withdrawn."""
    from engine.closure.service import close_case

    _supervisor_of(actor, case.office_id)
    if duplicate_of.id == case.id or duplicate_of.office_id != case.office_id:
        raise InvalidInput("not a case to keep", {"duplicate_of": "the number of another case of this office"})
    if case.status != CaseStatus.OPEN:
        raise Conflict("the case is already closed")
    withdrawn = close_case(session, actor, case, "duplicate", keep_instance_id=None)
    record(session, "case.closed_as_duplicate", actor=actor, case_id=case.id, duplicate_of_case_id=duplicate_of.id)
    return withdrawn
