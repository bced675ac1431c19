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
        except ConfigError as error:
            # A setting the operator has to fix: one line that says which, not a traceback.
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)


main = IpdGroup(create_app=create_app, help="Integration case management: administration commands.")
for _command in all_commands():
    main.add_command(_command)
