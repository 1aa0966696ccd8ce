"""Announcements and personal agendas an organizer emails to a segment of the event.

``create_mailing`` writes the mailing and one ``MailingRecipient`` per person of the
segment (in one INSERT ... SELECT), and queues the ``deliver`` job once that commits.
The job sends in batches through one mail connection:

1. it takes the mailing's *sending lock* (``_sending_lock``: a PostgreSQL advisory
   lock, or a file lock next to a SQLite database), which the database or the
   operating system releases when the process dies, so two runs never send the same
   mailing at once and a run can tell a crashed predecessor from a live one;
2. recipients a crashed run left ``sending`` become ``failed`` with the error
   ``interrupted``: they may or may not have received their copy, so they are not
   sent again unless the organizer retries them (``retry_failed``);
3. per batch it claims ``BATCH_SIZE`` queued recipients (``sending``, ``attempts``
   + 1) and COMMITS before anything leaves, renders each message, sends, then
   records ``sent`` or ``failed`` with the server's answer and commits again. A
   person is therefore never sent the same mailing twice, however often the job is
   restarted;
4. it paces itself to ``MAILING_RATE`` messages a second over the whole run (0: no
   limit) and marks the mailing ``done``.

A refusal of one message (a bad address) fails that recipient only; a lost
connection stops the run (the batch's untouched recipients go back to ``queued``)
and the job runner tries it again later.

A sponsor's one announcement (``create_sponsor_mailing``) is an announcement sent
the same way to the participants who accepted sponsors' offers, in the sponsor's
own email template; the sponsor never sees who they are.

Both kinds honour the unsubscribe link of every copy (``List-Unsubscribe`` with
RFC 8058 one-click, and a link in the body): it sets the person's
``Registration.announcements_opt_out`` for the event, and segments leave such people
out. Transactional mail (meeting invitations, password resets) does not look at it.
The link carries a signed token naming the recipient row, not the person.

No transaction stays open while mail is being sent: each batch loads what it needs,
commits, and only then talks to the mail server (on SQLite, whose transactions begin
IMMEDIATE here, an open one would hold the whole database for the web requests).

Speed (``bench/mail.py``): per batch, the recipients' names, languages and agendas
are loaded in a handful of queries (``calendars.agenda_items``); each template is
rendered once per language into a frame with markers where a person's name,
unsubscribe link and agenda go (``_Frame``), so a copy costs two small macro calls
and string joins; dates, times and agenda lines are made once per language and item;
``.ics`` files reuse serialized events (``calendars``).
"""

from __future__ import annotations

import fcntl
import logging
import re
import secrets
import smtplib
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from huey.exceptions import RetryTask
from itsdangerous import BadSignature, Signer
from markupsafe import Markup, escape

from conference import jobs
from conference.enums import (
    DeliveryStatus,
    MailingKind,
    MailingStatus,
    NotificationKind,
    SessionFormat,
)
from conference.extensions import db
from conference.models import (
    Event,
    Mailing,
    MailingRecipient,
    ProgramSession,
    Registration,
    Sponsor,
    User,
)
from conference.models.types import utcnow
from conference.permissions import can
from conference.services import ServiceError, calendars, mail, notifications, segments
from conference.services.program import clock, utc_to_local
from conference.services.text import render_markdown

log = logging.getLogger(__name__)

#: Recipients claimed, rendered, sent and recorded together.
BATCH_SIZE = 200
#: How often a batch being sent writes its progress for the organizer's page.
PROGRESS_SECONDS = 1.0
#: The error of a recipient whose copy was being sent when a run died.
INTERRUPTED = "interrupted"
SUBJECT_MAX = 200
BODY_MAX = 20_000
#: Seconds before a run that found another one sending tries again.
BUSY_RETRY_SECONDS = 30
#: Failed recipients listed on the progress page.
FAILURES_SHOWN = 100
#: The token of the unsubscribe link in previews (it unsubscribes nobody).
PREVIEW_TOKEN_VALUE = "preview"
_UNSUBSCRIBE_SALT = "mailing-unsubscribe"
#: First key of the PostgreSQL advisory locks of mailings (the second is the mailing's
#: id): an arbitrary number no other part of the app uses.
_LOCK_SPACE = 62011
_ERROR_MAX = 300


# --- creating ------------------------------------------------------------------------------


def _require_sender(actor: User, event: Event) -> None:
    if not can(actor, "mailings.send", event):
        raise ServiceError("forbidden", _("Only the event's organizers send mailings."))


def _clean(kind: MailingKind | str, subject: str | None, body: str | None) -> tuple:
    try:
        kind = MailingKind(kind)
    except ValueError as exc:
        raise ServiceError("unknown_kind", _("Choose what to send."), "kind") from exc
    subject = " ".join((subject or "").split())
    body = (body or "").strip()
    if not subject:
        raise ServiceError("subject_missing", _("Enter a subject."), "subject")
    if len(subject) > SUBJECT_MAX:
        raise ServiceError(
            "subject_too_long",
            _("Keep the subject under %(max)d characters.", max=SUBJECT_MAX),
            "subject",
        )
    if kind == MailingKind.announcement and not body:
        raise ServiceError("body_missing", _("Write the message."), "body")
    if len(body) > BODY_MAX:
        raise ServiceError(
            "body_too_long",
            _("Keep the message under %(max)d characters.", max=BODY_MAX),
            "body",
        )
    return kind, subject, body


def create_mailing(
    actor: User,
    event: Event,
    kind: MailingKind | str,
    subject: str,
    body: str,
    segment: segments.Segment,
) -> Mailing:
    """Queue ``subject`` and ``body`` (Markdown) for everyone in ``segment`` now.

    Side effects: writes the mailing and its recipients (one INSERT ... SELECT); after
    commit enqueues ``deliver``. Flushes. Refuses a segment nobody is in.
    """
    _require_sender(actor, event)
    kind, subject, body = _clean(kind, subject, body)
    if not segments.count(event, segment):
        raise ServiceError(
            "nobody", _("Nobody matches these filters: choose fewer or other ones."), "segment"
        )
    mailing = Mailing(
        event_id=event.id,
        created_by_id=actor.id,
        kind=kind,
        subject=subject,
        body=body,
        segment=segment.to_json(),
        status=MailingStatus.queued,
    )
    return _queue(mailing, segments.recipients(event, segment))


def create_sponsor_mailing(actor: User, sponsor: Sponsor, subject: str, body: str) -> Mailing:
    """Queue a sponsor's announcement (Markdown ``body``) for the event's participants who
    accepted sponsors' offers (``segments.sponsor_offer_recipients``). Who may send it,
    and only once, is the caller's rule (``conference.services.booths``).

    Side effects: writes the mailing (with ``sponsor_id``) and its recipients; after
    commit enqueues ``deliver``. Flushes. Refuses when nobody accepted offers.
    """
    kind, subject, body = _clean(MailingKind.announcement, subject, body)
    event = sponsor.event
    people = segments.sponsor_offer_recipients(event)
    if not db.session.scalar(sa.select(sa.func.count()).select_from(people.subquery())):
        raise ServiceError(
            "nobody", _("Nobody has accepted sponsors' offers at this event yet."), "body"
        )
    mailing = Mailing(
        event_id=event.id,
        created_by_id=actor.id,
        kind=kind,
        subject=subject,
        body=body,
        segment={},
        sponsor_id=sponsor.id,
        status=MailingStatus.queued,
    )
    return _queue(mailing, people)


def _queue(mailing: Mailing, recipients: sa.Select) -> Mailing:
    """Add the new ``mailing`` with one queued ``MailingRecipient`` per
    ``user_id``/``email`` row of ``recipients`` (one INSERT ... SELECT), and enqueue
    ``deliver`` for after the commit. Returns the mailing.

    An announcement also becomes everyone's notification (``notifications.announce``,
    one INSERT ... SELECT), and only those who want announcements by email at once
    become recipients (in the same SQL): in-app only and daily digest leave the email
    out."""
    db.session.add(mailing)
    db.session.flush()
    people = recipients.order_by(None).subquery()
    status_type = MailingRecipient.__table__.c.status.type
    chosen = sa.true()
    if mailing.kind == MailingKind.announcement:
        sender = mailing.event.name
        if mailing.sponsor_id is not None:
            sender = db.session.scalar(
                sa.select(Sponsor.name).where(Sponsor.id == mailing.sponsor_id)
            )
        notifications.announce(
            sa.select(people.c.user_id),
            event_id=mailing.event_id,
            mailing_id=mailing.id,
            subject=mailing.subject,
            sender_name=sender,
        )
        chosen = notifications.wants_email_at_once(people.c.user_id, NotificationKind.announcement)
    db.session.execute(
        sa.insert(MailingRecipient).from_select(
            ["mailing_id", "user_id", "email", "status", "error", "attempts"],
            sa.select(
                sa.literal(mailing.id),
                people.c.user_id,
                people.c.email,
                sa.literal(DeliveryStatus.queued, type_=status_type),
                sa.literal(""),
                sa.literal(0),
            )
            .where(chosen)
            .order_by(people.c.user_id),
        )
    )
    jobs.enqueue_after_commit(deliver, mailing.id)
    return mailing


# --- what the page shows -------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A recipient whose copy did not go out, and why."""

    recipient_id: int
    name: str
    email: str
    error: str
    attempts: int


@dataclass(frozen=True)
class Progress:
    """Where a mailing stands."""

    status: MailingStatus
    counts: dict[DeliveryStatus, int]
    #: A run holds the sending lock right now.
    running: bool
    failures: list[Failure] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def finished(self) -> bool:
        """Nothing is left to send and no run is going on."""
        left = self.counts[DeliveryStatus.queued] + self.counts[DeliveryStatus.sending]
        return not self.running and left == 0

    @property
    def stalled(self) -> bool:
        """Copies wait, a run started once, and none is going on now (it died)."""
        return (
            not self.running
            and self.status == MailingStatus.sending
            and self.counts[DeliveryStatus.queued] + self.counts[DeliveryStatus.sending] > 0
        )

    def as_json(self) -> dict:
        return {
            "status": self.status.value,
            "running": self.running,
            "finished": self.finished,
            "stalled": self.stalled,
            "total": self.total,
            "counts": {status.value: count for status, count in self.counts.items()},
            "failures": [
                {
                    "name": f.name,
                    "email": f.email,
                    "error": f.error,
                    "attempts": f.attempts,
                }
                for f in self.failures
            ],
        }


def counts_of(mailing_ids: Sequence[int]) -> dict[int, dict[DeliveryStatus, int]]:
    """Recipients of each mailing by delivery status (every status present, maybe 0)."""
    found = {mailing_id: dict.fromkeys(DeliveryStatus, 0) for mailing_id in mailing_ids}
    if mailing_ids:
        rows = db.session.execute(
            sa.select(MailingRecipient.mailing_id, MailingRecipient.status, sa.func.count())
            .where(MailingRecipient.mailing_id.in_(mailing_ids))
            .group_by(MailingRecipient.mailing_id, MailingRecipient.status)
        )
        for mailing_id, status, number in rows:
            found[mailing_id][DeliveryStatus(status)] = number
    return found


def progress(mailing: Mailing, *, with_failures: bool = True) -> Progress:
    """Counts by delivery status, whether a run is going on, and the first failures."""
    failures = []
    if with_failures:
        rows = db.session.execute(
            sa.select(
                MailingRecipient.id,
                User.display_name,
                MailingRecipient.email,
                MailingRecipient.error,
                MailingRecipient.attempts,
            )
            .join(User, User.id == MailingRecipient.user_id)
            .where(
                MailingRecipient.mailing_id == mailing.id,
                MailingRecipient.status == DeliveryStatus.failed,
            )
            .order_by(MailingRecipient.id)
            .limit(FAILURES_SHOWN)
        )
        failures = [Failure(*row) for row in rows]
    return Progress(
        status=MailingStatus(mailing.status),
        counts=counts_of([mailing.id])[mailing.id],
        running=is_running(mailing.id),
        failures=failures,
    )


def mailings_of(event: Event) -> list[Mailing]:
    """The event's mailings, newest first."""
    return list(
        db.session.scalars(
            sa.select(Mailing)
            .where(Mailing.event_id == event.id)
            .order_by(Mailing.created_at.desc(), Mailing.id.desc())
        )
    )


def mailing_of(event: Event, mailing_id: int) -> Mailing | None:
    """The mailing ``mailing_id`` if it belongs to ``event``."""
    mailing = db.session.get(Mailing, mailing_id)
    return mailing if mailing is not None and mailing.event_id == event.id else None


# --- retrying ----------------------------------------------------------------------------


def retry_failed(actor: User, mailing: Mailing) -> int:
    """Send again to the recipients whose copy failed (interrupted ones included: the
    organizer decides), and resume a run that stopped; return how many were failed.

    Side effects: writes failed recipients back to ``queued`` and the mailing to
    ``queued``; after commit enqueues ``deliver``. Flushes. Refused while a run is
    going on (it would pick them up or not, by chance) or when nothing is left to do.
    """
    _require_sender(actor, mailing.event)
    if is_running(mailing.id):
        raise ServiceError(
            "still_sending",
            _("The mailing is still being sent; retry once it is done."),
        )
    requeued = db.session.execute(
        sa.update(MailingRecipient)
        .where(
            MailingRecipient.mailing_id == mailing.id,
            MailingRecipient.status == DeliveryStatus.failed,
        )
        .values(status=DeliveryStatus.queued, error="")
    ).rowcount
    waiting = db.session.scalar(
        sa.select(sa.func.count()).where(
            MailingRecipient.mailing_id == mailing.id,
            MailingRecipient.status.in_((DeliveryStatus.queued, DeliveryStatus.sending)),
        )
    )
    if not waiting:
        raise ServiceError("nothing_to_retry", _("Every copy of this mailing was sent."))
    mailing.status = MailingStatus.queued
    mailing.finished_at = None
    db.session.flush()
    jobs.enqueue_after_commit(deliver, mailing.id)
    return requeued


# --- the sending lock --------------------------------------------------------------------


def _lock_path(mailing_id: int) -> Path:
    folder = Path(current_app.instance_path) / "mailing-locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{mailing_id}.lock"


@contextmanager
def _sending_lock(mailing_id: int) -> Iterator[bool]:
    """Try to become the one run that sends ``mailing_id``; yield whether it worked.

    The lock dies with its holder: on PostgreSQL it is a session-level advisory lock
    on a connection of its own; with SQLite (a single machine by nature) it is an
    ``flock`` on a file in the instance folder.
    """
    bind = db.engine
    if bind.dialect.name == "postgresql":
        # Tests bind the app to one connection; the lock then lives on that one.
        own = isinstance(bind, sa.Engine)
        conn = bind.connect() if own else bind
        key = (sa.literal(_LOCK_SPACE), sa.literal(mailing_id))
        got = False
        try:
            got = bool(conn.scalar(sa.select(sa.func.pg_try_advisory_lock(*key))))
            if own:
                conn.commit()
            yield got
        finally:
            if got:
                try:
                    conn.scalar(sa.select(sa.func.pg_advisory_unlock(*key)))
                    if own:
                        conn.commit()
                except sa.exc.DBAPIError:
                    if own:
                        conn.invalidate()
            if own:
                conn.close()
        return
    with open(_lock_path(mailing_id), "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_running(mailing_id: int) -> bool:
    """Whether a run holds the sending lock of ``mailing_id`` right now."""
    with _sending_lock(mailing_id) as got:
        return not got


# --- rendering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One item of an agenda email."""

    when: str
    title: str
    location: str
    url: str


@dataclass(frozen=True)
class Day:
    label: str
    lines: list[Line]


@dataclass(frozen=True)
class Rendered:
    """One copy of a mailing, as it goes out (or as the preview shows it)."""

    to: str
    subject: str
    text: str
    html: str
    #: The body of the HTML part without the document around it (for previews).
    html_fragment: str
    ics: bytes | None
    headers: dict[str, str]

    @property
    def calendar_events(self) -> int:
        """How many events the attached calendar holds."""
        return self.ics.count(b"BEGIN:VEVENT") if self.ics is not None else 0

    def message(self):
        """The email ``mail.build_message`` makes of this copy (``.ics`` attached)."""
        attachments = ()
        if self.ics is not None:
            attachments = (
                mail.Attachment("agenda.ics", "text/calendar; method=PUBLISH", self.ics),
            )
        return mail.build_message(
            self.to,
            self.subject,
            self.text,
            self.html,
            attachments=attachments,
            headers=self.headers,
        )


@dataclass(frozen=True)
class Person:
    """What rendering needs of a recipient."""

    user_id: int
    email: str
    name: str
    locale: str | None


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(recipient_id: int | None, signer: Signer | None = None) -> str:
    """The token of an unsubscribe link: the id of the mailing's recipient row (never
    the person's), signed; ``None`` gives a preview's token, which unsubscribes nobody."""
    value = PREVIEW_TOKEN_VALUE if recipient_id is None else str(recipient_id)
    return (signer or _signer()).sign(value).decode()


class _Frame:
    """A template's output rendered once, with markers where each person's values go.

    ``fill`` puts the values in (already escaped for HTML by the caller): far cheaper
    than rendering the template again for each of thousands of people. The markers
    carry a random ``nonce``, so no text typed by anyone can look like one.
    """

    def __init__(self, render: Callable[[dict], str], slots: Sequence[str], nonce: str):
        markers = {f"\x1f{nonce}:{slot}\x1f": slot for slot in slots}
        output = render({slot: Markup(marker) for marker, slot in markers.items()})
        pattern = re.compile("|".join(re.escape(marker) for marker in markers))
        self.pieces = pattern.split(output)
        self.slots = [markers[found] for found in pattern.findall(output)]
        #: The output with its markers, to render another frame around.
        self.marked = Markup(output)

    def fill(self, values: dict[str, str]) -> str:
        parts = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            parts.append(values[slot])
            parts.append(piece)
        return "".join(parts)


@dataclass(frozen=True)
class _Frames:
    """One language's frames of a mailing: text, HTML content and HTML document."""

    text: _Frame
    fragment: _Frame
    document: _Frame


class Composer:
    """Renders the copies of one mailing.

    Built once per run: the templates are rendered once per language into frames
    (``_Frame``) with markers for what differs per person (name, unsubscribe link,
    agenda); the event's highlights are loaded once; dates and times are formatted
    once per language and moment. Per person there remain the agenda's macros, the
    filling of the frames and the ``.ics`` file.
    """

    def __init__(
        self,
        event: Event,
        kind: MailingKind,
        subject: str,
        body: str,
        sponsor_name: str | None = None,
    ):
        self.event = event
        self.kind = MailingKind(kind)
        self.subject = subject
        env = current_app.jinja_env
        if sponsor_name is not None:
            # A sponsor's announcement says whose it is and why the person gets it.
            self.text_template = env.get_template("sponsors/announcement_email.txt")
            self.html_template = env.get_template("sponsors/announcement_email.html")
        else:
            self.text_template = env.get_template(f"emails/{self.kind.value}.txt")
            self.html_template = env.get_template(f"emails/{self.kind.value}.html")
        self.slots = ["name", "unsubscribe_url"]
        if self.kind == MailingKind.agenda:
            self.slots += ["agenda", "highlights"]
        self.context = {
            "event": event,
            "body_text": body,
            "body_html": Markup(render_markdown(body)) if body else Markup(""),
            "event_url": url_for("events.landing", slug=event.slug, _external=True),
            "agenda_url": url_for("program.mine", slug=event.slug, _external=True),
            "sponsor_name": sponsor_name,
        }
        marker = "TOKEN"
        template = url_for("subscriptions.unsubscribe", token=marker, _external=True)
        self._unsubscribe_head, self._unsubscribe_tail = template.split(marker, 1)
        self._signer = _signer()
        self._frames: dict[str, _Frames] = {}
        self._nonce = secrets.token_hex(8)
        self._highlights: dict[str, list[calendars.CalendarItem]] = {}
        self._lines: dict[tuple, tuple[date, Line]] = {}
        self._days: dict[tuple, str] = {}
        self._highlight_cache: dict[tuple, tuple[str, str]] = {}
        self._calendar_names: dict[str, str] = {}
        self._locale = str(get_locale())

    # -- per language, cached --

    def _locale_key(self) -> str:
        """The language being rendered (``render_batch`` sets it for each group)."""
        return self._locale

    def frames(self) -> _Frames:
        """The current language's frames (rendered on first use)."""
        key = self._locale_key()
        if key not in self._frames:
            context, text_template, html_template = (
                self.context,
                self.text_template,
                self.html_template,
            )
            text = _Frame(
                lambda values: text_template.render(context | values), self.slots, self._nonce
            )
            fragment = _Frame(
                lambda values: html_template.render(context | values, fragment=True).strip(),
                self.slots,
                self._nonce,
            )
            document = _Frame(
                lambda values: html_template.render(
                    context | values, content=fragment.marked
                ).strip(),
                self.slots,
                self._nonce,
            )
            self._frames[key] = _Frames(text, fragment, document)
        return self._frames[key]

    def calendar_name(self) -> str:
        key = self._locale_key()
        if key not in self._calendar_names:
            self._calendar_names[key] = _("%(event)s: my agenda", event=self.event.name)
        return self._calendar_names[key]

    def highlights(self) -> list[calendars.CalendarItem]:
        """The event's published keynotes, as calendar items in the current language."""
        key = self._locale_key()
        if key not in self._highlights:
            sessions = db.session.scalars(
                sa.select(ProgramSession)
                .where(
                    ProgramSession.event_id == self.event.id,
                    ProgramSession.published.is_(True),
                    ProgramSession.format == SessionFormat.keynote,
                )
                .order_by(ProgramSession.starts_at, ProgramSession.id)
            ).all()
            self._highlights[key] = [calendars.session_item(s) for s in sessions]
        return self._highlights[key]

    def _placed(self, item: calendars.CalendarItem) -> tuple[date, Line]:
        """The item's day in the event's zone and its line, in the current language
        (made once per item: a mailing puts the same sessions in thousands of agendas)."""
        key = (self._locale_key(), item)
        found = self._lines.get(key)
        if found is None:
            starts = utc_to_local(self.event, item.starts_at)
            when = f"{clock(self.event, item.starts_at)}\u2013{clock(self.event, item.ends_at)}"
            line = Line(when=when, title=item.title, location=item.location, url=item.url)
            found = self._lines[key] = (starts.date(), line)
        return found

    def _day_label(self, day: date) -> str:
        key = (self._locale_key(), day)
        label = self._days.get(key)
        if label is None:
            label = self._days[key] = format_date(day, "full")
        return label

    def _days_of(self, items: Sequence[calendars.CalendarItem]) -> list[Day]:
        by_day: dict[date, list[Line]] = {}
        for item in items:
            day, line = self._placed(item)
            by_day.setdefault(day, []).append(line)
        return [Day(self._day_label(day), lines) for day, lines in by_day.items()]

    def _highlight_blocks(self, others: list[calendars.CalendarItem]) -> tuple[str, str]:
        """The highlights' text and HTML blocks; most people share the same few."""
        key = (self._locale_key(), tuple(item.uid for item in others))
        found = self._highlight_cache.get(key)
        if found is None:
            days = self._days_of(others)
            found = self._highlight_cache[key] = (
                self.text_template.module.highlights_block(days),
                self.html_template.module.highlights_block(days),
            )
        return found

    # -- one copy --

    def unsubscribe_url(self, recipient_id: int | None) -> str:
        token = unsubscribe_token(recipient_id, self._signer)
        return f"{self._unsubscribe_head}{token}{self._unsubscribe_tail}"

    def render(
        self,
        person: Person,
        recipient_id: int | None,
        agenda: Sequence[calendars.CalendarItem] = (),
    ) -> Rendered:
        """One copy for ``person`` in the current language; ``agenda`` are their own
        items (agenda mailings)."""
        frames = self.frames()
        unsubscribe = self.unsubscribe_url(recipient_id)
        text_values = {"name": person.name, "unsubscribe_url": unsubscribe}
        html_values = {"name": escape(person.name), "unsubscribe_url": escape(unsubscribe)}
        ics = None
        if self.kind == MailingKind.agenda:
            mine = {item.uid for item in agenda}
            others = [item for item in self.highlights() if item.uid not in mine]
            days = self._days_of(agenda)
            text_values["agenda"] = self.text_template.module.agenda_block(days, self.event)
            html_values["agenda"] = self.html_template.module.agenda_block(days, self.event)
            text_values["highlights"], html_values["highlights"] = self._highlight_blocks(others)
            everything = sorted(
                [*agenda, *others], key=lambda item: (item.starts_at, item.ends_at, item.uid)
            )
            ics = calendars.calendar_bytes(self.event, everything, name=self.calendar_name())
        return Rendered(
            to=person.email,
            subject=self.subject,
            text=frames.text.fill(text_values),
            html=frames.document.fill(html_values),
            html_fragment=frames.fragment.fill(html_values),
            ics=ics,
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )

    def prepare(self, people: Sequence[tuple[int | None, Person]]) -> list[_Group]:
        """Load what rendering ``(recipient_id, person)`` pairs needs from the database,
        by language: their agendas, the highlights, the frames. ``render`` of what it
        returns then reads nothing more, so the caller can end its transaction first."""
        by_locale: dict[str | None, list[tuple[int | None, Person]]] = defaultdict(list)
        for pair in people:
            by_locale[pair[1].locale].append(pair)
        groups = []
        for locale, group in by_locale.items():
            with mail.in_language(locale):
                self._locale = str(get_locale())
                self.frames()
                agendas: dict[int, list[calendars.CalendarItem]] = {}
                if self.kind == MailingKind.agenda:
                    self.highlights()
                    agendas = calendars.agenda_items(
                        self.event, [person.user_id for _id, person in group]
                    )
                groups.append(_Group(locale, group, agendas))
        return groups

    def render_prepared(
        self, groups: Sequence[_Group]
    ) -> Iterator[tuple[int | None, Rendered | Exception]]:
        """Render the copies of ``prepare``'s groups; a copy that cannot be rendered
        comes back as its exception."""
        for group in groups:
            with mail.in_language(group.locale):
                self._locale = str(get_locale())
                for recipient_id, person in group.people:
                    try:
                        rendered = self.render(
                            person, recipient_id, group.agendas.get(person.user_id, ())
                        )
                    except Exception as exc:  # one broken copy must not stop the others
                        log.exception("mailing copy for user %s failed to render", person.user_id)
                        yield recipient_id, exc
                    else:
                        yield recipient_id, rendered


@dataclass(frozen=True)
class _Group:
    """Recipients of one language with their agendas, ready to render."""

    locale: str | None
    people: list[tuple[int | None, Person]]
    agendas: dict[int, list[calendars.CalendarItem]]


def _detached_copy(event: Event) -> Event:
    """A copy of ``event``'s columns outside the session.

    The sending job commits after every batch, which expires what the session holds;
    reading an expired event again would begin a transaction, and on SQLite (whose
    transactions begin IMMEDIATE here) that would hold the whole database while the
    batch is being sent.
    """
    columns = sa.inspect(Event).column_attrs
    return Event(**{column.key: getattr(event, column.key) for column in columns})


def preview(
    actor: User,
    event: Event,
    kind: MailingKind | str,
    subject: str,
    body: str,
    recipient: User,
) -> Rendered:
    """The copy ``recipient`` would get, in their language; its unsubscribe link is a
    preview's, which unsubscribes nobody."""
    _require_sender(actor, event)
    kind, subject, body = _clean(kind, subject, body)
    return _preview_copy(Composer(event, kind, subject, body), recipient)


def preview_sponsor_mailing(actor: User, sponsor: Sponsor, subject: str, body: str) -> Rendered:
    """The copy of a sponsor's announcement as ``actor`` (who writes it) would get it; the
    sponsor never sees a recipient's copy. The caller checks who may write it."""
    kind, subject, body = _clean(MailingKind.announcement, subject, body)
    composer = Composer(sponsor.event, kind, subject, body, sponsor_name=sponsor.name)
    return _preview_copy(composer, actor)


def _preview_copy(composer: Composer, recipient: User) -> Rendered:
    person = Person(recipient.id, recipient.email, recipient.display_name, recipient.locale)
    ((_id, rendered),) = list(composer.render_prepared(composer.prepare([(None, person)])))
    if isinstance(rendered, Exception):
        raise rendered
    return rendered


# --- sending -----------------------------------------------------------------------------


class _Pace:
    """At most ``rate`` messages a second over the whole run (0: as fast as possible)."""

    def __init__(self, rate: float):
        self.rate = rate
        self.started = time.monotonic()
        self.sent = 0

    def wait(self) -> None:
        if self.rate > 0:
            due = self.started + self.sent / self.rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self.sent += 1


def _refusal(exc: smtplib.SMTPException) -> str | None:
    """The server's answer when it refused this one message (the connection stays
    usable), else None: the connection itself failed."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = [
            f"{code} {text.decode(errors='replace')}" for code, text in exc.recipients.values()
        ]
        return "; ".join(answers) or str(exc)
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error
        if isinstance(text, bytes):
            text = text.decode(errors="replace")
        return f"{exc.smtp_code} {text}"
    return None


def _sweep_interrupted(mailing_id: int) -> int:
    """Recipients a dead run left ``sending`` become ``failed``: ``interrupted``."""
    return db.session.execute(
        sa.update(MailingRecipient)
        .where(
            MailingRecipient.mailing_id == mailing_id,
            MailingRecipient.status == DeliveryStatus.sending,
        )
        .values(status=DeliveryStatus.failed, error=INTERRUPTED)
    ).rowcount


def _claim(mailing_id: int) -> list[tuple[int, int, str]]:
    """Mark the next ``BATCH_SIZE`` queued recipients ``sending``; return their
    (recipient id, user id, email). The caller commits before sending."""
    batch = (
        sa.select(MailingRecipient.id)
        .where(
            MailingRecipient.mailing_id == mailing_id,
            MailingRecipient.status == DeliveryStatus.queued,
        )
        .order_by(MailingRecipient.id)
        .limit(BATCH_SIZE)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.update(MailingRecipient)
        .where(MailingRecipient.id.in_(batch), MailingRecipient.status == DeliveryStatus.queued)
        .values(status=DeliveryStatus.sending, attempts=MailingRecipient.attempts + 1)
        .returning(MailingRecipient.id, MailingRecipient.user_id, MailingRecipient.email)
    ).all()
    return sorted((row[0], row[1], row[2]) for row in rows)


def _people(claimed: Sequence[tuple[int, int, str]]) -> list[tuple[int, Person]]:
    users = {
        row.id: row
        for row in db.session.execute(
            sa.select(User.id, User.display_name, User.locale).where(
                User.id.in_([user_id for _id, user_id, _email in claimed])
            )
        )
    }
    return [
        (recipient_id, Person(user_id, email, users[user_id].display_name, users[user_id].locale))
        for recipient_id, user_id, email in claimed
        if user_id in users
    ]


@dataclass
class _Outcome:
    """What became of the copies of one batch, written to the database bit by bit."""

    sent: list[int] = field(default_factory=list)
    #: (recipient id, error)
    failed: list[tuple[int, str]] = field(default_factory=list)
    written_sent: int = 0
    written_failed: int = 0
    written_at: float = field(default_factory=time.monotonic)

    def handled(self) -> set[int]:
        return set(self.sent) | {recipient_id for recipient_id, _error in self.failed}

    def write_if_due(self) -> None:
        """Write and commit when the last write is ``PROGRESS_SECONDS`` old."""
        if time.monotonic() - self.written_at >= PROGRESS_SECONDS:
            self.write()
            db.session.commit()

    def write(self) -> None:
        """Write what became of the copies since the last write (the caller commits)."""
        self.written_at = time.monotonic()
        sent = self.sent[self.written_sent :]
        failed = self.failed[self.written_failed :]
        self.written_sent += len(sent)
        self.written_failed += len(failed)
        if sent:
            db.session.execute(
                sa.update(MailingRecipient)
                .where(MailingRecipient.id.in_(sent))
                .values(status=DeliveryStatus.sent, sent_at=utcnow(), error="")
            )
        for recipient_id, error in failed:
            db.session.execute(
                sa.update(MailingRecipient)
                .where(MailingRecipient.id == recipient_id)
                .values(status=DeliveryStatus.failed, error=error[:_ERROR_MAX])
            )


def _give_back(untried: set[int]) -> None:
    """Claimed copies that were never handed to the mail server go back to ``queued``."""
    if untried:
        db.session.execute(
            sa.update(MailingRecipient)
            .where(MailingRecipient.id.in_(untried))
            .values(status=DeliveryStatus.queued, attempts=MailingRecipient.attempts - 1)
        )


def _send_batch(composer: Composer, people, send, pace: _Pace) -> None:
    """Render and send one claimed batch, writing what became of each copy about every
    ``PROGRESS_SECONDS`` (the organizer's page follows it) and at the end.

    What the batch needs is loaded first and the transaction ended, so that no
    transaction stays open while the mail server is busy (on SQLite one would hold
    the database). When the connection fails, the copy in flight is
    ``interrupted``, the copies not tried yet go back to ``queued`` and the error is
    raised again (after commit).
    """
    groups = composer.prepare(people)
    db.session.commit()
    outcome = _Outcome()
    try:
        for recipient_id, rendered in composer.render_prepared(groups):
            if isinstance(rendered, Exception):
                error = _("Could not be written: %(error)s", error=rendered)
                outcome.failed.append((recipient_id, error))
                continue
            message = rendered.message()
            pace.wait()
            try:
                send(message)
            except smtplib.SMTPException as exc:
                refusal = _refusal(exc)
                outcome.failed.append((recipient_id, refusal or INTERRUPTED))
                if refusal is None:
                    raise
            except BaseException:
                outcome.failed.append((recipient_id, INTERRUPTED))
                raise
            else:
                outcome.sent.append(recipient_id)
            outcome.write_if_due()
    finally:
        outcome.write()
        _give_back({recipient_id for recipient_id, _person in people} - outcome.handled())
        db.session.commit()


@jobs.job(retries=5, retry_delay=60)
def deliver(mailing_id: int) -> None:
    """Send the queued copies of a mailing (see the module doc for the rules).

    Side effects: writes recipients' statuses and the mailing's; sends mail; commits
    after every batch.
    """
    with _sending_lock(mailing_id) as mine:
        if not mine:
            # Another run is sending it; come back when it may be done (it may have
            # finished before a retry re-queued copies).
            raise RetryTask(delay=BUSY_RETRY_SECONDS)
        mailing = db.session.get(Mailing, mailing_id)
        if mailing is None:
            return
        _sweep_interrupted(mailing_id)
        mailing.status = MailingStatus.sending
        event = _detached_copy(db.session.get(Event, mailing.event_id))
        sponsor_name = None
        if mailing.sponsor_id is not None:
            sponsor_name = db.session.scalar(
                sa.select(Sponsor.name).where(Sponsor.id == mailing.sponsor_id)
            )
        composer = Composer(
            event, mailing.kind, mailing.subject, mailing.body, sponsor_name=sponsor_name
        )
        db.session.commit()
        pace = _Pace(float(current_app.config.get("MAILING_RATE") or 0))
        with mail.connection() as send:
            while claimed := _claim(mailing_id):
                db.session.commit()
                _send_batch(composer, _people(claimed), send, pace)
        db.session.execute(
            sa.update(Mailing)
            .where(Mailing.id == mailing_id)
            .values(status=MailingStatus.done, finished_at=utcnow())
        )
        db.session.commit()


# --- unsubscribing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """Whom an unsubscribe link is about."""

    event: Event
    user: User
    registration: Registration | None


def subscription_of(token: str) -> Subscription:
    """The event and person of an unsubscribe link; ``ServiceError`` for a link that is
    not one of ours, a preview's, or of a mailing that no longer exists."""
    try:
        value = _signer().unsign(token).decode()
    except (BadSignature, UnicodeDecodeError) as exc:
        raise ServiceError(
            "bad_token",
            _("This unsubscribe link is not valid. Copy the whole link from the email."),
        ) from exc
    if value == PREVIEW_TOKEN_VALUE:
        raise ServiceError(
            "preview_token",
            _("This link comes from a preview of a mailing; it unsubscribes nobody."),
        )
    recipient = (
        db.session.get(MailingRecipient, int(value))
        if value.isdecimal() and value.isascii()
        else None
    )
    if recipient is None:
        raise ServiceError(
            "bad_token",
            _("This unsubscribe link belongs to a mailing that no longer exists."),
        )
    mailing = db.session.get(Mailing, recipient.mailing_id)
    registration = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == mailing.event_id,
            Registration.user_id == recipient.user_id,
        )
    )
    return Subscription(mailing.event, recipient.user, registration)


def set_announcements(subscription: Subscription, wanted: bool) -> bool:
    """Stop (``wanted=False``) or restart the event's announcements to the person of an
    unsubscribe link; return whether that changed anything.

    Side effects: writes ``Registration.announcements_opt_out``. Flushes. Refused for
    someone without a registration (a team member added by role only), whom there is
    no place to remember it for.
    """
    registration = subscription.registration
    if registration is None:
        raise ServiceError(
            "no_registration",
            _(
                "You get this event's mail as a member of its team. Ask the organizers at "
                "%(email)s to stop it.",
                email=subscription.event.contact_email or _("the event's address"),
            ),
        )
    changed = registration.announcements_opt_out == wanted
    registration.announcements_opt_out = not wanted
    db.session.flush()
    return changed
