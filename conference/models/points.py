"""Engagement points: what each kind of activity is worth in an event, with a daily cap
so points cannot be farmed. Totals are counted from activity rows (``services.points``),
so reports and points never disagree."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conference.enums import PointKind
from conference.extensions import db
from conference.models.types import enum_column


class PointRule(db.Model):
    __tablename__ = "point_rules"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[PointKind] = mapped_column(enum_column(PointKind), primary_key=True)
    points: Mapped[int] = mapped_column(default=0)
    #: The most points of this kind one person earns per day (event's zone); None: no cap.
    daily_cap: Mapped[int | None] = mapped_column(default=None)
