"""People: accounts and their profiles, which live across events."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import MessagePolicy
from conference.extensions import db
from conference.models.types import UTCDateTime, enum_column, utcnow


def new_session_nonce() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased login address; unique across the installation.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    #: argon2 hash; never the password itself.
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: The name shown everywhere, in any script.
    display_name: Mapped[str] = mapped_column(sa.String(120))
    #: When the person proved they own ``email``; None until then.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Platform administrators manage the installation (created by ``flask create-admin``).
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    #: With ``EVENT_CREATION=allowed``, only these accounts (and admins) create events.
    can_create_events: Mapped[bool] = mapped_column(default=False)
    #: Suspended accounts cannot log in; their open sessions stop working.
    is_suspended: Mapped[bool] = mapped_column(default=False)
    #: Preferred interface language; None means "as the browser asks".
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    #: Part of the login session id: changing it logs out every session of this account.
    session_nonce: Mapped[str] = mapped_column(sa.String(32), default=new_session_nonce)
    #: Secret of the personal calendar feed URL; None until the person asks for a feed.
    #: Regenerating it makes the old URL stop working at once.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the person deleted their account. The row stays as a tombstone (no email,
    #: no name, no password) so their anonymised registrations keep reports right and
    #: the messages they sent can show as from "a deleted participant".
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    profile: Mapped[Profile] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan", lazy="joined"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_active(self) -> bool:
        return not self.is_suspended and self.deleted_at is None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Profile(db.Model):
    """What a person tells other participants about themselves."""

    __tablename__ = "profiles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    #: One line under the name, e.g. "Payments infrastructure at Acme".
    headline: Mapped[str] = mapped_column(sa.String(160), default="")
    #: Markdown as typed; rendered and sanitized on display.
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    company: Mapped[str] = mapped_column(sa.String(120), default="")
    job_title: Mapped[str] = mapped_column(sa.String(120), default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    linkedin: Mapped[str] = mapped_column(sa.String(300), default="")
    #: What the person hopes to find at events (free text).
    looking_for: Mapped[str] = mapped_column(sa.String(500), default="")
    #: What the person can help others with (free text).
    can_offer: Mapped[str] = mapped_column(sa.String(500), default="")
    #: File name of the resized photo under ``UPLOAD_FOLDER/photos``; random, not guessable.
    photo: Mapped[str | None] = mapped_column(sa.String(80))
    #: False hides the person from directories and from other attendees' view. Copied to
    #: the person's registrations by ``conference.services.search.refresh_search_keys``.
    directory_visible: Mapped[bool] = mapped_column(default=True)
    #: Who may start a conversation with this person.
    message_policy: Mapped[MessagePolicy] = mapped_column(
        enum_column(MessagePolicy), default=MessagePolicy.participants
    )
    #: Become contacts automatically with the person of a meeting that took place, when
    #: they chose so too.
    contact_after_meeting: Mapped[bool] = mapped_column(default=False)
    #: Accept at once the contact request of someone who scans this person's badge;
    #: otherwise the scan leaves a request to answer.
    contact_on_badge_scan: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="profile")
