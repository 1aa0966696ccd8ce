"""Emails an organizer sends to a segment of the event: announcements and personal
agendas, each recipient tracked so that a restarted sending never mails anyone twice."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import DeliveryStatus, MailingKind, MailingStatus
from conference.extensions import db
from conference.models.events import Event
from conference.models.people import User
from conference.models.types import UTCDateTime, enum_column, utcnow


class Mailing(db.Model):
    __tablename__ = "mailings"
    __table_args__ = (sa.Index("ix_mailings_event_created", "event_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    kind: Mapped[MailingKind] = mapped_column(enum_column(MailingKind))
    subject: Mapped[str] = mapped_column(sa.String(200))
    #: Markdown as typed; rendered and sanitized into the HTML part.
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: The segment as chosen in the form (see ``conference.services.segments``), kept so
    #: the page can say who it went to.
    segment: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[MailingStatus] = mapped_column(
        enum_column(MailingStatus), default=MailingStatus.queued
    )
    #: A sponsor's one announcement (sent to attendees who accept sponsors' offers).
    sponsor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sponsors.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship()


class MailingRecipient(db.Model):
    """One person a mailing goes to, and what became of their copy."""

    __tablename__ = "mailing_recipients"
    __table_args__ = (
        sa.UniqueConstraint("mailing_id", "user_id"),
        sa.Index("ix_mailing_recipients_status", "mailing_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailing_id: Mapped[int] = mapped_column(sa.ForeignKey("mailings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The address at the time of sending.
    email: Mapped[str] = mapped_column(sa.String(254))
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus), default=DeliveryStatus.queued
    )
    error: Mapped[str] = mapped_column(sa.String(300), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
