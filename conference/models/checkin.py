"""Check-in at the event's entrance, attendance at sessions, and every scan made.

``CheckIn`` is a person's state at the door: one row per registration, created by the
first admission, so two devices scanning the same badge at once record one check-in
(the primary key settles the race). ``SessionAttendance`` is one row per person and
session for the same reason. ``Scan`` logs every scan with the device's own id for
it, so a device that queued scans offline can send them again without doubling any.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import ScanAction, ScanOutcome
from conference.extensions import db
from conference.models.events import Registration
from conference.models.people import User
from conference.models.types import UTCDateTime, enum_column, utcnow


class CheckIn(db.Model):
    """A registration admitted at the entrance (and, optionally, checked out)."""

    __tablename__ = "check_ins"
    __table_args__ = (sa.Index("ix_check_ins_event_time", "event_id", "checked_in_at"),)

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: The first admission (when the scan was made, by the device's clock if offline).
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checked_in_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: Set while the person is out; a later check-in clears it (venues counting who is
    #: inside use this; ``checked_in_at`` stays the first admission).
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    registration: Mapped[Registration] = relationship()
    checked_in_by: Mapped[User | None] = relationship()


class SessionAttendance(db.Model):
    """A person scanned into a session."""

    __tablename__ = "session_attendances"
    __table_args__ = (sa.Index("ix_session_attendances_event", "event_id", "session_id"),)

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("program_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    attended_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class Scan(db.Model):
    """One scan (or name-search pick) by check-in staff, and the server's answer."""

    __tablename__ = "scans"
    __table_args__ = (
        sa.UniqueConstraint("scanned_by_id", "client_scan_id"),
        sa.Index("ix_scans_event_time", "event_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: Whose badge it was, when the code resolved inside this event.
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("program_sessions.id", ondelete="SET NULL")
    )
    action: Mapped[ScanAction] = mapped_column(enum_column(ScanAction))
    outcome: Mapped[ScanOutcome] = mapped_column(enum_column(ScanOutcome))
    scanned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: The device's own id for this scan (a UUID); a resent scan is recognized by it.
    client_scan_id: Mapped[str] = mapped_column(sa.String(64))
    #: What the device decided while offline, if it was ("ok", "already", ...).
    offline_outcome: Mapped[str | None] = mapped_column(sa.String(20))
    #: When the scan was made (the device's clock for scans queued offline).
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
