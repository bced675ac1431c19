"""One database session per request; the view that changes data commits it."""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy.orm import Session

from engine.db import database


def get_db() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = database.session()
    session: Session = g.db_session
    return session


def _close_db(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close_db)
