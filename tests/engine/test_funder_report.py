"""The funder report against a scenario with known numbers (tests/engine/report_scenario.py): every indicator
exact per office and nationally in two quarters, the cases behind a figure, and who may see which scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Forbidden, InvalidInput
from engine.reports.funder import figure_cases, funder_report, report_rows, report_scope
from engine.reports.indicators import INDICATORS, Scope
from engine.reports.period import parse_period, previous_quarters, quarter
from engine.reports.trends import quarter_trend
from forms.registry import FormRegistry, use_registry
from tests.engine.report_scenario import build

D = Decimal


def served(new: int, continuing: int) -> dict[str, Any]:
    return {"cases": new + continuing, "new": new, "continuing": continuing}


A_AND_B_GOALS = {
    "polish_language": {"count": 2, "achieved": 0, "cases": 2},
    "vocational": {"count": 2, "achieved": 0, "cases": 2},
}
Q1_LUB: dict[str, Any] = {
    "beneficiaries_by_sex": {"female": served(1, 0), "male": served(1, 0)},
    "beneficiaries_by_age": {"0-17": served(1, 0), "26-40": served(1, 0)},
    "beneficiaries_by_legal_status": {"refugee": served(1, 0), "subsidiary_protection": served(1, 0)},
    "beneficiaries_by_citizenship": {"SY": served(1, 0), "UA": served(1, 0)},
    "plans": {"drawn_up": {"count": 2, "cases": 2}, "approved": {"count": 2, "cases": 2}},
    "goals_by_area": A_AND_B_GOALS,
    "sessions_by_role": {"social_worker": {"count": 1, "hours": D("1.00"), "cases": 1}},
    "sessions_by_form": {"individual": {"count": 1, "hours": D("1.00"), "cases": 1}},
    "material_aid": {"school_kit": {"count": 1, "amount": D("149.99"), "cases": 1}},
    "placements": {"nursery": {"count": 1, "cases": 1}},
    "camps": {},
    "rent_subsidies": {
        "paid": {"cases": 1, "count": 1, "amount": D("1200.00")},
        "reserved": {"cases": 1, "count": 1, "amount": D("1200.00")},
    },
    "referrals": {"PCPR": {"count": 1, "accepted": 0, "rejected": 0, "done": 1, "waiting": 0}},
    "team_meetings": {"held": {"meetings": 1, "decisions": 2, "cases": 1}},
    "overdue_work": {},
}
# The second WAW case (sample registration: female, UA, born 1990, refugee) waits at its diagnosis, overdue.
Q1_WAW: dict[str, Any] = {
    "beneficiaries_by_sex": {"female": served(1, 0)},
    "beneficiaries_by_age": {"26-40": served(1, 0)},
    "beneficiaries_by_legal_status": {"refugee": served(1, 0)},
    "beneficiaries_by_citizenship": {"UA": served(1, 0)},
    "overdue_work": {"social_worker": {"count": 1, "cases": 1}},
}
Q2_LUB: dict[str, Any] = {
    "beneficiaries_by_sex": {"female": served(0, 1), "male": served(0, 1)},
    "beneficiaries_by_age": {"0-17": served(0, 1), "26-40": served(0, 1)},
    "beneficiaries_by_legal_status": {"refugee": served(0, 1), "subsidiary_protection": served(0, 1)},
    "beneficiaries_by_citizenship": {"SY": served(0, 1), "UA": served(0, 1)},
    "goals_by_area": A_AND_B_GOALS,
    "sessions_by_role": {"psychologist": {"count": 1, "hours": D("1.50"), "cases": 1}},
    "sessions_by_form": {"family": {"count": 1, "hours": D("1.50"), "cases": 1}},
    "rent_subsidies": {"reserved": {"cases": 1, "count": 1, "amount": D("1200.00")}},
}
Q2_WAW: dict[str, Any] = {
    "beneficiaries_by_sex": {"female": served(1, 1)},
    "beneficiaries_by_age": {"26-40": served(0, 1), "61+": served(1, 0)},
    "beneficiaries_by_legal_status": {"refugee": served(1, 1)},
    "beneficiaries_by_citizenship": {"UA": served(1, 1)},
    "plans": {"drawn_up": {"count": 1, "cases": 1}, "approved": {"count": 1, "cases": 1}},
    "goals_by_area": {k: {"count": 1, "achieved": 0, "cases": 1} for k in ("polish_language", "vocational")},
    "camps": {"1": {"count": 2, "attended": 1, "cases": 1}},
    "overdue_work": {"social_worker": {"count": 1, "cases": 1}},
}


def national(lub: dict[str, Any], waw: dict[str, Any]) -> dict[str, Any]:
    """The offices' figures added up (every case in the scenario belongs to one office only)."""
    found: dict[str, Any] = {}
    for key in {*lub, *waw}:
        groups: dict[str, dict[str, Any]] = {}
        for office in (lub, waw):
            for grp, values in office.get(key, {}).items():
                into = groups.setdefault(grp, {})
                for measure, value in values.items():
                    into[measure] = into.get(measure, 0) + value
        found[key] = groups
    return found


EXPECTED = {
    (1, "LUB"): Q1_LUB,
    (1, "WAW"): Q1_WAW,
    (1, None): national(Q1_LUB, Q1_WAW),
    (2, "LUB"): Q2_LUB,
    (2, "WAW"): Q2_WAW,
    (2, None): national(Q2_LUB, Q2_WAW),
}
BUDGET = {"LUB": (D("50000.00"), D("1200.00"), D("2400.00")), "WAW": (D("50000.00"), D("0.00"), D("0.00"))}


@pytest.fixture
def scenario(db_session: Session) -> Any:
    previous = use_registry(FormRegistry())
    try:
        with clock.frozen_clock(clock.utcnow()) as frozen:
            yield build(db_session, frozen), frozen
    finally:
        use_registry(previous)


def as_dict(report: Any) -> dict[str, Any]:
    return {f.indicator.key: {row.grp: row.values for row in f.rows} for f in report.indicators}


def test_every_indicator_is_exact_per_office_and_nationally(db_session: Session, scenario: Any) -> None:
    s, frozen = scenario
    offices = {"LUB": s.lub.case_manager.office_id, "WAW": s.waw.case_manager.office_id, None: None}
    for (number, code), expected in EXPECTED.items():
        report = funder_report(db_session, Scope(quarter(2026, number), offices[code], frozen.current))
        got = as_dict(report)
        for indicator in INDICATORS:
            assert got[indicator.key] == expected.get(indicator.key, {}), (number, code, indicator.key)
        budget, paid, reserved = tuple(map(sum, zip(*BUDGET.values(), strict=True))) if code is None else BUDGET[code]
        assert (report.budget.budget, report.budget.paid, report.budget.reserved) == (budget, paid, reserved)
        assert report.budget.left == budget - paid - reserved
        assert len(report_rows(report)) == 4 + sum(len(f.rows) * len(f.indicator.measures) for f in report.indicators)
    # The year holds both quarters: the four people served all came in 2026.
    year = as_dict(funder_report(db_session, Scope(parse_period("2026"), None, frozen.current)))
    assert year["beneficiaries_by_sex"] == {"female": served(3, 0), "male": served(1, 0)}
    assert year["sessions_by_role"]["psychologist"]["hours"] == D("1.50")
    # The dashboard's trend reads the same indicators, quarter by quarter.
    trend = quarter_trend(db_session, None, quarters=3, now=frozen.current)
    assert [(p.period.key, p.cases, p.overdue, p.paid, p.budget) for p in trend] == [
        ("2025-Q4", 0, 0, D("0.00"), D("0.00")),
        ("2026-Q1", 3, 1, D("1200.00"), D("100000.00")),
        ("2026-Q2", 4, 1, D("0.00"), D("100000.00")),
    ]


def test_the_cases_behind_a_figure_leave_out_refused_reporting_consent(db_session: Session, scenario: Any) -> None:
    s, frozen = scenario
    scope = Scope(quarter(2026, 1), s.lub.supervisor.office_id, frozen.current)
    women = figure_cases(db_session, s.lub.supervisor, scope, "beneficiaries_by_sex", "female")
    assert ([c.id for c in women.cases], women.not_listed, women.total) == ([s.a.id], 0, 1)
    # Bilal refused the reporting consent: counted in the figure, never listed, even for his supervisor.
    men = figure_cases(db_session, s.lub.supervisor, scope, "beneficiaries_by_sex", "male")
    assert (men.cases, men.not_listed, men.total) == ([], 1, 1)
    # Only cases the user may see: the other office's supervisor sees none of LUB's.
    national_scope = Scope(quarter(2026, 1), None, frozen.current)
    others = figure_cases(db_session, s.waw.supervisor, national_scope, "beneficiaries_by_sex", "female")
    assert [c.id for c in others.cases] == [s.d.id] and others.total == 2


def test_national_scope_is_for_national_roles(db_session: Session, scenario: Any) -> None:
    s, frozen = scenario
    period = quarter(2026, 1)
    lub = s.lub.supervisor.office_id
    assert report_scope(s.national, period, None).office_id is None
    assert report_scope(s.national, period, s.waw.supervisor.office_id).office_id == s.waw.supervisor.office_id
    assert report_scope(s.lub.supervisor, period, lub).office_id == lub
    with pytest.raises(Forbidden):
        report_scope(s.lub.supervisor, period, None)
    with pytest.raises(Forbidden):
        report_scope(s.lub.supervisor, period, s.waw.supervisor.office_id)
    with pytest.raises(Forbidden):
        report_scope(s.lub.case_manager, period, lub)


def test_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (quarter(2026, 4).start, quarter(2026, 4).end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert [p.key for p in previous_quarters(date(2026, 2, 3), 3)] == ["2025-Q3", "2025-Q4", "2026-Q1"]
    monkeypatch.setenv("IPD_PROJECT_PERIOD", "2026-01-01/2027-12-31")
    project = parse_period("project")
    assert (project.start, project.end) == (date(2026, 1, 1), date(2027, 12, 31))
    with clock.frozen_clock(clock.utcnow().replace(year=2026, month=5, day=5)):
        assert parse_period(None).key == "2026-Q2"
    for bad in ("2026-Q5", "last week"):
        with pytest.raises(InvalidInput):
            parse_period(bad)
    monkeypatch.setenv("IPD_PROJECT_PERIOD", "2027-01-01/2026-01-01")
    with pytest.raises(InvalidInput):
        parse_period("project")


def test_anonymising_a_closed_case_leaves_the_past_quarters_figures_unchanged(
    db_session: Session, scenario: Any
) -> None:
    from datetime import timedelta

    from engine.cases.models import Beneficiary
    from engine.cases.service import close_case
    from engine.privacy.retention import ANONYMISED, run_retention

    s, frozen = scenario
    close_case(db_session, None, s.a, "goals_met")
    db_session.flush()
    as_of = frozen.current
    scopes = [
        Scope(period, office, as_of)
        for period in (quarter(2026, 1), quarter(2026, 2))
        for office in (s.lub.supervisor.office_id, s.waw.supervisor.office_id, None)
    ]
    before = [as_dict(funder_report(db_session, scope)) for scope in scopes]

    frozen.current = as_of + timedelta(days=365 * 11)
    run = run_retention(db_session, years=10)
    assert run.case_ids == [s.a.id]
    db_session.expire_all()
    assert db_session.get(Beneficiary, s.a.beneficiary_id).family_name_latin == ANONYMISED

    after = [as_dict(funder_report(db_session, scope)) for scope in scopes]
    assert after == before
