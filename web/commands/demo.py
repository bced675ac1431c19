"""``ipd demo``: demonstration offices and users."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from web.commands._common import command_unit, settings


@click.command("demo")
@click.option("--reset-passwords", is_flag=True, help="Give existing demo users new passwords.")
@with_appcontext
def demo(reset_passwords: bool) -> None:
    """Create demo offices LUB and WAW with one user per role (safe to run again; not in production)."""
    from engine.accounts.roles import Role
    from engine.accounts.two_factor import keep_defaults_off
    from engine.demo import seed_demo, seed_sample_cases

    if settings().env == "production":
        # Demo users have known names and roles, admin included: never on a real installation.
        raise click.ClickException(
            "ipd demo is refused in production (IPD_ENV=production): it creates users with known names. "
            "Use `ipd setup` for the first office and administrator."
        )
    with command_unit() as session:
        logins = seed_demo(session, reset_passwords=reset_passwords)
        cases = seed_sample_cases(session)
        # Demo logins work with the printed password alone; a setting an administrator made stays as it is.
        relaxed = keep_defaults_off(session, [role.value for role in Role])
    click.echo("Demo logins (passwords are shown only when they are set):")
    click.echo(f"  {'user name':<28} {'office':<6} {'role':<18} password")
    for login in logins:
        shown = login.password or "(unchanged; ipd demo --reset-passwords sets new ones)"
        click.echo(f"  {login.username:<28} {login.office:<6} {login.role:<18} {shown}")
    if cases:
        click.echo(f"Sample cases opened, each waiting at its intake: {', '.join(cases)}")
    if relaxed:
        click.echo(
            "Two-factor sign-in is not required of any role in this demo (a real installation requires it of the "
            "roles in IPD_TWO_FACTOR_ROLES). Try it from a profile page, or require it per role on the Security "
            "page as an administrator (admin.lub)."
        )


COMMANDS = (demo,)
