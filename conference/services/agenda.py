"""The program as participants see it: the agenda of a day, "now / next", bookmarks
and one's own agenda.

Times are stored in UTC and grouped by the day they have in the event's own
time zone (``conference.services.program.local_day_bounds``), whatever the
server's or the viewer's zone. "Now" and "next" are computed from a moment the
caller passes (``now``, aware UTC), so pages and tests choose the clock.

Cost of ``agenda_day``, whatever the filters: one query for the day's
sessions with their room, track, bookmark count (a correlated count over the
``ix_bookmarks_session_id`` index) and whether the viewer bookmarked them
(the abstracts, which cards do not show, are not loaded); one for their
speakers; one for their topics; and one for "next" when the day shown is
today. Speakers and topics come back as small value objects (``Speaker``,
``Topic``) rather than ORM entities: a day lists hundreds of them, and
building full users with their profiles cost more than the queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm
from sqlalchemy.exc import IntegrityError

from conference.enums import ActivityKind
from conference.extensions import db
from conference.models import (
    Activity,
    Bookmark,
    Event,
    Meeting,
    ProgramSession,
    Room,
    TaxonomyTerm,
    Track,
    User,
    session_speakers,
    session_topics,
)
from conference.models.types import utcnow
from conference.services import ServiceError, activity, matchmaking
from conference.services.program import event_days, local_day_bounds, utc_to_local

#: Views of the same session by the same person within this time count once.
VIEW_WINDOW = timedelta(minutes=30)

NOW = "now"
NEXT = "next"


@dataclass(frozen=True)
class Speaker:
    """A speaker as the program lists them (a user of the event)."""

    id: int
    display_name: str


@dataclass(frozen=True)
class Topic:
    """A topic of the event's vocabulary, as the program lists it."""

    id: int
    name: str


@dataclass(frozen=True)
class AgendaItem:
    """One session on the agenda, with what its card shows."""

    session: ProgramSession
    room: Room | None
    track: Track | None
    speakers: list[Speaker]
    topics: list[Topic]
    #: Bookmarks of the session; None when the caller did not ask for counts.
    bookmark_count: int | None
    #: The viewer has it on their agenda.
    bookmarked: bool
    #: ``NOW`` while it runs, ``NEXT`` for the next sessions to start today, else None.
    live: str | None = None


@dataclass(frozen=True)
class AgendaSlot:
    """The sessions that start at the same moment."""

    starts_at: datetime
    items: list[AgendaItem]


@dataclass(frozen=True)
class AgendaDay:
    day: date
    #: Every day of the event, in its own time zone.
    days: list[date]
    slots: list[AgendaSlot]

    @property
    def items(self) -> list[AgendaItem]:
        return [item for slot in self.slots for item in slot.items]


@dataclass(frozen=True)
class AgendaFilters:
    """What the agenda can be filtered by: the event's tracks, and the topics and
    speakers that occur in its (visible) program."""

    tracks: list[Track]
    topics: list[TaxonomyTerm]
    speakers: list[Speaker]


@dataclass
class MyAgendaItem:
    session: ProgramSession
    room: Room | None
    track: Track | None
    speakers: list[Speaker]
    #: The day the session starts, in the event's time zone.
    day: date
    #: Other sessions on the same agenda that overlap this one, in time order.
    overlaps: list[ProgramSession] = field(default_factory=list)
    #: The person's meetings at the same time (filled by ``with_meetings``).
    meetings: list[MyMeetingItem] = field(default_factory=list)


@dataclass
class MyMeetingItem:
    """A pending or accepted 1:1 meeting on the person's agenda, among their sessions."""

    meeting: Meeting
    #: The person met.
    other: User
    day: date
    #: Bookmarked sessions at the same time (booked later, or a meeting still pending).
    overlaps: list[ProgramSession] = field(default_factory=list)

    @property
    def starts_at(self) -> datetime:
        return self.meeting.starts_at


@dataclass(frozen=True)
class BookmarkState:
    bookmarked: bool
    #: Bookmarks of the session after the change.
    count: int
    #: False when the session already was in the wanted state.
    changed: bool


# --- days and the clock -------------------------------------------------------------


def default_day(event: Event, now: datetime) -> date:
    """Today in the event's zone while the event runs, else its first day."""
    today = utc_to_local(event, now).date()
    return today if today in event_days(event) else event.starts_on


def live_state(
    session: ProgramSession, now: datetime | None, next_at: datetime | None
) -> str | None:
    """``NOW`` while ``session`` runs at ``now``, ``NEXT`` if it starts at ``next_at``."""
    if now is None:
        return None
    if session.starts_at <= now < session.ends_at:
        return NOW
    if next_at is not None and session.starts_at == next_at:
        return NEXT
    return None


def next_start(event: Event, now: datetime, *, include_drafts: bool = False) -> datetime | None:
    """When the next sessions of ``event`` start, if that is later today (event's zone)."""
    today = utc_to_local(event, now).date()
    if today not in event_days(event):
        return None
    _start, end_of_day = local_day_bounds(event, today)
    query = sa.select(sa.func.min(ProgramSession.starts_at)).where(
        ProgramSession.event_id == event.id,
        ProgramSession.starts_at > now,
        ProgramSession.starts_at < end_of_day,
    )
    if not include_drafts:
        query = query.where(ProgramSession.published.is_(True))
    return db.session.scalar(query)


# --- the agenda ---------------------------------------------------------------------------


def bookmark_count_column() -> sa.ScalarSelect:
    return (
        sa.select(sa.func.count())
        .select_from(Bookmark)
        .where(Bookmark.session_id == ProgramSession.id)
        .scalar_subquery()
    )


def speakers_of(session_ids: list[int]) -> dict[int, list[Speaker]]:
    """Speakers per session id, in their order on the session."""
    found: dict[int, list[Speaker]] = {}
    if not session_ids:
        return found
    for session_id, user_id, name in db.session.execute(
        sa.select(session_speakers.c.session_id, User.id, User.display_name)
        .join(User, User.id == session_speakers.c.user_id)
        .where(session_speakers.c.session_id.in_(session_ids))
        .order_by(session_speakers.c.session_id, session_speakers.c.position, User.id)
    ):
        found.setdefault(session_id, []).append(Speaker(user_id, name))
    return found


def topics_of(session_ids: list[int]) -> dict[int, list[Topic]]:
    """Topics per session id, in the event's topic order."""
    found: dict[int, list[Topic]] = {}
    if not session_ids:
        return found
    for session_id, term_id, name in db.session.execute(
        sa.select(session_topics.c.session_id, TaxonomyTerm.id, TaxonomyTerm.name)
        .join(TaxonomyTerm, TaxonomyTerm.id == session_topics.c.term_id)
        .where(session_topics.c.session_id.in_(session_ids))
        .order_by(session_topics.c.session_id, TaxonomyTerm.position, TaxonomyTerm.id)
    ):
        found.setdefault(session_id, []).append(Topic(term_id, name))
    return found


def agenda_day(
    event: Event,
    day: date,
    *,
    track_ids: Iterable[int] = (),
    topic_ids: Iterable[int] = (),
    speaker_ids: Iterable[int] = (),
    viewer: User | None = None,
    include_drafts: bool = False,
    now: datetime | None = None,
    with_counts: bool = True,
) -> AgendaDay:
    """The sessions of ``event`` starting on ``day`` (in its zone), grouped by start time.

    Filters combine: a session must be in one of ``track_ids``, have one of
    ``topic_ids`` and one of ``speaker_ids`` (each when given). Drafts only
    with ``include_drafts`` (organizers). Within a start time, sessions follow
    the rooms' order (sessions without a room last). With ``now``, items are
    marked ``NOW`` / ``NEXT``. Bookmark counts (for organizers) cost a count
    per session over the bookmarks; ``with_counts=False`` skips them.
    """
    start, end = local_day_bounds(event, day)
    signed_in = viewer is not None and getattr(viewer, "is_authenticated", False)
    mine = (
        sa.exists().where(Bookmark.session_id == ProgramSession.id, Bookmark.user_id == viewer.id)
        if signed_in
        else sa.false()
    )
    query = (
        sa.select(
            ProgramSession,
            Room,
            Track,
            (bookmark_count_column() if with_counts else sa.null()).label("bookmarks"),
            mine.label("mine"),
        )
        .outerjoin(Room, Room.id == ProgramSession.room_id)
        .outerjoin(Track, Track.id == ProgramSession.track_id)
        .where(
            ProgramSession.event_id == event.id,
            ProgramSession.starts_at >= start,
            ProgramSession.starts_at < end,
        )
        .order_by(
            ProgramSession.starts_at,
            Room.id.is_(None),
            Room.position,
            ProgramSession.ends_at,
            ProgramSession.id,
        )
        .options(orm.defer(ProgramSession.abstract))
    )
    if not include_drafts:
        query = query.where(ProgramSession.published.is_(True))
    if track_ids := sorted(set(track_ids)):
        query = query.where(ProgramSession.track_id.in_(track_ids))
    if topic_ids := sorted(set(topic_ids)):
        query = query.where(
            sa.exists().where(
                session_topics.c.session_id == ProgramSession.id,
                session_topics.c.term_id.in_(topic_ids),
            )
        )
    if speaker_ids := sorted(set(speaker_ids)):
        query = query.where(
            sa.exists().where(
                session_speakers.c.session_id == ProgramSession.id,
                session_speakers.c.user_id.in_(speaker_ids),
            )
        )
    rows = db.session.execute(query).all()
    ids = [row.ProgramSession.id for row in rows]
    speakers = speakers_of(ids)
    topics = topics_of(ids)
    next_at = None
    if now is not None and utc_to_local(event, now).date() == day:
        next_at = next_start(event, now, include_drafts=include_drafts)

    slots: list[AgendaSlot] = []
    for row in rows:
        session = row.ProgramSession
        item = AgendaItem(
            session=session,
            room=row.Room,
            track=row.Track,
            speakers=speakers.get(session.id, []),
            topics=topics.get(session.id, []),
            bookmark_count=row.bookmarks,
            bookmarked=bool(row.mine),
            live=live_state(session, now, next_at),
        )
        if slots and slots[-1].starts_at == session.starts_at:
            slots[-1].items.append(item)
        else:
            slots.append(AgendaSlot(starts_at=session.starts_at, items=[item]))
    return AgendaDay(day=day, days=event_days(event), slots=slots)


def agenda_filters(event: Event, *, include_drafts: bool = False) -> AgendaFilters:
    """The choices of the agenda's filters (see ``AgendaFilters``)."""
    visible = sa.select(ProgramSession.id).where(ProgramSession.event_id == event.id)
    if not include_drafts:
        visible = visible.where(ProgramSession.published.is_(True))
    tracks = db.session.scalars(
        sa.select(Track).where(Track.event_id == event.id).order_by(Track.position, Track.id)
    ).all()
    topics = db.session.scalars(
        sa.select(TaxonomyTerm)
        .where(
            TaxonomyTerm.id.in_(
                sa.select(session_topics.c.term_id).where(session_topics.c.session_id.in_(visible))
            )
        )
        .order_by(TaxonomyTerm.position, TaxonomyTerm.id)
    ).all()
    speakers = [
        Speaker(user_id, name)
        for user_id, name in db.session.execute(
            sa.select(User.id, User.display_name).where(
                User.id.in_(
                    sa.select(session_speakers.c.user_id).where(
                        session_speakers.c.session_id.in_(visible)
                    )
                )
            )
        )
    ]
    return AgendaFilters(
        tracks=list(tracks),
        topics=list(topics),
        speakers=sorted(speakers, key=lambda person: (person.display_name.casefold(), person.id)),
    )


def bookmark_count(session: ProgramSession) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Bookmark).where(Bookmark.session_id == session.id)
    )


def is_bookmarked(user: User, session: ProgramSession) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        db.session.scalar(
            sa.select(Bookmark.id).where(
                Bookmark.user_id == user.id, Bookmark.session_id == session.id
            )
        )
        is not None
    )


# --- bookmarks --------------------------------------------------------------------------


def toggle_bookmark(user: User, session: ProgramSession, on: bool) -> BookmarkState:
    """Put ``session`` on ``user``'s agenda (``on``) or take it off.

    Idempotent: asking for the state it already has changes nothing and records
    nothing, also when two requests race (the unique constraint on
    user and session decides; the loser's insert is rolled back to a savepoint).
    Only published sessions can be added.

    Side effects: writes or deletes the bookmark and records a ``bookmark`` /
    ``unbookmark`` activity in the same transaction; on a change, marks the suggestion
    lists depending on the person's bookmarks stale. Flushes.
    """
    changed = False
    if on:
        if not session.published:
            raise ServiceError("session_draft", _("This session is not in the program yet."))
        if not is_bookmarked(user, session):
            try:
                with db.session.begin_nested():
                    db.session.execute(
                        sa.insert(Bookmark).values(
                            event_id=session.event_id, user_id=user.id, session_id=session.id
                        )
                    )
                    activity.record(user, session.event, ActivityKind.bookmark, session=session)
                changed = True
            except IntegrityError:
                changed = False
    else:
        deleted = db.session.execute(
            sa.delete(Bookmark).where(
                Bookmark.user_id == user.id, Bookmark.session_id == session.id
            )
        ).rowcount
        if deleted:
            activity.record(user, session.event, ActivityKind.unbookmark, session=session)
            changed = True
    db.session.flush()
    if changed:
        matchmaking.mark_stale(session.event_id, user.id)  # matchmaking: bookmarks in common
    return BookmarkState(bookmarked=on, count=bookmark_count(session), changed=changed)


def record_session_view(viewer: User, session: ProgramSession) -> bool:
    """Record that ``viewer`` opened ``session``'s page, unless they did within the
    last ``VIEW_WINDOW`` (a reload is not a second view). True if a row was written.

    Side effects: may write a ``session_view`` activity. Flushes.
    """
    seen = db.session.scalar(
        sa.select(Activity.id)
        .where(
            Activity.event_id == session.event_id,
            Activity.user_id == viewer.id,
            Activity.kind == ActivityKind.session_view,
            Activity.session_id == session.id,
            Activity.created_at > utcnow() - VIEW_WINDOW,
        )
        .limit(1)
    )
    if seen is not None:
        return False
    activity.record(viewer, session.event, ActivityKind.session_view, session=session)
    return True


# --- my agenda ------------------------------------------------------------------------


def my_agenda(event: Event, user: User) -> list[MyAgendaItem]:
    """The published sessions ``user`` bookmarked in ``event``, in time order, each
    with the others it overlaps (``a.start < b.end and b.start < a.end``: a session
    may start when the previous one ends).

    This list is what calendar exports are made of.
    """
    rows = db.session.execute(
        sa.select(ProgramSession, Room, Track)
        .join(Bookmark, Bookmark.session_id == ProgramSession.id)
        .outerjoin(Room, Room.id == ProgramSession.room_id)
        .outerjoin(Track, Track.id == ProgramSession.track_id)
        .where(
            Bookmark.event_id == event.id,
            Bookmark.user_id == user.id,
            ProgramSession.event_id == event.id,
            ProgramSession.published.is_(True),
        )
        .order_by(ProgramSession.starts_at, ProgramSession.ends_at, ProgramSession.id)
    ).all()
    speakers = speakers_of([row.ProgramSession.id for row in rows])
    items = [
        MyAgendaItem(
            session=row.ProgramSession,
            room=row.Room,
            track=row.Track,
            speakers=speakers.get(row.ProgramSession.id, []),
            day=utc_to_local(event, row.ProgramSession.starts_at).date(),
        )
        for row in rows
    ]
    for index, item in enumerate(items):
        for later in items[index + 1 :]:
            if later.session.starts_at >= item.session.ends_at:
                break
            item.overlaps.append(later.session)
            later.overlaps.append(item.session)
    for item in items:
        item.overlaps.sort(key=lambda s: (s.starts_at, s.ends_at, s.id))
    return items


def with_meetings(
    event: Event, user: User, sessions: list[MyAgendaItem], meetings: Iterable[Meeting]
) -> list[MyAgendaItem | MyMeetingItem]:
    """``my_agenda``'s sessions and ``user``'s open meetings in one time order, each
    meeting with the sessions it overlaps (a meeting is booked around sessions marked
    "attending", but a bookmark may come later)."""
    merged: list[MyAgendaItem | MyMeetingItem] = list(sessions)
    for meeting in meetings:
        other = meeting.invitee if meeting.requester_id == user.id else meeting.requester
        item = MyMeetingItem(
            meeting=meeting, other=other, day=utc_to_local(event, meeting.starts_at).date()
        )
        for entry in sessions:
            session = entry.session
            if session.starts_at < meeting.ends_at and meeting.starts_at < session.ends_at:
                item.overlaps.append(session)
                entry.meetings.append(item)
        merged.append(item)
    merged.sort(key=_start_of)
    return merged


def _start_of(entry: MyAgendaItem | MyMeetingItem) -> datetime:
    return entry.starts_at if isinstance(entry, MyMeetingItem) else entry.session.starts_at


def by_day(
    items: Iterable[MyAgendaItem | MyMeetingItem],
) -> list[tuple[date, list[MyAgendaItem | MyMeetingItem]]]:
    """``my_agenda``'s items (with meetings or not) grouped by their day, in order."""
    days: list[tuple[date, list[MyAgendaItem | MyMeetingItem]]] = []
    for item in items:
        if days and days[-1][0] == item.day:
            days[-1][1].append(item)
        else:
            days.append((item.day, [item]))
    return days
