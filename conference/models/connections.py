"""Contacts: people who agreed to stay in touch, across every event they share.

A contact is two rows, one per side, so each person keeps their own note and tags
and their list is one indexed query. ``ContactRequest`` is one person asking
another; there is at most one row per ordered pair, reused when asked again.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import ContactRequestStatus, ContactSource
from conference.extensions import db
from conference.models.people import User
from conference.models.types import UTCDateTime, enum_column, utcnow


class Contact(db.Model):
    """``owner`` has ``person`` among their contacts (the mirror row exists too)."""

    __tablename__ = "contacts"

    owner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: The event where they connected; kept if the event is deleted (as None).
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[ContactSource] = mapped_column(enum_column(ContactSource))
    #: The owner's private note about the person; nobody else ever sees it.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: The owner's private tags, as typed (trimmed, no duplicates ignoring case).
    tags: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[User] = relationship(foreign_keys=[person_id])


class ContactRequest(db.Model):
    """``requester`` asked ``recipient`` to become contacts, from ``event``."""

    __tablename__ = "contact_requests"
    __table_args__ = (
        sa.UniqueConstraint("requester_id", "recipient_id"),
        #: "Requests waiting for me".
        sa.Index("ix_contact_requests_recipient_status", "recipient_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"))
    source: Mapped[ContactSource] = mapped_column(
        enum_column(ContactSource), default=ContactSource.request
    )
    #: A short note from the requester, shown with the request.
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[ContactRequestStatus] = mapped_column(
        enum_column(ContactRequestStatus), default=ContactRequestStatus.pending
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
