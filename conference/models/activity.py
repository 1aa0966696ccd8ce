"""Activity: what participants do, one row per action, for organizer reports.

Reports aggregate millions of these rows by event, kind, topic and time, and
by the participant's industry, region, job role and ticket type. Those four
are copied onto the row when it is written, as they were at the time of the
action, so a report is a GROUP BY over one table (joined to the small
``session_topics`` for topics) instead of a join to registrations.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conference.enums import ActivityKind
from conference.extensions import db
from conference.models.types import UTCDateTime, enum_column, utcnow


class Activity(db.Model):
    __tablename__ = "activities"
    __table_args__ = (
        sa.Index("ix_activities_event_kind_time", "event_id", "kind", "created_at"),
        sa.Index("ix_activities_event_session", "event_id", "session_id"),
        sa.Index("ix_activities_event_user", "event_id", "user_id"),
        sa.Index("ix_activities_sponsor_kind_time", "sponsor_id", "kind", "created_at"),
        sa.Index("ix_activities_question", "question_id"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: Who did it; None once the account is deleted (counts stay right).
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind))
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("program_sessions.id", ondelete="SET NULL")
    )
    material_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("materials.id", ondelete="SET NULL")
    )
    #: The participant's answers at the time of the action (see the module docstring).
    industry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("taxonomy_terms.id", ondelete="SET NULL")
    )
    region_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("taxonomy_terms.id", ondelete="SET NULL")
    )
    job_role_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("taxonomy_terms.id", ondelete="SET NULL")
    )
    ticket_type_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket_types.id", ondelete="SET NULL")
    )
    #: Whose booth was visited, material downloaded or lead shared.
    sponsor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sponsors.id", ondelete="SET NULL")
    )
    #: The question a ``question_asked`` or ``question_upvoted`` row is about, so a vote
    #: withdrawn or a question hidden takes back exactly its own points. Checked at
    #: commit: deleting a session reaches these rows by two paths (its questions, and
    #: ``session_id``), which PostgreSQL would otherwise check half way.
    question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="SET NULL", deferrable=True, initially="DEFERRED")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
