"""Live Q&A of a program session: questions and their upvotes.

A question may be anonymous towards other participants; its author is always stored,
so the session's speakers, moderators and organizers (and the moderation log) know who
asked. ``vote_count`` is kept in step with ``QuestionVote`` rows, whose primary key
makes one vote per person, even under concurrent votes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import ContentStatus
from conference.extensions import db
from conference.models.people import User
from conference.models.types import UTCDateTime, enum_column, utcnow


class Question(db.Model):
    __tablename__ = "questions"
    __table_args__ = (
        #: The session's list, best first.
        sa.Index("ix_questions_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("program_sessions.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: Plain text as typed (at most ``qa.BODY_MAX`` characters); escaped on display.
    body: Mapped[str] = mapped_column(sa.Text)
    #: Other participants see "Anonymous"; speakers and moderators still see the author.
    anonymous: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus), default=ContentStatus.visible
    )
    vote_count: Mapped[int] = mapped_column(default=0)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: At most one pinned question per session: shown first, and large on the presenter view.
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()


class QuestionVote(db.Model):
    """One participant's upvote of one question."""

    __tablename__ = "question_votes"

    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
