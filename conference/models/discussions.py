"""Discussions: threads about the event, a session or a material, their posts, and who
follows each thread.

A thread belongs to its event and, optionally, to one session or one material; it is
visible to whoever may see that session or material. Posts are Markdown as typed,
rendered and sanitized on display (``services.text.render_markdown``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.enums import ContentStatus
from conference.extensions import db
from conference.models.people import User
from conference.models.types import UTCDateTime, enum_column, utcnow


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (
        sa.Index("ix_threads_event_last_post", "event_id", "last_post_at"),
        sa.CheckConstraint("session_id IS NULL OR material_id IS NULL", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    #: The session it discusses; None for an event-wide or a material's thread.
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("program_sessions.id", ondelete="CASCADE"), index=True
    )
    #: The material it discusses.
    material_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("materials.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: A locked thread takes no new posts.
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()


class Post(db.Model):
    """One post of a thread (the first one opens it); ``reply_to`` quotes an earlier one."""

    __tablename__ = "posts"
    __table_args__ = (sa.Index("ix_posts_thread_id_id", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reply_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("posts.id", ondelete="SET NULL"))
    #: Markdown as typed.
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus), default=ContentStatus.visible
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set by an edit (allowed within ``discussions.EDIT_WINDOW``); pages say "edited".
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User | None] = relationship()


class ThreadSubscription(db.Model):
    """``user`` hears of new posts in ``thread`` (authors and people mentioned follow it
    by themselves; anyone may stop)."""

    __tablename__ = "thread_subscriptions"

    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: False records "I stopped following" so posting again does not re-subscribe.
    following: Mapped[bool] = mapped_column(default=True)
