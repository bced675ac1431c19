"""Retention and anonymisation (art. 5(1)(e) and 17 GDPR).

A closed case is anonymised once ``IPD_RETENTION_YEARS`` have passed since its closure, unless a legal hold
stops it. A person's identity is shared by all their cases, so a person is anonymised only when every case of
theirs is due. What goes: names and contacts (a marker instead), the birth date (to the first day of its
quarter), identity documents, identifiers (PESEL, document numbers), narrative notes and free-text reasons,
the serialized workflow states and the task submissions. What stays: every row, with its counts, areas,
categories, statuses, amounts and dates, so the reports of past periods give the same numbers. The audit log is
never rewritten: it holds ids and field names only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from engine.audit.service import record
from engine.cases.models import Beneficiary, Case, CaseStatus
from engine.clock import utcnow
from engine.db import Base
from engine.privacy.models import LegalHold

#: What replaces a name or a narrative text.
ANONYMISED = "anonymised"
#: Ten years from closure: the archival period Polish practice gives social-assistance case files (category B10).
DEFAULT_RETENTION_YEARS = 10

MARK = ANONYMISED
#: Per table: the columns blanked (None) or replaced by the marker, selected by case id.
CASE_TABLES: Mapping[str, Mapping[str, Any]] = {
    # cases.closure_reason is a code (goals_met, moved_away…) the reports count: it stays.
    "case_flags": {"reason": None},
    "consents": {"partner_names": []},
    "sharing_overrides": {"partner_name": None, "reason": MARK},
    "beneficiary_corrections": {"old_value": None, "new_value": None, "reason": MARK},
    "not_eligible_information": {"referred_to_name": None, "note": MARK},
    "assessments": {"needs": None},
    "plans": {"end_summary": None},
    "service_sessions": {"note": None},
    "nursery_placements": {"child_name": MARK, "note": None},
    "camp_enrolments": {"special_needs": None, "feedback": None},
    "referrals": {"purpose": MARK, "answer_note": None, "result_note": None},
    "aid_requests": {"description": MARK, "recipient": MARK, "decision_comment": None},
    "housing_subsidies": {"landlord": MARK, "justification": None, "decision_comment": None},
    "subsidy_payments": {"correction_reason": None},
    "team_agenda_items": {"reason": MARK},
    "team_decisions": {"decision": MARK},
    "closure_requests": {"handover_note": MARK, "handover_to": None, "decision_comment": None},
    "legal_holds": {"reason": MARK},
    "incidents": {"message": MARK},
    "human_tasks": {"input_data": {}, "draft": None, "submitted": None},
}
#: Child tables without a case column: (parent table, the column pointing at it, columns to change).
CHILD_TABLES: tuple[tuple[str, str, str, Mapping[str, Any]], ...] = (
    ("assessment_details", "assessments", "assessment_id", {"situation": MARK, "fields": {}}),
    ("camp_participants", "camp_enrolments", "enrolment_id", {"name": MARK}),
    ("plan_versions", "plans", "plan_id", {"signature_note": None}),
    ("plan_reviews", "plans", "plan_id", {"summary": None}),
)
GRANDCHILD_TABLES: tuple[tuple[str, str, str, str, str, Mapping[str, Any]], ...] = (
    # (table, its parent, the column to the parent, the parent's parent, the parent's column to it, changes)
    ("plan_goals", "plan_versions", "version_id", "plans", "plan_id", {"text": MARK, "measurable_result": None}),
    ("plan_obligations", "plan_versions", "version_id", "plans", "plan_id", {"text": MARK}),
    ("plan_decisions", "plan_versions", "version_id", "plans", "plan_id", {"comment": None}),
    ("plan_review_goals", "plan_reviews", "review_id", "plans", "plan_id", {"comment": None}),
)


def quarter_start(day: date | None) -> date | None:
    if day is None:
        return None
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def retention_cutoff(now: datetime, years: int) -> datetime:
    """Cases closed on or before this moment are past retention."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def due_cases(session: Session, now: datetime, years: int) -> list[int]:
    """Ids of the cases to anonymise now: closed past retention, not under a legal hold, not yet anonymised,
    of people whose every case is so."""
    cutoff = retention_cutoff(now, years)
    held = exists(select(LegalHold.id).where(LegalHold.case_id == Case.id, LegalHold.lifted_at.is_(None)))
    not_due = select(Case.beneficiary_id).where(
        (Case.status != CaseStatus.CLOSED) | Case.closed_at.is_(None) | (Case.closed_at > cutoff) | held
    )
    return list(
        session.scalars(
            select(Case.id).where(Case.anonymised_at.is_(None), Case.beneficiary_id.not_in(not_due)).order_by(Case.id)
        )
    )


@dataclass(frozen=True)
class RetentionRun:
    dry_run: bool
    case_ids: list[int]
    #: Stored names of the uploaded documents whose rows were deleted: the caller removes the files after commit.
    discarded_files: list[str] = field(default_factory=list)


def run_retention(session: Session, *, years: int, dry_run: bool = False, now: datetime | None = None) -> RetentionRun:
    """Anonymise every case that is due (or, with ``dry_run``, only list them); the run is audited (ids only)."""
    moment = now or utcnow()
    case_ids = due_cases(session, moment, years)
    discarded: list[str] = []
    if not dry_run:
        for beneficiary_id in sorted(set(session.scalars(select(Case.beneficiary_id).where(Case.id.in_(case_ids))))):
            anonymise_person(session, beneficiary_id, moment, discarded_files=discarded)
    record(
        session,
        "retention.dry_run" if dry_run else "retention.run",
        actor_name="retention",
        case_ids=case_ids,
        retention_years=years,
    )
    return RetentionRun(dry_run, case_ids, discarded)


def _tbl(name: str) -> Any:
    return Base.metadata.tables[name]


def _values(table: Any, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes, with the marker where a column that must hold something would be blanked."""
    return {
        column: (MARK if value is None and not table.c[column].nullable else value) for column, value in changes.items()
    }


def anonymise_person(
    session: Session, beneficiary_id: int, now: datetime, *, discarded_files: list[str] | None = None
) -> list[int]:
    """Anonymise the person and all their cases (the caller checked they are due); return the case ids.

    Uploaded documents are deleted; their stored file names are added to ``discarded_files`` so the edge removes
    the files once the transaction has committed.
    """
    session.flush()
    case_ids = list(session.scalars(select(Case.id).where(Case.beneficiary_id == beneficiary_id)))
    person = session.get(Beneficiary, beneficiary_id, with_for_update=True)
    assert person is not None
    person.given_names_latin = ANONYMISED
    person.family_name_latin = ANONYMISED
    person.names_original = None
    person.date_of_birth = quarter_start(person.date_of_birth)
    person.document_number = None
    person.pesel = None
    person.phone = None
    person.email = None
    person.address = None
    members = _tbl("household_members")
    for member_id, born in session.execute(
        select(members.c.id, members.c.birth_date).where(members.c.beneficiary_id == beneficiary_id)
    ).all():
        session.execute(
            update(members).where(members.c.id == member_id).values(name=ANONYMISED, birth_date=quarter_start(born))
        )
    session.execute(
        delete(_tbl("identity_documents")).where(_tbl("identity_documents").c.beneficiary_id == beneficiary_id)
    )

    for name, changes in CASE_TABLES.items():
        if changes:
            table = _tbl(name)
            session.execute(update(table).where(table.c.case_id.in_(case_ids)).values(**_values(table, changes)))
    cases = _tbl("cases")
    nursery = _tbl("nursery_placements")
    for placement_id, born in session.execute(
        select(nursery.c.id, nursery.c.child_birth_date).where(nursery.c.case_id.in_(case_ids))
    ).all():
        session.execute(
            update(nursery).where(nursery.c.id == placement_id).values(child_birth_date=quarter_start(born))
        )
    closures = _tbl("closure_requests")
    session.execute(
        update(closures)
        .where(closures.c.case_id.in_(case_ids), closures.c.reason_other.is_not(None))
        .values(reason_other=ANONYMISED)
    )
    referrals = _tbl("referrals")
    session.execute(
        update(referrals)
        .where(referrals.c.case_id.in_(case_ids), referrals.c.override_reason.is_not(None))
        .values(override_reason=ANONYMISED)
    )
    holds = _tbl("legal_holds")
    session.execute(
        update(holds).where(holds.c.case_id.in_(case_ids), holds.c.lift_reason.is_not(None)).values(lift_reason=MARK)
    )
    for name, parent, column, changes in CHILD_TABLES:
        table, parent_table = _tbl(name), _tbl(parent)
        parents = select(parent_table.c.id).where(parent_table.c.case_id.in_(case_ids))
        session.execute(update(table).where(table.c[column].in_(parents)).values(**_values(table, changes)))
    for name, parent, column, grand, parent_column, changes in GRANDCHILD_TABLES:
        table, parent_table, grand_table = _tbl(name), _tbl(parent), _tbl(grand)
        grands = select(grand_table.c.id).where(grand_table.c.case_id.in_(case_ids))
        parents = select(parent_table.c.id).where(parent_table.c[parent_column].in_(grands))
        session.execute(update(table).where(table.c[column].in_(parents)).values(**_values(table, changes)))
    actions, goals, versions, plans = (_tbl(n) for n in ("plan_actions", "plan_goals", "plan_versions", "plans"))
    goal_ids = select(goals.c.id).where(
        goals.c.version_id.in_(
            select(versions.c.id).where(versions.c.plan_id.in_(select(plans.c.id).where(plans.c.case_id.in_(case_ids))))
        )
    )
    session.execute(update(actions).where(actions.c.goal_id.in_(goal_ids)).values(text=ANONYMISED))
    documents = _tbl("case_documents")
    stored = list(session.scalars(select(documents.c.stored_name).where(documents.c.case_id.in_(case_ids))))
    session.execute(delete(documents).where(documents.c.case_id.in_(case_ids)))
    if discarded_files is not None:
        discarded_files.extend(stored)
    # The serialized workflow states hold the process data of every step: purged, not blanked.
    instances, states = _tbl("process_instances"), _tbl("instance_states")
    session.execute(
        delete(states).where(states.c.instance_id.in_(select(instances.c.id).where(instances.c.case_id.in_(case_ids))))
    )
    session.execute(
        update(instances)
        .where(instances.c.case_id.in_(case_ids), instances.c.end_reason.is_not(None))
        .values(end_reason=ANONYMISED)
    )
    session.execute(update(cases).where(cases.c.id.in_(case_ids)).values(anonymised_at=now))
    session.flush()
    session.expire_all()
    for case_id in case_ids:
        record(session, "case.anonymised", actor_name="retention", case_id=case_id, beneficiary_id=beneficiary_id)
    return case_ids
