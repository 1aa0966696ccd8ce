"""iCalendar files: a person's agenda of an event, one session or meeting, the personal
calendar feed, and meeting invitations sent by email.

- Every VEVENT has a UID that stays the same for the item's whole life and is unique
  to this installation (``session-<id>-<event id>@<host>``, ``<meeting.uid>@<host>``,
  with the host of ``SERVER_NAME`` or ``BASE_URL``, never the host a request happened
  to use), a DTSTAMP in UTC, a location and a link back to the app.
- Times are written in the event's own zone (``DTSTART;TZID=Europe/Berlin:...``) and
  the file carries that zone's VTIMEZONE, covering the years of its items, so calendar
  apps show the right hour on both sides of a daylight-saving change.
- Downloads and the feed are ``METHOD:PUBLISH``; meeting invitations are iTIP
  ``METHOD:REQUEST`` / ``METHOD:CANCEL`` (RFC 5546) with the requester as ORGANIZER,
  both people as ATTENDEEs with their participation status, and the meeting's
  SEQUENCE, which the meetings service raises on every change.
- The feed URL carries ``User.calendar_token``, a random secret the person can replace
  (the old URL stops working at once) or remove. The feed lists what the person takes
  part in, from ``FEED_HISTORY`` ago onward, in every event where they may still export
  their agenda (``calendar.export``).

Speed: a mailing sends 10,000 agendas, and ``Event.to_ical`` costs about 0.7 ms per
event (most of it folding lines character by character). So a VEVENT's properties are
encoded by icalendar's value types (``vText``, ``vDDDTypes``...) but put together and
folded here (``_vevent``), to the very bytes icalendar writes (a test compares them)
and ten times faster; VEVENTs, VTIMEZONEs (icalendar's ``Timezone.from_tzid``) and
calendar heads are memoized, so a session in thousands of agendas is written once a
second. ``agenda_items`` loads a whole batch of people in four queries, builds each
session's item once for everyone who bookmarked it, and looks translations up once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from icalendar import (
    Calendar,
    Timezone,
    vCalAddress,
    vDDDTypes,
    vDuration,
    vInt,
    vText,
    vUri,
)
from icalendar import Event as VEvent
from sqlalchemy import orm

from conference.enums import MeetingStatus
from conference.extensions import db
from conference.models import (
    Bookmark,
    Event,
    Meeting,
    MeetingPlace,
    ProgramSession,
    Room,
    User,
)
from conference.models.types import utcnow
from conference.permissions import can
from conference.services.agenda import speakers_of
from conference.services.program_search import plain_text

PRODID = "-//Conference networking//Agenda and meetings//EN"
#: How far back the personal feed reaches (calendar apps drop what leaves a feed).
FEED_HISTORY = timedelta(days=30)
#: How often calendar apps should fetch the feed again (REFRESH-INTERVAL, X-PUBLISHED-TTL).
FEED_REFRESH = timedelta(hours=1)
#: Characters of a session's abstract in its description.
EXCERPT_LENGTH = 300
#: People per query in ``agenda_items`` (far below any database's limit on parameters).
BATCH = 500
#: SEQUENCE of a session: minutes since this moment at its last change, so an edited
#: session replaces the copy a calendar app imported before.
_REVISION_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
_END = b"END:VCALENDAR\r\n"
#: Content lines break before reaching this many octets (RFC 5545, 3.1: 75 at most).
FOLD_AT = 75
#: The zone whose VTIMEZONE an otherwise empty calendar carries.
EMPTY_ZONE = "Etc/UTC"

_ITEM_STATUS = {
    MeetingStatus.pending: "TENTATIVE",
    MeetingStatus.accepted: "CONFIRMED",
    MeetingStatus.declined: "CANCELLED",
    MeetingStatus.cancelled: "CANCELLED",
}


@dataclass(frozen=True)
class CalendarItem:
    """One VEVENT."""

    #: Stable and unique: ``session-<id>-<event id>@<host>`` or ``<meeting.uid>@<host>``.
    uid: str
    sequence: int
    title: str
    #: Aware UTC.
    starts_at: datetime
    ends_at: datetime
    location: str
    description: str
    #: Absolute link back to the app.
    url: str
    #: "CONFIRMED", "TENTATIVE" or "CANCELLED".
    status: str = "CONFIRMED"


# --- identity ------------------------------------------------------------------------


def uid_host() -> str:
    """The installation's host name, the right-hand side of every UID."""
    server = current_app.config.get("SERVER_NAME")
    address = f"//{server}" if server else current_app.config["BASE_URL"]
    return urlsplit(address).hostname or "localhost"


def meeting_uid(meeting: Meeting) -> str:
    return f"{meeting.uid}@{uid_host()}"


def _revision(changed_at: datetime | None) -> int:
    if changed_at is None:
        return 0
    return max(0, int((changed_at - _REVISION_EPOCH).total_seconds() // 60))


# --- items -------------------------------------------------------------------------------


def _place(*parts: str | None) -> str:
    return ", ".join(part for part in parts if part)


def _excerpt(markdown_text: str) -> str:
    text = plain_text(markdown_text or "")
    if len(text) <= EXCERPT_LENGTH:
        return text
    cut = text.rfind(" ", 0, EXCERPT_LENGTH)
    return text[: cut if cut > EXCERPT_LENGTH // 2 else EXCERPT_LENGTH].rstrip() + " …"


@dataclass(frozen=True)
class _Wording:
    """The translated phrases of calendar items, looked up once for a whole batch (a
    mailing builds thousands of items, and every lookup through Flask-Babel costs),
    then filled in with ``%``."""

    speakers: str
    session_page: str
    meeting_with: str
    meeting_lead: str
    meeting_of: str
    meeting_of_lead: str
    message_from: str
    no_place: str
    place_open: str
    meeting_page: str


def _wording() -> _Wording:
    return _Wording(
        speakers=_("Speakers: %(names)s"),
        session_page=_("Session page: %(url)s"),
        meeting_with=_("Meeting with %(name)s"),
        meeting_lead=_("1:1 meeting with %(name)s."),
        meeting_of=_("Meeting: %(first)s and %(second)s"),
        meeting_of_lead=_("1:1 meeting of %(first)s with %(second)s."),
        message_from=_("Message from %(name)s: %(text)s"),
        no_place=_("No place is set: agree in messages where to meet."),
        place_open=_("To be agreed in messages"),
        meeting_page=_("Meeting page: %(url)s"),
    )


def _session_item(
    event: Event,
    session: ProgramSession,
    room_name: str | None,
    speaker_names: Sequence[str],
    words: _Wording,
    host: str,
) -> CalendarItem:
    url = url_for("program.session", slug=event.slug, session_id=session.id, _external=True)
    lines = []
    if speaker_names:
        lines.append(words.speakers % {"names": ", ".join(speaker_names)})
    if excerpt := _excerpt(session.abstract):
        lines.append(excerpt)
    lines.append(words.session_page % {"url": url})
    return CalendarItem(
        uid=f"session-{session.id}-{session.event_id}@{host}",
        sequence=_revision(session.updated_at),
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        location=_place(room_name, event.venue, event.city),
        description="\n\n".join(lines),
        url=url,
    )


def session_item(session: ProgramSession) -> CalendarItem:
    """The VEVENT of one session of the program (published or not: the caller checks)."""
    return _session_item(
        session.event,
        session,
        session.room.name if session.room else None,
        [person.display_name for person in session.speakers],
        _wording(),
        uid_host(),
    )


def meeting_page_url(event: Event, meeting_id: int) -> str:
    """The meeting's page, where both people see and change it."""
    return url_for("meetings.detail", slug=event.slug, meeting_id=meeting_id, _external=True)


@dataclass(frozen=True)
class _MeetingFacts:
    """What a meeting's VEVENT is made of, read in one query for many meetings."""

    id: int
    uid: str
    sequence: int
    status: MeetingStatus
    starts_at: datetime
    ends_at: datetime
    requester_id: int
    requester_name: str
    invitee_id: int
    invitee_name: str
    place_name: str | None
    message: str


def _meeting_item(
    event: Event,
    facts: _MeetingFacts,
    viewer_id: int | None,
    words: _Wording,
    host: str,
    *,
    with_message: bool = False,
) -> CalendarItem:
    """The meeting as ``viewer_id`` sees it in their calendar ("Meeting with <the other>");
    for someone else (an organizer), named after both people. ``with_message`` adds the
    requester's message (for the invitation the two people receive)."""
    url = meeting_page_url(event, facts.id)
    if viewer_id in (facts.requester_id, facts.invitee_id):
        other = facts.invitee_name if viewer_id == facts.requester_id else facts.requester_name
        title = words.meeting_with % {"name": other}
        lead = words.meeting_lead % {"name": other}
    else:
        both = {"first": facts.requester_name, "second": facts.invitee_name}
        title = words.meeting_of % both
        lead = words.meeting_of_lead % both
    lines = [lead]
    if with_message and facts.message:
        lines.append(words.message_from % {"name": facts.requester_name, "text": facts.message})
    if facts.place_name is None:
        lines.append(words.no_place)
    lines.append(words.meeting_page % {"url": url})
    return CalendarItem(
        uid=f"{facts.uid}@{host}",
        sequence=facts.sequence,
        title=title,
        starts_at=facts.starts_at,
        ends_at=facts.ends_at,
        location=_place(facts.place_name or words.place_open, event.venue),
        description="\n\n".join(lines),
        url=url,
        status=_ITEM_STATUS[facts.status],
    )


def _facts_of(meeting: Meeting) -> _MeetingFacts:
    return _MeetingFacts(
        id=meeting.id,
        uid=meeting.uid,
        sequence=meeting.sequence,
        status=MeetingStatus(meeting.status),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        requester_id=meeting.requester_id,
        requester_name=meeting.requester.display_name,
        invitee_id=meeting.invitee_id,
        invitee_name=meeting.invitee.display_name,
        place_name=meeting.place.name if meeting.place else None,
        message=meeting.message or "",
    )


def meeting_item(meeting: Meeting, viewer: User | None = None) -> CalendarItem:
    """The VEVENT of one meeting as ``viewer`` sees it (see ``_meeting_item``); its
    status follows the meeting's (pending: TENTATIVE, declined or cancelled: CANCELLED)."""
    return _meeting_item(
        meeting.event,
        _facts_of(meeting),
        viewer.id if viewer else None,
        _wording(),
        uid_host(),
    )


# --- many people's agendas at once -------------------------------------------------------


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield list(ids[start : start + BATCH])


def _collect(
    user_ids: Sequence[int], *, event: Event | None = None, since: datetime | None = None
) -> dict[int, list[tuple[Event, CalendarItem]]]:
    """Every given person's bookmarked published sessions and accepted meetings, in
    ``event`` (else in every event) and ending after ``since`` (else all), in time order.

    Per batch of people: one query for their bookmarks, one for the sessions not built
    yet, one for those sessions' speakers and one for the meetings; plus one for the
    events when ``event`` is not given.
    """
    ids = sorted(set(user_ids))
    found: dict[int, list[tuple[Event, CalendarItem]]] = {user_id: [] for user_id in ids}
    events: dict[int, Event] = {event.id: event} if event is not None else {}
    session_items: dict[int, tuple[Event, CalendarItem]] = {}
    requester = orm.aliased(User)
    invitee = orm.aliased(User)
    words = _wording()
    host = uid_host()

    def load_events(event_ids: set[int]) -> None:
        if missing := event_ids - events.keys():
            events.update(
                (row.id, row)
                for row in db.session.scalars(sa.select(Event).where(Event.id.in_(missing)))
            )

    for chunk in _chunks(ids):
        bookmarks = (
            sa.select(Bookmark.user_id, Bookmark.session_id)
            .join(ProgramSession, ProgramSession.id == Bookmark.session_id)
            .where(Bookmark.user_id.in_(chunk), ProgramSession.published.is_(True))
        )
        if event is not None:
            bookmarks = bookmarks.where(
                Bookmark.event_id == event.id, ProgramSession.event_id == event.id
            )
        if since is not None:
            bookmarks = bookmarks.where(ProgramSession.ends_at > since)
        pairs = db.session.execute(bookmarks).all()

        wanted = {session_id for _user, session_id in pairs} - session_items.keys()
        if wanted:
            rows = db.session.execute(
                sa.select(ProgramSession, Room.name)
                .outerjoin(Room, Room.id == ProgramSession.room_id)
                .where(ProgramSession.id.in_(wanted))
            ).all()
            load_events({session.event_id for session, _room in rows})
            speakers = speakers_of(sorted(wanted))
            for session, room_name in rows:
                owner = events[session.event_id]
                names = [person.display_name for person in speakers.get(session.id, [])]
                session_items[session.id] = (
                    owner,
                    _session_item(owner, session, room_name, names, words, host),
                )
        for user_id, session_id in pairs:
            found[user_id].append(session_items[session_id])

        meetings = (
            sa.select(
                Meeting.id,
                Meeting.event_id,
                Meeting.uid,
                Meeting.sequence,
                Meeting.status,
                Meeting.starts_at,
                Meeting.ends_at,
                Meeting.requester_id,
                requester.display_name.label("requester_name"),
                Meeting.invitee_id,
                invitee.display_name.label("invitee_name"),
                MeetingPlace.name.label("place_name"),
                Meeting.message,
            )
            .join(requester, requester.id == Meeting.requester_id)
            .join(invitee, invitee.id == Meeting.invitee_id)
            .outerjoin(MeetingPlace, MeetingPlace.id == Meeting.place_id)
            .where(
                Meeting.status == MeetingStatus.accepted,
                sa.or_(Meeting.requester_id.in_(chunk), Meeting.invitee_id.in_(chunk)),
            )
        )
        if event is not None:
            meetings = meetings.where(Meeting.event_id == event.id)
        if since is not None:
            meetings = meetings.where(Meeting.ends_at > since)
        rows = db.session.execute(meetings).all()
        load_events({row.event_id for row in rows})
        for row in rows:
            facts = _MeetingFacts(
                **{name: getattr(row, name) for name in _MeetingFacts.__dataclass_fields__}
            )
            owner = events[row.event_id]
            for person_id in (row.requester_id, row.invitee_id):
                if person_id in found:
                    item = _meeting_item(owner, facts, person_id, words, host)
                    found[person_id].append((owner, item))

    for entries in found.values():
        entries.sort(key=lambda entry: (entry[1].starts_at, entry[1].ends_at, entry[1].uid))
    return found


def agenda_items(event: Event, user_ids: Sequence[int]) -> dict[int, list[CalendarItem]]:
    """Every given person's bookmarked published sessions and accepted meetings in
    ``event``, in time order; a few queries per ``BATCH`` people, whatever their number.

    Titles and descriptions are in the locale active when it is called.
    """
    return {
        user_id: [item for _owner, item in entries]
        for user_id, entries in _collect(user_ids, event=event).items()
    }


def feed_items(user: User, now: datetime | None = None) -> list[tuple[Event, CalendarItem]]:
    """What ``user`` takes part in, in every event, from ``FEED_HISTORY`` before ``now``
    onward: bookmarked published sessions and accepted meetings, each with its event,
    in time order. Events where the person may no longer export their agenda (a
    cancelled registration, networking closed after the event) are left out."""
    since = (now or utcnow()) - FEED_HISTORY
    entries = _collect([user.id], since=since)[user.id]
    allowed: dict[int, bool] = {}
    kept = []
    for owner, item in entries:
        if owner.id not in allowed:
            allowed[owner.id] = can(user, "calendar.export", owner)
        if allowed[owner.id]:
            kept.append((owner, item))
    return kept


# --- files -------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _zone_tzid(zone: str) -> str | None:
    """The TZID icalendar writes for times in ``zone``; None when it writes UTC ("Z")."""
    sample = vDDDTypes(datetime(2000, 1, 1, tzinfo=ZoneInfo(zone)))
    return sample.params.get("TZID")


@lru_cache(maxsize=256)
def _vtimezone(zone: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE of ``zone`` with every change of offset from ``first_year`` through
    ``last_year``."""
    component = Timezone.from_tzid(
        zone, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    )
    return component.to_ical()


def _in_zone(moment: datetime, zone: str) -> datetime:
    """``moment`` as a wall-clock time of ``zone``, except the hour the clocks repeat when
    summer time ends: a local time there means its first occurrence (RFC 5545, 3.3.5),
    so a moment in the second one stays in UTC."""
    local = moment.astimezone(ZoneInfo(zone))
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


def _fold(line: str) -> str:
    """Fold a content line as icalendar does: at most 74 octets before each break (75
    with the continuation's space), never inside a UTF-8 character, and never right
    after a backslash, so an escape stays whole."""
    if line.isascii():
        parts = []
        start = 0
        while len(line) - start >= FOLD_AT:
            cut = start + FOLD_AT - 1
            if line[cut - 1] in "\\^":
                cut -= 1
            parts.append(line[start:cut])
            start = cut
        parts.append(line[start:])
        return "\r\n ".join(parts)
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = 1 if char.isascii() else len(char.encode())
        if current and size + width >= FOLD_AT:
            carried = current.pop() if len(current) > 1 and current[-1] in "\\^" else ""
            parts.append("".join(current))
            current = [carried] if carried else []
            size = len(carried)
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _content_line(name: str, value) -> str:
    """``NAME;PARAMS:value`` of an icalendar property value, folded, with its CRLF."""
    params = value.params.to_ical().decode() if value.params else ""
    head = f"{name};{params}" if params else name
    return _fold(f"{head}:{value.to_ical().decode()}") + "\r\n"


@lru_cache(maxsize=8192)
def _vevent(item: CalendarItem, zone: str, stamp: datetime) -> bytes:
    """The serialized VEVENT of ``item`` with times in ``zone``.

    icalendar's values encode each property (text escapes, dates, TZID); the lines are
    put together and folded here, ten times faster than ``Event.to_ical`` and to the
    same bytes (``tests/services/test_calendars.py`` compares them)."""
    lines = [
        ("SUMMARY", vText(item.title)),
        ("DTSTART", vDDDTypes(_in_zone(item.starts_at, zone))),
        ("DTEND", vDDDTypes(_in_zone(item.ends_at, zone))),
        ("DTSTAMP", vDDDTypes(stamp)),
        ("UID", vText(item.uid)),
        ("SEQUENCE", vInt(item.sequence)),
        ("STATUS", vText(item.status)),
    ]
    if item.location:
        lines.append(("LOCATION", vText(item.location)))
    if item.description:
        lines.append(("DESCRIPTION", vText(item.description)))
    if item.url:
        lines.append(("URL", vUri(item.url)))
    body = "".join(_content_line(name, value) for name, value in lines)
    return f"BEGIN:VEVENT\r\n{body}END:VEVENT\r\n".encode()


@lru_cache(maxsize=256)
def _head(method: str, name: str | None, refresh: bool) -> bytes:
    """The calendar's own properties (everything before its components)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.calendar_name = name
    if refresh:
        calendar.refresh_interval = FEED_REFRESH
        calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    serialized = calendar.to_ical()
    if not serialized.endswith(_END):
        raise AssertionError("icalendar ended a calendar unexpectedly")
    return serialized[: -len(_END)]


def _assemble(
    method: str,
    name: str | None,
    entries: Sequence[tuple[str, datetime, datetime]],
    vevents: Iterable[bytes],
    *,
    refresh: bool = False,
) -> bytes:
    """A VCALENDAR of serialized ``vevents`` whose times are in the zones of ``entries``
    (zone, start, end), with the VTIMEZONE of each zone that needs one.

    A calendar holds at least one component (RFC 5545, 3.4), so one with nothing to
    list gets the VTIMEZONE of ``EMPTY_ZONE``.
    """
    vevents = list(vevents)
    spans: dict[str, tuple[int, int]] = {}
    for zone, starts_at, ends_at in entries:
        local = ZoneInfo(zone)
        start_year = starts_at.astimezone(local).year
        end_year = ends_at.astimezone(local).year
        first, last = spans.get(zone, (start_year, end_year))
        spans[zone] = (min(first, start_year), max(last, end_year))
    zones = [
        _vtimezone(tzid, *spans[zone])
        for zone in sorted(spans)
        if (tzid := _zone_tzid(zone)) is not None
    ]
    if not zones and not vevents:
        year = utcnow().year
        zones = [_vtimezone(EMPTY_ZONE, year, year)]
    return b"".join([_head(method, name, refresh), *zones, *vevents, _END])


def _stamp() -> datetime:
    return utcnow().replace(microsecond=0)


def _render(
    entries: Sequence[tuple[str, CalendarItem]], *, name: str, refresh: bool = False
) -> bytes:
    stamp = _stamp()
    return _assemble(
        "PUBLISH",
        name,
        [(zone, item.starts_at, item.ends_at) for zone, item in entries],
        (_vevent(item, zone, stamp) for zone, item in entries),
        refresh=refresh,
    )


def calendar_bytes(event: Event, items: Sequence[CalendarItem], *, name: str) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH) named ``name`` with the VTIMEZONE of the event's zone
    and the items' times in that zone."""
    if not items:
        now = utcnow()
        return _assemble("PUBLISH", name, [(event.timezone, now, now)], [])
    return _render([(event.timezone, item) for item in items], name=name)


def feed_bytes(user: User, *, name: str, now: datetime | None = None) -> bytes:
    """The personal feed: ``feed_items`` as a VCALENDAR (METHOD:PUBLISH) with a refresh
    interval, each item in its own event's zone."""
    entries = [(owner.timezone, item) for owner, item in feed_items(user, now)]
    return _render(entries, name=name, refresh=True)


# --- meeting invitations -------------------------------------------------------------------


def _partstat(meeting: Meeting, person_id: int) -> str:
    """How ``person_id`` stands towards the meeting: whoever a pending meeting waits for
    has not answered yet; whoever declined it declined; otherwise they agreed to it."""
    status = MeetingStatus(meeting.status)
    if status == MeetingStatus.pending and meeting.awaiting_id == person_id:
        return "NEEDS-ACTION"
    if status == MeetingStatus.declined:
        decliner = meeting.changed_by_id or meeting.invitee_id
        if decliner == person_id:
            return "DECLINED"
    return "ACCEPTED"


def meeting_invitation(meeting: Meeting, method: str) -> bytes:
    """The iTIP message about ``meeting`` for both people's calendar apps.

    ``REQUEST`` creates or updates the meeting: ORGANIZER is the requester, both people
    are ATTENDEEs (the requester as CHAIR) with PARTSTAT NEEDS-ACTION for the person a
    pending meeting waits for, DECLINED for whoever declined it and ACCEPTED otherwise;
    STATUS is TENTATIVE while pending, CONFIRMED once accepted, CANCELLED after a
    decline or cancellation. ``CANCEL`` removes it (STATUS:CANCELLED). The UID is the
    meeting's for its whole life; SEQUENCE is ``meeting.sequence``.
    """
    method = method.upper()
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"method must be REQUEST or CANCEL, not {method!r}")
    event = meeting.event
    facts = _facts_of(meeting)
    status = "CANCELLED" if method == "CANCEL" else _ITEM_STATUS[facts.status]
    item = _meeting_item(event, facts, None, _wording(), uid_host(), with_message=True)

    def attendee(person: User, role: str) -> vCalAddress:
        answer = _partstat(meeting, person.id)
        return vCalAddress.new(
            person.email,
            cn=person.display_name,
            cutype="INDIVIDUAL",
            role=role,
            partstat=answer,
            rsvp=answer == "NEEDS-ACTION" and method == "REQUEST",
        )

    component = VEvent.new(
        uid=meeting_uid(meeting),
        stamp=_stamp(),
        sequence=meeting.sequence,
        summary=item.title,
        start=_in_zone(meeting.starts_at, event.timezone),
        end=_in_zone(meeting.ends_at, event.timezone),
        location=item.location,
        description=item.description,
        url=item.url,
        status=status,
        organizer=vCalAddress.new(meeting.requester.email, cn=meeting.requester.display_name),
        attendees=[
            attendee(meeting.requester, "CHAIR"),
            attendee(meeting.invitee, "REQ-PARTICIPANT"),
        ],
    )
    return _assemble(
        method,
        None,
        [(event.timezone, meeting.starts_at, meeting.ends_at)],
        [component.to_ical()],
    )


# --- the personal feed's secret -------------------------------------------------------------


def feed_token(user: User) -> str:
    """The person's feed token, made on first use.

    Side effects: may write ``user.calendar_token``. Flushes.
    """
    if user.calendar_token is None:
        return regenerate_feed_token(user)
    return user.calendar_token


def regenerate_feed_token(user: User) -> str:
    """A new feed token for ``user``; the old feed URL stops working at once.

    Side effects: writes ``user.calendar_token``. Flushes.
    """
    user.calendar_token = secrets.token_urlsafe(32)
    db.session.flush()
    return user.calendar_token


def stop_feed(user: User) -> None:
    """Turn the feed off: its URL stops working until the person makes a new one.

    Side effects: clears ``user.calendar_token``. Flushes.
    """
    user.calendar_token = None
    db.session.flush()


def user_by_feed_token(token: str | None) -> User | None:
    """The active account whose feed ``token`` opens, else None."""
    if not token:
        return None
    user = db.session.scalar(sa.select(User).where(User.calendar_token == token))
    if user is None or not user.is_active:
        return None
    return user
