"""``ipd tokens``: personal API tokens created and revoked by an operator."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from web.commands._common import command_unit

tokens = AppGroup("tokens", help="Personal API tokens.")
COMMANDS = (tokens,)


@tokens.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for (shown in the profile).")
@click.option("--days", type=click.IntRange(1, 3650), help="Valid for this many days (default: until revoked).")
def tokens_create(username: str, name: str, days: int | None) -> None:
    """Create a token for USERNAME and print it (it is shown only this once)."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from engine.accounts.models import User
    from engine.accounts.tokens import create_token
    from engine.clock import utcnow

    with command_unit() as session:
        owner = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
        if owner is None:
            raise click.ClickException(f"no user {username!r}")
        expires_at = utcnow() + timedelta(days=days) if days else None
        created = create_token(session, None, name, owner=owner, expires_at=expires_at)
        token_id = created.token.id
    click.echo(f"Created token {token_id} for {owner.username}; it is shown only this once:", err=True)
    click.echo(created.secret)


@tokens.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**63 - 1))
def tokens_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID."""
    from engine.accounts.tokens import revoke_token

    with command_unit() as session:
        revoke_token(session, None, token_id)
    click.echo(f"Revoked token {token_id}")
