"""Counting the SQL statements code runs, for tests that hold a page or a service to a
fixed number of queries however much data there is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from conference.extensions import db

#: What counts as a query (not SAVEPOINT and RELEASE, which the test transactions add).
_QUERIES = {"SELECT", "INSERT", "UPDATE", "DELETE"}


@contextmanager
def recording() -> Iterator[list[str]]:
    """Collect the queries run on the app's engine inside the block, in order."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().split(None, 1)[0].upper() in _QUERIES:
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def count_statements(fn: Callable):
    """Run ``fn``; return its result and how many queries it ran."""
    with recording() as statements:
        result = fn()
    return result, len(statements)


def count_queries(client, url: str) -> int:
    """How many queries a GET of ``url`` runs (it must answer 200)."""
    with recording() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)
