"""The program: rooms, tracks, sessions with their speakers and topics, bookmarks
and session materials.

A talk, panel, workshop or keynote is a ``ProgramSession`` (never ``Session``,
which would collide with Flask's and SQLAlchemy's sessions).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import MaterialKind, SessionFormat
from conference.extensions import db
from conference.models.events import Event, TaxonomyTerm
from conference.models.people import User
from conference.models.types import UTCDateTime, enum_column, utcnow


class Room(db.Model):
    __tablename__ = "rooms"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Seats; None when unknown.
    capacity: Mapped[int | None]
    #: Order of the rooms' columns in the agenda.
    position: Mapped[int] = mapped_column(default=0)


class Track(db.Model):
    __tablename__ = "tracks"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(120))
    #: A short description shown on the agenda's filter.
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    #: One of the app's track colours (a CSS class suffix), so the agenda can tell tracks apart.
    color: Mapped[str] = mapped_column(sa.String(20), default="indigo")
    position: Mapped[int] = mapped_column(default=0)


session_speakers = sa.Table(
    "session_speakers",
    db.metadata,
    sa.Column(
        "session_id", sa.ForeignKey("program_sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False, default=0),
    sa.Index("ix_session_speakers_user_id", "user_id"),
)

session_topics = sa.Table(
    "session_topics",
    db.metadata,
    sa.Column(
        "session_id", sa.ForeignKey("program_sessions.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("term_id", sa.ForeignKey("taxonomy_terms.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_session_topics_term_id", "term_id"),
)


class ProgramSession(db.Model):
    """A talk, panel, workshop or keynote in the event's program."""

    __tablename__ = "program_sessions"
    __table_args__ = (
        #: The agenda: one event's published sessions in time order.
        sa.Index("ix_program_sessions_agenda", "event_id", "published", "starts_at"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    #: Markdown as typed; rendered and sanitized on display.
    abstract: Mapped[str] = mapped_column(sa.Text, default="")
    format: Mapped[SessionFormat] = mapped_column(
        enum_column(SessionFormat), default=SessionFormat.talk
    )
    #: Start and end in UTC; forms and pages use the event's time zone.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    room_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rooms.id", ondelete="SET NULL"), index=True
    )
    track_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tracks.id", ondelete="SET NULL"), index=True
    )
    #: Most people admitted; None for the room's size or no limit.
    capacity: Mapped[int | None]
    #: Drafts are seen by organizers (and the session's speakers) only.
    published: Mapped[bool] = mapped_column(default=False)
    #: The sponsor presenting it, within its package's ``sponsored_sessions``.
    sponsor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sponsors.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    room: Mapped[Room | None] = relationship()
    track: Mapped[Track | None] = relationship()
    speakers: Mapped[list[User]] = relationship(
        secondary=session_speakers, order_by=session_speakers.c.position
    )
    topics: Mapped[list[TaxonomyTerm]] = relationship(
        secondary=session_topics, order_by=TaxonomyTerm.position
    )
    materials: Mapped[list[Material]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Material.created_at"
    )


class Bookmark(db.Model):
    """A session on a participant's personal agenda."""

    __tablename__ = "bookmarks"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "session_id"),
        #: Bookmark counts per session.
        sa.Index("ix_bookmarks_session_id", "session_id"),
        #: My agenda in one event.
        sa.Index("ix_bookmarks_event_user", "event_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("program_sessions.id", ondelete="CASCADE")
    )
    #: The person means to attend (not only to remember it); meetings avoid these slots.
    attending: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Material(db.Model):
    """A file or a link attached to a session by its speakers or the organizers."""

    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("program_sessions.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[MaterialKind] = mapped_column(enum_column(MaterialKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    #: For files: a random name under ``UPLOAD_FOLDER/materials``; never the uploaded name.
    stored_name: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    #: For files: the name it had on the uploader's computer, sanitized, for downloads.
    original_name: Mapped[str | None] = mapped_column(sa.String(200))
    #: For files: the type found by looking at the content.
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size: Mapped[int | None]
    #: For links: an http(s) URL.
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    #: Organizers may open a material to everyone, e.g. published slides.
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[ProgramSession] = relationship(back_populates="materials")
    uploaded_by: Mapped[User | None] = relationship()
