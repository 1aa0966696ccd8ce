"""Events, their vocabularies, roles, invitation codes and registrations.

Every row that belongs to an event carries ``event_id``; queries go through
event-scoped helpers in ``conference.services`` so nothing leaks between events.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import (
    EventRoleKind,
    EventVisibility,
    NetworkClosing,
    RegistrationStatus,
    TaxonomyKind,
)
from conference.extensions import db
from conference.models.people import User
from conference.models.types import UTCDateTime, enum_column, utcnow


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The event's address: ``/e/<slug>/``; lower-case letters, digits and dashes.
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Markdown shown on the public landing page.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: A note from the organizer on the landing page (who runs it, how to reach them).
    organizer_text: Mapped[str] = mapped_column(sa.Text, default="")
    #: Address organizers answer at; shown on participants-only pages.
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    #: First and last day, in the event's own time zone.
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    #: IANA zone name, e.g. "Europe/Berlin"; every time is shown in it.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    venue: Mapped[str] = mapped_column(sa.String(200), default="")
    city: Mapped[str] = mapped_column(sa.String(120), default="")
    country: Mapped[str] = mapped_column(sa.String(120), default="")
    #: Public events are listed and indexed; invitation-only ones need a code to register.
    visibility: Mapped[EventVisibility] = mapped_column(
        enum_column(EventVisibility), default=EventVisibility.public
    )
    registration_open: Mapped[bool] = mapped_column(default=True)
    #: With approval on, new registrations wait as "pending" for an organizer.
    approval_required: Mapped[bool] = mapped_column(default=False)
    #: How many days after ``ends_on`` the network stays open (profiles, directory,
    #: messaging, materials, agendas; nothing new); None keeps it open for good, 0 closes
    #: it when the event ends. See ``permissions.network_phase``.
    network_open_days: Mapped[int | None] = mapped_column(default=None)
    #: After the event, the directory can be browsed but no one new contacted from it.
    network_directory_read_only: Mapped[bool] = mapped_column(default=False)
    #: What participants keep once the network has closed.
    network_closing: Mapped[NetworkClosing] = mapped_column(
        enum_column(NetworkClosing), default=NetworkClosing.read_only
    )
    #: When participants were told by email that the network closes soon; None until then
    #: (cleared when the organizer moves the closing day).
    network_closing_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Messages of a participant who deletes their account are removed from the other
    #: person's history too, instead of staying as from "a deleted participant".
    remove_messages_of_deleted: Mapped[bool] = mapped_column(default=False)
    #: Participants book 1:1 meetings in the event's meeting hours.
    meetings_enabled: Mapped[bool] = mapped_column(default=True)
    #: Length of a meeting slot in minutes.
    meeting_slot_minutes: Mapped[int] = mapped_column(default=30)
    #: The event's logo (badges; later pages), a file under ``UPLOAD_FOLDER/logos``.
    logo_filename: Mapped[str | None] = mapped_column(sa.String(200))
    #: The question registration and privacy settings ask about sponsors scanning one's
    #: badge; empty for the built-in wording (``services.leads.scan_consent_question``).
    sponsor_consent_question: Mapped[str] = mapped_column(sa.String(500), default="")
    #: The question registration asks about the organizer keeping in touch (the CRM
    #: export holds only people who agreed); empty for the built-in wording.
    organizer_contact_question: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Reports show any figure about fewer people than this as "< k".
    report_min_cell: Mapped[int] = mapped_column(default=5)
    #: Words (one per line) that hold a question, post or news item for a moderator.
    held_words: Mapped[str] = mapped_column(sa.Text, default="")
    #: Who may post in discussions: participants holding one of these ticket types or
    #: roles; both empty means every participant. Organizers and moderators always may.
    discussion_ticket_type_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    discussion_roles: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Participants see the points leaderboard.
    leaderboard_visible: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    terms: Mapped[list[TaxonomyTerm]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="TaxonomyTerm.position"
    )
    ticket_types: Mapped[list[TicketType]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="TicketType.position"
    )

    @property
    def network_closes_on(self) -> date | None:
        """The first day the network is closed; None while it stays open for good."""
        if self.network_open_days is None:
            return None
        return self.ends_on + timedelta(days=self.network_open_days + 1)

    @property
    def is_public(self) -> bool:
        return self.visibility == EventVisibility.public

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class TaxonomyTerm(db.Model):
    """One entry of an event vocabulary: an industry, region, job role or topic."""

    __tablename__ = "taxonomy_terms"
    __table_args__ = (sa.UniqueConstraint("event_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[TaxonomyKind] = mapped_column(enum_column(TaxonomyKind))
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Order in forms and filters.
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="terms")


class TicketType(db.Model):
    __tablename__ = "ticket_types"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Most active registrations of this type; None for no limit.
    capacity: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="ticket_types")


class EventRole(db.Model):
    """A role someone holds in an event besides attending (organizer, speaker, ...)."""

    __tablename__ = "event_roles"
    __table_args__ = (sa.UniqueConstraint("event_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[EventRoleKind] = mapped_column(enum_column(EventRoleKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


class InvitationCode(db.Model):
    """A code that lets people register for an invitation-only event."""

    __tablename__ = "invitation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: Random and unguessable; typed by people, so case-insensitive and without look-alikes.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    #: What the organizer meant it for ("Partners of Acme").
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    #: How many registrations it admits; None for no limit.
    max_uses: Mapped[int | None]
    uses: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


registration_interests = sa.Table(
    "registration_interests",
    db.metadata,
    sa.Column(
        "registration_id",
        sa.ForeignKey("registrations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "term_id",
        sa.ForeignKey("taxonomy_terms.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

#: The industries, regions and job roles a participant wants to meet in the event
#: (the "I want to meet" setting); recommendations favour people with those terms.
registration_meet_wishes = sa.Table(
    "registration_meet_wishes",
    db.metadata,
    sa.Column(
        "registration_id",
        sa.ForeignKey("registrations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "term_id",
        sa.ForeignKey("taxonomy_terms.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Registration(db.Model):
    """A person's participation in one event, with what reports break down by."""

    __tablename__ = "registrations"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "user_id"),
        #: The directory's listing: approved people of one event in name order; with the
        #: visibility flag in the index, pages and counts never touch the table.
        sa.Index(
            "ix_registrations_directory",
            "event_id",
            "status",
            "sort_name",
            "id",
            "directory_visible",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus), default=RegistrationStatus.pending
    )
    ticket_type_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket_types.id", ondelete="SET NULL"), index=True
    )
    industry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("taxonomy_terms.id", ondelete="SET NULL"), index=True
    )
    region_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("taxonomy_terms.id", ondelete="SET NULL"), index=True
    )
    job_role_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("taxonomy_terms.id", ondelete="SET NULL"), index=True
    )
    invitation_code_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitation_codes.id", ondelete="SET NULL")
    )
    #: Name, company and job title normalized by ``search_key`` for directory search.
    search_text: Mapped[str] = mapped_column(sa.String(400), default="")
    #: The display name normalized for sorting.
    sort_name: Mapped[str] = mapped_column(sa.String(120), default="")
    #: Copy of the person's ``Profile.directory_visible``, kept with the search keys,
    #: so the directory filters and counts on this table alone.
    directory_visible: Mapped[bool] = mapped_column(default=True)
    #: A note from the organizer, e.g. why a registration was declined.
    organizer_note: Mapped[str] = mapped_column(sa.String(500), default="")
    #: The person unsubscribed from this event's announcements (transactional mail,
    #: such as meeting invitations, still reaches them).
    announcements_opt_out: Mapped[bool] = mapped_column(default=False)
    #: The person agreed that sponsors' staff who scan their badge receive their contact
    #: details. Never true by default; when it was answered, and the exact question shown.
    sponsor_scan_consent: Mapped[bool] = mapped_column(default=False)
    sponsor_scan_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sponsor_scan_consent_text: Mapped[str] = mapped_column(sa.Text, default="")
    #: The person accepts sponsors' announcements (one per entitled sponsor, sent by the
    #: platform; the sponsor never learns who received it).
    sponsor_offers: Mapped[bool] = mapped_column(default=False)
    #: The person agreed that the organizer may contact them after the event (their
    #: client base, the CRM export): never true by default; when, and the exact question.
    organizer_contact: Mapped[bool] = mapped_column(default=False)
    organizer_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    organizer_contact_text: Mapped[str] = mapped_column(sa.Text, default="")
    #: The person keeps off the event's points leaderboard.
    leaderboard_hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship()
    ticket_type: Mapped[TicketType | None] = relationship()
    industry: Mapped[TaxonomyTerm | None] = relationship(foreign_keys=[industry_id])
    region: Mapped[TaxonomyTerm | None] = relationship(foreign_keys=[region_id])
    job_role: Mapped[TaxonomyTerm | None] = relationship(foreign_keys=[job_role_id])
    interests: Mapped[list[TaxonomyTerm]] = relationship(
        secondary=registration_interests, order_by=TaxonomyTerm.position
    )
    meet_wishes: Mapped[list[TaxonomyTerm]] = relationship(
        secondary=registration_meet_wishes, order_by=TaxonomyTerm.position
    )

    @property
    def is_active(self) -> bool:
        return self.status in (RegistrationStatus.pending, RegistrationStatus.approved)
