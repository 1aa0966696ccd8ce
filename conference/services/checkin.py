"""Check-in: admitting people at the entrance, counting them out, recording who
attended which session, walk-ins at the desk, the offline list and the dashboard.

Every scan (a QR code read, or a person picked from a name search) goes through
``settle``: the code is resolved inside the scanner's event only
(``services.badges.resolve``), the registration's status is checked, the action is
applied, and a ``Scan`` row records the answer under the device's own id for the
scan. So:

- a resent scan (same scanner, same ``client_scan_id``) gets the first answer back
  and changes nothing (a device that lost its connection mid-request, or that syncs
  a queue twice);
- two devices admitting the same person at once record one check-in: the
  ``CheckIn`` primary key lets one insert win, the other's SAVEPOINT is rolled back
  and it answers "already checked in at … by …"; check-out and re-entry are
  conditional UPDATEs whose row count says which device won;
- session attendance is one ``SessionAttendance`` row per person and session, won
  the same way.

A first admission and a first attendance each write an ``Activity`` row for reports.
Every committed change pings the event's check-in room (``checkin_room``) so open
dashboards refresh; the ping carries no personal data.

What a scanner learns about the person is decided by who scans (``scan_view``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask_babel import format_date, get_locale, gettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from conference.enums import (
    ActivityKind,
    RegistrationStatus,
    ScanAction,
    ScanOutcome,
    WebhookEventKind,
)
from conference.extensions import db, socketio
from conference.models import (
    BadgeCode,
    Event,
    ProgramSession,
    Registration,
    TicketType,
    User,
)
from conference.models.checkin import CheckIn, Scan, SessionAttendance
from conference.models.types import utcnow
from conference.permissions import can
from conference.services import (
    ServiceError,
    accounts,
    activity,
    aftercommit,
    badges,
    webhooks,
)
from conference.services import registrations as registrations_service
from conference.services.program import clock, event_days, utc_to_local
from conference.services.search import apply_search_keys

#: Longest text a scanner may send as a code (a QR payload is ``B1:`` + 26 characters;
#: anything much longer is not a badge).
PAYLOAD_MAX = 200
CLIENT_SCAN_ID_MAX = 64
#: Most scans one sync request settles; a device with more sends several.
SYNC_MAX = 500
SEARCH_LIMIT = 20
#: How far in the future a device's clock may be before its time is not believed.
CLOCK_SKEW = timedelta(minutes=5)
#: Width of one bar of "check-ins over time".
BUCKET = timedelta(minutes=15)
NAME_MAX = 120

GREEN = frozenset({ScanOutcome.ok})


def checkin_room(event_id: int) -> str:
    """The Socket.IO room of an event's check-in dashboards (built on the server only)."""
    return f"checkin:{event_id}"


def _ping_dashboards(event: Event, action: ScanAction) -> None:
    aftercommit.on_commit(
        functools.partial(
            socketio.emit,
            "checkin_changed",
            {"action": action.value},
            to=checkin_room(event.id),
        )
    )


# --- what a scanner learns -----------------------------------------------------------


def scan_view(scanner: User, registration: Registration) -> dict:
    """What ``scanner`` may see of the person whose badge they scanned.

    Check-in staff and organizers see what the door needs: name, company, job title,
    ticket type, status and the organizer's note. Anyone else learns nothing here;
    scanners with other purposes (a sponsor's lead scanning) add their own branch.
    """
    if not can(scanner, "checkin.scan", registration.event):
        return {}
    person = registration.user
    return {
        "registration_id": registration.id,
        "name": person.display_name,
        "company": person.profile.company,
        "job_title": person.profile.job_title,
        "ticket_type": registration.ticket_type.name if registration.ticket_type else "",
        "status": registration.status.value,
        "status_label": registrations_service.status_label(registration.status),
        "note": registration.organizer_note,
    }


# --- scanning --------------------------------------------------------------------------


@dataclass
class ScanResult:
    """The server's answer to one scan."""

    outcome: ScanOutcome
    action: ScanAction
    #: For people: why it is red, or what happened when green.
    message: str
    #: What the scanner may see of the person (``scan_view``); empty when unresolved.
    person: dict = field(default_factory=dict)
    client_scan_id: str = ""
    #: False when this answers a scan the server had already settled (a resend).
    recorded: bool = True
    #: Back in after a check-out (green, but worth saying).
    reentry: bool = False
    #: Attendance: people in the session now, and its capacity (None: unknown).
    attendance: int | None = None
    capacity: int | None = None

    @property
    def green(self) -> bool:
        return self.outcome in GREEN

    def as_json(self) -> dict:
        return {
            "outcome": self.outcome.value,
            "action": self.action.value,
            "green": self.green,
            "message": self.message,
            "person": self.person,
            "client_scan_id": self.client_scan_id,
            "recorded": self.recorded,
            "reentry": self.reentry,
            "attendance": self.attendance,
            "capacity": self.capacity,
        }


def _clean_client_scan_id(value: str | None) -> str:
    if value is None or value == "":
        return uuid.uuid4().hex
    text = value.strip()
    if not text or len(text) > CLIENT_SCAN_ID_MAX:
        raise ServiceError("invalid", gettext("This scan's id is not valid."), "client_scan_id")
    return text


def _scan_time(scanned_at: datetime | None) -> datetime:
    """When the scan was made: the device's clock for queued scans, never the future."""
    now = utcnow()
    if scanned_at is None:
        return now
    if scanned_at.tzinfo is None:
        scanned_at = scanned_at.replace(tzinfo=UTC)
    if scanned_at > now + CLOCK_SKEW:
        return now
    return min(scanned_at.astimezone(UTC), now)


def _name_of(user_id: int | None) -> str:
    if user_id is None:
        return gettext("someone")
    user = db.session.get(User, user_id)
    return user.display_name if user is not None else gettext("someone")


def session_of(event: Event, session_id: int | None) -> ProgramSession | None:
    """The event's session with ``session_id`` (None for another event's or none)."""
    if session_id is None:
        return None
    found = db.session.get(ProgramSession, session_id)
    return found if found is not None and found.event_id == event.id else None


def session_capacity(session: ProgramSession) -> int | None:
    """The session's own capacity, else its room's."""
    if session.capacity is not None:
        return session.capacity
    return session.room.capacity if session.room is not None else None


def _attendance_count(session: ProgramSession) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(SessionAttendance.session_id == session.id)
    )


def _status_refusal(registration: Registration) -> ScanOutcome | None:
    if registration.status == RegistrationStatus.cancelled:
        return ScanOutcome.cancelled
    if registration.status != RegistrationStatus.approved:
        return ScanOutcome.not_approved
    return None


def _check_in(event: Event, scanner: User, registration: Registration, at: datetime):
    """Admit ``registration``; returns (outcome, reentry)."""
    try:
        with db.session.begin_nested():
            db.session.add(
                CheckIn(
                    registration_id=registration.id,
                    event_id=event.id,
                    checked_in_at=at,
                    checked_in_by_id=scanner.id,
                )
            )
    except IntegrityError:
        # Someone else admitted this person first (maybe a moment ago on another
        # device): back in after a check-out, or already inside.
        back_in = db.session.execute(
            sa.update(CheckIn)
            .where(
                CheckIn.registration_id == registration.id,
                CheckIn.checked_out_at.is_not(None),
            )
            .values(checked_out_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        return (ScanOutcome.ok, True) if back_in else (ScanOutcome.already, False)
    activity.record(registration.user, event, ActivityKind.check_in)
    webhooks.emit_registration(WebhookEventKind.checked_in, registration, checked_in_at=at)
    return ScanOutcome.ok, False


def _check_out(registration: Registration, at: datetime) -> ScanOutcome:
    out = db.session.execute(
        sa.update(CheckIn)
        .where(CheckIn.registration_id == registration.id, CheckIn.checked_out_at.is_(None))
        .values(checked_out_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount
    return ScanOutcome.ok if out else ScanOutcome.not_inside


def _attend(
    event: Event, scanner: User, registration: Registration, session: ProgramSession, at: datetime
) -> ScanOutcome:
    try:
        with db.session.begin_nested():
            db.session.add(
                SessionAttendance(
                    session_id=session.id,
                    registration_id=registration.id,
                    event_id=event.id,
                    attended_at=at,
                    recorded_by_id=scanner.id,
                )
            )
    except IntegrityError:
        return ScanOutcome.already
    activity.record(registration.user, event, ActivityKind.attendance, session=session)
    return ScanOutcome.ok


def _message(
    event: Event,
    outcome: ScanOutcome,
    action: ScanAction,
    registration: Registration | None,
    session: ProgramSession | None,
    reentry: bool,
) -> str:
    """The sentence the scanner shows under the big colour."""
    if outcome == ScanOutcome.ok:
        if action == ScanAction.check_out:
            return gettext("Checked out.")
        if action == ScanAction.attend and session is not None:
            return gettext("Attending “%(session)s”.", session=session.title)
        return gettext("Welcome back.") if reentry else gettext("Checked in.")
    if outcome == ScanOutcome.already:
        if action == ScanAction.attend and session is not None and registration is not None:
            row = db.session.get(SessionAttendance, (session.id, registration.id))
            if row is not None:
                return gettext(
                    "Already recorded in this session at %(time)s by %(name)s.",
                    time=clock(event, row.attended_at),
                    name=_name_of(row.recorded_by_id),
                )
        if registration is not None:
            row = db.session.get(CheckIn, registration.id)
            if row is not None:
                return gettext(
                    "Already checked in at %(time)s by %(name)s.",
                    time=clock(event, row.checked_in_at),
                    name=_name_of(row.checked_in_by_id),
                )
        return gettext("Already checked in.")
    return {
        ScanOutcome.not_approved: gettext("Not approved: this registration is not confirmed."),
        ScanOutcome.cancelled: gettext("Cancelled: this registration was cancelled."),
        ScanOutcome.other_event: gettext("This badge belongs to another event."),
        ScanOutcome.revoked: gettext("Revoked: this badge was replaced by a newer one."),
        ScanOutcome.unknown: gettext("Unknown code: this is not one of our badges."),
        ScanOutcome.not_inside: gettext("Not inside: this person is not checked in."),
    }[outcome]


def _answer(
    event: Event,
    scanner: User,
    scan_row: Scan,
    registration: Registration | None,
    session: ProgramSession | None,
    *,
    recorded: bool,
    reentry: bool = False,
) -> ScanResult:
    result = ScanResult(
        outcome=scan_row.outcome,
        action=scan_row.action,
        message=_message(event, scan_row.outcome, scan_row.action, registration, session, reentry),
        person=scan_view(scanner, registration) if registration is not None else {},
        client_scan_id=scan_row.client_scan_id,
        recorded=recorded,
        reentry=reentry,
    )
    if session is not None:
        result.attendance = _attendance_count(session)
        result.capacity = session_capacity(session)
    return result


def _earlier_scan(scanner: User, client_scan_id: str) -> Scan | None:
    return db.session.scalar(
        sa.select(Scan).where(
            Scan.scanned_by_id == scanner.id, Scan.client_scan_id == client_scan_id
        )
    )


def _replay(event: Event, scanner: User, earlier: Scan) -> ScanResult:
    registration = (
        db.session.get(Registration, earlier.registration_id) if earlier.registration_id else None
    )
    return _answer(
        event,
        scanner,
        earlier,
        registration,
        session_of(event, earlier.session_id),
        recorded=False,
    )


def _settle(
    event: Event,
    scanner: User,
    action: ScanAction,
    *,
    resolved: badges.Resolved,
    session: ProgramSession | None,
    client_scan_id: str | None,
    scanned_at: datetime | None,
    offline_outcome: str | None,
) -> ScanResult:
    if action == ScanAction.attend and session is None:
        raise ServiceError("session_required", gettext("Choose the session first."), "session")
    scan_id = _clean_client_scan_id(client_scan_id)
    earlier = _earlier_scan(scanner, scan_id)
    if earlier is not None:
        return _replay(event, scanner, earlier)
    at = _scan_time(scanned_at)
    registration = resolved.registration
    try:
        with db.session.begin_nested():
            outcome, reentry = resolved.outcome, False
            if outcome == ScanOutcome.ok:
                outcome = _status_refusal(registration) or ScanOutcome.ok
            if outcome == ScanOutcome.ok:
                if action == ScanAction.check_in:
                    outcome, reentry = _check_in(event, scanner, registration, at)
                elif action == ScanAction.check_out:
                    outcome = _check_out(registration, at)
                else:
                    outcome = _attend(event, scanner, registration, session, at)
            row = Scan(
                event_id=event.id,
                registration_id=registration.id if registration is not None else None,
                session_id=session.id if session is not None else None,
                action=action,
                outcome=outcome,
                scanned_by_id=scanner.id,
                client_scan_id=scan_id,
                offline_outcome=offline_outcome[:20] if offline_outcome else None,
                scanned_at=at,
            )
            db.session.add(row)
    except IntegrityError:
        # The same scan arrived twice at once (a device retrying): the first one won.
        earlier = _earlier_scan(scanner, scan_id)
        if earlier is None:
            raise
        return _replay(event, scanner, earlier)
    if outcome == ScanOutcome.ok:
        _ping_dashboards(event, action)
    return _answer(event, scanner, row, registration, session, recorded=True, reentry=reentry)


def scan(
    event: Event,
    scanner: User,
    payload: str,
    action: ScanAction,
    session: ProgramSession | None = None,
    client_scan_id: str | None = None,
    scanned_at: datetime | None = None,
    offline_outcome: str | None = None,
) -> ScanResult:
    """Settle one scanned code for ``scanner`` working at ``event``.

    Red: another event's badge, a revoked or unknown code, a registration that is
    not approved or was cancelled, someone already checked in (or already in the
    session), or, checking out, someone not inside. Green: admitted, back in after a
    check-out, checked out, or recorded in the session.

    Side effects: writes a ``Scan`` row; on green a ``CheckIn`` (first admission,
    with an ``Activity`` and webhooks told ``registration.checked_in``), its
    check-out time, or a ``SessionAttendance`` (with an ``Activity``); pings the
    event's dashboards once committed. A resend of a settled ``client_scan_id``
    writes nothing and returns the first answer.
    """
    if len(payload or "") > PAYLOAD_MAX:
        resolved = badges.Resolved(ScanOutcome.unknown)
    else:
        resolved = badges.resolve(event, payload)
    return _settle(
        event,
        scanner,
        action,
        resolved=resolved,
        session=session,
        client_scan_id=client_scan_id,
        scanned_at=scanned_at,
        offline_outcome=offline_outcome,
    )


def pick(
    event: Event,
    scanner: User,
    registration_id: int,
    action: ScanAction,
    session: ProgramSession | None = None,
    client_scan_id: str | None = None,
) -> ScanResult:
    """Like ``scan`` for a person picked from the name search instead of a badge."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise ServiceError("not_found", gettext("This person is not registered for this event."))
    return _settle(
        event,
        scanner,
        action,
        resolved=badges.Resolved(ScanOutcome.ok, registration),
        session=session,
        client_scan_id=client_scan_id,
        scanned_at=None,
        offline_outcome=None,
    )


# --- searching by name -------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A registration found by name, with where it stands at the door."""

    registration: Registration
    checked_in_at: datetime | None
    checked_out_at: datetime | None

    @property
    def inside(self) -> bool:
        return self.checked_in_at is not None and self.checked_out_at is None


def search(event: Event, text: str, limit: int = SEARCH_LIMIT) -> list[Found]:
    """Registrations of ``event`` whose name, company, job title or email contains
    ``text`` (any script; see ``registrations.filtered``), approved first, by name."""
    text = (text or "").strip()
    if not text:
        return []
    query = (
        registrations_service.filtered(
            event, registrations_service.RegistrationFilters(q=text[:NAME_MAX])
        )
        .order_by(None)
        .order_by(
            (Registration.status != RegistrationStatus.approved),
            Registration.sort_name,
            Registration.id,
        )
        .options(
            joinedload(Registration.user).joinedload(User.profile),
            joinedload(Registration.ticket_type),
        )
        .limit(limit)
    )
    return _with_states(db.session.scalars(query).unique().all())


def found_one(event: Event, registration_id: int) -> Found | None:
    """The event's registration with ``registration_id`` and where it stands."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        return None
    return _with_states([registration])[0]


def _with_states(found: Sequence[Registration]) -> list[Found]:
    states = {
        row.registration_id: row
        for row in db.session.scalars(
            sa.select(CheckIn).where(CheckIn.registration_id.in_([r.id for r in found]))
        )
    }
    return [
        Found(
            r,
            states[r.id].checked_in_at if r.id in states else None,
            states[r.id].checked_out_at if r.id in states else None,
        )
        for r in found
    ]


def found_json(event: Event, scanner: User, found: Found) -> dict:
    return {
        **scan_view(scanner, found.registration),
        "checked_in_at": clock(event, found.checked_in_at) if found.checked_in_at else None,
        "inside": found.inside,
    }


# --- walk-ins -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WalkIn:
    registration: Registration
    #: False when the person was already registered and approved (found, not created).
    created: bool


def walk_in(
    actor: User, event: Event, *, name: str, email: str, ticket_type_id: int | None
) -> WalkIn:
    """Register someone at the desk: an approved registration for the person with
    ``email`` (an account is created for a new address; they set a password through
    "forgot password"). Someone already approved is found, not registered twice;
    someone whose registration is pending or was declined is for the organizers.

    Side effects: may create the account (with its empty profile); writes the
    registration through ``registrations.update_by_organizer`` (ticket place taken,
    "You are in" email once committed; webhooks told ``registration.created`` for a new
    registration and ``registration.approved``). Does not check the person in.
    """
    name = (name or "").strip()
    if not name:
        raise ServiceError("required", gettext("Enter the person's name."), "name")
    if len(name) > NAME_MAX:
        raise ServiceError(
            "too_long", gettext("Please use at most %(limit)d characters.", limit=NAME_MAX), "name"
        )
    address = accounts.normalize_email(email or "")
    if "@" not in address or len(address) > 254 or any(c.isspace() for c in address):
        raise ServiceError("invalid_email", gettext("Enter a valid email address."), "email")
    person = accounts.find_by_email(address)
    registration = (
        registrations_service.registration_of(person, event) if person is not None else None
    )
    if registration is not None:
        if registration.status == RegistrationStatus.approved:
            return WalkIn(registration, created=False)
        if registration.status in (RegistrationStatus.pending, RegistrationStatus.declined):
            raise ServiceError(
                "needs_organizer",
                gettext(
                    "%(name)s has a pending or declined registration: only the "
                    "organizers can approve it.",
                    name=person.display_name,
                ),
                "email",
            )
    if event.ticket_types and ticket_type_id is None:
        raise ServiceError("required", gettext("Choose a ticket."), "ticket_type")
    try:
        # Another desk may register the same address at the same moment: the unique
        # email and registration keys settle it, and this desk is told to look them up.
        with db.session.begin_nested():
            if person is None:
                person = accounts.create_user(address, secrets.token_urlsafe(32), name)
            if registration is None:
                registration = Registration(
                    event_id=event.id, user_id=person.id, status=RegistrationStatus.pending
                )
                apply_search_keys(registration, person)
                db.session.add(registration)
                db.session.flush()
                webhooks.emit_registration(WebhookEventKind.registration_created, registration)
    except IntegrityError:
        raise ServiceError(
            "just_registered",
            gettext("This address was registered at another desk just now: find them by name."),
            "email",
        ) from None
    registrations_service.update_by_organizer(
        actor,
        event,
        registration,
        status=RegistrationStatus.approved,
        ticket_type_id=ticket_type_id,
        industry_id=registration.industry_id,
        region_id=registration.region_id,
        job_role_id=registration.job_role_id,
        interest_ids=[t.id for t in registration.interests],
        organizer_note=registration.organizer_note,
    )
    return WalkIn(registration, created=True)


# --- offline ----------------------------------------------------------------------------------


def snapshot(event: Event) -> dict:
    """Everything a device needs to answer scans while offline: every live code of the
    event with whose it is (name, company, ticket type, status, note) and whether they
    are inside, plus the revoked codes. ``version`` changes whenever any of it does.
    """
    checkins = {
        row.registration_id: row
        for row in db.session.scalars(sa.select(CheckIn).where(CheckIn.event_id == event.id))
    }
    rows = db.session.execute(
        sa.select(BadgeCode.token, BadgeCode.revoked_at, Registration)
        .join(Registration, BadgeCode.registration_id == Registration.id)
        .where(BadgeCode.event_id == event.id)
        .options(
            joinedload(Registration.user).joinedload(User.profile),
            joinedload(Registration.ticket_type),
        )
        .order_by(BadgeCode.id)
    ).all()
    codes: dict[str, dict] = {}
    revoked: list[str] = []
    for token, revoked_at, registration in rows:
        if revoked_at is not None:
            revoked.append(token)
            continue
        state = checkins.get(registration.id)
        codes[token] = {
            "registration_id": registration.id,
            "name": registration.user.display_name,
            "company": registration.user.profile.company,
            "ticket_type": registration.ticket_type.name if registration.ticket_type else "",
            "status": registration.status.value,
            "status_label": registrations_service.status_label(registration.status),
            "note": registration.organizer_note,
            "checked_in_at": state.checked_in_at.isoformat() if state else None,
            "checked_in_clock": clock(event, state.checked_in_at) if state else None,
            "inside": bool(state and state.checked_out_at is None),
        }
    body = {"event": event.slug, "codes": codes, "revoked": revoked}
    version = hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()[:16]
    return {**body, "version": version, "generated_at": utcnow().isoformat()}


@dataclass(frozen=True)
class QueuedScan:
    """One scan a device made while offline and sends now."""

    client_scan_id: str
    action: ScanAction
    scanned_at: datetime
    #: What the device showed ("ok", "already", "unknown", ...).
    offline_outcome: str
    payload: str = ""
    registration_id: int | None = None
    session_id: int | None = None


def sync(event: Event, scanner: User, scans: Sequence[QueuedScan]) -> list[dict]:
    """Settle a device's queued scans in the order they were made; for each, the
    server's answer and whether it differs from what the device showed offline.

    Side effects: those of ``scan`` for each; resent scans change nothing.
    """
    if len(scans) > SYNC_MAX:
        raise ServiceError("too_many", gettext("Send at most %(num)d scans at once.", num=SYNC_MAX))
    answers = []
    for queued in sorted(scans, key=lambda s: _scan_time(s.scanned_at)):
        try:
            result = _settle_queued(event, scanner, queued)
        except ServiceError as exc:
            # One scan the server cannot settle (its session was deleted meanwhile)
            # must not hold back the rest of the queue.
            answers.append(
                _refused(queued.client_scan_id, exc.code, exc.message, queued.offline_outcome)
            )
            continue
        answers.append(
            {
                **result.as_json(),
                "offline_outcome": queued.offline_outcome,
                "differs": result.outcome.value != queued.offline_outcome,
            }
        )
    return answers


def _refused(
    client_scan_id: str | None, outcome: str, message: str, offline_outcome: str | None
) -> dict:
    """A red answer for a queued scan the server could not settle."""
    return {
        "client_scan_id": client_scan_id,
        "outcome": outcome,
        "green": False,
        "message": message,
        "person": {},
        "offline_outcome": offline_outcome,
        "differs": offline_outcome != outcome,
    }


def refused_queued_scan(raw: dict, why: str) -> dict:
    """The answer for a queued scan that is not a scan at all (say a long QR code that
    is no badge): refused on its own, so the device drops it from its queue."""
    client_scan_id = raw.get("client_scan_id")
    offline_outcome = raw.get("offline_outcome")
    return _refused(
        client_scan_id if isinstance(client_scan_id, str) else None,
        ScanOutcome.unknown.value,
        why,
        offline_outcome if isinstance(offline_outcome, str) else None,
    )


def _settle_queued(event: Event, scanner: User, queued: QueuedScan) -> ScanResult:
    session = session_of(event, queued.session_id)
    if queued.registration_id is not None:
        registration = db.session.get(Registration, queued.registration_id)
        resolved = (
            badges.Resolved(ScanOutcome.ok, registration)
            if registration is not None and registration.event_id == event.id
            else badges.Resolved(ScanOutcome.unknown)
        )
        return _settle(
            event,
            scanner,
            queued.action,
            resolved=resolved,
            session=session,
            client_scan_id=queued.client_scan_id,
            scanned_at=queued.scanned_at,
            offline_outcome=queued.offline_outcome,
        )
    return scan(
        event,
        scanner,
        queued.payload,
        queued.action,
        session=session,
        client_scan_id=queued.client_scan_id,
        scanned_at=queued.scanned_at,
        offline_outcome=queued.offline_outcome,
    )


# --- the dashboard -----------------------------------------------------------------------------


def sessions_for_attendance(event: Event) -> list[ProgramSession]:
    """The event's sessions a scanner can be set to, in time order."""
    return db.session.scalars(
        sa.select(ProgramSession)
        .where(ProgramSession.event_id == event.id)
        .options(joinedload(ProgramSession.room))
        .order_by(ProgramSession.starts_at, ProgramSession.id)
    ).all()


def dashboard_day(event: Event, times: Iterable[datetime] = ()) -> date:
    """The day the dashboard shows unless asked for another: today (in the event's
    zone) while the event runs or when anyone was checked in today (a desk trying its
    scanners the day before), else the event's nearest day."""
    days = event_days(event)
    today = utc_to_local(event, utcnow()).date()
    if today in days or not days or any(utc_to_local(event, t).date() == today for t in times):
        return today
    return days[-1] if today > days[-1] else days[0]


def _buckets(event: Event, times: Iterable[datetime], day: date) -> list[dict]:
    """Check-ins per quarter hour on ``day`` (event zone), first to last, gaps included."""
    counts: dict[datetime, int] = {}
    for at in times:
        if utc_to_local(event, at).date() != day:
            continue
        start = at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)
        counts[start] = counts.get(start, 0) + 1
    if not counts:
        return []
    out = []
    step = min(counts)
    while step <= max(counts):
        out.append({"at": clock(event, step), "count": counts.get(step, 0)})
        step += BUCKET
    return out


def dashboard(event: Event, day: date | None = None) -> dict:
    """The check-in dashboard's numbers, JSON-ready (times in the event's zone): totals
    for the whole event; check-ins over time and session attendance for one day
    (``dashboard_day`` unless ``day`` is given)."""
    approved = RegistrationStatus.approved
    registered = dict(
        db.session.execute(
            sa.select(Registration.ticket_type_id, sa.func.count())
            .where(Registration.event_id == event.id, Registration.status == approved)
            .group_by(Registration.ticket_type_id)
        ).all()
    )
    checked = dict(
        db.session.execute(
            sa.select(Registration.ticket_type_id, sa.func.count())
            .join(CheckIn, CheckIn.registration_id == Registration.id)
            .where(Registration.event_id == event.id, Registration.status == approved)
            .group_by(Registration.ticket_type_id)
        ).all()
    )
    names = dict(
        db.session.execute(
            sa.select(TicketType.id, TicketType.name)
            .where(TicketType.event_id == event.id)
            .order_by(TicketType.position, TicketType.id)
        ).all()
    )
    ticket_rows = [
        {
            "ticket_type": name,
            "registered": registered.get(tid, 0),
            "checked_in": checked.get(tid, 0),
        }
        for tid, name in names.items()
    ]
    if registered.get(None) or checked.get(None):
        ticket_rows.append(
            {
                "ticket_type": gettext("No ticket type"),
                "registered": registered.get(None, 0),
                "checked_in": checked.get(None, 0),
            }
        )
    times = db.session.scalars(
        sa.select(CheckIn.checked_in_at).where(CheckIn.event_id == event.id)
    ).all()
    day = day or dashboard_day(event, times)
    inside = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CheckIn)
        .join(Registration, CheckIn.registration_id == Registration.id)
        .where(
            CheckIn.event_id == event.id,
            CheckIn.checked_out_at.is_(None),
            Registration.status == approved,
        )
    )
    attendance = dict(
        db.session.execute(
            sa.select(SessionAttendance.session_id, sa.func.count())
            .where(SessionAttendance.event_id == event.id)
            .group_by(SessionAttendance.session_id)
        ).all()
    )
    sessions = [
        {
            "id": s.id,
            "title": s.title,
            "starts": clock(event, s.starts_at),
            "day": utc_to_local(event, s.starts_at).date().isoformat(),
            "room": s.room.name if s.room else "",
            "attended": attendance.get(s.id, 0),
            "capacity": session_capacity(s),
        }
        for s in sessions_for_attendance(event)
        if utc_to_local(event, s.starts_at).date() == day
    ]
    recent = db.session.execute(
        sa.select(CheckIn.checked_in_at, User.display_name)
        .join(Registration, CheckIn.registration_id == Registration.id)
        .join(User, Registration.user_id == User.id)
        .where(CheckIn.event_id == event.id)
        .order_by(CheckIn.checked_in_at.desc())
        .limit(8)
    ).all()
    return {
        "registered": sum(registered.values()),
        "checked_in": sum(checked.values()),
        "inside": inside,
        "by_ticket_type": ticket_rows,
        "day": day.isoformat(),
        "day_label": format_date(day, "full"),
        "days": [
            {"day": d.isoformat(), "label": format_skeleton("MMMEd", d, locale=get_locale())}
            for d in sorted({*event_days(event), day})
        ],
        "over_time": _buckets(event, times, day),
        "sessions": sessions,
        "recent": [{"at": clock(event, at), "name": name} for at, name in recent],
    }
