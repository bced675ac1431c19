"""Shared pieces of the commands: one unit of work per command, errors as clear messages."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click
from flask import current_app

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.config import Settings


@contextmanager
def command_unit() -> Iterator[Session]:
    """Commit at the end of the command; turn domain errors into a message and exit code 1."""
    from engine.db import database
    from engine.errors import DomainError, InvalidInput

    try:
        with database.unit_of_work() as session:
            yield session
    except InvalidInput as error:
        details = "; ".join(f"{field}: {problem}" for field, problem in error.fields.items())
        raise click.ClickException(f"{error.message}" + (f" ({details})" if details else "")) from None
    except DomainError as error:
        raise click.ClickException(error.message) from None


def settings() -> Settings:
    """The settings of the app this command runs in."""
    found: Settings = current_app.config["IPD_SETTINGS"]
    return found


def read_password(password: str | None, from_stdin: bool) -> str:
    """The password given by exactly one of ``--password`` and ``--password-stdin``."""
    if from_stdin == (password is not None):
        raise click.UsageError("give exactly one of --password or --password-stdin")
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    assert password is not None
    return password
