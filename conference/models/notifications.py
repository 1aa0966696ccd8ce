"""The notification centre: what happened for a person, and how they want to hear of it.

A notification is stored in the recipient's language when it is made (as emails are).
Repeated news of one thing (new messages in one conversation) updates one row through
``group_key`` instead of piling up rows.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conference.enums import NotificationDelivery, NotificationKind
from conference.extensions import db
from conference.models.types import UTCDateTime, enum_column, utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "group_key"),
        #: The centre's newest-first page and the unread count.
        sa.Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    #: Who caused it, if a person did; None once they deleted their account.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: One line, in the recipient's language.
    text: Mapped[str] = mapped_column(sa.String(300))
    #: Where the notification leads, a path on this site.
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Rows with the same key for one person are one notification, updated in place.
    group_key: Mapped[str | None] = mapped_column(sa.String(80))
    #: How many happenings this row stands for (messages in a conversation).
    count: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When it went out by email (at once or in a digest); claimed before sending so
    #: two consumers never mail it twice.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationPreference(db.Model):
    """How ``user`` wants ``kind`` delivered; no row means the kind's default."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind), primary_key=True)
    delivery: Mapped[NotificationDelivery] = mapped_column(enum_column(NotificationDelivery))
