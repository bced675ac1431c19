"""``ipd setup``: the first office and administrator of a fresh installation."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from web.commands._common import command_unit, read_password


@click.command("setup")
@click.argument("office_code")
@click.argument("office_name")
@click.option("--city", help="City of the office.")
@click.option("--admin", "username", required=True, help="User name of the first administrator.")
@click.option("--password", help="The administrator's password (default: asked for, not shown).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--name", "display_name", help="The administrator's full name.")
@with_appcontext
def setup(
    office_code: str,
    office_name: str,
    city: str | None,
    username: str,
    password: str | None,
    password_stdin: bool,
    display_name: str | None,
) -> None:
    """Create the first office OFFICE_CODE called OFFICE_NAME and its administrator (on an empty database only)."""
    from sqlalchemy import func, select

    from engine.accounts.models import Office, User
    from engine.accounts.roles import Role
    from engine.accounts.service import create_office, create_user

    if password is None and not password_stdin:
        password = click.prompt("Password of the administrator", hide_input=True, confirmation_prompt=True)
    password = read_password(password, password_stdin)
    with command_unit() as session:
        if session.scalar(select(func.count()).select_from(User)):
            # Once someone can log in, administrators add offices and users with the other commands.
            raise click.ClickException(
                "this installation already has users: use `ipd offices create` and `ipd users create` instead"
            )
        code = office_code.strip().upper()
        office = session.scalar(select(Office).where(Office.code == code))
        if office is None:
            office = create_office(session, code, office_name, city)
        user = create_user(
            session,
            username,
            office_code=office.code,
            roles=[Role.ADMIN],
            password=password,
            display_name=display_name,
        )
        click.echo(f"Created office {office.code} ({office.name}) and administrator {user.username}.")


COMMANDS = (setup,)
