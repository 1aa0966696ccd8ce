"""Loading what an organizer's view works on: the managed event and rows of that event.

A row of another event is answered like a row that does not exist (404), so an
organizer of one event learns nothing about another event's ids.
"""

from __future__ import annotations

from flask import abort, request

from conference.blueprints.common import authorize, event_or_404
from conference.extensions import db
from conference.models import Event


def managed_event(slug: str, action: str = "event.manage") -> Event:
    """The event of the address, on which the current user must be allowed ``action``
    (``event.manage`` for its settings, ``program.manage`` for its program)."""
    event = event_or_404(slug)
    authorize(action, event)
    return event


def event_row_or_404(model, event: Event, row_id: int | None):
    """The ``model`` row with ``row_id``, which must belong to ``event``."""
    row = db.session.get(model, row_id) if row_id is not None else None
    if row is None or row.event_id != event.id:
        abort(404)
    return row


def posted_row_or_404(model, event: Event, field: str):
    """The ``model`` row whose id is posted as ``field``; it must belong to ``event``."""
    return event_row_or_404(model, event, request.form.get(field, type=int))


def posted_direction() -> int:
    """-1 when the "up" button was pressed, +1 for "down"."""
    return -1 if request.form.get("action") == "up" else 1
