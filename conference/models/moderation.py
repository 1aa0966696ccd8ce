"""Moderation: reports of questions, posts, news and profiles (messages keep their own
``MessageReport``; the queue shows both), suspensions from posting, and the log of every
moderator's action with who and why."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conference.enums import ModerationActionKind, ReportTarget
from conference.extensions import db
from conference.models.types import UTCDateTime, enum_column, utcnow


class ContentReport(db.Model):
    """A participant's report of a question, post, news item or profile."""

    __tablename__ = "content_reports"
    __table_args__ = (
        sa.UniqueConstraint("target", "target_id", "reporter_id"),
        sa.Index("ix_content_reports_event_open", "event_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    target: Mapped[ReportTarget] = mapped_column(enum_column(ReportTarget))
    #: The question, post or news item's id, or the reported person's user id.
    target_id: Mapped[int]
    #: Whose content it is (the author, or the profile's owner).
    subject_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    outcome: Mapped[str] = mapped_column(sa.String(20), default="")


class PostingSuspension(db.Model):
    """A person may not ask questions or post in this event until ``until`` (None: until
    a moderator lifts it)."""

    __tablename__ = "posting_suspensions"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModerationAction(db.Model):
    """One moderator's action: what, on what, about whom, and why."""

    __tablename__ = "moderation_actions"
    __table_args__ = (sa.Index("ix_moderation_actions_event_created", "event_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[ModerationActionKind] = mapped_column(enum_column(ModerationActionKind))
    #: What it was about (None for an action on a person only, e.g. a suspension).
    target: Mapped[ReportTarget | None] = mapped_column(enum_column(ReportTarget))
    target_id: Mapped[int | None]
    #: The person whose content or conduct it concerned.
    subject_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    #: For suspensions: until when.
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
