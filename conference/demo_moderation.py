"""The demo's moderation, written by ``seed_demo`` through ``seed_demo_moderation`` after
the Q&A, discussions and news of the Berlin summit exist.

Greta (the organizer) finds work waiting in the queue: two participants reported the same
question, someone reported a discussion post and a profile. Her log shows that she
already warned one participant and suspended another from posting for a day.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from conference.demo import DEMO_SLUG
from conference.enums import ContentStatus, ModerationActionKind, ReportTarget
from conference.extensions import db
from conference.models import (
    ContentReport,
    Event,
    ModerationAction,
    Post,
    PostingSuspension,
    Question,
    Registration,
    User,
)
from conference.models.types import utcnow


def _crowd(event: Event, count: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Registration, Registration.user_id == User.id)
            .where(Registration.event_id == event.id, User.email.like("person%@demo.test"))
            .order_by(User.id)
            .limit(count)
        )
    )


def _report(event, target, target_id, subject_id, reporter, reason, when) -> None:
    db.session.add(
        ContentReport(
            event_id=event.id,
            target=target,
            target_id=target_id,
            subject_id=subject_id,
            reporter_id=reporter.id,
            reason=reason,
            created_at=when,
        )
    )


def _first_visible(model, event: Event, exclude: set[int]):
    return db.session.scalar(
        sa.select(model)
        .where(
            model.event_id == event.id,
            model.status == ContentStatus.visible,
            model.author_id.is_not(None),
            model.author_id.not_in(exclude or {0}),
        )
        .order_by(model.id)
        .limit(1)
    )


def seed_demo_moderation() -> bool:
    """Reports, a warning and a suspension on the Berlin summit; False when they exist."""
    event = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    if event is None:
        return False
    # Other seeds log moderation too (a locked thread); the reports are this seed's own.
    done = db.session.scalar(
        sa.select(ContentReport.id).where(ContentReport.event_id == event.id).limit(1)
    )
    if done is not None:
        return False
    organizer = db.session.scalar(sa.select(User).where(User.email == "organizer@demo.test"))
    crowd = _crowd(event, 8)
    if organizer is None or len(crowd) < 8:
        return False
    now = utcnow()
    reporters = {person.id for person in crowd[:4]}
    question = _first_visible(Question, event, reporters)
    if question is not None:
        _report(
            event,
            ReportTarget.question,
            question.id,
            question.author_id,
            crowd[0],
            "Advertising their own product, not a question.",
            now - timedelta(minutes=40),
        )
        _report(
            event,
            ReportTarget.question,
            question.id,
            question.author_id,
            crowd[1],
            "",
            now - timedelta(minutes=25),
        )
    post = _first_visible(Post, event, reporters)
    if post is not None:
        _report(
            event,
            ReportTarget.post,
            post.id,
            post.author_id,
            crowd[2],
            "Rude towards the speaker.",
            now - timedelta(minutes=15),
        )
    _report(
        event,
        ReportTarget.profile,
        crowd[4].id,
        crowd[4].id,
        crowd[3],
        "The profile links to a spam site.",
        now - timedelta(hours=2),
    )
    warned, suspended = crowd[5], crowd[6]
    db.session.add_all(
        [
            ModerationAction(
                event_id=event.id,
                moderator_id=organizer.id,
                action=ModerationActionKind.warn,
                subject_id=warned.id,
                reason="Please keep the discussion friendly.",
                created_at=now - timedelta(hours=5),
            ),
            ModerationAction(
                event_id=event.id,
                moderator_id=organizer.id,
                action=ModerationActionKind.suspend_posting,
                subject_id=suspended.id,
                reason="Posted the same link in every thread.",
                until=now + timedelta(days=1),
                created_at=now - timedelta(hours=3),
            ),
            PostingSuspension(
                event_id=event.id,
                user_id=suspended.id,
                created_by_id=organizer.id,
                reason="Posted the same link in every thread.",
                until=now + timedelta(days=1),
                created_at=now - timedelta(hours=3),
            ),
        ]
    )
    db.session.flush()
    return True
