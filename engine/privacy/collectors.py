"""Everything held about one person, area by area: the collectors of the subject-access export (art. 15 GDPR).

One collector per area, all registered here, each naming the tables it reads. ``EXCLUDED`` names the tables with
a case or person column that are deliberately left out, with the reason. A test walks the ORM metadata and fails
on a table with a ``case_id`` or ``beneficiary_id`` column that is in neither, so a new area cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.orm import Session

from engine.db import Base


@dataclass(frozen=True)
class Scope:
    """The person and all their cases."""

    beneficiary_id: int
    case_ids: tuple[int, ...]


Rows = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Collector:
    area: str
    tables: tuple[str, ...]
    collect: Callable[[Session, Scope], Rows]


COLLECTORS: list[Collector] = []

#: Tables with a case or person column that the export leaves out, and why.
EXCLUDED: dict[str, str] = {
    "instance_states": "the engine's serialized workflow state: its facts are the records and tasks exported",
    "notifications": "staff notices (case number and task only): they hold nothing about the person",
}

#: Columns never exported: technical, not about the person.
SKIPPED_COLUMNS = frozenset({"spiff_task_id"})


def collector(
    area: str, *tables: str
) -> Callable[[Callable[[Session, Scope], Rows]], Callable[[Session, Scope], Rows]]:
    def register(function: Callable[[Session, Scope], Rows]) -> Callable[[Session, Scope], Rows]:
        COLLECTORS.append(Collector(area, tables, function))
        return function

    return register


def covered_tables() -> set[str]:
    return {table for c in COLLECTORS for table in c.tables}


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def rows(session: Session, name: str, where: ColumnElement[bool]) -> list[dict[str, Any]]:
    """Every row of table ``name`` matching ``where``, as plain JSON values, in id order."""
    table = _table(name)
    order = [table.c.id] if "id" in table.c else list(table.primary_key.columns)
    result = session.execute(select(table).where(where).order_by(*order)).mappings()
    return [{k: jsonable(v) for k, v in row.items() if k not in SKIPPED_COLUMNS} for row in result]


def by_case(session: Session, scope: Scope, *names: str) -> Rows:
    return {name: rows(session, name, _table(name).c.case_id.in_(scope.case_ids)) for name in names}


def children(session: Session, name: str, parent_column: str, parent_ids: Sequence[int]) -> list[dict[str, Any]]:
    return rows(session, name, _table(name).c[parent_column].in_(list(parent_ids)))


def ids(found: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for row in found]


# -- the areas ------------------------------------------------------------------------------------------------


@collector("person", "beneficiaries", "household_members", "identity_documents", "beneficiary_corrections")
def _person(session: Session, scope: Scope) -> Rows:
    person = scope.beneficiary_id
    return {
        "beneficiaries": rows(session, "beneficiaries", _table("beneficiaries").c.id == person),
        **{
            name: rows(session, name, _table(name).c.beneficiary_id == person)
            for name in ("household_members", "identity_documents", "beneficiary_corrections")
        },
    }


@collector("cases", "cases", "case_members", "legal_holds")
def _cases(session: Session, scope: Scope) -> Rows:
    return {
        "cases": rows(session, "cases", _table("cases").c.id.in_(scope.case_ids)),
        **by_case(session, scope, "case_members", "legal_holds"),
    }


@collector("consents", "consents", "sharing_overrides")
def _consents(session: Session, scope: Scope) -> Rows:
    return {
        "consents": rows(session, "consents", _table("consents").c.beneficiary_id == scope.beneficiary_id),
        **by_case(session, scope, "sharing_overrides"),
    }


@collector("flags", "case_flags")
def _flags(session: Session, scope: Scope) -> Rows:
    return by_case(session, scope, "case_flags")


@collector("intake", "not_eligible_information")
def _intake(session: Session, scope: Scope) -> Rows:
    return by_case(session, scope, "not_eligible_information")


@collector("assessments", "assessments", "assessment_details")
def _assessments(session: Session, scope: Scope) -> Rows:
    found = by_case(session, scope, "assessments")
    found["assessment_details"] = children(session, "assessment_details", "assessment_id", ids(found["assessments"]))
    return found


@collector(
    "plans",
    "plans",
    "plan_versions",
    "plan_goals",
    "plan_actions",
    "plan_obligations",
    "plan_decisions",
    "plan_reviews",
    "plan_review_goals",
)
def _plans(session: Session, scope: Scope) -> Rows:
    found = by_case(session, scope, "plans")
    plan_ids = ids(found["plans"])
    found["plan_versions"] = children(session, "plan_versions", "plan_id", plan_ids)
    version_ids = ids(found["plan_versions"])
    for name in ("plan_goals", "plan_obligations", "plan_decisions"):
        found[name] = children(session, name, "version_id", version_ids)
    found["plan_actions"] = children(session, "plan_actions", "goal_id", ids(found["plan_goals"]))
    found["plan_reviews"] = children(session, "plan_reviews", "plan_id", plan_ids)
    found["plan_review_goals"] = children(session, "plan_review_goals", "review_id", ids(found["plan_reviews"]))
    return found


@collector("sessions", "service_sessions")
def _sessions(session: Session, scope: Scope) -> Rows:
    return by_case(session, scope, "service_sessions")


@collector("nursery", "nursery_placements")
def _nursery(session: Session, scope: Scope) -> Rows:
    return by_case(session, scope, "nursery_placements")


@collector("camps", "camp_enrolments", "camp_participants")
def _camps(session: Session, scope: Scope) -> Rows:
    found = by_case(session, scope, "camp_enrolments")
    found["camp_participants"] = children(session, "camp_participants", "enrolment_id", ids(found["camp_enrolments"]))
    return found


@collector("referrals", "referrals")
def _referrals(session: Session, scope: Scope) -> Rows:
    return by_case(session, scope, "referrals")


@collector("material_aid", "aid_requests", "aid_purchases")
def _aid(session: Session, scope: Scope) -> Rows:
    return by_case(session, scope, "aid_requests", "aid_purchases")


@collector("housing_subsidies", "housing_subsidies", "subsidy_payments")
def _subsidies(session: Session, scope: Scope) -> Rows:
    return by_case(session, scope, "housing_subsidies", "subsidy_payments")


@collector("team", "team_agenda_items", "team_decisions")
def _team(session: Session, scope: Scope) -> Rows:
    # Only the items and decisions about their cases: a meeting's minutes speak of other people too.
    return by_case(session, scope, "team_agenda_items", "team_decisions")


@collector("documents", "case_documents")
def _documents(session: Session, scope: Scope) -> Rows:
    """What was filed and when (kind, validity, type, size, checksum); the export adds the scans themselves."""
    return by_case(session, scope, "case_documents")


@collector("closure", "closure_requests")
def _closure(session: Session, scope: Scope) -> Rows:
    return by_case(session, scope, "closure_requests")


@collector("work", "process_instances", "human_tasks", "incidents")
def _work(session: Session, scope: Scope) -> Rows:
    return by_case(session, scope, "process_instances", "human_tasks", "incidents")


@collector("access_log", "audit_events")
def _access_log(session: Session, scope: Scope) -> Rows:
    """Who did what with their file, and when: the audit rows of their cases (ids, kinds, times, users)."""
    return by_case(session, scope, "audit_events")
