"""``ipd budgets``: the housing-subsidy budget of each office and period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import click
from flask.cli import AppGroup

from web.commands._common import command_unit

budgets = AppGroup("budgets", help="Housing-subsidy budgets per office and period.")
COMMANDS = (budgets,)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"write a date as YYYY-MM-DD, not {value!r}", param_hint=option) from None


@budgets.command("set")
@click.argument("office")
@click.option("--from", "start", required=True, help="First day of the period (YYYY-MM-DD).")
@click.option("--to", "end", required=True, help="Last day of the period (YYYY-MM-DD).")
@click.argument("amount")
def budgets_set(office: str, start: str, end: str, amount: str) -> None:
    """Set the budget of OFFICE for a period to AMOUNT (PLN): a new period or a new amount."""
    from engine.subsidies.budgets import set_budget

    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise click.BadParameter(f"write an amount such as 120000.00, not {amount!r}", param_hint="AMOUNT") from None
    with command_unit() as session:
        budget = set_budget(session, None, office, _day(start, "--from"), _day(end, "--to"), value)
        click.echo(f"Budget of {office.upper()} for {budget.period_start} – {budget.period_end}: {budget.amount} PLN")


@budgets.command("list")
@click.option("--office", help="Only this office.")
def budgets_list(office: str | None) -> None:
    """List budgets with what is paid, reserved and remaining in each period."""
    from engine.subsidies.budgets import list_budgets, office_by_code

    with command_unit() as session:
        office_id = office_by_code(session, office).id if office else None
        click.echo("office\tfrom\tto\tbudget\tpaid\treserved\tremaining")
        for code, use in list_budgets(session, office_id):
            b = use.budget
            click.echo(
                f"{code}\t{b.period_start}\t{b.period_end}\t{b.amount}\t{use.paid}\t{use.reserved}\t{use.remaining}"
            )
