"""Badges: their designs, the revocable codes their QR codes carry, and what was printed.

A badge's QR code carries a ``BadgeCode.token``: random, unguessable, and bound to one
registration of one event. Reissuing a badge revokes the current code and makes a new
one; a revoked code is kept so a scanner can say "revoked" instead of "unknown".

What a badge looks like depends on its design (``BadgeDesign``), chosen by the
person's badge role first, then by their ticket type, then the event's default design.
``BadgePrint`` records each time a registration's badge went into a PDF meant for
printing, with a fingerprint of what the badge showed, so "changed since last print"
is a comparison of fingerprints.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import BadgeBatchStatus, BadgeLayout, BadgeRole
from conference.extensions import db
from conference.models.events import Event, Registration, TicketType
from conference.models.people import User
from conference.models.types import UTCDateTime, enum_column, utcnow

#: What a badge QR code holds before the token, so scanners can tell a badge from any
#: other QR code. Upper-case letters, digits and ":" keep the code in QR's compact
#: alphanumeric mode, which prints larger modules for the same badge area.
QR_PREFIX = "B1:"


def new_badge_token() -> str:
    """130 random bits as 26 upper-case base32 characters (QR alphanumeric mode)."""
    return base64.b32encode(secrets.token_bytes(17)).decode("ascii").rstrip("=")[:26]


class BadgeDesign(db.Model):
    """How badges look: a print format, colours per role, and which fields appear.

    ``ticket_type_id`` or ``role`` say whom it is for; a design with neither is the
    event's default. A role's design wins over a ticket type's.
    """

    __tablename__ = "badge_designs"
    __table_args__ = (sa.Index("ix_badge_designs_event", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(120))
    layout: Mapped[BadgeLayout] = mapped_column(enum_column(BadgeLayout), default=BadgeLayout.a6)
    ticket_type_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket_types.id", ondelete="SET NULL")
    )
    role: Mapped[BadgeRole | None] = mapped_column(enum_column(BadgeRole))
    #: Band colour per badge role, ``{"speaker": "#c2410c", ...}``; missing roles use
    #: the built-in palette.
    colors: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    show_logo: Mapped[bool] = mapped_column(default=True)
    show_company: Mapped[bool] = mapped_column(default=True)
    show_job_title: Mapped[bool] = mapped_column(default=True)
    #: A ribbon such as SPEAKER across the bottom for roles other than attendee.
    show_ribbon: Mapped[bool] = mapped_column(default=True)
    show_qr: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    ticket_type: Mapped[TicketType | None] = relationship()


class BadgeCode(db.Model):
    """The token a registration's badge QR code carries; one live code per registration."""

    __tablename__ = "badge_codes"
    __table_args__ = (
        sa.Index(
            "uq_badge_codes_live",
            "registration_id",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_badge_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    registration: Mapped[Registration] = relationship()

    @property
    def qr_payload(self) -> str:
        return QR_PREFIX + self.token


class BadgeBatch(db.Model):
    """One bulk generation of badges: what was asked for, its progress, and the PDF."""

    __tablename__ = "badge_batches"
    __table_args__ = (sa.Index("ix_badge_batches_event_created", "event_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: The filter as chosen in the form (see ``conference.services.badges.BadgeFilter``).
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: "name" or "company": the order badges come out of the printer.
    sort: Mapped[str] = mapped_column(sa.String(16), default="name")
    status: Mapped[BadgeBatchStatus] = mapped_column(
        enum_column(BadgeBatchStatus), default=BadgeBatchStatus.queued
    )
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    #: The PDF's file name under the badge folder, once done.
    filename: Mapped[str | None] = mapped_column(sa.String(200))
    #: Badges whose text could not fit even at the smallest size, ``[{"name": ..,
    #: "field": ..}]``; shown with the download so nothing is cut off unnoticed.
    warnings: Mapped[list] = mapped_column(sa.JSON, default=list)
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship()


class BadgePrint(db.Model):
    """A registration's badge went into a PDF for printing (a batch or a single badge)."""

    __tablename__ = "badge_prints"
    __table_args__ = (sa.Index("ix_badge_prints_registration", "registration_id", "printed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE")
    )
    batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("badge_batches.id", ondelete="SET NULL"), index=True
    )
    #: A hash of everything the badge showed (see ``services.badges.fingerprint``).
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    printed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
