"""Badges: the codes their QR codes carry, whom they show as what, and (below) the
loading, printing and bulk generation of badge PDFs.

A QR code resolves only inside its own event: ``resolve`` is always given the event
the scanner works for and answers "another event's badge" for a code of any other,
without saying which.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from conference.enums import BadgeRole, EventRoleKind, ScanOutcome
from conference.extensions import db
from conference.models import BadgeCode, Event, Registration
from conference.models.badges import QR_PREFIX
from conference.models.types import utcnow

#: A person with several roles shows as the first of these they hold.
_ROLE_ORDER = (
    (EventRoleKind.organizer, BadgeRole.organizer),
    (EventRoleKind.speaker, BadgeRole.speaker),
    (EventRoleKind.sponsor_staff, BadgeRole.sponsor),
    (EventRoleKind.checkin_staff, BadgeRole.staff),
    (EventRoleKind.moderator, BadgeRole.staff),
)


def badge_role(roles) -> BadgeRole:
    """What a badge shows someone holding ``roles`` (event role kinds) as."""
    held = set(roles)
    for kind, role in _ROLE_ORDER:
        if kind in held:
            return role
    return BadgeRole.attendee


def live_code(registration: Registration) -> BadgeCode:
    """The registration's current badge code, issued now if it has none."""
    code = db.session.scalar(
        sa.select(BadgeCode).where(
            BadgeCode.registration_id == registration.id, BadgeCode.revoked_at.is_(None)
        )
    )
    if code is None:
        code = BadgeCode(event_id=registration.event_id, registration_id=registration.id)
        db.session.add(code)
        db.session.flush()
    return code


def issue_missing_codes(event: Event, registration_ids: list[int]) -> dict[int, BadgeCode]:
    """Live codes for many registrations of ``event`` at once, issuing those missing."""
    codes: dict[int, BadgeCode] = {}
    for start in range(0, len(registration_ids), 500):
        chunk = registration_ids[start : start + 500]
        for code in db.session.scalars(
            sa.select(BadgeCode).where(
                BadgeCode.registration_id.in_(chunk), BadgeCode.revoked_at.is_(None)
            )
        ):
            codes[code.registration_id] = code
    missing = [rid for rid in registration_ids if rid not in codes]
    for rid in missing:
        codes[rid] = BadgeCode(event_id=event.id, registration_id=rid)
    db.session.add_all(codes[rid] for rid in missing)
    db.session.flush()
    return codes


def reissue(registration: Registration) -> BadgeCode:
    """Revoke the registration's current code (scans of it answer "revoked" from now on)
    and issue a new one; the old printed badge stops working at once."""
    db.session.execute(
        sa.update(BadgeCode)
        .where(BadgeCode.registration_id == registration.id, BadgeCode.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    code = BadgeCode(event_id=registration.event_id, registration_id=registration.id)
    db.session.add(code)
    db.session.flush()
    return code


def parse_payload(payload: str) -> str:
    """The token in what a scanner read: the QR payload ``B1:<token>`` or a bare token,
    as typed or read, in any case and with stray whitespace."""
    text = (payload or "").strip().upper()
    if text.startswith(QR_PREFIX):
        text = text[len(QR_PREFIX) :]
    return text


@dataclass(frozen=True)
class Resolved:
    """What a scanned code is inside one event: its registration when it is this
    event's live code, else why not (``revoked``, ``other_event`` or ``unknown``)."""

    outcome: ScanOutcome
    registration: Registration | None = None


def resolve(event: Event, payload: str) -> Resolved:
    """Look a scanned payload up for a scanner working for ``event``."""
    token = parse_payload(payload)
    if not token or len(token) > 32:
        return Resolved(ScanOutcome.unknown)
    code = db.session.scalar(sa.select(BadgeCode).where(BadgeCode.token == token))
    if code is None:
        return Resolved(ScanOutcome.unknown)
    if code.event_id != event.id:
        return Resolved(ScanOutcome.other_event)
    if code.revoked_at is not None:
        return Resolved(ScanOutcome.revoked, code.registration)
    return Resolved(ScanOutcome.ok, code.registration)
