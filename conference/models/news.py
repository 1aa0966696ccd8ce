"""Event news: posts by organizers (and sponsors whose package allows it) to the event's
feed, optionally about a topic or a track, and who follows which feed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import ContentStatus
from conference.extensions import db
from conference.models.people import User
from conference.models.types import UTCDateTime, enum_column, utcnow


class NewsPost(db.Model):
    __tablename__ = "news_posts"
    __table_args__ = (sa.Index("ix_news_posts_event_created", "event_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Posted on behalf of this sponsor (its package has ``news_posts``).
    sponsor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sponsors.id", ondelete="CASCADE"), index=True
    )
    #: The topic (a taxonomy term) or track the item is about, for topic and track feeds.
    topic_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("taxonomy_terms.id", ondelete="SET NULL"), index=True
    )
    track_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tracks.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    #: Markdown as typed.
    body: Mapped[str] = mapped_column(sa.Text)
    #: Public items are in the event's public Atom feed and on its landing page; the
    #: others only for participants.
    is_public: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus), default=ContentStatus.visible
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User | None] = relationship()


class FeedFollow(db.Model):
    """``user`` follows a feed of ``event``: ``feed`` is ``"event"``, ``"topic:<id>"``
    or ``"track:<id>"``."""

    __tablename__ = "feed_follows"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    feed: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
