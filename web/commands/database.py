"""``ipd db``: schema migrations."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from engine import migrate


def register(app: Flask) -> None:
    group = AppGroup("db", help="Database schema.")

    @group.command("upgrade")
    @click.option("--revision", default="head", show_default=True, help="Target revision.")
    def upgrade(revision: str) -> None:
        """Migrate the database to the newest schema."""
        url = current_app.config["IPD_SETTINGS"].database_url
        migrate.upgrade(url, revision)
        click.echo(f"Database is at {revision}.")

    @group.command("check")
    def check() -> None:
        """Fail when the models and the migrations disagree."""
        migrate.check(current_app.config["IPD_SETTINGS"].database_url)
        click.echo("Models and migrations agree.")

    app.cli.add_command(group)
