"""The organizer's side of the program: rooms, tracks and sessions, and the rules
that keep them consistent.

- Times are stored in UTC and typed by people in the event's own time zone:
  ``local_to_utc`` / ``utc_to_local`` convert with ``zoneinfo``, so days on
  which the clocks change get the right offsets. ``local_span`` turns a form's
  day, start and end into UTC and refuses what cannot be (a day outside the
  event, an end before the start, a time the clocks skip).
- A room or a speaker is never in two sessions at once: ``find_clashes`` names
  every session that needs the same room or speaker at an overlapping time
  (overlap means ``a.start < b.end and b.start < a.end``, so a session may start
  when the previous one ends). Drafts count: they are the organizers' plan too.
- Speakers are participants of the event: approved registrants or people with
  a role in it.

Functions flush, never commit, and raise ``ServiceError`` with a stable code, a
message for people and the form field it concerns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from conference.enums import EventRoleKind, RegistrationStatus, SessionFormat, TaxonomyKind
from conference.extensions import db
from conference.models import (
    Bookmark,
    Event,
    EventRole,
    Material,
    ProgramSession,
    Registration,
    Room,
    TaxonomyTerm,
    Track,
    User,
    session_speakers,
)
from conference.permissions import can
from conference.services import ServiceError, events, ordering

#: The colours a track can have; each is a CSS class ``track-<name>`` in app.css.
TRACK_COLORS: tuple[str, ...] = (
    "indigo",
    "teal",
    "amber",
    "rose",
    "sky",
    "lime",
    "violet",
    "slate",
)

TRACK_COLOR_LABELS: dict[str, object] = {
    "indigo": _l("Indigo"),
    "teal": _l("Teal"),
    "amber": _l("Amber"),
    "rose": _l("Rose"),
    "sky": _l("Sky"),
    "lime": _l("Lime"),
    "violet": _l("Violet"),
    "slate": _l("Slate"),
}

FORMAT_LABELS: dict[SessionFormat, object] = {
    SessionFormat.talk: _l("Talk"),
    SessionFormat.panel: _l("Panel"),
    SessionFormat.workshop: _l("Workshop"),
    SessionFormat.keynote: _l("Keynote"),
    SessionFormat.break_: _l("Break"),
}

TITLE_MAX = 200
ABSTRACT_MAX = 20_000
NAME_MAX = 120
DESCRIPTION_MAX = 500
CAPACITY_MAX = 100_000
SPEAKERS_MAX = 30

#: Separators people use between email addresses in a text field.
_EMAIL_SPLIT = re.compile(r"[\s,;]+")


def _require_manager(actor: User, event: Event) -> None:
    if not can(actor, "program.manage", event):
        raise ServiceError("forbidden", _("Only the event's organizers change the program."))


# --- time in the event's zone ---------------------------------------------------


def event_zone(event: Event) -> ZoneInfo:
    return ZoneInfo(event.timezone)


def event_days(event: Event) -> list[date]:
    """Every day of the event, first to last, as dates in its own time zone."""
    count = (event.ends_on - event.starts_on).days + 1
    return [event.starts_on + timedelta(days=n) for n in range(max(count, 0))]


def local_to_utc(event: Event, naive_local: datetime) -> datetime:
    """The UTC moment of a wall-clock time in the event's zone.

    A time that happens twice (the hour repeated when summer time ends) is the
    first of the two; a time the clocks skip is moved forward by the gap, as
    PEP 495 does. ``local_time_exists`` tells the forms which times are skipped.
    """
    if naive_local.tzinfo is not None:
        raise ValueError("local_to_utc expects a naive wall-clock time")
    return naive_local.replace(tzinfo=event_zone(event), fold=0).astimezone(UTC)


def utc_to_local(event: Event, aware_utc: datetime) -> datetime:
    """The wall-clock time in the event's zone (naive) of a UTC moment."""
    if aware_utc.tzinfo is None:
        raise ValueError("utc_to_local expects an aware datetime")
    return aware_utc.astimezone(event_zone(event)).replace(tzinfo=None)


def local_time_exists(event: Event, naive_local: datetime) -> bool:
    """False for wall-clock times the clocks skip when summer time starts."""
    return utc_to_local(event, local_to_utc(event, naive_local)) == naive_local


def local_day_bounds(event: Event, day: date) -> tuple[datetime, datetime]:
    """The UTC moments at which ``day`` begins and the next day begins in the event's zone."""
    start = local_to_utc(event, datetime.combine(day, time()))
    end = local_to_utc(event, datetime.combine(day + timedelta(days=1), time()))
    return start, end


def clock(event: Event, value: datetime) -> str:
    """A UTC moment as a short time of day in the event's zone, per locale ("10:30")."""
    return format_time(utc_to_local(event, value), "short", rebase=False)


def _day_outside_event(event: Event) -> ServiceError:
    return ServiceError(
        "day_outside_event",
        _(
            "The event runs from %(first)s to %(last)s; choose a day within it.",
            first=event.starts_on.isoformat(),
            last=event.ends_on.isoformat(),
        ),
        "day",
    )


def local_span(
    event: Event, day: date | None, start: time | None, end: time | None
) -> tuple[datetime, datetime]:
    """Turn a day and two wall-clock times of the event into UTC start and end.

    Refuses a missing value, a day outside the event, a time the clocks skip on
    that day and an end that is not after the start (a session does not run
    past midnight).
    """
    if day is None:
        raise ServiceError("day_missing", _("Choose the day."), "day")
    if day not in event_days(event):
        raise _day_outside_event(event)
    if start is None:
        raise ServiceError("start_missing", _("Enter the start time."), "start")
    if end is None:
        raise ServiceError("end_missing", _("Enter the end time."), "end")
    for name, value in (("start", start), ("end", end)):
        if not local_time_exists(event, datetime.combine(day, value)):
            raise ServiceError(
                "time_skipped",
                _(
                    "%(time)s does not exist on that day: the clocks change then.",
                    time=value.strftime("%H:%M"),
                ),
                name,
            )
    if end <= start:
        raise ServiceError("end_before_start", _("The session must end after it starts."), "end")
    return (
        local_to_utc(event, datetime.combine(day, start)),
        local_to_utc(event, datetime.combine(day, end)),
    )


# --- clashes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    """Another session that needs the same room, or the same speaker, at the same time."""

    session: ProgramSession
    #: The shared room, for a room clash.
    room: Room | None = None
    #: The shared speaker, for a speaker clash.
    speaker: User | None = None

    @property
    def field(self) -> str:
        """The session form's field the clash is shown next to."""
        return "room" if self.room is not None else "speakers"

    def describe(self, event: Event) -> str:
        start, end = clock(event, self.session.starts_at), clock(event, self.session.ends_at)
        if self.room is not None:
            return _(
                "%(room)s already holds “%(title)s” %(start)s\u2013%(end)s.",
                room=self.room.name,
                title=self.session.title,
                start=start,
                end=end,
            )
        return _(
            "%(name)s speaks in “%(title)s” at that time (%(start)s\u2013%(end)s).",
            name=self.speaker.display_name,
            title=self.session.title,
            start=start,
            end=end,
        )


class ClashError(ServiceError):
    """The session would put a room or a speaker in two places at once."""

    def __init__(self, event: Event, clashes: Sequence[Clash]):
        self.clashes = list(clashes)
        self.messages = [clash.describe(event) for clash in self.clashes]
        super().__init__("clash", " ".join(self.messages), self.clashes[0].field)


def _overlapping(starts_at: datetime, ends_at: datetime):
    return sa.and_(ProgramSession.starts_at < ends_at, ProgramSession.ends_at > starts_at)


def find_clashes(
    event: Event,
    starts_at: datetime,
    ends_at: datetime,
    room_id: int | None,
    speaker_ids: Iterable[int],
    exclude_session_id: int | None = None,
) -> list[Clash]:
    """Sessions of ``event`` (drafts included) that overlap ``starts_at`` to ``ends_at``
    in room ``room_id`` or with one of ``speaker_ids``: room clashes first, then
    speaker clashes, each in time order. A session without room and speakers
    (a break) never clashes."""
    clashes: list[Clash] = []
    base = sa.select(ProgramSession).where(
        ProgramSession.event_id == event.id, _overlapping(starts_at, ends_at)
    )
    if exclude_session_id is not None:
        base = base.where(ProgramSession.id != exclude_session_id)
    if room_id is not None:
        room = db.session.get(Room, room_id)
        for other in db.session.scalars(
            base.where(ProgramSession.room_id == room_id).order_by(ProgramSession.starts_at)
        ):
            clashes.append(Clash(session=other, room=room))
    speaker_ids = list(dict.fromkeys(speaker_ids))
    if speaker_ids:
        rows = db.session.execute(
            base.add_columns(session_speakers.c.user_id)
            .join(session_speakers, session_speakers.c.session_id == ProgramSession.id)
            .where(session_speakers.c.user_id.in_(speaker_ids))
            .order_by(ProgramSession.starts_at, session_speakers.c.position)
        ).all()
        people = {
            u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(speaker_ids)))
        }
        for other, user_id in rows:
            clashes.append(Clash(session=other, speaker=people[user_id]))
    return clashes


# --- speakers --------------------------------------------------------------------


def participant_ids(event: Event, user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` take part in ``event``: approved registration or a role in it."""
    ids = list(set(user_ids))
    if not ids:
        return set()
    approved = sa.select(Registration.user_id).where(
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.approved,
        Registration.user_id.in_(ids),
    )
    with_role = sa.select(EventRole.user_id).where(
        EventRole.event_id == event.id, EventRole.user_id.in_(ids)
    )
    return set(db.session.scalars(sa.union(approved, with_role)))


def _too_many_speakers(field: str) -> ServiceError:
    return ServiceError(
        "too_many_speakers", _("A session has at most %(num)d speakers.", num=SPEAKERS_MAX), field
    )


def _not_participants(people: str, field: str) -> ServiceError:
    return ServiceError(
        "speaker_not_participant",
        _(
            "Not a participant of this event: %(people)s. Speakers must be registered "
            "(and approved) or hold a role in the event.",
            people=people,
        ),
        field,
    )


def split_emails(text: str | None) -> list[str]:
    """Email addresses typed one per line (or separated by commas or semicolons),
    lower-cased, without repeats, in the order typed."""
    found = [part.strip().lower() for part in _EMAIL_SPLIT.split(text or "")]
    return list(dict.fromkeys(part for part in found if part))


def speakers_by_email(event: Event, emails: Sequence[str], field: str = "speakers") -> list[User]:
    """The participants of ``event`` with these addresses, in the order given.

    Refuses, naming every address at fault: addresses with no account, and
    accounts that do not take part in the event.
    """
    emails = list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))
    if len(emails) > SPEAKERS_MAX:
        raise _too_many_speakers(field)
    users = users_by_email(emails)
    unknown = [e for e in emails if e not in users]
    if unknown:
        raise ServiceError(
            "speaker_unknown",
            _("No account uses %(emails)s.", emails=", ".join(unknown)),
            field,
        )
    taking_part = participant_ids(event, [u.id for u in users.values()])
    outside = [users[e] for e in emails if users[e].id not in taking_part]
    if outside:
        raise _not_participants(", ".join(f"{u.display_name} <{u.email}>" for u in outside), field)
    return [users[e] for e in emails]


def users_by_email(emails: Sequence[str]) -> dict[str, User]:
    """Accounts with these (lower-case) addresses, by address; unknown ones are absent."""
    if not emails:
        return {}
    return {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}


def speaker_suggestions(
    event: Event, *, exclude: Sequence[str] = (), limit: int = 60
) -> list[User]:
    """People with the speaker role in ``event``, by name, leaving out the ``exclude``
    addresses: the session form offers them with one click."""
    query = (
        sa.select(User)
        .join(EventRole, EventRole.user_id == User.id)
        .where(EventRole.event_id == event.id, EventRole.role == EventRoleKind.speaker)
        .order_by(User.display_name, User.id)
        .limit(limit)
    )
    if exclude:
        query = query.where(User.email.not_in(list(exclude)))
    return list(db.session.scalars(query))


def _set_speakers(session: ProgramSession, user_ids: Sequence[int]) -> None:
    """Write the speakers in order (``session_speakers.position`` keeps it)."""
    db.session.execute(session_speakers.delete().where(session_speakers.c.session_id == session.id))
    if user_ids:
        db.session.execute(
            session_speakers.insert(),
            [
                {"session_id": session.id, "user_id": uid, "position": position}
                for position, uid in enumerate(user_ids)
            ],
        )
    db.session.expire(session, ["speakers"])


def sessions_of_speaker(
    event: Event, user: User, *, include_drafts: bool = False
) -> list[ProgramSession]:
    """The sessions of ``event`` where ``user`` speaks, in time order."""
    query = (
        sa.select(ProgramSession)
        .join(session_speakers, session_speakers.c.session_id == ProgramSession.id)
        .where(ProgramSession.event_id == event.id, session_speakers.c.user_id == user.id)
        .order_by(ProgramSession.starts_at, ProgramSession.id)
        .options(orm.joinedload(ProgramSession.room), orm.joinedload(ProgramSession.track))
    )
    if not include_drafts:
        query = query.where(ProgramSession.published.is_(True))
    return list(db.session.scalars(query))


# --- sessions ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    """Session fields after the rules: everything ``create``/``update`` write."""

    title: str
    abstract: str
    format: SessionFormat
    starts_at: datetime
    ends_at: datetime
    room_id: int | None
    track_id: int | None
    topics: list[TaxonomyTerm]
    speaker_ids: list[int]
    capacity: int | None
    published: bool


def _check_session(
    event: Event,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    abstract: str = "",
    format: SessionFormat | str = SessionFormat.talk,
    room_id: int | None = None,
    track_id: int | None = None,
    topic_ids: Iterable[int] = (),
    speaker_ids: Iterable[int] = (),
    capacity: int | None = None,
    published: bool = False,
    exclude_session_id: int | None = None,
) -> _Checked:
    title = (title or "").strip()
    if not title:
        raise ServiceError("title_missing", _("Give the session a title."), "title")
    if len(title) > TITLE_MAX:
        raise ServiceError(
            "title_too_long", _("Use at most %(num)d characters.", num=TITLE_MAX), "title"
        )
    abstract = (abstract or "").strip()
    if len(abstract) > ABSTRACT_MAX:
        raise ServiceError(
            "abstract_too_long", _("Use at most %(num)d characters.", num=ABSTRACT_MAX), "abstract"
        )
    try:
        format = SessionFormat(format)
    except ValueError:
        raise ServiceError(
            "format_unknown", _("Choose a format from the list."), "format"
        ) from None
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("session times must be timezone-aware")
    starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    if utc_to_local(event, starts_at).date() not in event_days(event):
        raise _day_outside_event(event)
    if ends_at <= starts_at:
        raise ServiceError("end_before_start", _("The session must end after it starts."), "end")
    if room_id is not None:
        room = db.session.get(Room, room_id)
        if room is None or room.event_id != event.id:
            raise ServiceError("room_unknown", _("Choose a room of this event."), "room")
    if track_id is not None:
        track = db.session.get(Track, track_id)
        if track is None or track.event_id != event.id:
            raise ServiceError("track_unknown", _("Choose a track of this event."), "track")
    topic_ids = list(dict.fromkeys(topic_ids))
    topics = (
        list(
            db.session.scalars(
                sa.select(TaxonomyTerm).where(
                    TaxonomyTerm.id.in_(topic_ids),
                    TaxonomyTerm.event_id == event.id,
                    TaxonomyTerm.kind == TaxonomyKind.topic,
                )
            )
        )
        if topic_ids
        else []
    )
    if len(topics) != len(topic_ids):
        raise ServiceError("topic_unknown", _("Choose topics of this event."), "topics")
    speaker_ids = list(dict.fromkeys(speaker_ids))
    if len(speaker_ids) > SPEAKERS_MAX:
        raise _too_many_speakers("speakers")
    outside = set(speaker_ids) - participant_ids(event, speaker_ids)
    if outside:
        names = db.session.scalars(
            sa.select(User.display_name).where(User.id.in_(outside)).order_by(User.display_name)
        )
        raise _not_participants(
            ", ".join(names) or ", ".join(str(i) for i in sorted(outside)), "speakers"
        )
    if capacity is not None and not 1 <= capacity <= CAPACITY_MAX:
        raise ServiceError(
            "capacity_invalid",
            _(
                "Capacity is a number of people from 1 to %(max)d; leave it empty for no limit.",
                max=CAPACITY_MAX,
            ),
            "capacity",
        )
    clashes = find_clashes(event, starts_at, ends_at, room_id, speaker_ids, exclude_session_id)
    if clashes:
        raise ClashError(event, clashes)
    return _Checked(
        title=title,
        abstract=abstract,
        format=format,
        starts_at=starts_at,
        ends_at=ends_at,
        room_id=room_id,
        track_id=track_id,
        topics=topics,
        speaker_ids=speaker_ids,
        capacity=capacity,
        published=bool(published),
    )


def _apply(event: Event, session: ProgramSession, checked: _Checked) -> None:
    session.title = checked.title
    session.abstract = checked.abstract
    session.format = checked.format
    session.starts_at = checked.starts_at
    session.ends_at = checked.ends_at
    session.room_id = checked.room_id
    session.track_id = checked.track_id
    session.topics = checked.topics
    session.capacity = checked.capacity
    session.published = checked.published
    db.session.flush()
    _set_speakers(session, checked.speaker_ids)
    events.ensure_role(event, checked.speaker_ids, EventRoleKind.speaker)
    db.session.flush()
    db.session.expire(session, ["room", "track"])


def create_session(actor: User, event: Event, **fields) -> ProgramSession:
    """Add a session to ``event``'s program.

    ``fields``: ``title``, ``starts_at`` and ``ends_at`` (aware datetimes; see
    ``local_span`` for times typed in the event's zone), and optionally
    ``abstract`` (Markdown), ``format``, ``room_id``, ``track_id``,
    ``topic_ids``, ``speaker_ids`` (in display order), ``capacity`` and
    ``published``. Refuses a room or speaker clash with ``ClashError``.

    Side effects: writes the session, its topics and speakers; gives every
    speaker who lacks it the event's *speaker* role (which lets them attach
    materials and shows them among the speakers). Flushes.
    """
    _require_manager(actor, event)
    checked = _check_session(event, **fields)
    session = ProgramSession(
        event_id=event.id, starts_at=checked.starts_at, ends_at=checked.ends_at
    )
    db.session.add(session)
    _apply(event, session, checked)
    return session


def update_session(actor: User, session: ProgramSession, **fields) -> ProgramSession:
    """Replace a session's fields (the same ones as ``create_session``, all of them).

    Side effects: writes the session, its topics and speakers; gives new
    speakers the event's *speaker* role. A speaker removed from the session
    keeps that role (they may speak elsewhere; the team page removes it).
    Flushes.
    """
    event = session.event
    _require_manager(actor, event)
    checked = _check_session(event, exclude_session_id=session.id, **fields)
    _apply(event, session, checked)
    return session


@dataclass(frozen=True)
class SessionUsage:
    """What deleting a session takes with it."""

    bookmarks: int
    materials: int


def session_usage(session: ProgramSession) -> SessionUsage:
    bookmarks = db.session.scalar(
        sa.select(sa.func.count()).select_from(Bookmark).where(Bookmark.session_id == session.id)
    )
    materials = db.session.scalar(
        sa.select(sa.func.count()).select_from(Material).where(Material.session_id == session.id)
    )
    return SessionUsage(bookmarks=bookmarks or 0, materials=materials or 0)


def delete_session(actor: User, session: ProgramSession) -> None:
    """Delete a session.

    Side effects: deletes the session with its speakers and topics links, the
    participants' bookmarks of it (database cascade) and its materials (ORM
    cascade, so ``conference.services.materials`` removes their files once the
    transaction commits); activity rows keep their history with the session
    cleared. Flushes.
    """
    _require_manager(actor, session.event)
    db.session.delete(session)
    db.session.flush()


@dataclass(frozen=True)
class ProgramFilters:
    """The organizer's session list filters; None means "any"."""

    day: date | None = None
    track_id: int | None = None
    #: Only sessions without a track.
    no_track: bool = False
    room_id: int | None = None
    #: Only sessions without a room.
    no_room: bool = False
    #: True: published only; False: drafts only.
    published: bool | None = None


def program_sessions(event: Event, filters: ProgramFilters | None = None) -> list[ProgramSession]:
    """The sessions of ``event``, drafts included, in time then room order, with their
    room, track, speakers and topics loaded."""
    filters = filters or ProgramFilters()
    query = (
        sa.select(ProgramSession)
        .outerjoin(Room, Room.id == ProgramSession.room_id)
        .where(ProgramSession.event_id == event.id)
        .order_by(
            ProgramSession.starts_at, Room.position, ProgramSession.ends_at, ProgramSession.id
        )
        .options(
            orm.contains_eager(ProgramSession.room),
            orm.joinedload(ProgramSession.track),
            orm.selectinload(ProgramSession.speakers),
            orm.selectinload(ProgramSession.topics),
        )
    )
    if filters.day is not None:
        start, end = local_day_bounds(event, filters.day)
        query = query.where(ProgramSession.starts_at >= start, ProgramSession.starts_at < end)
    if filters.no_track:
        query = query.where(ProgramSession.track_id.is_(None))
    elif filters.track_id is not None:
        query = query.where(ProgramSession.track_id == filters.track_id)
    if filters.no_room:
        query = query.where(ProgramSession.room_id.is_(None))
    elif filters.room_id is not None:
        query = query.where(ProgramSession.room_id == filters.room_id)
    if filters.published is not None:
        query = query.where(ProgramSession.published.is_(filters.published))
    return list(db.session.scalars(query).unique())


@dataclass(frozen=True)
class ProgramCounts:
    total: int
    drafts: int


def program_counts(event: Event) -> ProgramCounts:
    """How many sessions ``event`` has, and how many of them are drafts."""
    total, drafts = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(ProgramSession.published.is_(False)),
        ).where(ProgramSession.event_id == event.id)
    ).one()
    return ProgramCounts(total=total, drafts=drafts)


def bookmark_counts(event: Event) -> dict[int, int]:
    """Bookmarks per session id of ``event`` (sessions nobody bookmarked are absent)."""
    return dict(
        db.session.execute(
            sa.select(Bookmark.session_id, sa.func.count())
            .where(Bookmark.event_id == event.id)
            .group_by(Bookmark.session_id)
        ).all()
    )


def session_of(event: Event, session_id: int) -> ProgramSession | None:
    """The session ``session_id`` if it belongs to ``event`` (drafts included)."""
    return db.session.scalar(
        sa.select(ProgramSession).where(
            ProgramSession.id == session_id, ProgramSession.event_id == event.id
        )
    )


# --- rooms and tracks ----------------------------------------------------------------


def rooms_of(event: Event) -> list[Room]:
    return _in_order(Room, event)


def tracks_of(event: Event) -> list[Track]:
    return _in_order(Track, event)


def _in_order(model: type[Room] | type[Track], event: Event) -> list:
    """The event's rooms or tracks, in the organizers' order."""
    return list(
        db.session.scalars(
            sa.select(model).where(model.event_id == event.id).order_by(model.position, model.id)
        )
    )


def _managed_event_of(actor: User, item: Room | Track) -> Event:
    """The event of a room or track, which ``actor`` must be allowed to plan."""
    event = db.session.get(Event, item.event_id)
    _require_manager(actor, event)
    return event


def _check_name(items: Sequence, name: str, item, taken_message: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("name_missing", _("Type a name."), "name")
    if len(name) > NAME_MAX:
        raise ServiceError(
            "name_too_long", _("Use at most %(num)d characters.", num=NAME_MAX), "name"
        )
    folded = name.casefold()
    if any(other is not item and other.name.casefold() == folded for other in items):
        raise ServiceError("name_taken", taken_message, "name")
    return name


def _check_capacity(capacity: int | None) -> None:
    if capacity is not None and not 1 <= capacity <= CAPACITY_MAX:
        raise ServiceError(
            "capacity_invalid",
            _(
                "Capacity is a number of people from 1 to %(max)d; leave it empty if unknown.",
                max=CAPACITY_MAX,
            ),
            "capacity",
        )


def _usages(event: Event, column) -> dict[int, int]:
    """Sessions of ``event`` per value of ``column`` (a room or track id), None left out."""
    return dict(
        db.session.execute(
            sa.select(column, sa.func.count())
            .where(ProgramSession.event_id == event.id, column.is_not(None))
            .group_by(column)
        ).all()
    )


def _delete_keeping_sessions(event: Event, item: Room | Track, column) -> int:
    """Clear ``column`` of the sessions that use ``item``, delete it and renumber the rest.

    Returns how many sessions were changed.
    """
    affected = db.session.execute(
        sa.update(ProgramSession)
        .where(column == item.id)
        .values({column: None})
        .execution_options(synchronize_session="fetch")
    ).rowcount
    db.session.delete(item)
    db.session.flush()
    ordering.renumber(_in_order(type(item), event))
    return affected


def add_room(actor: User, event: Event, name: str, capacity: int | None = None) -> Room:
    """Add a room at the end of the event's rooms; names are unique per event, ignoring case.

    Side effects: writes a room. Flushes.
    """
    _require_manager(actor, event)
    rooms = rooms_of(event)
    name = _check_name(rooms, name, None, _("There is already a room with this name."))
    _check_capacity(capacity)
    room = Room(event_id=event.id, name=name, capacity=capacity, position=len(rooms))
    db.session.add(room)
    db.session.flush()
    return room


def update_room(actor: User, room: Room, name: str, capacity: int | None = None) -> Room:
    """Rename a room and set its capacity; its sessions follow.

    Side effects: writes the room. Flushes.
    """
    event = _managed_event_of(actor, room)
    room.name = _check_name(
        rooms_of(event), name, room, _("There is already a room with this name.")
    )
    _check_capacity(capacity)
    room.capacity = capacity
    db.session.flush()
    return room


def move_room(actor: User, room: Room, direction: int) -> None:
    """Swap ``room`` with its neighbour before (-1) or after (+1) it.

    Side effects: rewrites the positions of the event's rooms. Flushes.
    """
    ordering.move(rooms_of(_managed_event_of(actor, room)), room, direction)


def room_usages(event: Event) -> dict[int, int]:
    """Sessions per room id of ``event``."""
    return _usages(event, ProgramSession.room_id)


def delete_room(actor: User, room: Room) -> int:
    """Delete a room; its sessions stay in the program without a room.

    Returns how many sessions lost their room.

    Side effects: clears ``room_id`` of the room's sessions, deletes the room
    and renumbers the others. Flushes.
    """
    event = _managed_event_of(actor, room)
    return _delete_keeping_sessions(event, room, ProgramSession.room_id)


def _check_color(color: str) -> str:
    if color not in TRACK_COLORS:
        raise ServiceError("color_unknown", _("Choose a colour from the list."), "color")
    return color


def _check_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ServiceError(
            "description_too_long",
            _("Use at most %(num)d characters.", num=DESCRIPTION_MAX),
            "description",
        )
    return description


def add_track(
    actor: User, event: Event, name: str, color: str | None = None, description: str = ""
) -> Track:
    """Add a track at the end of the event's tracks. Without a colour it gets the first
    one of ``TRACK_COLORS`` no other track uses yet (cycling when all are taken).

    Side effects: writes a track. Flushes.
    """
    _require_manager(actor, event)
    tracks = tracks_of(event)
    name = _check_name(tracks, name, None, _("There is already a track with this name."))
    if color is None:
        used = {t.color for t in tracks}
        free = [c for c in TRACK_COLORS if c not in used]
        color = free[0] if free else TRACK_COLORS[len(tracks) % len(TRACK_COLORS)]
    track = Track(
        event_id=event.id,
        name=name,
        color=_check_color(color),
        description=_check_description(description),
        position=len(tracks),
    )
    db.session.add(track)
    db.session.flush()
    return track


def update_track(actor: User, track: Track, name: str, color: str, description: str = "") -> Track:
    """Rename a track, change its colour and description.

    Side effects: writes the track. Flushes.
    """
    event = _managed_event_of(actor, track)
    track.name = _check_name(
        tracks_of(event), name, track, _("There is already a track with this name.")
    )
    track.color = _check_color(color)
    track.description = _check_description(description)
    db.session.flush()
    return track


def move_track(actor: User, track: Track, direction: int) -> None:
    """Swap ``track`` with its neighbour before (-1) or after (+1) it.

    Side effects: rewrites the positions of the event's tracks. Flushes.
    """
    ordering.move(tracks_of(_managed_event_of(actor, track)), track, direction)


def track_usages(event: Event) -> dict[int, int]:
    """Sessions per track id of ``event``."""
    return _usages(event, ProgramSession.track_id)


def delete_track(actor: User, track: Track) -> int:
    """Delete a track; its sessions stay in the program without a track.

    Returns how many sessions lost their track.

    Side effects: clears ``track_id`` of the track's sessions, deletes the
    track and renumbers the others. Flushes.
    """
    event = _managed_event_of(actor, track)
    return _delete_keeping_sessions(event, track, ProgramSession.track_id)
