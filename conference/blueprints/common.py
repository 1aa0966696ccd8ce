"""Helpers every blueprint uses: load an event, authorize, commit at the boundary."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash
from flask_login import current_user

from conference.extensions import db
from conference.models import Event
from conference.permissions import can
from conference.services import ServiceError


class ParticipantsOnly(Exception):
    """Rendered as the "visible to registered participants only" page (403)."""

    def __init__(self, event: Event):
        super().__init__(event.slug)
        self.event = event


def event_or_404(slug: str) -> Event:
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    return event


def authorize(action: str, obj=None) -> None:
    """Abort with 403 unless the current user may do ``action`` on ``obj``."""
    if not can(current_user, action, obj):
        abort(403)


def authorize_participant(action: str, event: Event, obj=None) -> None:
    """Like ``authorize``, but a refusal shows the participants-only page of ``event``."""
    if not can(current_user, action, event if obj is None else obj):
        raise ParticipantsOnly(event)


def form_errors_from(exc: ServiceError, form) -> None:
    """Show a service refusal next to its field when it names one, else as a flash."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")
