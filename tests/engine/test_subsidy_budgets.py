"""Subsidy budgets per office and period: set by an administrator, never overlapping, and the table rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.audit.models import AuditEvent
from engine.cases.service import BeneficiaryInput, open_case
from engine.clock import utcnow
from engine.demo import DEMO_BUDGET, seed_demo
from engine.errors import InvalidInput, NotFound
from engine.subsidies.budgets import list_budgets, set_budget
from engine.subsidies.models import HousingSubsidy, SubsidyBudget, SubsidyPayment
from tests import factories

JAN, DEC = date(2026, 1, 1), date(2026, 12, 31)


@pytest.fixture
def office(db_session):  # type: ignore[no-untyped-def]
    return factories.office(db_session, "LUB")


def test_a_budget_is_set_listed_and_its_amount_changed(db_session, office) -> None:  # type: ignore[no-untyped-def]
    budget = set_budget(db_session, None, "lub", JAN, DEC, Decimal("120000.00"))
    assert (budget.office_id, budget.amount) == (office.id, Decimal("120000.00"))
    again = set_budget(db_session, None, "LUB", JAN, DEC, Decimal("90000.00"))
    assert again.id == budget.id and again.amount == Decimal("90000.00")
    set_budget(db_session, None, "LUB", date(2027, 1, 1), date(2027, 6, 30), Decimal("50000.00"))
    listed = [(code, use.budget.period_start, use.remaining) for code, use in list_budgets(db_session)]
    assert listed == [("LUB", JAN, Decimal("90000.00")), ("LUB", date(2027, 1, 1), Decimal("50000.00"))]
    kinds = db_session.scalars(select(AuditEvent.details).where(AuditEvent.kind == "subsidy.budget_set")).all()
    assert [d["previous"] for d in kinds] == [None, "120000.00", None]


def test_periods_of_an_office_never_overlap(db_session, office) -> None:  # type: ignore[no-untyped-def]
    set_budget(db_session, None, "LUB", JAN, DEC, Decimal("120000.00"))
    with pytest.raises(InvalidInput, match="overlap"):
        set_budget(db_session, None, "LUB", date(2026, 12, 1), date(2027, 11, 30), Decimal("1000.00"))
    with pytest.raises(InvalidInput, match="overlap"):
        set_budget(db_session, None, "LUB", date(2026, 3, 1), date(2026, 3, 31), Decimal("1000.00"))
    factories.office(db_session, "WAW")
    set_budget(db_session, None, "WAW", JAN, DEC, Decimal("1000.00"))  # another office may
    set_budget(db_session, None, "LUB", date(2027, 1, 1), date(2027, 12, 31), Decimal("1000.00"))  # adjacent


def test_a_budget_needs_an_amount_a_period_in_order_and_a_known_office(db_session, office) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="ends before"):
        set_budget(db_session, None, "LUB", DEC, JAN, Decimal("1000.00"))
    with pytest.raises(InvalidInput, match="above zero"):
        set_budget(db_session, None, "LUB", JAN, DEC, Decimal("0.00"))
    with pytest.raises(InvalidInput, match="above zero"):
        set_budget(db_session, None, "LUB", JAN, DEC, Decimal("10.001"))
    with pytest.raises(NotFound):
        set_budget(db_session, None, "XYZ", JAN, DEC, Decimal("1000.00"))


def _subsidy(db_session, office):  # type: ignore[no-untyped-def]
    worker = factories.user(db_session, "social_worker")
    case = open_case(db_session, worker, BeneficiaryInput("Olena", "Test"))
    subsidy = HousingSubsidy(
        case_id=case.id,
        office_id=office.id,
        rent=Decimal("2400.00"),
        household_size=2,
        income_total=Decimal("1500.00"),
        months_requested=3,
        landlord="Jan Nowak",
        justification="-",
        income_per_person=Decimal("750.00"),
        income_limit=Decimal("1646.00"),
        eligible=True,
        reason="within_income_limit",
        monthly_amount=Decimal("1200.00"),
        status="approved",
        approved_months=3,
    )
    db_session.add(subsidy)
    db_session.flush()
    return subsidy


def test_a_budget_may_not_drop_below_what_is_paid_and_reserved(db_session, office) -> None:  # type: ignore[no-untyped-def]
    set_budget(db_session, None, "LUB", JAN, DEC, Decimal("5000.00"))
    subsidy = _subsidy(db_session, office)
    for month in (1, 2):
        db_session.add(
            SubsidyPayment(
                subsidy_id=subsidy.id,
                case_id=subsidy.case_id,
                office_id=office.id,
                month_number=month,
                due_on=date(2026, month, 12),
                amount=Decimal("1200.00"),
            )
        )
    db_session.flush()
    with pytest.raises(InvalidInput, match="paid and reserved") as refused:
        set_budget(db_session, None, "LUB", JAN, DEC, Decimal("2000.00"))
    assert "2400.00" in str(refused.value.fields)
    set_budget(db_session, None, "LUB", JAN, DEC, Decimal("2400.00"))


@pytest.mark.parametrize(
    "change",
    [
        {"amount": Decimal("0.00")},
        {"amount_paid": Decimal("-1.00"), "status": "paid", "paid_on": date(2026, 1, 12)},
        {"month_number": 13},
        {"status": "lost"},
        {"status": "paid"},  # paid without a payment recorded
        {"status": "correction_pending", "paid_on": date(2026, 1, 12), "amount_paid": Decimal("1.00")},  # no reason
    ],
    ids=["amount-zero", "paid-negative", "month-13", "unknown-status", "paid-without-payment", "correction-no-reason"],
)
def test_the_database_refuses_impossible_payments(db_session, office, change) -> None:  # type: ignore[no-untyped-def]
    subsidy = _subsidy(db_session, office)
    values = {
        "subsidy_id": subsidy.id,
        "case_id": subsidy.case_id,
        "office_id": office.id,
        "month_number": 1,
        "due_on": date(2026, 1, 12),
        "amount": Decimal("1200.00"),
    } | change
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(SubsidyPayment(**values))
        db_session.flush()


@pytest.mark.parametrize(
    "change",
    [{"approved_months": 13}, {"approved_months": 0}, {"monthly_amount": Decimal("0.00")}, {"rent": Decimal("0")}],
    ids=["13-months", "0-months", "amount-zero", "rent-zero"],
)
def test_the_database_refuses_impossible_subsidies(db_session, office, change) -> None:  # type: ignore[no-untyped-def]
    subsidy = _subsidy(db_session, office)
    with pytest.raises(IntegrityError), db_session.begin_nested():
        for key, value in change.items():
            setattr(subsidy, key, value)
        db_session.flush()


def test_the_database_refuses_a_period_out_of_order(db_session, office) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(SubsidyBudget(office_id=office.id, period_start=DEC, period_end=JAN, amount=Decimal("1.00")))
        db_session.flush()


def test_the_cli_sets_and_lists_budgets(app, db_session) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    assert runner.invoke(args=["offices", "create", "KRK", "Centrum Kraków"]).exit_code == 0
    result = runner.invoke(args=["budgets", "set", "krk", "--from", "2026-01-01", "--to", "2026-12-31", "80000.00"])
    assert result.exit_code == 0, result.output
    assert "Budget of KRK for 2026-01-01 – 2026-12-31: 80000.00 PLN" in result.output
    overlapping = runner.invoke(args=["budgets", "set", "KRK", "--from", "2026-06-01", "--to", "2027-05-31", "1.00"])
    assert overlapping.exit_code == 1 and "may not overlap" in overlapping.output
    bad_date = runner.invoke(args=["budgets", "set", "KRK", "--from", "1 June", "--to", "2027-05-31", "1.00"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    listed = runner.invoke(args=["budgets", "list"])
    assert listed.exit_code == 0
    assert "KRK\t2026-01-01\t2026-12-31\t80000.00\t0.00\t0.00\t80000.00" in listed.output


def test_demo_offices_get_a_budget_for_the_current_year(db_session) -> None:  # type: ignore[no-untyped-def]
    seed_demo(db_session)
    seed_demo(db_session)  # safe to repeat
    year = utcnow().year
    rows = [(code, u.budget.period_start, u.budget.period_end, u.budget.amount) for code, u in list_budgets(db_session)]
    assert rows == [
        ("LUB", date(year, 1, 1), date(year, 12, 31), DEMO_BUDGET),
        ("WAW", date(year, 1, 1), date(year, 12, 31), DEMO_BUDGET),
    ]
