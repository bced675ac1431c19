"""The ``ipd`` command: Flask's CLI group around this app with our commands added.

The commands are attached to the group itself, so listing them (``ipd --help``) does not build the app;
the app is created only when a command runs. Flask's group reads ``.flaskenv`` and ``.env`` (python-dotenv)
first, which is how ``make run`` leaves ``IPD_ENV=development`` for the next shell.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import FlaskGroup

from engine.config import ConfigError
from web import create_app
from web.commands import all_commands


class IpdGroup(FlaskGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        # FlaskGroup builds the app here to find commands added to app.cli; ours are all on the group.
        self._load_plugin_commands()
        return sorted(super(FlaskGroup, self).list_commands(ctx))

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except Exception as error:
            # A setting the operator has to fix: one line that says which, not a traceback.
            message = operator_message(error)
            if message is None:
                raise
            click.echo(f"Error: {message}", err=True)
            sys.exit(2)


def operator_message(error: Exception) -> str | None:
    """The one-line explanation of an error that comes from the configuration, or None for a bug."""
    if isinstance(error, ConfigError):
        return str(error)
    if type(error).__module__.startswith("sqlalchemy"):
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

        detail = (str(getattr(error, "orig", None) or error).strip().splitlines() or [""])[0]
        if isinstance(error, OperationalError):
            return f"the database does not answer ({detail}); check IPD_DATABASE_URL and that the server runs"
        if isinstance(error, ArgumentError | NoSuchModuleError):
            return f"IPD_DATABASE_URL is not a database URL this installation can use ({detail})"
    return None


main = IpdGroup(create_app=create_app, help="Integration case management: administration commands.")
for _command in all_commands():
    main.add_command(_command)
