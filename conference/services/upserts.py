"""``INSERT ... ON CONFLICT`` on both databases the app runs on (PostgreSQL and SQLite
share the syntax, through their own SQLAlchemy dialect constructs)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from conference.extensions import db


def dialect_insert():
    """The ``insert`` construct of the session's database, which has ``on_conflict_*``."""
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
        db.session.get_bind().dialect.name
    ]


def insert_new(model: type, values: dict, key: list[str]):
    """Insert one row unless one with the same ``key`` exists; return it, or None.

    ``ON CONFLICT DO NOTHING`` waits for a concurrent insert of the same key to finish
    and then skips, so racing writers never raise and never leave the transaction broken.
    """
    statement = dialect_insert()(model).values(**values).on_conflict_do_nothing(index_elements=key)
    return db.session.scalar(statement.returning(model))
