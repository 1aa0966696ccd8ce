"""An event's network after the event: what participants are told, what they did there,
and the email that warns them before it closes.

The rules themselves (who may still see, write or book what in each phase) live in
``conference.permissions`` (``network_phase``, ``networking_open`` and the rules built
on them); this module puts them into words and acts on the calendar:

- ``notice_for(event, user)``: the banner an event's pages show about its network
  (ended and open until a day, read-only directory, closed), or None;
- ``past_summaries(user, event_ids)``: per event, the sessions a person attended, the
  people they met in held meetings and the contacts they made there;
- ``closing_notice_job``: once a day, events whose network closes within
  ``CLOSING_NOTICE_DAYS`` get their notice (claimed with
  ``Event.network_closing_notice_at``), and ``send_closing_notices`` notifies each
  participant once, in their language, in batches. The notice is emailed as each
  person chose for the kind ``network`` (at once, by default; in their daily digest;
  or not at all for "in the app only"), and only to confirmed addresses.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import Message

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from huey import crontab

from conference import jobs
from conference.enums import (
    MeetingStatus,
    NetworkClosing,
    NetworkPhase,
    NotificationKind,
    RegistrationStatus,
)
from conference.extensions import db
from conference.models import (
    Contact,
    Event,
    EventRole,
    Meeting,
    Notification,
    ProgramSession,
    Registration,
    SessionAttendance,
    User,
)
from conference.models.types import utcnow
from conference.permissions import event_today, network_phase, standing
from conference.services import mail, notifications

#: How many days before the network closes its participants are told.
CLOSING_NOTICE_DAYS = 7

#: People told per batch of ``send_closing_notices`` (one commit each).
NOTICE_BATCH = 500

_CLOSING_SUBJECT = _l("%(event)s: its network closes on %(date)s")


def _now() -> datetime:
    """The present moment; ``app.config["CLOCK"]`` replaces it, as in ``permissions``."""
    return current_app.config.get("CLOCK", utcnow)()


# --- the banner -------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkNotice:
    """What an event's pages say about its network to one person."""

    phase: NetworkPhase
    #: The headline, one sentence.
    title: str
    #: What the person keeps and what is closed, one or more sentences.
    lines: list[str] = field(default_factory=list)
    #: Bootstrap contextual style of the banner.
    tone: str = "info"
    #: The person's contacts page, when the contacts pages are installed.
    contacts_url: str | None = None


def last_open_day(event: Event) -> date | None:
    """The last day the network is open after the event; None while open for good."""
    closes_on = event.network_closes_on
    return None if closes_on is None else closes_on - timedelta(days=1)


def _what_remains(event: Event) -> str:
    if event.network_closing == NetworkClosing.hidden:
        return _(
            "After that, the event's pages close to participants; you keep your contacts "
            "and your conversations with them."
        )
    return _(
        "After that, the program, materials, your agenda and the directory stay readable; "
        "you keep your contacts and your conversations with them."
    )


def notice_for(event: Event, user) -> NetworkNotice | None:
    """The banner about ``event``'s network for ``user``: nothing while the event runs or
    for someone who does not take part; otherwise what the phase leaves them."""
    here = standing(user, event)
    if not here.is_participant:
        return None
    phase = network_phase(event)
    if phase == NetworkPhase.live:
        return None
    if phase == NetworkPhase.after:
        until = last_open_day(event)
        if until is None:
            title = _("This event has ended. Its network stays open: keep in touch.")
        else:
            title = _(
                "This event has ended. Its network stays open until %(date)s.",
                date=format_date(until, "long"),
            )
        lines = []
        if event.network_directory_read_only:
            lines.append(
                _(
                    "The directory is read-only: you can message your contacts and the "
                    "people you already talk to, but no one new."
                )
            )
        else:
            lines.append(
                _(
                    "You can still message participants and connect with them; "
                    "registrations and meetings are closed."
                )
            )
        if until is not None:
            lines.append(_what_remains(event))
        return NetworkNotice(phase, title, lines, "info", contacts_url())
    closed_on = format_date(event.network_closes_on, "long")
    if event.network_closing == NetworkClosing.hidden:
        title = _("This event's network closed on %(date)s.", date=closed_on)
        lines = [_("You keep your contacts and your conversations with them.")]
        if here.is_organizer:
            lines.append(_("Participants no longer see the event's pages; you still do."))
        return NetworkNotice(phase, title, lines, "secondary", contacts_url())
    title = _(
        "This event's network closed on %(date)s. Everything here is read-only.", date=closed_on
    )
    lines = [
        _(
            "You keep your contacts and your conversations with them; other "
            "conversations of this event can be read but not answered."
        )
    ]
    return NetworkNotice(phase, title, lines, "secondary", contacts_url())


def status_line(event: Event) -> str:
    """Where ``event``'s network stands, in a few words, for lists of events."""
    phase = network_phase(event)
    if phase == NetworkPhase.live:
        return _("Happening now or coming up")
    if phase == NetworkPhase.after:
        until = last_open_day(event)
        if until is None:
            return _("Network open")
        return _("Network open until %(date)s", date=format_date(until, "long"))
    closed_on = format_date(event.network_closes_on, "long")
    if event.network_closing == NetworkClosing.hidden:
        return _("Network closed on %(date)s", date=closed_on)
    return _("Network closed on %(date)s; read-only", date=closed_on)


# --- what I did there ---------------------------------------------------------------------


@dataclass
class PastSummary:
    """What one person did at one past event."""

    sessions: list[ProgramSession] = field(default_factory=list)
    #: People met in meetings that took place, by name.
    met: list[User] = field(default_factory=list)
    #: People who became contacts there.
    contacts: list[User] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.sessions or self.met or self.contacts)


def past_summaries(user: User, event_ids: list[int]) -> dict[int, PastSummary]:
    """For each of ``event_ids``, what ``user`` did there: sessions they were scanned
    into, people of accepted meetings that ended, contacts made there. Three queries,
    whatever the number of events."""
    summaries = {event_id: PastSummary() for event_id in event_ids}
    if not event_ids:
        return summaries
    attended = db.session.execute(
        sa.select(SessionAttendance.event_id, ProgramSession)
        .join(Registration, Registration.id == SessionAttendance.registration_id)
        .join(ProgramSession, ProgramSession.id == SessionAttendance.session_id)
        .where(Registration.user_id == user.id, SessionAttendance.event_id.in_(event_ids))
        .order_by(ProgramSession.starts_at, ProgramSession.id)
    )
    for event_id, session in attended:
        summaries[event_id].sessions.append(session)
    other_id = sa.case(
        (Meeting.requester_id == user.id, Meeting.invitee_id), else_=Meeting.requester_id
    )
    met = db.session.execute(
        sa.select(Meeting.event_id, User)
        .join(User, User.id == other_id)
        .where(
            sa.or_(Meeting.requester_id == user.id, Meeting.invitee_id == user.id),
            Meeting.event_id.in_(event_ids),
            Meeting.status == MeetingStatus.accepted,
            Meeting.ends_at <= _now(),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    seen: dict[int, set[int]] = defaultdict(set)
    for event_id, person in met:
        if person.id not in seen[event_id]:
            seen[event_id].add(person.id)
            summaries[event_id].met.append(person)
    contacts = db.session.execute(
        sa.select(Contact.event_id, User)
        .join(User, User.id == Contact.person_id)
        .where(Contact.owner_id == user.id, Contact.event_id.in_(event_ids))
        .order_by(Contact.created_at, User.id)
    )
    for event_id, person in contacts:
        summaries[event_id].contacts.append(person)
    return summaries


# --- the closing notice -----------------------------------------------------------------------


def notice_due(event: Event, today: date | None = None) -> bool:
    """The network closes within ``CLOSING_NOTICE_DAYS`` and has not closed yet."""
    closes_on = event.network_closes_on
    if closes_on is None:
        return False
    today = today or event_today(event)
    return closes_on - timedelta(days=CLOSING_NOTICE_DAYS) <= today < closes_on


def _group_key(event: Event) -> str:
    """One notice per person and closing day: moving the day warrants a new one."""
    return f"network_closing:{event.id}:{event.network_closes_on.isoformat()}"


def start_closing_notices(today: date | None = None) -> list[int]:
    """Claim every event whose closing notice is due and not sent; return their ids.

    The claim is a conditional update of ``network_closing_notice_at``, so two runs
    never both start one event's notice. Side effects: writes that column; after commit
    enqueues ``send_closing_notices`` per event. Flushes.
    """
    # A notice is due from ``ends_on + 1 - CLOSING_NOTICE_DAYS`` at the earliest; a day
    # more covers every time zone.
    horizon = _now().date() + timedelta(days=CLOSING_NOTICE_DAYS + 1)
    candidates = db.session.scalars(
        sa.select(Event).where(
            Event.network_open_days.is_not(None),
            Event.network_closing_notice_at.is_(None),
            Event.ends_on <= horizon,
        )
    )
    started = []
    for event in candidates:
        if not notice_due(event, today):
            continue
        claimed = db.session.execute(
            sa.update(Event)
            .where(Event.id == event.id, Event.network_closing_notice_at.is_(None))
            .values(network_closing_notice_at=utcnow())
        ).rowcount
        if claimed:
            started.append(event.id)
            jobs.enqueue_after_commit(send_closing_notices, event.id)
    db.session.flush()
    return started


def _recipients(event: Event, after_id: int, limit: int) -> list[User]:
    """Participants (approved, or holding a role) not told of this closing day yet, in id
    order from ``after_id``. Unconfirmed addresses get the notice in the app only."""
    approved = sa.select(Registration.user_id).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.approved
    )
    staff = sa.select(EventRole.user_id).where(EventRole.event_id == event.id)
    told = sa.select(Notification.user_id).where(Notification.group_key == _group_key(event))
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                sa.or_(User.id.in_(approved), User.id.in_(staff)),
                User.id.not_in(told),
                User.id > after_id,
                User.deleted_at.is_(None),
                sa.not_(User.is_suspended),
            )
            .order_by(User.id)
            .limit(limit)
        )
    )


def _tell(event: Event, person: User) -> None:
    """Notify ``person`` (in their language) that the network closes; the notification
    centre emails it as they chose for ``network`` notices."""
    with mail.in_language(person.locale):
        closes = format_date(event.network_closes_on, "long")
        text = _(
            "The network of %(event)s closes on %(date)s. Keep in touch through your contacts.",
            event=event.name,
            date=closes,
        )
        email = False
        if person.is_verified:
            email = functools.partial(_closing_email, event, person, closes)
        notifications.notify(
            person.id,
            NotificationKind.network,
            text,
            url=url_for("events.landing", slug=event.slug, _external=False),
            event_id=event.id,
            group_key=_group_key(event),
            email=email,
        )


def _closing_email(event: Event, person: User, closes: str) -> Message:
    """The closing notice's own email to ``person``, in the current language."""
    body = render_template(
        "emails/network_closing.txt",
        user=person,
        event=event,
        closes=closes,
        until=format_date(last_open_day(event), "long"),
        hidden=event.network_closing == NetworkClosing.hidden,
        is_organizer=standing(person, event).is_organizer,
        event_url=url_for("events.landing", slug=event.slug, _external=True),
        contacts_url=contacts_url(external=True),
    )
    subject = str(_CLOSING_SUBJECT) % {"event": event.name, "date": closes}
    return mail.build_message(person.email, subject, body)


def contacts_url(external: bool = False) -> str | None:
    """My contacts, where people keep in touch after the network closes (None while the
    contacts pages are not installed)."""
    if "contacts.mine" not in current_app.view_functions:
        return None
    return url_for("contacts.mine", _external=external)


@jobs.job(retries=3, retry_delay=300)
def send_closing_notices(event_id: int) -> int:
    """Tell every participant of ``event_id`` once that its network closes; return how
    many were told. Idempotent: a person who has the notice's notification is skipped,
    so a rerun after a crash picks up where it stopped. Commits per batch."""
    event = db.session.get(Event, event_id)
    if event is None or event.network_closes_on is None:
        return 0
    if network_phase(event) == NetworkPhase.closed:
        return 0
    told = 0
    after_id = 0
    while batch := _recipients(event, after_id, NOTICE_BATCH):
        for person in batch:
            _tell(event, person)
        told += len(batch)
        after_id = batch[-1].id
        db.session.commit()
    return told


@jobs.periodic(crontab(minute="30", hour="6"))
def closing_notice_job() -> None:
    """Daily: start the closing notices that are due."""
    start_closing_notices()
    db.session.commit()
