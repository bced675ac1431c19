"""Command-line commands.

Each module defines its commands at import time without importing the engine's heavy parts (those are
imported inside the commands), so ``ipd --help`` lists them without building the app.
"""

from __future__ import annotations

from collections.abc import Iterator

import click
from flask import Flask


def all_commands() -> Iterator[click.Command]:
    from web.commands import (
        accounts,
        audit,
        backup,
        budgets,
        database,
        demo,
        processes,
        retention,
        runtime,
        setup,
        team,
        tokens,
    )

    for module in (
        database,
        setup,
        accounts,
        budgets,
        demo,
        processes,
        runtime,
        tokens,
        backup,
        team,
        retention,
        audit,
    ):
        yield from module.COMMANDS


def register_commands(app: Flask) -> None:
    for command in all_commands():
        app.cli.add_command(command)
