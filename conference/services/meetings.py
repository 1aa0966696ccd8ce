"""1:1 meetings between participants: the slots two people can meet in, and every change
of a meeting (request, accept, decline, propose another slot, reschedule, cancel).

**Slots.** The organizer sets meeting hours per day as wall-clock times in the event's
zone (``conference.services.meeting_settings``) and a slot length. A day's window runs
from ``local_to_utc(day + start)`` to ``local_to_utc(day + end)`` and is cut into slots
of real elapsed time, so the day the clocks go back has an hour more of slots and the
day they go forward an hour less. A slot is offered to two people when it is in the
future, neither of them has an accepted meeting then (in any event: a person cannot be
in two places) nor a published session they bookmarked as attending, and at least one
of the event's places has room (a place without capacity has room for any number).

**No double booking.** A pending request does not hold its slot; an accepted meeting
does. Every change first locks both people's rows and the place's row (``SELECT ...
FOR NO KEY UPDATE`` on PostgreSQL, always users before places and in id order, so two
changes never wait for each other crosswise; inserts that merely reference those rows
are not blocked). SQLite transactions begin ``IMMEDIATE`` (``conference.web``), which
serializes writers anyway. Under the lock the meeting is read again and the overlaps of
both people's accepted meetings and the place's count are checked before anything is
written, so of two accepts racing for one slot exactly one succeeds.

**Notices.** After commit the other person gets an email in their language with an
iCalendar invitation (``METHOD:REQUEST`` while the meeting stands, ``METHOD:CANCEL``
once it is declined or cancelled; both people get the ``REQUEST`` on acceptance) and a
live ``meeting_changed`` event in their socket room. The acting person's own sockets
hear of it too (without a notice text), so their other tabs stay current.

Callers check nothing themselves: each state change checks its permission rule
(``meeting.request``, ``meeting.respond``, ``meeting.change``, ``meeting.cancel``) and
raises ``ServiceError`` on refusal. Functions flush and never commit.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import format_date, gettext
from sqlalchemy.orm import joinedload

from conference.enums import ActivityKind, MeetingStatus, NotificationKind
from conference.extensions import db, socketio
from conference.models import (
    Bookmark,
    Event,
    Meeting,
    MeetingPlace,
    ProgramSession,
    User,
)
from conference.models.types import utcnow
from conference.permissions import can
from conference.services import (
    ServiceError,
    activity,
    aftercommit,
    calendars,
    mail,
    notifications,
    sponsors,
)
from conference.services.meeting_settings import hours_of, places_of
from conference.services.messaging import user_room
from conference.services.program import clock, event_days, local_to_utc, utc_to_local

#: The longest message sent with a request (the column's size).
MESSAGE_MAX = 1000
#: The longest note given with a decline, a proposal, a reschedule or a cancellation.
NOTE_MAX = 500

#: States in which a meeting still stands (and is shown on the calendars).
OPEN_STATES = (MeetingStatus.pending, MeetingStatus.accepted)


def now() -> datetime:
    """The present moment; ``app.config["CLOCK"]`` replaces it in tests and demos."""
    return current_app.config.get("CLOCK", utcnow)()


# --- slots ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A time two people can meet at, and the places that still have room then."""

    #: The meeting day (in the event's zone) whose hours the slot belongs to.
    day: date
    starts_at: datetime
    ends_at: datetime
    places: tuple[MeetingPlace, ...] = field(default=())

    @property
    def key(self) -> str:
        """The slot's start as a form value: an ISO 8601 UTC timestamp."""
        return slot_key(self.starts_at)

    @property
    def place_ids(self) -> frozenset[int]:
        return frozenset(place.id for place in self.places)


def slot_key(starts_at: datetime) -> str:
    return starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_slot_key(value: str | None) -> datetime | None:
    """The UTC start a form sent (see ``Slot.key``), or None when it is not one."""
    try:
        parsed = datetime.strptime(value or "", "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC)


def meeting_days(event: Event) -> list[date]:
    """The days of ``event`` that have meeting hours, in order."""
    days = set(event_days(event))
    return [day for day in hours_of(event) if day in days]


def _grid(event: Event, days: Iterable[date] | None) -> list[tuple[date, datetime, datetime]]:
    """Every slot of the meeting hours on ``days`` (all meeting days when None), taken
    or not: (day, start, end) in UTC, in time order."""
    hours = hours_of(event)
    event_dates = set(event_days(event))
    wanted = sorted(hours) if days is None else sorted(set(days))
    step = timedelta(minutes=event.meeting_slot_minutes)
    slots: list[tuple[date, datetime, datetime]] = []
    if step <= timedelta(0):
        return slots
    for day in wanted:
        row = hours.get(day)
        if row is None or day not in event_dates:
            continue
        window_start = local_to_utc(event, datetime.combine(day, row.starts_at))
        window_end = local_to_utc(event, datetime.combine(day, row.ends_at))
        start = window_start
        while start + step <= window_end:
            slots.append((day, start, start + step))
            start += step
    return slots


def _overlaps(start: datetime, end: datetime, intervals: Sequence[tuple[datetime, datetime]]):
    return any(other_start < end and start < other_end for other_start, other_end in intervals)


def _busy_times(
    user_ids: Sequence[int], start: datetime, end: datetime, exclude_meeting_id: int | None
) -> list[tuple[datetime, datetime]]:
    """When any of ``user_ids`` is taken between ``start`` and ``end``: published sessions
    they bookmarked as attending and their accepted meetings (any event), in two queries."""
    sessions = db.session.execute(
        sa.select(ProgramSession.starts_at, ProgramSession.ends_at)
        .join(Bookmark, Bookmark.session_id == ProgramSession.id)
        .where(
            Bookmark.user_id.in_(user_ids),
            Bookmark.attending,
            ProgramSession.published,
            ProgramSession.starts_at < end,
            ProgramSession.ends_at > start,
        )
    ).all()
    meetings = sa.select(Meeting.starts_at, Meeting.ends_at).where(
        Meeting.status == MeetingStatus.accepted,
        sa.or_(Meeting.requester_id.in_(user_ids), Meeting.invitee_id.in_(user_ids)),
        Meeting.starts_at < end,
        Meeting.ends_at > start,
    )
    if exclude_meeting_id is not None:
        meetings = meetings.where(Meeting.id != exclude_meeting_id)
    return [(s, e) for s, e in sessions] + [(s, e) for s, e in db.session.execute(meetings)]


def _place_bookings(
    places: Sequence[MeetingPlace],
    start: datetime,
    end: datetime,
    exclude_meeting_id: int | None,
) -> dict[int, list[tuple[datetime, datetime]]]:
    """The accepted meetings of each limited place between ``start`` and ``end``."""
    limited = [place.id for place in places if place.capacity is not None]
    booked: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    if not limited:
        return booked
    query = sa.select(Meeting.place_id, Meeting.starts_at, Meeting.ends_at).where(
        Meeting.status == MeetingStatus.accepted,
        Meeting.place_id.in_(limited),
        Meeting.starts_at < end,
        Meeting.ends_at > start,
    )
    if exclude_meeting_id is not None:
        query = query.where(Meeting.id != exclude_meeting_id)
    for place_id, s, e in db.session.execute(query):
        booked[place_id].append((s, e))
    return booked


def _has_room(place: MeetingPlace, start: datetime, end: datetime, booked: dict[int, list]) -> bool:
    if place.capacity is None:
        return True
    taken = sum(1 for s, e in booked.get(place.id, ()) if s < end and start < e)
    return taken < place.capacity


def free_slots(
    event: Event,
    requester: User,
    invitee: User,
    day: date | None = None,
    *,
    at: datetime | None = None,
    exclude_meeting: Meeting | None = None,
) -> list[Slot]:
    """The slots of ``event`` (on ``day``, or every meeting day) free for both people,
    each with the places that have room then, in time order.

    ``at`` is "now" (slots starting before it are not offered); ``exclude_meeting`` is a
    meeting being moved, which must not stand in its own way. A fixed handful of
    queries, however many slots the hours hold.
    """
    grid = _grid(event, None if day is None else [day])
    current = at or now()
    grid = [slot for slot in grid if slot[1] > current]
    if not grid:
        return []
    places = places_of(event)
    if not places:
        return []
    start, end = grid[0][1], grid[-1][2]
    exclude_id = exclude_meeting.id if exclude_meeting is not None else None
    busy = _busy_times([requester.id, invitee.id], start, end, exclude_id)
    booked = _place_bookings(places, start, end, exclude_id)
    offered: list[Slot] = []
    for slot_day, slot_start, slot_end in grid:
        if _overlaps(slot_start, slot_end, busy):
            continue
        with_room = tuple(p for p in places if _has_room(p, slot_start, slot_end, booked))
        if with_room:
            offered.append(Slot(slot_day, slot_start, slot_end, with_room))
    return offered


# --- reading ----------------------------------------------------------------------------


def _with_people(query):
    return query.options(
        joinedload(Meeting.requester).selectinload(User.profile),
        joinedload(Meeting.invitee).selectinload(User.profile),
        joinedload(Meeting.place),
    )


def meetings_of(event: Event, user: User) -> list[Meeting]:
    """``user``'s accepted and pending meetings in ``event``, in time order."""
    return list(
        db.session.scalars(
            _with_people(
                sa.select(Meeting).where(
                    Meeting.event_id == event.id,
                    sa.or_(Meeting.requester_id == user.id, Meeting.invitee_id == user.id),
                    Meeting.status.in_(OPEN_STATES),
                )
            ).order_by(Meeting.starts_at, Meeting.id)
        )
    )


def pending_for(user: User, event: Event | None = None, *, at: datetime | None = None) -> int:
    """How many requests wait for ``user``'s answer (in ``event``, or in all events).

    Requests whose time has passed no longer count: they can only be cancelled.
    """
    query = (
        sa.select(sa.func.count())
        .select_from(Meeting)
        .where(
            Meeting.awaiting_id == user.id,
            Meeting.status == MeetingStatus.pending,
            Meeting.starts_at > (at or now()),
        )
    )
    if event is not None:
        query = query.where(Meeting.event_id == event.id)
    return db.session.scalar(query) or 0


@dataclass(frozen=True)
class MyMeetings:
    """One person's meetings in one event, as the "My meetings" page groups them."""

    #: Pending requests whose answer is mine, soonest first.
    awaiting_me: list[Meeting]
    #: Pending requests waiting for the other person's answer.
    awaiting_them: list[Meeting]
    #: Accepted meetings still to come.
    upcoming: list[Meeting]
    #: Past meetings and those declined or cancelled, newest first.
    history: list[Meeting]

    @property
    def empty(self) -> bool:
        return not (self.awaiting_me or self.awaiting_them or self.upcoming or self.history)


def my_meetings(event: Event, user: User, *, at: datetime | None = None) -> MyMeetings:
    """Every meeting of ``user`` in ``event``, grouped for the "My meetings" page."""
    current = at or now()
    rows = db.session.scalars(
        _with_people(
            sa.select(Meeting).where(
                Meeting.event_id == event.id,
                sa.or_(Meeting.requester_id == user.id, Meeting.invitee_id == user.id),
            )
        ).order_by(Meeting.starts_at, Meeting.id)
    ).all()
    awaiting_me, awaiting_them, upcoming, history = [], [], [], []
    for meeting in rows:
        if meeting.status not in OPEN_STATES or meeting.ends_at <= current:
            history.append(meeting)
        elif meeting.status == MeetingStatus.accepted:
            upcoming.append(meeting)
        elif meeting.starts_at <= current:
            history.append(meeting)
        elif meeting.awaiting_id == user.id:
            awaiting_me.append(meeting)
        else:
            awaiting_them.append(meeting)
    history.reverse()
    return MyMeetings(awaiting_me, awaiting_them, upcoming, history)


def meeting_of(event: Event, meeting_id: int) -> Meeting | None:
    """Meeting ``meeting_id`` if it belongs to ``event``."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        return None
    return meeting


# --- checks under lock ---------------------------------------------------------------------


def _lock_people(user_ids: Iterable[int]) -> None:
    """Lock the people's rows for the rest of the transaction, in id order.

    ``FOR NO KEY UPDATE`` on PostgreSQL: another change of a meeting of the same people
    waits here until this transaction ends, while inserts that only reference those rows
    (messages, bookmarks) go on. SQLite renders no lock clause; its transactions begin
    ``IMMEDIATE``, so writers are already one at a time. People are always locked before
    places, so two transactions never wait for each other crosswise.
    """
    ids = sorted(set(user_ids))
    db.session.execute(
        sa.select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update(key_share=True)
    ).all()


def _lock_place(place_id: int | None) -> None:
    """Lock the place's row (after the people's): its count of meetings holds until commit."""
    if place_id is None:
        return
    db.session.execute(
        sa.select(MeetingPlace.id)
        .where(MeetingPlace.id == place_id)
        .with_for_update(key_share=True)
    ).all()


def _lock_meeting(meeting: Meeting) -> None:
    """Lock the meeting's two people, then read the meeting again: whatever a concurrent
    change of it committed meanwhile (they lock the same people) is what the checks see."""
    _lock_people((meeting.requester_id, meeting.invitee_id))
    db.session.refresh(meeting)


def _clean(text: str | None, limit: int, name: str) -> str:
    value = (text or "").strip()
    if len(value) > limit:
        raise ServiceError(
            "too_long", gettext("At most %(max)d characters, please.", max=limit), field=name
        )
    return value


def _event_place(event: Event, place_id: int | None) -> MeetingPlace:
    place = db.session.get(MeetingPlace, place_id) if place_id is not None else None
    if place is None or place.event_id != event.id or place.retired:
        raise ServiceError("place_invalid", gettext("Choose one of the meeting places."), "place")
    return place


def _place_full(place: MeetingPlace) -> ServiceError:
    return ServiceError(
        "place_full",
        gettext(
            "%(place)s is fully booked at that time. Choose another place or time.",
            place=place.name,
        ),
        "place",
    )


def _check_slot(
    event: Event,
    requester: User,
    invitee: User,
    starts_at: datetime | None,
    place_id: int | None,
    exclude: Meeting | None = None,
) -> tuple[datetime, datetime, MeetingPlace]:
    """The slot starting at ``starts_at`` and the place, if both people may meet there;
    else the refusal that says why. Run it with the people and the place locked."""
    if starts_at is None:
        raise ServiceError("slot_missing", gettext("Choose a time."), "slot")
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be an aware datetime")
    current = now()
    if starts_at <= current:
        raise ServiceError(
            "slot_past", gettext("This time has passed. Choose another one."), "slot"
        )
    day = utc_to_local(event, starts_at).date()
    on_grid = next((s for s in _grid(event, [day]) if s[1] == starts_at), None)
    if on_grid is None:
        raise ServiceError(
            "slot_invalid", gettext("Choose one of the times offered for meetings."), "slot"
        )
    place = _event_place(event, place_id)
    slot = next(
        (
            s
            for s in free_slots(event, requester, invitee, day, at=current, exclude_meeting=exclude)
            if s.starts_at == starts_at
        ),
        None,
    )
    if slot is None:
        if _place_has_room(place, starts_at, on_grid[2], exclude):
            raise ServiceError(
                "slot_taken",
                gettext("This time is no longer free for both of you. Choose another one."),
                "slot",
            )
        raise _place_full(place)
    if place.id not in slot.place_ids:
        raise _place_full(place)
    return slot.starts_at, slot.ends_at, place


def _place_has_room(
    place: MeetingPlace, start: datetime, end: datetime, exclude: Meeting | None
) -> bool:
    """Whether ``place`` has room then (tells "one of you is busy" from "it is full")."""
    booked = _place_bookings([place], start, end, exclude.id if exclude else None)
    return _has_room(place, start, end, booked)


def _check_still_free(meeting: Meeting) -> None:
    """Before a meeting is accepted: neither person holds another accepted meeting at
    its time and its place has room. Run it with the people and the place locked."""
    people = (meeting.requester_id, meeting.invitee_id)
    clash = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Meeting)
        .where(
            Meeting.id != meeting.id,
            Meeting.status == MeetingStatus.accepted,
            sa.or_(Meeting.requester_id.in_(people), Meeting.invitee_id.in_(people)),
            Meeting.starts_at < meeting.ends_at,
            Meeting.ends_at > meeting.starts_at,
        )
    )
    if clash:
        raise ServiceError(
            "slot_taken",
            gettext("One of you already has a meeting at this time. Propose another time instead."),
        )
    place = db.session.get(MeetingPlace, meeting.place_id)
    if not _place_has_room(place, meeting.starts_at, meeting.ends_at, meeting):
        raise _place_full(place)


def _open_request_between(event: Event, a_id: int, b_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Meeting)
            .where(
                Meeting.event_id == event.id,
                Meeting.status == MeetingStatus.pending,
                Meeting.starts_at > now(),
                sa.or_(
                    sa.and_(Meeting.requester_id == a_id, Meeting.invitee_id == b_id),
                    sa.and_(Meeting.requester_id == b_id, Meeting.invitee_id == a_id),
                ),
            )
        )
        > 0
    )


# --- state changes ---------------------------------------------------------------------------


def request_meeting(
    actor: User,
    event: Event,
    invitee: User,
    starts_at: datetime | None,
    place_id: int | None,
    message: str | None,
) -> Meeting:
    """``actor`` asks ``invitee`` to meet in ``event`` at the slot starting ``starts_at``,
    at place ``place_id``, with ``message``.

    Refused unless ``meeting.request`` allows it, the slot is one ``free_slots`` offers
    both (checked with both people and the place locked), the place has room, no
    other request between the two is still open in the event, and, when ``actor`` is a
    sponsor's staff, the sponsor's meeting-request quota is not used up.

    Side effects: writes a pending ``Meeting`` awaiting the invitee; counts it against
    the quota of ``actor``'s sponsor, if any (``sponsors.count_meeting_request``); records
    ``meeting_request`` activity for ``actor``; after commit emails the invitee an
    invitation (``METHOD:REQUEST``) and emits ``meeting_changed`` to both people.
    """
    if not can(actor, "meeting.request", (event, invitee)):
        raise ServiceError("forbidden", gettext("You cannot request a meeting with this person."))
    text = _clean(message, MESSAGE_MAX, "message")
    _lock_people((actor.id, invitee.id))
    _lock_place(place_id)
    if _open_request_between(event, actor.id, invitee.id):
        raise ServiceError(
            "already_requested",
            gettext(
                "A meeting request between you and %(name)s is already waiting for an answer.",
                name=invitee.display_name,
            ),
        )
    starts, ends, place = _check_slot(event, actor, invitee, starts_at, place_id)
    sponsors.count_meeting_request(actor, event)
    meeting = Meeting(
        event_id=event.id,
        requester_id=actor.id,
        invitee_id=invitee.id,
        starts_at=starts,
        ends_at=ends,
        place_id=place.id,
        status=MeetingStatus.pending,
        awaiting_id=invitee.id,
        message=text,
        note="",
        changed_by_id=actor.id,
        sequence=0,
    )
    db.session.add(meeting)
    db.session.flush()
    activity.record(actor, event, ActivityKind.meeting_request)
    _notify(meeting, actor, "request")
    return meeting


def accept(actor: User, meeting: Meeting) -> None:
    """The person ``meeting`` waits for accepts its slot and place.

    Refused unless ``meeting.respond`` allows it (checked again after locking), the slot
    is still to come and still fits the organizer's settings, neither person holds
    another accepted meeting at that time and the place has room, all checked with both
    people and the place locked, so two acceptances racing for one slot or the last seat
    of a table never both succeed.

    Side effects: writes status accepted (nobody awaited, note cleared); records
    ``meeting_accepted`` activity for ``actor``; after commit emails both people the
    invitation (``METHOD:REQUEST``, both attendees ACCEPTED) and emits
    ``meeting_changed`` to both.
    """
    _lock_meeting(meeting)
    _lock_place(meeting.place_id)
    if not can(actor, "meeting.respond", meeting):
        raise ServiceError("forbidden", gettext("This request is not waiting for your answer."))
    if meeting.starts_at <= now():
        raise ServiceError("slot_past", gettext("This time has passed. Propose another one."))
    place = (
        db.session.get(MeetingPlace, meeting.place_id, populate_existing=True)
        if meeting.place_id
        else None
    )
    if meeting.needs_reschedule or place is None or place.retired:
        raise ServiceError(
            "needs_reschedule",
            gettext(
                "The organizers changed the meeting hours or places; this time or place is "
                "no longer offered. Propose another time instead."
            ),
        )
    _check_still_free(meeting)
    meeting.status = MeetingStatus.accepted
    meeting.awaiting_id = None
    meeting.changed_by_id = actor.id
    meeting.note = ""
    db.session.flush()
    activity.record(actor, meeting.event, ActivityKind.meeting_accepted)
    _notify(meeting, actor, "accepted")


def decline(actor: User, meeting: Meeting, note: str | None = None) -> None:
    """The person ``meeting`` waits for declines it, with an optional ``note``.

    Refused unless ``meeting.respond`` allows it (checked again after locking).

    Side effects: writes status declined, the note, ``sequence`` + 1; after commit emails
    the other person a cancellation (``METHOD:CANCEL``) and emits ``meeting_changed`` to
    both.
    """
    _close(actor, meeting, note, MeetingStatus.declined)


def _move(
    actor: User, meeting: Meeting, starts_at: datetime | None, place_id: int | None, note: str
) -> None:
    """Put a pending or accepted meeting at another slot and place, waiting for the other
    person's answer. The caller holds the lock and checked the permission."""
    event = meeting.event
    requester = db.session.get(User, meeting.requester_id)
    invitee = db.session.get(User, meeting.invitee_id)
    if starts_at == meeting.starts_at and place_id == meeting.place_id:
        raise ServiceError(
            "unchanged", gettext("Choose a different time or place than the current one."), "slot"
        )
    starts, ends, place = _check_slot(event, requester, invitee, starts_at, place_id, meeting)
    meeting.starts_at = starts
    meeting.ends_at = ends
    meeting.place_id = place.id
    meeting.status = MeetingStatus.pending
    meeting.awaiting_id = meeting.other_id(actor.id)
    meeting.changed_by_id = actor.id
    meeting.note = note
    meeting.needs_reschedule = False
    meeting.sequence += 1
    db.session.flush()


def propose(
    actor: User,
    meeting: Meeting,
    starts_at: datetime | None,
    place_id: int | None,
    note: str | None = None,
) -> None:
    """The person ``meeting`` waits for proposes another slot and place instead.

    Refused unless ``meeting.respond`` allows it (checked again after locking) and the new
    slot and place pass the same checks as a request (people and places locked).

    Side effects: writes the new time and place; the meeting stays pending and now waits
    for the other person; writes the note, ``sequence`` + 1, clears ``needs_reschedule``;
    after commit emails the other person the updated invitation (``METHOD:REQUEST``) and
    emits ``meeting_changed`` to both.
    """
    text = _clean(note, NOTE_MAX, "note")
    _lock_meeting(meeting)
    _lock_place(place_id)
    if not can(actor, "meeting.respond", meeting):
        raise ServiceError("forbidden", gettext("This request is not waiting for your answer."))
    _move(actor, meeting, starts_at, place_id, text)
    _notify(meeting, actor, "proposed")


def reschedule(
    actor: User,
    meeting: Meeting,
    starts_at: datetime | None,
    place_id: int | None,
    note: str | None = None,
) -> None:
    """Either person moves a pending or accepted meeting to another slot and place.

    Refused unless ``meeting.change`` allows it (checked again after locking) and the new
    slot and place pass the same checks as a request (people and places locked). An
    accepted meeting gives up its old slot: it becomes pending again.

    Side effects: writes the new time and place, status pending awaiting the other
    person, the note, ``sequence`` + 1, clears ``needs_reschedule``; after commit emails
    the other person the updated invitation (``METHOD:REQUEST``) and emits
    ``meeting_changed`` to both.
    """
    text = _clean(note, NOTE_MAX, "note")
    _lock_meeting(meeting)
    _lock_place(place_id)
    if not can(actor, "meeting.change", meeting):
        raise ServiceError("forbidden", gettext("You cannot change this meeting."))
    _move(actor, meeting, starts_at, place_id, text)
    _notify(meeting, actor, "rescheduled")


def cancel(actor: User, meeting: Meeting, note: str | None = None) -> None:
    """Either person cancels a pending or accepted meeting, with an optional ``note``.

    Refused unless ``meeting.cancel`` allows it (checked again after locking); a block
    between the two does not prevent it.

    Side effects: writes status cancelled, the note, ``sequence`` + 1; after commit
    emails the other person a cancellation (``METHOD:CANCEL``) and emits
    ``meeting_changed`` to both.
    """
    _close(actor, meeting, note, MeetingStatus.cancelled)


def _close(actor: User, meeting: Meeting, note: str | None, status: MeetingStatus) -> None:
    """Decline or cancel: check again after locking, end the meeting, tell the other."""
    text = _clean(note, NOTE_MAX, "note")
    _lock_meeting(meeting)
    if status == MeetingStatus.declined and not can(actor, "meeting.respond", meeting):
        raise ServiceError("forbidden", gettext("This request is not waiting for your answer."))
    if status == MeetingStatus.cancelled and not can(actor, "meeting.cancel", meeting):
        raise ServiceError("forbidden", gettext("This meeting cannot be cancelled."))
    meeting.status = status
    meeting.awaiting_id = None
    meeting.changed_by_id = actor.id
    meeting.note = text
    meeting.sequence += 1
    db.session.flush()
    _notify(meeting, actor, str(status))


def cancel_for_deletion(meeting: Meeting, person: User) -> None:
    """``person`` is deleting their account: their pending or accepted ``meeting`` is
    cancelled and the other person told without naming them.

    No permission check: deleting the account decided it (``privacy.delete_account``
    calls this). Locks like every change; a meeting no longer open once locked is left
    alone.

    Side effects: writes status cancelled, ``sequence`` + 1, clears the note, the
    awaited person and ``changed_by``; the other person's notification has no actor (so
    removing the notices the deleted person caused leaves it) and, as they chose, they
    get the cancellation email with ``METHOD:CANCEL``; after commit emits
    ``meeting_changed`` to them. Flushes.
    """
    _lock_meeting(meeting)
    if meeting.status not in OPEN_STATES:
        return
    meeting.status = MeetingStatus.cancelled
    meeting.awaiting_id = None
    meeting.changed_by_id = None
    meeting.note = ""
    meeting.sequence += 1
    db.session.flush()
    other = db.session.get(User, meeting.other_id(person.id))
    attachment = _invitation(meeting)
    event = meeting.event
    with mail.in_language(other.locale):
        text = gettext("A participant who deleted their account cancelled your meeting")
        email = False
        if other.is_verified:
            # The email's template names whoever cancelled: here, nobody in particular.
            nobody = SimpleNamespace(
                id=None, display_name=gettext("A participant who deleted their account")
            )
            email = functools.partial(
                _email, meeting, other, nobody, nobody, "cancelled", text, attachment
            )
        notifications.notify(
            other.id,
            NotificationKind.meeting,
            text,
            url=url_for("meetings.detail", slug=event.slug, meeting_id=meeting.id, _external=False),
            event_id=event.id,
            group_key=f"meeting:{meeting.id}",
            email=email,
        )
    emit_change(meeting, other, text)


# --- notices ----------------------------------------------------------------------------------

#: Email subject (and live notice) of each change, told to the person who did not make it;
#: ``name`` is the person who made it.
_NOTICES = {
    "request": lambda name: gettext("%(name)s asks to meet you", name=name),
    "accepted": lambda name: gettext("%(name)s accepted your meeting", name=name),
    "declined": lambda name: gettext("%(name)s declined your meeting request", name=name),
    "proposed": lambda name: gettext("%(name)s proposes another time to meet", name=name),
    "rescheduled": lambda name: gettext("%(name)s moved your meeting", name=name),
    "cancelled": lambda name: gettext("%(name)s cancelled your meeting", name=name),
}


def _confirmed_subject(name: str) -> str:
    """Subject of the invitation the accepting person gets for their own calendar."""
    return gettext("Your meeting with %(name)s is confirmed", name=name)


def when_text(event: Event, starts_at: datetime, ends_at: datetime) -> str:
    """A meeting's time for emails and notices, in the event's zone and the current
    locale: "Tuesday, December 29, 2026, 10:30 to 11:00 (Europe/Berlin)"."""
    day = format_date(utc_to_local(event, starts_at).date(), "full")
    return f"{day}, {clock(event, starts_at)}\u2013{clock(event, ends_at)} ({event.timezone})"


def emit_change(meeting: Meeting, recipient: User, text: str, **extra) -> None:
    """After commit, tell ``recipient``'s open pages that ``meeting`` changed: the
    ``meeting_changed`` socket event with their new count of requests to answer, and
    ``text`` for a notice (empty for the person who made the change)."""
    payload = {
        "meeting_id": meeting.id,
        "event_slug": meeting.event.slug,
        "status": str(meeting.status),
        "awaiting_me": meeting.awaiting_id == recipient.id
        and meeting.status == MeetingStatus.pending,
        "pending_count": pending_for(recipient, meeting.event),
        "text": text,
        **extra,
    }
    aftercommit.on_commit(
        functools.partial(socketio.emit, "meeting_changed", payload, to=user_room(recipient.id))
    )


def _invitation(meeting: Meeting) -> mail.Attachment:
    method = "REQUEST" if meeting.status in OPEN_STATES else "CANCEL"
    return mail.Attachment(
        "invite.ics",
        f"text/calendar; method={method}; charset=utf-8",
        calendars.meeting_invitation(meeting, method),
    )


def _email(
    meeting: Meeting,
    recipient: User,
    other: User,
    actor: User,
    kind: str,
    subject: str,
    attachment: mail.Attachment,
):
    """The email of one change to ``recipient`` (who meets ``other``), rendered in the
    current locale."""
    event = meeting.event
    place = db.session.get(MeetingPlace, meeting.place_id) if meeting.place_id else None
    text = render_template(
        f"emails/meeting_{kind}.txt",
        user=recipient,
        actor=actor,
        other=other,
        event=event,
        meeting=meeting,
        when=when_text(event, meeting.starts_at, meeting.ends_at),
        place=place.name if place else "",
        url=url_for("meetings.detail", slug=event.slug, meeting_id=meeting.id, _external=True),
        own_copy=recipient.id == actor.id,
    )
    return mail.build_message(recipient.email, subject, text, attachments=[attachment])


def _notify(meeting: Meeting, actor: User, kind: str) -> None:
    """Tell the other person in their notification centre, live, and by email as they
    chose (the invitation with its calendar file; in a daily digest; or not at all); on
    acceptance send the actor their own invitation; tell the actor's own sockets so their
    other tabs update."""
    other = db.session.get(User, meeting.other_id(actor.id))
    attachment = _invitation(meeting)
    event = meeting.event
    with mail.in_language(other.locale):
        text = _NOTICES[kind](actor.display_name)
        email = False
        if other.is_verified:
            email = functools.partial(_email, meeting, other, actor, actor, kind, text, attachment)
        notifications.notify(
            other.id,
            NotificationKind.meeting,
            text,
            url=url_for("meetings.detail", slug=event.slug, meeting_id=meeting.id, _external=False),
            event_id=event.id,
            actor_id=actor.id,
            group_key=f"meeting:{meeting.id}",
            email=email,
        )
    emit_change(meeting, other, text)
    if kind == "accepted" and actor.is_verified:
        with mail.in_language(actor.locale):
            subject = _confirmed_subject(other.display_name)
            mail.send_after_commit(_email(meeting, actor, other, actor, kind, subject, attachment))
    emit_change(meeting, actor, "")
