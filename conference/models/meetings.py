"""1:1 meetings between participants: the event's meeting hours and places, and the
meetings themselves.

No double booking is enforced in the transaction that accepts a meeting
(``conference.services.meetings``): it locks both people's and the place's rows
(``SELECT ... FOR NO KEY UPDATE`` on PostgreSQL; SQLite transactions begin
``IMMEDIATE`` and so are serialized), then checks for overlaps before it writes.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import MeetingStatus
from conference.extensions import db
from conference.models.events import Event
from conference.models.people import User
from conference.models.types import UTCDateTime, enum_column, utcnow


def new_meeting_uid() -> str:
    """The iCalendar UID of a meeting: random, stable for its whole life."""
    return f"meeting-{secrets.token_hex(12)}"


class MeetingHours(db.Model):
    """When meetings may be booked on one day of the event, as wall-clock times in the
    event's zone. A day without a row has no meeting slots."""

    __tablename__ = "meeting_hours"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "day"),
        sa.CheckConstraint("ends_at > starts_at", name="meeting_hours_end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(sa.Date)
    starts_at: Mapped[time] = mapped_column(sa.Time)
    ends_at: Mapped[time] = mapped_column(sa.Time)


class MeetingPlace(db.Model):
    """A table or room where meetings happen; no capacity means "anywhere"
    (the two people agree where), which any number of meetings may share."""

    __tablename__ = "meeting_places"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Meetings it holds at once; None for no limit.
    capacity: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    #: A place the organizer removed while meetings still referred to it; kept for them.
    retired: Mapped[bool] = mapped_column(default=False)


class Meeting(db.Model):
    """A 1:1 meeting asked for by ``requester`` with ``invitee``."""

    __tablename__ = "meetings"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="meeting_end_after_start"),
        sa.CheckConstraint("requester_id <> invitee_id", name="meeting_two_people"),
        #: One person's meetings in time order (as requester, and as invitee).
        sa.Index("ix_meetings_requester_time", "requester_id", "starts_at"),
        sa.Index("ix_meetings_invitee_time", "invitee_id", "starts_at"),
        #: How full a place is at a time.
        sa.Index("ix_meetings_place_time", "place_id", "starts_at"),
        sa.Index("ix_meetings_event_status", "event_id", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    invitee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: In UTC; shown in the event's zone.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_places.id", ondelete="SET NULL")
    )
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus), default=MeetingStatus.pending
    )
    #: Whose answer a pending meeting waits for; None once decided.
    awaiting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: The requester's message with the request.
    message: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: The last note given with a decline, a proposal, a reschedule or a cancellation.
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Who made the last change (proposal, acceptance, cancellation); for notices.
    changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: The organizer changed hours or places so that this meeting no longer fits; both
    #: people were told and asked to reschedule. Cleared by a reschedule.
    needs_reschedule: Mapped[bool] = mapped_column(default=False)
    #: iCalendar identity: the same UID for the meeting's life, a higher SEQUENCE on
    #: every change that calendar apps must apply.
    uid: Mapped[str] = mapped_column(sa.String(80), unique=True, default=new_meeting_uid)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    invitee: Mapped[User] = relationship(foreign_keys=[invitee_id])
    place: Mapped[MeetingPlace | None] = relationship()

    def other_id(self, user_id: int) -> int:
        return self.invitee_id if user_id == self.requester_id else self.requester_id

    def involves(self, user_id: int) -> bool:
        return user_id in (self.requester_id, self.invitee_id)
