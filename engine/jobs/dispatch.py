"""Send Celery tasks only once the transaction that asked for them has committed.

A task sent before COMMIT can run before its data is visible (or after it was rolled back) and then
act on rows that do not exist. Services therefore call ``enqueue_after_commit(session, task, ...)``
and the edge that commits the session also releases the sends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

_PENDING = "ipd.jobs.pending_sends"
_LISTENING = "ipd.jobs.listening"


class SupportsApplyAsync(Protocol):
    """What we need of a Celery task (and what a test double provides)."""

    def apply_async(self, args: tuple[Any, ...] | None = ..., kwargs: dict[str, Any] | None = ...) -> Any: ...


@dataclass(frozen=True)
class _PendingSend:
    task: SupportsApplyAsync
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    # The innermost transaction open when the send was requested (None: none had begun yet).
    transaction: SessionTransaction | None


def enqueue_after_commit(session: Session, task: SupportsApplyAsync, *args: Any, **kwargs: Any) -> None:
    """Send ``task(*args, **kwargs)`` after ``session`` commits; forget it if that work is rolled back."""
    _listen(session)
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append(_PendingSend(task, args, dict(kwargs), transaction))


def pending_sends(session: Session) -> int:
    """Return how many sends wait for ``session`` to commit."""
    return len(session.info.get(_PENDING, ()))


def _listen(session: Session) -> None:
    if session.info.get(_LISTENING):
        return
    event.listen(session, "after_commit", _after_commit)
    event.listen(session, "after_soft_rollback", _after_soft_rollback)
    event.listen(session, "after_transaction_end", _after_transaction_end)
    session.info[_LISTENING] = True


def _after_commit(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a SAVEPOINT is released; only the outermost
    # commit makes the work visible to others.
    if session.in_nested_transaction():
        return
    sends: list[_PendingSend] = session.info.pop(_PENDING, [])
    for send in sends:
        try:
            send.task.apply_async(args=send.args, kwargs=send.kwargs)
        except Exception:
            # The data is committed already: raising here would report a failure for work that
            # succeeded. Periodic jobs re-scan for work whose message never arrived.
            log.exception("could not send task %r after commit", getattr(send.task, "name", send.task))


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    # Fired for every rollback, a SAVEPOINT's included (unlike after_rollback, which does not say
    # which transaction ended): drop the sends asked for inside the part that was undone.
    sends: list[_PendingSend] = session.info.get(_PENDING, [])
    kept = [send for send in sends if not _inside(send.transaction, previous_transaction)]
    if kept:
        session.info[_PENDING] = kept
    else:
        session.info.pop(_PENDING, None)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without a commit (session closed, connection lost):
    # nothing requested in it may leak into the session's next transaction.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _inside(requested_in: SessionTransaction | None, ended: SessionTransaction) -> bool:
    if requested_in is None:
        return ended.parent is None
    current: SessionTransaction | None = requested_in
    while current is not None:
        if current is ended:
            return True
        current = current.parent
    return False
