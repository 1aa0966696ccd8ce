"""Rows of the program for tests of the agenda, search and bookmarks: rooms, tracks and
sessions written directly with the models, at wall-clock times of the event's zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conference.enums import SessionFormat
from conference.extensions import db
from conference.models import Event, ProgramSession, Room, TaxonomyTerm, Track, User
from tests import factories


def at(event: Event, day: date | int, hhmm: str) -> datetime:
    """The UTC moment of ``hhmm`` on ``day`` (a date, or an index into the event's days)
    in the event's own zone."""
    if isinstance(day, int):
        day = event.starts_on + timedelta(days=day)
    hours, minutes = (int(part) for part in hhmm.split(":"))
    local = datetime.combine(day, time(hours, minutes), tzinfo=ZoneInfo(event.timezone))
    return local.astimezone(UTC)


def room(event: Event, name: str, position: int = 0) -> Room:
    made = Room(event_id=event.id, name=name, position=position)
    db.session.add(made)
    db.session.commit()
    return made


def track(event: Event, name: str, color: str = "indigo", position: int = 0) -> Track:
    made = Track(event_id=event.id, name=name, color=color, position=position)
    db.session.add(made)
    db.session.commit()
    return made


def topic(event: Event, name: str) -> TaxonomyTerm:
    return factories.term(event, "topic", name)


def session(
    event: Event,
    title: str,
    start: str = "10:00",
    end: str = "10:45",
    *,
    day: date | int = 0,
    room: Room | None = None,
    track: Track | None = None,
    topics: Sequence[str] = (),
    speakers: Sequence[User] = (),
    published: bool = True,
    abstract: str = "",
    format: SessionFormat = SessionFormat.talk,
) -> ProgramSession:
    made = ProgramSession(
        event_id=event.id,
        title=title,
        abstract=abstract,
        format=format,
        starts_at=at(event, day, start),
        ends_at=at(event, day, end),
        room_id=room.id if room else None,
        track_id=track.id if track else None,
        published=published,
        topics=[factories.term(event, "topic", name) for name in topics],
        speakers=list(speakers),
    )
    db.session.add(made)
    db.session.commit()
    return made
