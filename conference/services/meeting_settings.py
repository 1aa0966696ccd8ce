"""The organizer's side of 1:1 meetings: meeting hours per day, slot length, places,
and the overview of every meeting of the event.

No booked meeting silently disappears. Every change that can leave a meeting
without a home comes in two steps:

- ``preview_*`` (reads only) lists the upcoming pending and accepted meetings the
  change would leave behind, each with its reason: outside the new hours of its
  day (or on a day that no longer has hours), at a removed place, or over a
  place's reduced capacity at its time;
- ``apply_*(actor, ..., confirmed_ids)`` computes the list again under a lock and
  refuses with ``changed_meanwhile`` unless it is exactly the list the organizer
  confirmed; then it saves, marks those meetings ``needs_reschedule`` and, after
  commit, tells both people of each live (socket event ``meeting_changed``) and by
  email (a background job, ``send_reschedule_notices``).

Decisions:

- A meeting already marked ``needs_reschedule`` is not listed again: its people
  were told and have yet to move it.
- Slot length only shapes new requests. A booked meeting keeps its own start and
  length, even when it no longer lies on the new grid or is longer than a slot:
  both people still have that time free, so moving it would only cost them.
- Only accepted meetings hold a seat. Over a reduced capacity, the meetings that
  already started and then those accepted first keep their seats; the most
  recently accepted (the latest ``updated_at``, as an accepted meeting changes last
  when it is accepted) are the ones asked to move. A pending meeting is not
  affected by capacity: accepting it later checks for room.
- A removed place that any meeting refers to (even a past or cancelled one) is
  ``retired`` rather than deleted, so those meetings keep its name; adding a place
  of the same name again brings it back. A place no meeting refers to is deleted.
- Turning meetings off changes no meeting: booked ones stay booked.

Functions flush, never commit, and raise ``ServiceError`` with a stable code, a
message for people and the form field it concerns.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from conference import jobs
from conference.enums import MeetingStatus
from conference.extensions import db
from conference.models import Event, Meeting, MeetingHours, MeetingPlace, User
from conference.models.types import utcnow
from conference.permissions import can
from conference.services import ServiceError, mail, ordering
from conference.services.program import (
    clock,
    event_days,
    local_day_bounds,
    local_time_exists,
    local_to_utc,
    utc_to_local,
)

SLOT_MINUTES_MIN = 10
SLOT_MINUTES_MAX = 120
PLACE_NAME_MAX = 120
PLACE_CAPACITY_MAX = 10_000
#: Rows per page of the organizer's list of meetings.
PAGE_SIZE = 50

_SUBJECT = _l("Please find another time for your meeting with %(name)s")
_NOTICE = _l(
    "The organizers changed the meeting hours or places: please find another time for "
    "your meeting with %(name)s."
)

#: Meetings that hold (or ask for) a time and a place.
BOOKED = (MeetingStatus.pending, MeetingStatus.accepted)


def _require_manager(actor: User, event: Event) -> None:
    if not can(actor, "meetings.manage", event):
        raise ServiceError("forbidden", _("Only the event's organizers change meeting settings."))


# --- reading the settings ----------------------------------------------------------


def hours_of(event: Event) -> dict[date, MeetingHours]:
    """The meeting hours of ``event`` by day; a day without an entry has no meetings."""
    rows = db.session.scalars(
        sa.select(MeetingHours).where(MeetingHours.event_id == event.id).order_by(MeetingHours.day)
    )
    return {row.day: row for row in rows}


def places_of(event: Event, include_retired: bool = False) -> list[MeetingPlace]:
    """The meeting places of ``event`` in the organizer's order; retired places (removed
    while meetings still referred to them) only when ``include_retired``."""
    query = sa.select(MeetingPlace).where(MeetingPlace.event_id == event.id)
    if not include_retired:
        query = query.where(sa.not_(MeetingPlace.retired))
    return list(db.session.scalars(query.order_by(MeetingPlace.position, MeetingPlace.id)))


def slot_count(event: Event, day: date, starts: time, ends: time, slot_minutes: int) -> int:
    """How many whole slots fit in the hours of ``day``, in real time (a day on which
    the clocks change has an hour more or less than its wall clock suggests)."""
    span = local_to_utc(event, datetime.combine(day, ends)) - local_to_utc(
        event, datetime.combine(day, starts)
    )
    return max(int(span.total_seconds() // 60) // slot_minutes, 0)


# --- what a change leaves behind -------------------------------------------------------


class Reason(StrEnum):
    """Why a booked meeting no longer fits the settings."""

    no_hours = "no_hours"
    outside_hours = "outside_hours"
    place_removed = "place_removed"
    over_capacity = "over_capacity"


@dataclass(frozen=True)
class Affected:
    """A meeting that a change would leave without a fitting time or place."""

    meeting: Meeting
    reason: Reason

    def describe(self) -> str:
        """The reason in words, in the current locale."""
        return describe_reason(self.reason, self.meeting)


def describe_reason(reason: Reason | str, meeting: Meeting) -> str:
    """Why ``meeting`` must move, in the current locale (for the page and the email)."""
    place = meeting.place.name if meeting.place is not None else ""
    return {
        Reason.no_hours: lambda: _("That day no longer has meeting hours."),
        Reason.outside_hours: lambda: _("It is outside the new meeting hours of that day."),
        Reason.place_removed: lambda: _("Its place, %(place)s, was removed.", place=place),
        Reason.over_capacity: lambda: _(
            "%(place)s now holds fewer meetings at once than are booked then.", place=place
        ),
    }[Reason(reason)]()


def _booked_meetings(event: Event, now: datetime, *conditions) -> list[Meeting]:
    """Upcoming pending and accepted meetings of ``event`` not yet asked to move, in
    time order, read afresh from the database (``apply_*`` re-reads after locking)."""
    query = (
        sa.select(Meeting)
        .where(
            Meeting.event_id == event.id,
            Meeting.status.in_(BOOKED),
            Meeting.starts_at > now,
            sa.not_(Meeting.needs_reschedule),
            *conditions,
        )
        .options(
            orm.joinedload(Meeting.requester),
            orm.joinedload(Meeting.invitee),
            orm.joinedload(Meeting.place),
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(query).unique())


def _window(event: Event, day: date, hours: tuple[time, time]) -> tuple[datetime, datetime]:
    return (
        local_to_utc(event, datetime.combine(day, hours[0])),
        local_to_utc(event, datetime.combine(day, hours[1])),
    )


def _outside_hours(
    event: Event, meetings: Iterable[Meeting], hours: Mapping[date, tuple[time, time] | None]
) -> list[Affected]:
    affected = []
    for meeting in meetings:
        day = utc_to_local(event, meeting.starts_at).date()
        span = hours.get(day)
        if span is None:
            affected.append(Affected(meeting, Reason.no_hours))
            continue
        opens, closes = _window(event, day, span)
        if meeting.starts_at < opens or meeting.ends_at > closes:
            affected.append(Affected(meeting, Reason.outside_hours))
    return affected


def _peak(meetings: list[Meeting], starts_at: datetime, ends_at: datetime) -> int:
    """The most of ``meetings`` (each overlapping the span) running at one moment of it."""
    moments = [starts_at, *(m.starts_at for m in meetings if starts_at < m.starts_at < ends_at)]
    return max(
        (sum(1 for m in meetings if m.starts_at <= moment < m.ends_at) for moment in moments),
        default=0,
    )


def _over_capacity(place: MeetingPlace, capacity: int | None, now: datetime) -> list[Affected]:
    """The accepted upcoming meetings at ``place`` beyond ``capacity`` at their time.

    Seats go first to meetings already running, then to those not yet asked to move,
    then in the order they were accepted; whoever finds no seat left is over.
    """
    if capacity is None:
        return []
    holding = list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.place_id == place.id,
                Meeting.status == MeetingStatus.accepted,
                Meeting.ends_at > now,
            )
            .options(orm.joinedload(Meeting.requester), orm.joinedload(Meeting.invitee))
            .execution_options(populate_existing=True)
        ).unique()
    )
    holding.sort(key=lambda m: (m.starts_at > now, m.needs_reschedule, m.updated_at, m.id))
    kept: list[Meeting] = []
    over: list[Meeting] = []
    for meeting in holding:
        overlapping = [
            k for k in kept if k.starts_at < meeting.ends_at and meeting.starts_at < k.ends_at
        ]
        if _peak(overlapping, meeting.starts_at, meeting.ends_at) < capacity:
            kept.append(meeting)
        else:
            over.append(meeting)
    over.sort(key=lambda m: (m.starts_at, m.id))
    return [
        Affected(m, Reason.over_capacity)
        for m in over
        if m.starts_at > now and not m.needs_reschedule
    ]


def _same_or_refuse(affected: list[Affected], confirmed_ids: Collection[int]) -> None:
    if {a.meeting.id for a in affected} != set(confirmed_ids):
        raise ServiceError(
            "changed_meanwhile",
            _(
                "Meetings were booked or changed while you were deciding. "
                "Check the list of affected meetings again."
            ),
        )


def _lock(model, *conditions) -> None:
    """Hold the rows of ``model`` matching ``conditions`` until commit (in id order), so a
    booking cannot slip in between the check and the save: the meetings service locks
    a meeting's place row whenever it books or moves one there (``FOR NO KEY UPDATE``
    on PostgreSQL; SQLite serializes writing transactions anyway)."""
    db.session.execute(
        sa.select(model.id).where(*conditions).order_by(model.id).with_for_update(key_share=True)
    ).all()


def _ask_to_reschedule(affected: list[Affected]) -> None:
    """Mark the meetings and, after commit, tell both people of each.

    Side effects: sets ``needs_reschedule``; after commit emits ``meeting_changed`` (the
    meetings service's payload, with ``needs_reschedule``) to both people's rooms and
    enqueues ``send_reschedule_notices``.
    """
    if not affected:
        return
    from conference.services.meetings import emit_change  # it imports this module

    for item in affected:
        item.meeting.needs_reschedule = True
    db.session.flush()
    for item in affected:
        meeting = item.meeting
        for person, other in (
            (meeting.requester, meeting.invitee),
            (meeting.invitee, meeting.requester),
        ):
            with mail.in_language(person.locale):
                text = str(_NOTICE) % {"name": other.display_name}
            emit_change(meeting, person, text, needs_reschedule=True)
    jobs.enqueue_after_commit(
        send_reschedule_notices, [(item.meeting.id, item.reason.value) for item in affected]
    )


# --- hours, slot length, on and off ------------------------------------------------------


def check_day_hours(
    event: Event, day: date, starts: time | None, ends: time | None
) -> tuple[time, time] | None:
    """The hours of one day as typed: both times, or neither for no meetings that day.

    Refuses a day outside the event, one time without the other, a time the clocks
    skip on that day and an end that is not after the start (hours do not run past
    midnight).
    """
    if day not in event_days(event):
        raise ServiceError(
            "day_outside_event", _("That day is not a day of the event."), "starts_at"
        )
    if starts is None and ends is None:
        return None
    if starts is None or ends is None:
        raise ServiceError(
            "hours_incomplete",
            _("Enter both times, or leave both empty for no meetings that day."),
            "starts_at" if starts is None else "ends_at",
        )
    for name, value in (("starts_at", starts), ("ends_at", ends)):
        if not local_time_exists(event, datetime.combine(day, value)):
            raise ServiceError(
                "time_skipped",
                _(
                    "%(time)s does not exist on that day: the clocks change then.",
                    time=value.strftime("%H:%M"),
                ),
                name,
            )
    if ends <= starts:
        raise ServiceError("end_before_start", _("The hours must end after they start."), "ends_at")
    return starts, ends


def _checked_hours(
    event: Event, hours: Mapping[date, tuple[time | None, time | None] | None]
) -> dict[date, tuple[time, time] | None]:
    return {
        day: check_day_hours(event, day, *(span or (None, None))) for day, span in hours.items()
    }


def check_slot_minutes(minutes: int | None) -> int:
    """The slot length, refused outside ``SLOT_MINUTES_MIN``..``SLOT_MINUTES_MAX``."""
    if minutes is None or not SLOT_MINUTES_MIN <= minutes <= SLOT_MINUTES_MAX:
        raise ServiceError(
            "slot_minutes_invalid",
            _(
                "A slot lasts from %(min)d to %(max)d minutes.",
                min=SLOT_MINUTES_MIN,
                max=SLOT_MINUTES_MAX,
            ),
            "slot_minutes",
        )
    return minutes


def preview_settings(
    event: Event,
    hours: Mapping[date, tuple[time | None, time | None] | None],
    now: datetime | None = None,
) -> list[Affected]:
    """The upcoming booked meetings that ``hours`` (by day; a day not given has no
    meetings) would leave outside the meeting hours. Reads only.

    Slot length and turning meetings on or off affect no meeting (see the module's
    decisions), so only the hours are needed.
    """
    checked = _checked_hours(event, hours)
    return _outside_hours(event, _booked_meetings(event, now or utcnow()), checked)


def apply_settings(
    actor: User,
    event: Event,
    *,
    enabled: bool,
    slot_minutes: int,
    hours: Mapping[date, tuple[time | None, time | None] | None],
    confirmed_ids: Collection[int],
    now: datetime | None = None,
) -> list[Affected]:
    """Save whether meetings are on, the slot length and the hours of every day.

    Days not in ``hours`` (or given as None) get no meeting hours. Refuses with
    ``changed_meanwhile`` unless the meetings it leaves outside the hours are exactly
    ``confirmed_ids``.

    Side effects: writes the event's meeting fields and hours rows; marks the affected
    meetings ``needs_reschedule`` and notifies their people after commit. Flushes.
    """
    _require_manager(actor, event)
    slot_minutes = check_slot_minutes(slot_minutes)
    checked = _checked_hours(event, hours)
    _lock(Event, Event.id == event.id)
    _lock(MeetingPlace, MeetingPlace.event_id == event.id)
    affected = _outside_hours(event, _booked_meetings(event, now or utcnow()), checked)
    _same_or_refuse(affected, confirmed_ids)
    event.meetings_enabled = bool(enabled)
    event.meeting_slot_minutes = slot_minutes
    existing = hours_of(event)
    for day, row in existing.items():
        if checked.get(day) is None:
            db.session.delete(row)
    db.session.flush()
    for day, span in checked.items():
        if span is None:
            continue
        row = existing.get(day)
        if row is None:
            db.session.add(
                MeetingHours(event_id=event.id, day=day, starts_at=span[0], ends_at=span[1])
            )
        else:
            row.starts_at, row.ends_at = span
    db.session.flush()
    _ask_to_reschedule(affected)
    return affected


# --- places ----------------------------------------------------------------------------


def check_place(
    event: Event, name: str | None, capacity: int | None, place: MeetingPlace | None
) -> str:
    """The place's name, trimmed, once the name and the capacity pass: a name no other
    place of the event has (ignoring case), a capacity of at least one or none."""
    name = (name or "").strip()
    if not name:
        raise ServiceError("name_missing", _("Type a name."), "name")
    if len(name) > PLACE_NAME_MAX:
        raise ServiceError(
            "name_too_long", _("Use at most %(num)d characters.", num=PLACE_NAME_MAX), "name"
        )
    folded = name.casefold()
    for other in places_of(event, include_retired=True):
        if other is place or other.name.casefold() != folded:
            continue
        if other.retired and place is None:
            continue  # adding it again brings the retired place back
        raise ServiceError(
            "name_taken",
            _("A removed place kept for its meetings has this name.")
            if other.retired
            else _("There is already a place with this name."),
            "name",
        )
    if capacity is not None and not 1 <= capacity <= PLACE_CAPACITY_MAX:
        raise ServiceError(
            "capacity_invalid",
            _(
                "Capacity is a number of meetings from 1 to %(max)d; leave it empty for no limit.",
                max=PLACE_CAPACITY_MAX,
            ),
            "capacity",
        )
    return name


def _managed_event_of(actor: User, place: MeetingPlace) -> Event:
    event = db.session.get(Event, place.event_id)
    _require_manager(actor, event)
    return event


def add_place(actor: User, event: Event, name: str, capacity: int | None = None) -> MeetingPlace:
    """Add a place at the end of the list; a retired place of that name comes back.

    Side effects: writes a place (or un-retires one). Flushes.
    """
    _require_manager(actor, event)
    name = check_place(event, name, capacity, None)
    places = places_of(event)
    retired = next(
        (
            p
            for p in places_of(event, include_retired=True)
            if p.retired and p.name.casefold() == name.casefold()
        ),
        None,
    )
    if retired is not None:
        retired.retired = False
        retired.name, retired.capacity, retired.position = name, capacity, len(places)
        db.session.flush()
        return retired
    place = MeetingPlace(event_id=event.id, name=name, capacity=capacity, position=len(places))
    db.session.add(place)
    db.session.flush()
    return place


def preview_place_update(
    place: MeetingPlace, capacity: int | None, now: datetime | None = None
) -> list[Affected]:
    """The accepted upcoming meetings at ``place`` beyond ``capacity``. Reads only."""
    return _over_capacity(place, capacity, now or utcnow())


def apply_place_update(
    actor: User,
    place: MeetingPlace,
    name: str,
    capacity: int | None,
    confirmed_ids: Collection[int],
    now: datetime | None = None,
) -> list[Affected]:
    """Rename ``place`` and set its capacity (None for no limit).

    Refuses with ``changed_meanwhile`` unless the meetings over the new capacity are
    exactly ``confirmed_ids``.

    Side effects: writes the place; marks the meetings over capacity
    ``needs_reschedule`` and notifies their people after commit. Flushes.
    """
    event = _managed_event_of(actor, place)
    if place.retired:
        raise ServiceError("place_retired", _("This place was removed."))
    name = check_place(event, name, capacity, place)
    _lock(MeetingPlace, MeetingPlace.id == place.id)
    affected = _over_capacity(place, capacity, now or utcnow())
    _same_or_refuse(affected, confirmed_ids)
    place.name, place.capacity = name, capacity
    db.session.flush()
    _ask_to_reschedule(affected)
    return affected


def move_place(actor: User, place: MeetingPlace, direction: int) -> None:
    """Swap ``place`` with its neighbour before (-1) or after (+1) it.

    Side effects: rewrites the positions of the event's places. Flushes.
    """
    ordering.move(places_of(_managed_event_of(actor, place)), place, direction)


def preview_place_removal(place: MeetingPlace, now: datetime | None = None) -> list[Affected]:
    """The upcoming booked meetings at ``place``. Reads only."""
    event = db.session.get(Event, place.event_id)
    return [
        Affected(m, Reason.place_removed)
        for m in _booked_meetings(event, now or utcnow(), Meeting.place_id == place.id)
    ]


def apply_place_removal(
    actor: User,
    place: MeetingPlace,
    confirmed_ids: Collection[int],
    now: datetime | None = None,
) -> bool:
    """Remove ``place``: retire it when any meeting refers to it, else delete it.
    Returns True when it was retired.

    Refuses with ``changed_meanwhile`` unless its upcoming booked meetings are exactly
    ``confirmed_ids``.

    Side effects: retires or deletes the place and renumbers the others; marks its
    upcoming booked meetings ``needs_reschedule`` and notifies their people after
    commit. Flushes.
    """
    event = _managed_event_of(actor, place)
    if place.retired:
        raise ServiceError("place_retired", _("This place was removed."))
    _lock(MeetingPlace, MeetingPlace.id == place.id)
    affected = [
        Affected(m, Reason.place_removed)
        for m in _booked_meetings(event, now or utcnow(), Meeting.place_id == place.id)
    ]
    _same_or_refuse(affected, confirmed_ids)
    used = db.session.scalar(sa.select(sa.exists().where(Meeting.place_id == place.id)))
    if used:
        place.retired = True
    else:
        db.session.delete(place)
    db.session.flush()
    ordering.renumber(places_of(event))
    _ask_to_reschedule(affected)
    return bool(used)


def place_usages(event: Event, now: datetime | None = None) -> dict[int, int]:
    """Upcoming booked meetings per place id of ``event``."""
    rows = db.session.execute(
        sa.select(Meeting.place_id, sa.func.count())
        .where(
            Meeting.event_id == event.id,
            Meeting.status.in_(BOOKED),
            Meeting.starts_at > (now or utcnow()),
            Meeting.place_id.is_not(None),
        )
        .group_by(Meeting.place_id)
    ).all()
    return dict(rows)


# --- telling people --------------------------------------------------------------------


def _notice(meeting: Meeting, recipient: User, reason: str):
    """The email asking ``recipient`` to move ``meeting``, rendered in their language."""
    event = meeting.event
    other = meeting.invitee if recipient.id == meeting.requester_id else meeting.requester
    with mail.in_language(recipient.locale):
        start = utc_to_local(event, meeting.starts_at)
        text = render_template(
            "emails/meeting_reschedule_needed.txt",
            user=recipient,
            other=other,
            event=event,
            meeting=meeting,
            day=start.date(),
            starts=clock(event, meeting.starts_at),
            ends=clock(event, meeting.ends_at),
            place=meeting.place.name if meeting.place is not None else "",
            reason=describe_reason(reason, meeting),
            url=url_for("meetings.detail", slug=event.slug, meeting_id=meeting.id, _external=True),
        )
        subject = str(_SUBJECT) % {"name": other.display_name}
    return mail.build_message(recipient.email, subject, text)


@jobs.job()
def send_reschedule_notices(items: list[tuple[int, str]]) -> int:
    """Email both people of each meeting (``(meeting id, reason)`` pairs) that it needs
    another time, in their language, over one connection; return how many were sent.

    Meetings moved, cancelled or declined since are skipped, so a run repeated after a
    crash mostly sends nothing twice (at worst the message being sent at the crash).
    """
    ids = [meeting_id for meeting_id, _reason in items]
    meetings = {
        m.id: m
        for m in db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.id.in_(ids),
                Meeting.needs_reschedule,
                Meeting.status.in_(BOOKED),
            )
            .options(
                orm.joinedload(Meeting.requester),
                orm.joinedload(Meeting.invitee),
                orm.joinedload(Meeting.place),
                orm.joinedload(Meeting.event),
            )
        ).unique()
    }
    sent = 0
    with mail.connection() as deliver:
        for meeting_id, reason in items:
            meeting = meetings.get(meeting_id)
            if meeting is None:
                continue
            for person in (meeting.requester, meeting.invitee):
                if not person.is_active or not person.is_verified:
                    continue
                try:
                    deliver(_notice(meeting, person, reason))
                except Exception:  # one refused address must not stop the others
                    current_app.logger.exception("reschedule notice to %s failed", person.id)
                else:
                    sent += 1
    return sent


# --- the organizer's list of every meeting ----------------------------------------------

#: The list's status filters; ``reschedule`` is the booked meetings asked to move.
STATUS_FILTERS = ("pending", "accepted", "declined", "cancelled", "reschedule")


@dataclass(frozen=True)
class MeetingFilters:
    status: str | None = None
    day: date | None = None


def _filtered(event: Event, filters: MeetingFilters, *, by_status: bool = True):
    query = sa.select(Meeting).where(Meeting.event_id == event.id)
    if filters.day is not None:
        start, end = local_day_bounds(event, filters.day)
        query = query.where(Meeting.starts_at >= start, Meeting.starts_at < end)
    if by_status and filters.status == "reschedule":
        query = query.where(Meeting.needs_reschedule, Meeting.status.in_(BOOKED))
    elif by_status and filters.status is not None:
        query = query.where(Meeting.status == MeetingStatus(filters.status))
    return query


def meeting_counts(event: Event, filters: MeetingFilters) -> dict[str, int]:
    """How many meetings match ``filters`` (ignoring its status) per status filter, and
    ``total``."""
    matching = _filtered(event, filters, by_status=False).subquery()
    rows = db.session.execute(
        sa.select(matching.c.status, matching.c.needs_reschedule, sa.func.count()).group_by(
            matching.c.status, matching.c.needs_reschedule
        )
    ).all()
    counts = dict.fromkeys(("total", *STATUS_FILTERS), 0)
    for status, needs_reschedule, count in rows:
        status = MeetingStatus(status)
        counts[status.value] += count
        counts["total"] += count
        if needs_reschedule and status in BOOKED:
            counts["reschedule"] += count
    return counts


def meetings_page(event: Event, filters: MeetingFilters, page: int):
    """One page (``PAGE_SIZE`` rows) of the event's meetings in time order."""
    query = (
        _filtered(event, filters)
        .options(
            orm.joinedload(Meeting.requester),
            orm.joinedload(Meeting.invitee),
            orm.joinedload(Meeting.place),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def upcoming_count(event: Event, now: datetime | None = None) -> int:
    """Upcoming pending and accepted meetings of ``event``."""
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Meeting.event_id == event.id,
            Meeting.status.in_(BOOKED),
            Meeting.starts_at > (now or utcnow()),
        )
    )
