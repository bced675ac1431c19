"""``ipd offices`` and ``ipd users``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from engine.accounts.roles import ROLE_IDS
from web.commands._common import command_unit, read_password

offices = AppGroup("offices", help="Offices that run the programme.")
users = AppGroup("users", help="User accounts.")
COMMANDS = (offices, users)


@offices.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--city", help="City of the office.")
def offices_create(code: str, name: str, city: str | None) -> None:
    """Create office CODE called NAME."""
    from engine.accounts.service import create_office

    with command_unit() as session:
        office = create_office(session, code, name, city)
        click.echo(f"Created office {office.code}: {office.name}")


@offices.command("list")
def offices_list() -> None:
    """List offices."""
    from sqlalchemy import select

    from engine.accounts.models import Office

    with command_unit() as session:
        for office in session.scalars(select(Office).order_by(Office.code)):
            click.echo(f"{office.code}\t{office.name}\t{office.city or ''}")


@users.command("create")
@click.argument("username")
@click.option("--office", "office_code", required=True, help="Code of the user's office.")
@click.option(
    "--role",
    "roles",
    required=True,
    multiple=True,
    type=click.Choice(sorted(ROLE_IDS)),
    help="A role; repeat for several.",
)
@click.option("--password", help="Initial password (prefer --password-stdin).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--name", "display_name", help="Full name shown in the app.")
@click.option("--email")
@click.option("--locale", type=click.Choice(["pl", "en"]))
def users_create(
    username: str,
    office_code: str,
    roles: tuple[str, ...],
    password: str | None,
    password_stdin: bool,
    display_name: str | None,
    email: str | None,
    locale: str | None,
) -> None:
    """Create user USERNAME in an office with one or more roles."""
    from engine.accounts.service import create_user

    password = read_password(password, password_stdin)
    with command_unit() as session:
        user = create_user(
            session,
            username,
            office_code=office_code,
            roles=roles,
            password=password,
            display_name=display_name,
            email=email,
            preferred_locale=locale,
        )
        click.echo(f"Created user {user.username} in {office_code.upper()} with roles {', '.join(roles)}")


@users.command("list")
def users_list() -> None:
    """List users with their office and roles."""
    from sqlalchemy import select

    from engine.accounts.models import Office, User

    with command_unit() as session:
        stmt = select(User).join(User.office).order_by(Office.code, User.username)
        for user in session.scalars(stmt):
            state = "active" if user.active else "disabled"
            roles = ",".join(sorted(user.roles))
            click.echo(f"{user.office.code}\t{user.username}\t{roles}\t{state}")
