"""Sponsors: the packages an organizer sells, the companies that buy them, their staff,
booths and materials, and the leads they collect, each only with the person's consent.

A package's entitlements are columns read at the moment of each action, so changing a
package changes what its sponsors may do at once. A sponsor's staff are
``SponsorMember`` rows mirrored by an ``EventRole`` of kind ``sponsor_staff`` (which
makes them participants of the event); one person staffs at most one sponsor per event.

A ``Lead`` exists only when the person agreed, and keeps the consent record: when, how
(``source``) and the exact text the person was shown. Withdrawing sets ``withdrawn_at``
and erases what the sponsor wrote about the person; the row stays (without details for
the sponsor) so counts of withdrawals and a later renewed consent keep one row per
sponsor and person.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import (
    ConsentRequestStatus,
    LeadExportFormat,
    LeadFollowUp,
    LeadRating,
    LeadSource,
    MaterialKind,
    SponsorQuestionKind,
)
from conference.extensions import db
from conference.models.events import Event, Registration
from conference.models.people import User
from conference.models.types import UTCDateTime, enum_column, utcnow


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class SponsorPackage(db.Model):
    """A tier an organizer sells (Platinum, Gold, ...) and what it entitles a sponsor to."""

    __tablename__ = "sponsor_packages"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(80))
    #: The price as shown, currency and all ("€25,000"); the platform takes no payments.
    price_text: Mapped[str] = mapped_column(sa.String(60), default="")
    #: Tier order: lower comes first on the sponsors' page.
    position: Mapped[int] = mapped_column(default=0)
    #: Most staff (members plus open invitations) a sponsor of this package may have.
    staff_seats: Mapped[int] = mapped_column(default=2)
    #: A booth page participants can open.
    booth: Mapped[bool] = mapped_column(default=True)
    #: Where the sponsor's logo appears.
    logo_on_event_page: Mapped[bool] = mapped_column(default=False)
    logo_on_agenda: Mapped[bool] = mapped_column(default=False)
    logo_on_badges: Mapped[bool] = mapped_column(default=False)
    #: Staff may scan badges (and receive leads from the booth, meetings and materials).
    lead_retrieval: Mapped[bool] = mapped_column(default=False)
    #: Staff may download the lead list (CSV, vCard, XLSX).
    lead_export: Mapped[bool] = mapped_column(default=False)
    #: Meeting requests the sponsor's staff may send in all; None for no limit.
    meeting_request_quota: Mapped[int | None] = mapped_column(default=0)
    #: Program sessions the organizer may mark as sponsored by it.
    sponsored_sessions: Mapped[int] = mapped_column(default=0)
    #: One announcement mailed to attendees who accepted sponsors' offers.
    sponsored_announcement: Mapped[bool] = mapped_column(default=False)
    #: Shown first among sponsors and highlighted above the directory.
    directory_featured: Mapped[bool] = mapped_column(default=False)
    #: Staff may post news to the event's feed.
    news_posts: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()


class Sponsor(db.Model):
    """A company sponsoring one event, with its booth."""

    __tablename__ = "sponsors"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    package_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sponsor_packages.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    #: One line under the name ("Payments infrastructure for Europe").
    tagline: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Markdown, rendered sanitized on the booth page.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    website: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Further links as ``[{"label": ..., "url": ...}]``, http(s) only.
    links: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Where to find the booth at the venue ("Hall B, stand 12").
    booth_location: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    #: A file under ``UPLOAD_FOLDER/logos``, checked and re-encoded like the event's.
    logo_filename: Mapped[str | None] = mapped_column(sa.String(200))
    #: Meeting requests its staff have sent, counted under a lock against the quota.
    meeting_requests_used: Mapped[int] = mapped_column(default=0)
    #: When its one sponsored announcement was sent (None: not yet).
    announcement_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
    package: Mapped[SponsorPackage] = relationship()
    members: Mapped[list[SponsorMember]] = relationship(
        back_populates="sponsor", cascade="all, delete-orphan", order_by="SponsorMember.id"
    )


class SponsorMember(db.Model):
    """One person on a sponsor's staff; admins invite staff and edit the booth."""

    __tablename__ = "sponsor_members"
    __table_args__ = (sa.UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sponsors.id", ondelete="CASCADE"), index=True
    )
    #: Copied from the sponsor so "one sponsor per person and event" is a constraint.
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sponsor: Mapped[Sponsor] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class SponsorInvitation(db.Model):
    """An email invitation to join a sponsor's staff; it holds a seat until it is
    accepted or revoked. The link carries ``token``, unguessable and single-use."""

    __tablename__ = "sponsor_invitations"
    __table_args__ = (sa.Index("ix_sponsor_invitations_sponsor", "sponsor_id", "accepted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(sa.ForeignKey("sponsors.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_invitation_token)
    as_admin: Mapped[bool] = mapped_column(default=False)
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    sponsor: Mapped[Sponsor] = relationship()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class BoothMaterial(db.Model):
    """A file or link on a sponsor's booth; files are stored like session materials."""

    __tablename__ = "booth_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sponsors.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    kind: Mapped[MaterialKind] = mapped_column(enum_column(MaterialKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    #: For files: a random name under ``UPLOAD_FOLDER/materials``.
    stored_name: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    original_name: Mapped[str | None] = mapped_column(sa.String(200))
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size: Mapped[int | None]
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    #: Only people who share their details may download it (the prompt offers no
    #: "download without sharing").
    requires_consent: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sponsor: Mapped[Sponsor] = relationship()


class Lead(db.Model):
    """A person whose contact details a sponsor holds, with the consent that allows it."""

    __tablename__ = "leads"
    __table_args__ = (
        sa.UniqueConstraint("sponsor_id", "user_id"),
        sa.Index("ix_leads_sponsor_created", "sponsor_id", "withdrawn_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(sa.ForeignKey("sponsors.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL")
    )
    source: Mapped[LeadSource] = mapped_column(enum_column(LeadSource))
    #: The staff member who scanned or met the person; None when the person shared.
    captured_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: The consent record: when the person agreed, and the exact words they agreed to.
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    consent_text: Mapped[str] = mapped_column(sa.Text)
    #: Qualification by the sponsor's staff (erased on withdrawal).
    rating: Mapped[LeadRating | None] = mapped_column(enum_column(LeadRating))
    follow_up: Mapped[LeadFollowUp] = mapped_column(
        enum_column(LeadFollowUp), default=LeadFollowUp.new
    )
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    #: Lower-case tags, as a list of strings.
    tags: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: The person withdrew: the sponsor sees "withdrawn" and no details.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    sponsor: Mapped[Sponsor] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    registration: Mapped[Registration | None] = relationship()
    captured_by: Mapped[User | None] = relationship(foreign_keys=[captured_by_id])

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class LeadConsentRequest(db.Model):
    """After scanning someone who had not agreed, the sponsor asks them in the app."""

    __tablename__ = "lead_consent_requests"
    __table_args__ = (
        sa.UniqueConstraint("sponsor_id", "user_id"),
        sa.Index("ix_lead_consent_requests_user", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(sa.ForeignKey("sponsors.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[ConsentRequestStatus] = mapped_column(
        enum_column(ConsentRequestStatus), default=ConsentRequestStatus.pending
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    sponsor: Mapped[Sponsor] = relationship()


class SponsorQuestion(db.Model):
    """A question the sponsor's staff answer about each lead ("Budget this year?")."""

    __tablename__ = "sponsor_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sponsors.id", ondelete="CASCADE"), index=True
    )
    prompt: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[SponsorQuestionKind] = mapped_column(
        enum_column(SponsorQuestionKind), default=SponsorQuestionKind.text
    )
    #: For ``choice``: the options, in order.
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)


class LeadAnswer(db.Model):
    __tablename__ = "lead_answers"

    lead_id: Mapped[int] = mapped_column(
        sa.ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sponsor_questions.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[str] = mapped_column(sa.String(1000), default="")


class LeadExport(db.Model):
    """One download of a sponsor's lead list: who, when, which format, how many rows."""

    __tablename__ = "lead_exports"
    __table_args__ = (sa.Index("ix_lead_exports_event", "event_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sponsors.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    exported_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    format: Mapped[LeadExportFormat] = mapped_column(enum_column(LeadExportFormat))
    row_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    exported_by: Mapped[User | None] = relationship()
