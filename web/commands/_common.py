"""Shared pieces of the commands: one unit of work per command, errors as clear messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session

from engine.db import database
from engine.errors import DomainError, InvalidInput


@contextmanager
def command_unit() -> Iterator[Session]:
    """Commit at the end of the command; turn domain errors into a message and exit code 1."""
    try:
        with database.unit_of_work() as session:
            yield session
    except InvalidInput as error:
        details = "; ".join(f"{field}: {problem}" for field, problem in error.fields.items())
        raise click.ClickException(f"{error.message}" + (f" ({details})" if details else "")) from None
    except DomainError as error:
        raise click.ClickException(error.message) from None
