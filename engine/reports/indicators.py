"""The funder report's indicators: each one SQL over the case records, registered in one ordered list.

An indicator is a *base query* yielding one row per counted thing with the columns ``case_id`` (None where the
thing belongs to no case), ``grp`` (the breakdown: a sex, an area, a partner…) and the columns its measures
aggregate. The figures are that query grouped by ``grp``; the cases behind a figure are its distinct ``case_id``
for one ``grp``. So the page, the exports, the drill-down and the tests all read the same definition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, and_, cast, extract, func, literal, or_, select, union_all
from sqlalchemy import case as sa_case
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from engine.aid.models import AidPurchase, AidRequest
from engine.cases.models import Beneficiary, Case
from engine.delivery.models import (
    CampEnrolment,
    CampParticipant,
    NurseryPlacement,
    PlacementStatus,
    Referral,
    ServiceSession,
    SessionStatus,
)
from engine.plans.models import GoalStatus, Plan, PlanGoal, PlanVersion
from engine.reports.period import ReportPeriod
from engine.subsidies.models import PaymentStatus, SubsidyPayment
from engine.tasks.models import HumanTask, TaskState
from engine.team.models import MeetingStatus, TeamDecision, TeamMeeting

# SQLAlchemy's typing of labelled CASE expressions and unions is looser than mypy wants; these queries are
# checked by the tests that run them on both databases.
Query = Select[*tuple[Any, ...]]
Expr = ColumnElement[Any]


@dataclass(frozen=True)
class Scope:
    """What a report covers: one office (``office_id``) or all of them (None), over ``period``."""

    period: ReportPeriod
    office_id: int | None
    #: "Now" for figures that are states rather than events (overdue work): the period's end at the latest.
    now: datetime


@dataclass(frozen=True)
class Measure:
    key: str
    #: Aggregate over the base query's columns.
    aggregate: Callable[[Subquery], Expr]
    #: Hours and money come back as Decimals with 2 places; counts as ints.
    money: bool = False
    #: Minutes summed and shown as hours: 60.
    divide_by: int = 1


def _count(sub: Subquery) -> Expr:
    return func.count()


def _cases(sub: Subquery) -> Expr:
    return func.count(sub.c.case_id.distinct())


def _sum(column: str) -> Callable[[Subquery], Expr]:
    return lambda sub: func.coalesce(func.sum(sub.c[column]), 0)


COUNT = Measure("count", _count)
CASES = Measure("cases", _cases)


@dataclass(frozen=True)
class Indicator:
    key: str
    base: Callable[[Scope], Query]
    measures: tuple[Measure, ...]
    #: The measure a figure's drill-down link belongs to (the others show beside it).
    linked: str


def _office(stmt: Query, column: Any, scope: Scope) -> Query:
    return stmt if scope.office_id is None else stmt.where(column == scope.office_id)


def _within(column: Any, period: ReportPeriod) -> Expr:
    return and_(column >= period.start, column <= period.end)


def _within_time(column: Any, period: ReportPeriod) -> Expr:
    return and_(column >= period.starts_at, column < period.ends_before)


# -- beneficiaries served: a case open at any moment of the period; new when it opened in the period ----------


def _served(scope: Scope, grp: Expr) -> Query:
    p = scope.period
    is_new = sa_case((Case.opened_at >= p.starts_at, 1), else_=0)
    stmt = (
        select(Case.id.label("case_id"), grp.label("grp"), is_new.label("new"), (1 - is_new).label("continuing"))
        .join(Beneficiary, Beneficiary.id == Case.beneficiary_id)
        .where(Case.opened_at < p.ends_before, or_(Case.closed_at.is_(None), Case.closed_at >= p.starts_at))
    )
    return _office(stmt, Case.office_id, scope)


def _age_group(scope: Scope) -> Expr:
    end = scope.period.end
    born = Beneficiary.date_of_birth
    birthday_later = sa_case(
        (extract("month", born) * 100 + extract("day", born) > end.month * 100 + end.day, 1), else_=0
    )
    age = literal(end.year) - cast(extract("year", born), Integer) - birthday_later
    return sa_case(
        (born.is_(None), "unknown"),
        (age < 18, "0-17"),
        (age < 26, "18-25"),
        (age < 41, "26-40"),
        (age < 61, "41-60"),
        else_="61+",
    )


SERVED_MEASURES = (CASES, Measure("new", _sum("new")), Measure("continuing", _sum("continuing")))


def beneficiaries_by_sex(scope: Scope) -> Query:
    return _served(scope, func.coalesce(Beneficiary.sex, "unknown"))


def beneficiaries_by_age(scope: Scope) -> Query:
    return _served(scope, _age_group(scope))


def beneficiaries_by_legal_status(scope: Scope) -> Query:
    return _served(scope, func.coalesce(Beneficiary.legal_status, "unknown"))


def beneficiaries_by_citizenship(scope: Scope) -> Query:
    return _served(scope, func.coalesce(Beneficiary.citizenship, "unknown"))


# -- the IPD --------------------------------------------------------------------------------------------------


def plans(scope: Scope) -> Query:
    """Plans drawn up (first submitted), approved (any version), amended (an annex approved), completed."""
    p = scope.period

    def rows(grp: str, *where: Expr) -> Query:
        stmt = (
            select(Plan.case_id.label("case_id"), literal(grp).label("grp"))
            .join(PlanVersion, PlanVersion.plan_id == Plan.id)
            .join(Case, Case.id == Plan.case_id)
            .where(*where)
        )
        return _office(stmt, Case.office_id, scope)

    completed = select(Plan.case_id.label("case_id"), literal("completed").label("grp")).join(
        Case, Case.id == Plan.case_id
    )
    completed = _office(completed.where(_within(Plan.ended_on, p)), Case.office_id, scope)
    union = union_all(
        rows("drawn_up", PlanVersion.version == 1, _within_time(PlanVersion.submitted_at, p)),
        rows("approved", _within(PlanVersion.approved_on, p)),
        rows("amended", PlanVersion.version > 1, _within(PlanVersion.approved_on, p)),
        completed,
    ).subquery()
    return select(union.c.case_id, union.c.grp)


def goals_by_area(scope: Scope) -> Query:
    """Goals of the plan versions in force during the period, per area; achieved ones counted beside them."""
    p = scope.period
    achieved = sa_case((PlanGoal.status == GoalStatus.ACHIEVED, 1), else_=0)
    stmt = (
        select(Plan.case_id.label("case_id"), PlanGoal.area.label("grp"), achieved.label("achieved"))
        .join(PlanVersion, PlanVersion.id == PlanGoal.version_id)
        .join(Plan, Plan.id == PlanVersion.plan_id)
        .join(Case, Case.id == Plan.case_id)
        .where(
            PlanVersion.approved_on <= p.end,
            or_(PlanVersion.ended_on.is_(None), PlanVersion.ended_on >= p.start),
        )
    )
    return _office(stmt, Case.office_id, scope)


# -- delivery -------------------------------------------------------------------------------------------------


def _sessions(scope: Scope, grp: Any) -> Query:
    stmt = (
        select(
            ServiceSession.case_id.label("case_id"),
            grp.label("grp"),
            func.coalesce(ServiceSession.duration_minutes, 0).label("minutes"),
        )
        .join(Case, Case.id == ServiceSession.case_id)
        .where(ServiceSession.status == SessionStatus.DONE, _within(ServiceSession.session_date, scope.period))
    )
    return _office(stmt, Case.office_id, scope)


def sessions_by_role(scope: Scope) -> Query:
    return _sessions(scope, ServiceSession.role)


def sessions_by_form(scope: Scope) -> Query:
    return _sessions(scope, ServiceSession.form)


SESSION_MEASURES = (COUNT, Measure("hours", _sum("minutes"), money=True, divide_by=60), CASES)


def material_aid(scope: Scope) -> Query:
    stmt = (
        select(AidPurchase.case_id.label("case_id"), AidRequest.category.label("grp"), AidPurchase.amount)
        .join(AidRequest, AidRequest.id == AidPurchase.request_id)
        .join(Case, Case.id == AidPurchase.case_id)
        .where(_within(AidPurchase.purchased_on, scope.period))
    )
    return _office(stmt, Case.office_id, scope)


def placements(scope: Scope) -> Query:
    stmt = (
        select(NurseryPlacement.case_id.label("case_id"), NurseryPlacement.facility_type.label("grp"))
        .join(Case, Case.id == NurseryPlacement.case_id)
        .where(NurseryPlacement.status == PlacementStatus.PLACED, _within(NurseryPlacement.start_date, scope.period))
    )
    return _office(stmt, Case.office_id, scope)


def camps(scope: Scope) -> Query:
    """Participants of camps that started in the period, per camp; those recorded as attending beside them."""
    attended = sa_case((CampParticipant.attended.is_(True), 1), else_=0)
    stmt = (
        select(
            CampEnrolment.case_id.label("case_id"),
            cast(CampEnrolment.camp_number, Integer).label("grp"),
            attended.label("attended"),
        )
        .join(CampParticipant, CampParticipant.enrolment_id == CampEnrolment.id)
        .join(Case, Case.id == CampEnrolment.case_id)
        .where(_within(CampEnrolment.start_date, scope.period), CampEnrolment.status != "withdrawn")
    )
    return _office(stmt, Case.office_id, scope)


def rent_subsidies(scope: Scope) -> Query:
    """Subsidy months due in the period: paid ones (families, months, amount) and those still reserved."""
    paid_states = (PaymentStatus.PAID, PaymentStatus.CORRECTION_PENDING)
    is_paid = SubsidyPayment.status.in_(paid_states)
    stmt = select(
        SubsidyPayment.case_id.label("case_id"),
        sa_case((is_paid, "paid"), else_="reserved").label("grp"),
        sa_case((is_paid, SubsidyPayment.amount_paid), else_=SubsidyPayment.amount).label("amount"),
    ).where(
        _within(SubsidyPayment.due_on, scope.period),
        SubsidyPayment.status.in_((*paid_states, PaymentStatus.SCHEDULED)),
    )
    return _office(stmt, SubsidyPayment.office_id, scope)


def referrals(scope: Scope) -> Query:
    """Referrals sent in the period, per partner, with where each one stands."""

    def flag(status: str) -> Any:
        return sa_case((Referral.status == status, 1), else_=0)

    stmt = (
        select(
            Referral.case_id.label("case_id"),
            Referral.partner.label("grp"),
            flag("accepted").label("accepted"),
            flag("rejected").label("rejected"),
            flag("done").label("done"),
            flag("sent").label("waiting"),
        )
        .join(Case, Case.id == Referral.case_id)
        .where(_within(Referral.sent_on, scope.period))
    )
    return _office(stmt, Case.office_id, scope)


def team_meetings(scope: Scope) -> Query:
    """Team meetings held in the period and the decisions they took (a decision may name a case)."""
    stmt = (
        select(
            TeamDecision.case_id.label("case_id"),
            literal("held").label("grp"),
            TeamMeeting.id.label("meeting_id"),
            TeamDecision.id.label("decision_id"),
        )
        .select_from(TeamMeeting)
        .outerjoin(TeamDecision, TeamDecision.meeting_id == TeamMeeting.id)
        .where(TeamMeeting.status == MeetingStatus.HELD, _within(TeamMeeting.held_on, scope.period))
    )
    return _office(stmt, TeamMeeting.office_id, scope)


def overdue_work(scope: Scope) -> Query:
    """Tasks open and past their due date at the end of the period (now, for the current period), per role.

    Two branches, each on its own partial index: the tasks open now, and those completed after the moment.
    """
    moment = min(scope.now, scope.period.ends_before)

    def branch(*where: Expr) -> Query:
        stmt = select(HumanTask.case_id.label("case_id"), func.coalesce(HumanTask.role, "none").label("grp")).where(
            HumanTask.created_at < moment, HumanTask.due_at < moment, *where
        )
        return _office(stmt, HumanTask.office_id, scope)

    union = union_all(
        branch(HumanTask.state == TaskState.OPEN),
        branch(HumanTask.state == TaskState.COMPLETED, HumanTask.completed_at >= moment),
    ).subquery()
    return select(union.c.case_id, union.c.grp)


INDICATORS: tuple[Indicator, ...] = (
    Indicator("beneficiaries_by_sex", beneficiaries_by_sex, SERVED_MEASURES, "cases"),
    Indicator("beneficiaries_by_age", beneficiaries_by_age, SERVED_MEASURES, "cases"),
    Indicator("beneficiaries_by_legal_status", beneficiaries_by_legal_status, SERVED_MEASURES, "cases"),
    Indicator("beneficiaries_by_citizenship", beneficiaries_by_citizenship, SERVED_MEASURES, "cases"),
    Indicator("plans", plans, (COUNT, CASES), "count"),
    Indicator("goals_by_area", goals_by_area, (COUNT, Measure("achieved", _sum("achieved")), CASES), "count"),
    Indicator("sessions_by_role", sessions_by_role, SESSION_MEASURES, "count"),
    Indicator("sessions_by_form", sessions_by_form, SESSION_MEASURES, "count"),
    Indicator("material_aid", material_aid, (COUNT, Measure("amount", _sum("amount"), money=True), CASES), "count"),
    Indicator("placements", placements, (COUNT, CASES), "count"),
    Indicator("camps", camps, (COUNT, Measure("attended", _sum("attended")), CASES), "count"),
    Indicator("rent_subsidies", rent_subsidies, (CASES, COUNT, Measure("amount", _sum("amount"), money=True)), "cases"),
    Indicator(
        "referrals",
        referrals,
        (
            COUNT,
            Measure("accepted", _sum("accepted")),
            Measure("rejected", _sum("rejected")),
            Measure("done", _sum("done")),
            Measure("waiting", _sum("waiting")),
        ),
        "count",
    ),
    Indicator(
        "team_meetings",
        team_meetings,
        (
            Measure("meetings", lambda sub: func.count(sub.c.meeting_id.distinct())),
            Measure("decisions", lambda sub: func.count(sub.c.decision_id)),
            CASES,
        ),
        "decisions",
    ),
    Indicator("overdue_work", overdue_work, (COUNT, CASES), "count"),
)

BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
