"""Command-line commands, registered on the app's CLI group."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from web.commands import accounts, budgets, database, demo, processes, runtime, tokens

    for module in (database, accounts, budgets, demo, processes, runtime, tokens):
        module.register(app)
