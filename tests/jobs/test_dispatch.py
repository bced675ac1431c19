"""enqueue_after_commit: a task is sent once its transaction commits, never when it is rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from engine.db import make_engine
from engine.jobs.dispatch import enqueue_after_commit, pending_sends


class RecordingTask:
    """Stands in for a Celery task: records what would have been sent."""

    name = "tests.recording"

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self.fail = fail

    def apply_async(self, args: tuple[Any, ...] | None = None, kwargs: dict[str, Any] | None = None) -> None:
        if self.fail:
            raise ConnectionError("broker unreachable")
        self.sent.append((tuple(args or ()), dict(kwargs or {})))


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
    db = make_engine(f"sqlite:///{tmp_path / 'dispatch.sqlite3'}")
    with db.begin() as conn:
        conn.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)"))
    yield db
    db.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as s:
        yield s


def _insert(session: Session, name: str) -> None:
    session.execute(text("INSERT INTO item (name) VALUES (:name)"), {"name": name})


def test_nothing_is_sent_before_commit_and_exactly_once_after(session):
    task = RecordingTask()
    _insert(session, "a")
    enqueue_after_commit(session, task, 7, reason="created")
    session.flush()
    assert task.sent == []
    assert pending_sends(session) == 1

    session.commit()
    assert task.sent == [((7,), {"reason": "created"})]

    # Later transactions of the same session do not send it again.
    _insert(session, "b")
    session.commit()
    session.rollback()
    assert task.sent == [((7,), {"reason": "created"})]
    assert pending_sends(session) == 0


def test_nothing_is_sent_on_rollback(session):
    task = RecordingTask()
    _insert(session, "a")
    enqueue_after_commit(session, task, 1)
    session.rollback()
    assert task.sent == []

    # The next commit of the session must not carry the dropped send along.
    _insert(session, "b")
    session.commit()
    assert task.sent == []


def test_closing_without_commit_drops_the_send(engine):
    task = RecordingTask()
    session = Session(engine)
    _insert(session, "a")
    enqueue_after_commit(session, task, 1)
    session.close()
    _insert(session, "b")  # a closed session can be used again
    session.commit()
    session.close()
    assert task.sent == []


def test_send_requested_before_the_first_statement(session):
    task = RecordingTask()
    enqueue_after_commit(session, task, "early")
    _insert(session, "a")
    session.commit()
    assert task.sent == [(("early",), {})]


def test_rolled_back_savepoint_drops_only_its_own_sends(session):
    task = RecordingTask()
    _insert(session, "outer")
    enqueue_after_commit(session, task, "outer")

    savepoint = session.begin_nested()
    _insert(session, "inner")
    enqueue_after_commit(session, task, "inner")
    savepoint.rollback()

    kept = session.begin_nested()
    enqueue_after_commit(session, task, "kept")
    kept.commit()  # releasing a SAVEPOINT is not a commit: nothing is sent yet
    assert task.sent == []

    session.commit()
    assert task.sent == [(("outer",), {}), (("kept",), {})]


def test_outer_rollback_drops_sends_of_released_savepoints(session):
    task = RecordingTask()
    with session.begin_nested():
        _insert(session, "inner")
        enqueue_after_commit(session, task, "inner")
    session.rollback()
    session.commit()
    assert task.sent == []


def test_a_failed_send_after_commit_is_logged_not_raised(session, caplog):
    broken, healthy = RecordingTask(fail=True), RecordingTask()
    _insert(session, "a")
    enqueue_after_commit(session, broken, 1)
    enqueue_after_commit(session, healthy, 2)
    session.commit()  # the data is committed; the failure must not surface as an error here
    assert healthy.sent == [((2,), {})]
    assert "could not send task 'tests.recording' after commit" in caplog.text
    assert session.scalar(text("SELECT count(*) FROM item")) == 1


def test_commit_inside_the_rolled_back_test_transaction_still_sends(db_session):
    """With the suite's fixtures (session joined to an outer transaction) a commit sends, as in production."""
    task = RecordingTask()
    enqueue_after_commit(db_session, task, 3)
    db_session.execute(text("SELECT 1"))
    db_session.commit()
    assert task.sent == [((3,), {})]
