"""Recommendations of whom to meet: the cached list per person, what they said about
suggestions, and which suggestions they were shown (for the organizers' counts).

What a person wants to meet lives on their registration
(``events.registration_meet_wishes``); the scoring is in
``conference.services.matchmaking``.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conference.enums import SuggestionVerdict
from conference.extensions import db
from conference.models.types import UTCDateTime, enum_column, utcnow


class SuggestionList(db.Model):
    """The freshness of one person's cached suggestions in one event."""

    __tablename__ = "suggestion_lists"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when something the scores depend on changed; the next read recomputes.
    stale: Mapped[bool] = mapped_column(default=False)


class Suggestion(db.Model):
    """One cached suggestion: ``person`` for ``user`` in ``event``, with its reasons."""

    __tablename__ = "suggestions"
    __table_args__ = (sa.Index("ix_suggestions_list_rank", "event_id", "user_id", "rank"),)

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    rank: Mapped[int] = mapped_column(default=0)
    score: Mapped[float] = mapped_column(default=0.0)
    #: The reasons as data (kind plus the names involved), rendered in the reader's
    #: language on display: ``[{"kind": "bookmark", "names": ["Payments at scale"]}]``.
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)


class SuggestionFeedback(db.Model):
    """``user`` dismissed ``person``, or asked for more people like them."""

    __tablename__ = "suggestion_feedback"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    verdict: Mapped[SuggestionVerdict] = mapped_column(enum_column(SuggestionVerdict))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SuggestionShown(db.Model):
    """When ``user`` first saw ``person`` suggested; a message or meeting between them
    afterwards counts as a suggestion that worked (organizers see counts only)."""

    __tablename__ = "suggestions_shown"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
