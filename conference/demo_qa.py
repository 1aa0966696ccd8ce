"""The demo's live Q&A, written by ``seed_demo`` through ``seed_demo_qa``.

In the Berlin summit, the demo speaker's sessions and the first keynote have questions
from the crowd: some anonymous, with upvotes (and the authors' ``question_upvoted``
activity rows, as real votes write them), one answered and one pinned, so the session
page, the speaker's buttons and the presenter view show something at once.
"""

from __future__ import annotations

import random

import sqlalchemy as sa

from conference.demo import DEMO_SLUG
from conference.enums import ActivityKind, ContentStatus, RegistrationStatus
from conference.extensions import db
from conference.models import (
    Event,
    ProgramSession,
    Question,
    QuestionVote,
    Registration,
    User,
)
from conference.models.types import utcnow
from conference.services import activity

QUESTIONS = [
    "How do you test this before it reaches production?",
    "What would you do differently if you started again today?",
    "Which part was hardest to explain to your leadership?",
    "How does this work with data that must stay in the EU?",
    "Can you share the numbers behind the latency chart?",
    "What did it cost, roughly, compared with the old setup?",
    "Which open-source tools did you rely on most?",
    "How do you keep the on-call load reasonable?",
]


def _sessions(berlin: Event) -> list[ProgramSession]:
    """The demo speaker's published sessions, then the rest, talks first."""
    speaker = db.session.scalar(sa.select(User).where(User.email == "speaker@demo.test"))
    published = list(
        db.session.scalars(
            sa.select(ProgramSession)
            .where(ProgramSession.event_id == berlin.id, ProgramSession.published.is_(True))
            .order_by(ProgramSession.starts_at, ProgramSession.id)
        )
    )
    talks = [s for s in published if str(s.format) != "break"]
    own = [s for s in talks if speaker is not None and speaker in s.speakers]
    return (own + [s for s in talks if s not in own])[:3]


def seed_demo_qa() -> bool:
    """Write questions and votes in three Berlin sessions unless Berlin has questions
    already; True if it wrote anything.

    Side effects: writes questions, votes and activity rows (``question_asked``,
    ``question_upvoted``). Flushes.
    """
    berlin = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    if berlin is None:
        return False
    if db.session.scalar(sa.select(Question.id).where(Question.event_id == berlin.id).limit(1)):
        return False
    crowd = list(
        db.session.scalars(
            sa.select(User)
            .join(Registration, Registration.user_id == User.id)
            .where(
                Registration.event_id == berlin.id,
                Registration.status == RegistrationStatus.approved,
                User.email.not_in(["attendee@demo.test", "speaker@demo.test"]),
            )
            .order_by(User.id)
            .limit(40)
        )
    )
    sessions = _sessions(berlin)
    if len(crowd) < 10 or not sessions:
        return False
    rng = random.Random(11)
    now = utcnow()
    for number, session in enumerate(sessions):
        asked = rng.sample(QUESTIONS, k=5)
        questions = []
        for index, body in enumerate(asked):
            author = crowd[(number * 7 + index) % len(crowd)]
            question = Question(
                event_id=berlin.id,
                session_id=session.id,
                author_id=author.id,
                body=body,
                anonymous=index % 3 == 1,
                status=ContentStatus.visible,
                vote_count=0,
                created_at=now,
            )
            db.session.add(question)
            db.session.flush()
            activity.record(
                author,
                berlin,
                ActivityKind.question_asked,
                session=session,
                question_id=question.id,
            )
            questions.append((question, author))
        for index, (question, author) in enumerate(questions):
            voters = [p for p in rng.sample(crowd, k=12 - 2 * index) if p.id != author.id]
            for voter in voters:
                db.session.add(QuestionVote(question_id=question.id, user_id=voter.id))
                activity.record(
                    author,
                    berlin,
                    ActivityKind.question_upvoted,
                    session=session,
                    question_id=question.id,
                )
            question.vote_count = len(voters)
        questions[0][0].answered_at = now
        questions[1][0].pinned_at = now
    db.session.flush()
    return True
