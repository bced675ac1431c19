"""``ipd db``: schema migrations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from web.commands._common import settings

group = AppGroup("db", help="Database schema.")
COMMANDS = (group,)


@group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Migrate the database to the newest schema."""
    from engine import migrate

    migrate.upgrade(settings().database_url, revision)
    click.echo(f"Database is at {revision}.")


@group.command("check")
def check() -> None:
    """Fail when the models and the migrations disagree."""
    from engine import migrate

    migrate.check(settings().database_url)
    click.echo("Models and migrations agree.")
