"""API tokens of an event and the paged reads the REST API answers with them.

A token is ``ct_`` and 43 URL-safe characters (256 random bits). It is shown once,
when it is made; only its SHA-256 is kept, with its first characters to tell tokens
apart in the list. Revoking sets ``revoked_at``, and every request looks the token up
again, so a revoked token fails on its very next request.

The reads page by id (keyset): each starts after the last id of the previous page, so
a page stays right while rows are added, and deep pages cost what the first one does.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from conference.enums import ApiScope
from conference.extensions import db
from conference.models import (
    ApiToken,
    CheckIn,
    Event,
    ProgramSession,
    Registration,
    SessionAttendance,
    User,
)
from conference.models.types import utcnow
from conference.permissions import can
from conference.services import ServiceError
from conference.services import registrations as registration_service

TOKEN_START = "ct_"
#: Characters of the token kept in clear to tell tokens apart ("ct_3F9aXq").
PREFIX_LENGTH = 10
NAME_LIMIT = 120
#: ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_STEP = timedelta(minutes=1)

SCOPE_LABELS = {
    ApiScope.events: _l("Event, taxonomy, ticket types and tracks"),
    ApiScope.registrations: _l("Registrations with profile basics and taxonomy"),
    ApiScope.sessions: _l("Sessions of the program"),
    ApiScope.attendance: _l("Check-ins and session attendance"),
    ApiScope.reports: _l("Topic popularity report"),
}


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _require_manager(actor: User, event: Event) -> None:
    if not can(actor, "integrations.manage", event):
        raise ServiceError("forbidden", gettext("Only the event's organizers manage API tokens."))


def create_token(
    actor: User, event: Event, name: str, scopes: Iterable[str]
) -> tuple[ApiToken, str]:
    """Make a token of ``event`` that reads ``scopes``; returns it with the secret,
    which is shown this once and never stored."""
    _require_manager(actor, event)
    name = (name or "").strip()
    if not name:
        raise ServiceError("name_required", gettext("Give the token a name."), "name")
    if len(name) > NAME_LIMIT:
        raise ServiceError(
            "name_too_long",
            gettext("At most %(limit)d characters.", limit=NAME_LIMIT),
            "name",
        )
    chosen = set(scopes)
    known = {scope.value for scope in ApiScope}
    if not chosen or not chosen <= known:
        raise ServiceError(
            "scopes_required", gettext("Choose at least one thing the token may read."), "scopes"
        )
    raw = TOKEN_START + secrets.token_urlsafe(32)
    token = ApiToken(
        event_id=event.id,
        name=name,
        prefix=raw[:PREFIX_LENGTH],
        token_hash=hash_token(raw),
        scopes=[scope.value for scope in ApiScope if scope.value in chosen],
        created_by_id=actor.id,
    )
    db.session.add(token)
    db.session.flush()
    return token, raw


def revoke_token(actor: User, token: ApiToken) -> None:
    """Revoke ``token`` for good; revoking it again changes nothing."""
    _require_manager(actor, token.event)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()


def tokens_of(event: Event) -> list[ApiToken]:
    """The event's tokens, live ones first, newest first within each."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.event_id == event.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id)
            .options(orm.joinedload(ApiToken.created_by))
        )
    )


def live_token(raw: str | None) -> ApiToken | None:
    """The live token whose secret is ``raw``; None for an unknown or revoked one."""
    if not raw or not raw.startswith(TOKEN_START):
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    return token if token is not None and token.is_active else None


def note_use(token: ApiToken, now: datetime | None = None) -> None:
    """Write when ``token`` was last used (at most once per ``LAST_USED_STEP``)."""
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_STEP:
        token.last_used_at = now
        db.session.flush()


def authenticate(raw: str | None, now: datetime | None = None) -> ApiToken | None:
    """``live_token``, with its last use noted."""
    token = live_token(raw)
    if token is not None:
        note_use(token, now)
    return token


# --- paged reads ---------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """Rows of one page and the cursor of the next (None on the last page)."""

    items: list
    next_cursor: str | None


def _keyset(query: sa.Select, id_column, after: int, limit: int) -> Page:
    ordered = query.where(id_column > after).order_by(None).order_by(id_column)
    rows = list(db.session.scalars(ordered.limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, str(rows[-1].id) if more else None)


def registrations_page(event: Event, after: int, limit: int) -> Page:
    """Registrations of every status, with person, ticket type, taxonomy and interests."""
    query = registration_service.with_details(
        registration_service.filtered(event, registration_service.RegistrationFilters())
    ).options(orm.joinedload(Registration.user).joinedload(User.profile))
    return _keyset(query, Registration.id, after, limit)


def sessions_page(event: Event, after: int, limit: int) -> Page:
    """Sessions, drafts included, with room, track, speakers and topics."""
    query = (
        sa.select(ProgramSession)
        .where(ProgramSession.event_id == event.id)
        .options(
            orm.joinedload(ProgramSession.room),
            orm.joinedload(ProgramSession.track),
            orm.selectinload(ProgramSession.speakers),
            orm.selectinload(ProgramSession.topics),
        )
    )
    return _keyset(query, ProgramSession.id, after, limit)


@dataclass(frozen=True)
class Attendance:
    """Where one registration was: admitted at the entrance, scanned into sessions."""

    id: int
    check_in: CheckIn | None
    sessions: Sequence[SessionAttendance]


def attendance_page(event: Event, after: int, limit: int) -> Page:
    """Registrations with a check-in or a session attendance, each with all of both."""
    attended = sa.or_(
        sa.exists().where(CheckIn.registration_id == Registration.id),
        sa.exists().where(SessionAttendance.registration_id == Registration.id),
    )
    ids = list(
        db.session.scalars(
            sa.select(Registration.id)
            .where(Registration.event_id == event.id, Registration.id > after, attended)
            .order_by(Registration.id)
            .limit(limit + 1)
        )
    )
    more = len(ids) > limit
    ids = ids[:limit]
    check_ins = {
        row.registration_id: row
        for row in db.session.scalars(sa.select(CheckIn).where(CheckIn.registration_id.in_(ids)))
    }
    sessions: dict[int, list[SessionAttendance]] = {}
    for row in db.session.scalars(
        sa.select(SessionAttendance)
        .where(SessionAttendance.registration_id.in_(ids))
        .order_by(SessionAttendance.attended_at, SessionAttendance.session_id)
    ):
        sessions.setdefault(row.registration_id, []).append(row)
    items = [Attendance(i, check_ins.get(i), sessions.get(i, [])) for i in ids]
    return Page(items, str(ids[-1]) if more else None)
