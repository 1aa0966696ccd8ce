"""Work that must happen only once the database transaction has committed.

Emails, realtime emits and file clean-ups are side effects the world can see;
a service queues them with ``on_commit`` while it flushes its rows, and they
run right after the boundary commits. A rollback drops them (and runs what
was queued with ``on_rollback``, e.g. removing a file written too early).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import orm

from conference.extensions import db

_BEFORE = "conference.before_commit"
_COMMIT = "conference.on_commit"
_ROLLBACK = "conference.on_rollback"


def before_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` just before the current session's next commit, inside the
    transaction (it may still write rows); drop it on rollback."""
    db.session.info.setdefault(_BEFORE, []).append(callback)


def on_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` after the current session's next commit; drop it on rollback."""
    db.session.info.setdefault(_COMMIT, []).append(callback)


def on_rollback(callback: Callable[[], None]) -> None:
    """Run ``callback`` if the current session's transaction rolls back instead."""
    db.session.info.setdefault(_ROLLBACK, []).append(callback)


@sa.event.listens_for(orm.Session, "before_commit")
def _run_before_commit(session: orm.Session) -> None:
    if session.in_nested_transaction():
        return
    while session.info.get(_BEFORE):
        session.info[_BEFORE].pop(0)()


@sa.event.listens_for(orm.Session, "after_commit")
def _run_after_commit(session: orm.Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released; the real commit is still to come
    session.info.pop(_ROLLBACK, None)
    for callback in session.info.pop(_COMMIT, []):
        callback()


@sa.event.listens_for(orm.Session, "after_rollback")
def _run_after_rollback(session: orm.Session) -> None:
    if session.in_nested_transaction():
        return  # only a SAVEPOINT was rolled back; the transaction goes on
    session.info.pop(_BEFORE, None)
    session.info.pop(_COMMIT, None)
    for callback in session.info.pop(_ROLLBACK, []):
        callback()
