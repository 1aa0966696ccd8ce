"""``seed_demo_community``: Berlin's questions, discussions, news, moderation and points,
written once."""

from __future__ import annotations

import sqlalchemy as sa

from conference.demo import DEMO_SLUG
from conference.enums import ContentStatus
from conference.extensions import db
from conference.models import (
    ContentReport,
    Event,
    NewsPost,
    PointRule,
    Post,
    PostingSuspension,
    Question,
    Thread,
)


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_demo_has_a_living_community_and_reruns_add_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--participants", "60"])
    assert first.exit_code == 0, first.output
    berlin = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    kinds = (Question, Thread, Post, NewsPost, ContentReport, PointRule)
    counts = [count(model) for model in kinds]

    assert count(Question, Question.answered_at.is_not(None)) >= 1
    assert count(Question, Question.pinned_at.is_not(None)) >= 1
    assert count(Thread, Thread.locked_at.is_not(None)) >= 1
    assert count(Post, Post.status == ContentStatus.held) >= 1
    assert count(NewsPost, NewsPost.is_public) >= 1
    assert count(ContentReport) >= 1
    assert count(PostingSuspension) == 1
    assert count(PointRule, PointRule.event_id == berlin.id) == 6
    assert berlin.leaderboard_visible

    second = runner.invoke(args=["seed-demo", "--participants", "60"])
    assert "Demo data already exists." in second.output
    assert [
        count(m) for m in (Question, Thread, Post, NewsPost, ContentReport, PointRule)
    ] == counts
