"""The Berlin demo's discussions, written by ``seed_demo`` through ``seed_demo_discussions``.

People talk about the summit (dinner plans, a locked thread about lost property), about
a session of the demo speaker (a question he answers, quoting it) and about a session's
slides. Alex Morgan (the demo attendee) opened the dinner thread and was mentioned in
the session's thread, so their notification centre has both. The event holds posts with
"crypto giveaway" or "free followers" for a moderator; one such post waits in the queue.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from conference.demo import DEMO_SLUG
from conference.enums import RegistrationStatus
from conference.extensions import db
from conference.models import (
    Event,
    Material,
    Post,
    ProgramSession,
    Registration,
    Thread,
    User,
    session_speakers,
)
from conference.models.types import utcnow
from conference.services import discussions

HELD_WORDS = "crypto giveaway\nfree followers"


def _person(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _crowd(event: Event, exclude: set[int], size: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Registration, Registration.user_id == User.id)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.approved,
                User.id.not_in(exclude),
            )
            .order_by(User.id)
            .limit(size)
        )
    )


def _keynote(event: Event, speaker: User) -> ProgramSession | None:
    return db.session.scalar(
        sa.select(ProgramSession)
        .join(session_speakers)
        .where(
            ProgramSession.event_id == event.id,
            ProgramSession.published == sa.true(),
            session_speakers.c.user_id == speaker.id,
        )
        .order_by(ProgramSession.starts_at)
        .limit(1)
    )


def _slides(event: Event) -> Material | None:
    return db.session.scalar(
        sa.select(Material)
        .join(ProgramSession, ProgramSession.id == Material.session_id)
        .where(Material.event_id == event.id, ProgramSession.published == sa.true())
        .order_by(Material.id)
        .limit(1)
    )


def _mention(person: User) -> str:
    return f"@[{person.display_name}](user:{person.id})"


def _age(thread: Thread, hours: float) -> None:
    """Spread the thread's posts over the ``hours`` before now, oldest first."""
    posts = list(db.session.scalars(sa.select(Post).where(Post.thread_id == thread.id)))
    now = utcnow()
    step = timedelta(hours=hours) / max(1, len(posts))
    for index, post in enumerate(sorted(posts, key=lambda p: p.id)):
        post.created_at = now - timedelta(hours=hours) + step * index
    thread.created_at = posts[0].created_at if posts else now
    thread.last_post_at = max(post.created_at for post in posts) if posts else now


def seed_demo_discussions() -> bool:
    """Write the Berlin summit's discussions unless it has some; True if it wrote.

    Side effects: sets the event's held words; writes threads, posts (one held),
    subscriptions, activity rows, discussion notifications and a lock in the moderation
    log. Flushes.
    """
    event = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    organizer = _person("organizer@demo.test")
    attendee = _person("attendee@demo.test")
    speaker = _person("speaker@demo.test")
    if event is None or organizer is None or attendee is None or speaker is None:
        return False
    if db.session.scalar(sa.select(Thread.id).where(Thread.event_id == event.id).limit(1)):
        return False
    crowd = _crowd(event, {organizer.id, attendee.id, speaker.id}, 6)
    if len(crowd) < 6:
        return False
    event.held_words = HELD_WORDS

    dinner = discussions.create_thread(
        attendee,
        event,
        "Dinner on the first evening?",
        "Anyone up for dinner after the last session on day one? I was thinking of "
        "somewhere near the venue, **around 19:30**.",
    )
    discussions.reply(crowd[0], dinner, "Count me in. Vegetarian options would be great.")
    discussions.reply(crowd[1], dinner, "Me too! I can book a table for eight.")
    discussions.reply(attendee, dinner, f"Thanks {_mention(crowd[1])}, eight sounds right.")
    _age(dinner, 20)

    keynote = _keynote(event, speaker)
    if keynote is not None:
        talk = discussions.create_thread(
            crowd[2],
            event,
            "Rollout metrics: follow-up questions",
            f"What did you think of the part about rollout metrics? {_mention(attendee)}, "
            "you asked about it in the Q&A, didn't you?",
            subject=keynote,
        )
        first = db.session.scalar(sa.select(Post).where(Post.thread_id == talk.id))
        discussions.reply(
            speaker,
            talk,
            "Good question. We track three numbers:\n\n1. time to first value\n"
            "2. weekly active teams\n3. support tickets per team\n\nHappy to go deeper.",
            first,
        )
        discussions.reply(attendee, talk, "Yes, that was me. The list helps, thank you!")
        _age(talk, 6)

    slides = _slides(event)
    if slides is not None:
        deck = discussions.create_thread(
            crowd[3],
            event,
            f"Notes on “{slides.title}”",
            "Slide 12 has a great diagram. Does anyone have the source it cites?",
            subject=slides,
        )
        discussions.reply(crowd[4], deck, "It is in the appendix, last slide.")
        discussions.reply(crowd[5], deck, "Win a crypto giveaway, click my profile!")
        _age(deck, 3)

    lost = discussions.create_thread(
        organizer,
        event,
        "Lost and found",
        "Found a blue umbrella in hall B. Ask at the registration desk.",
    )
    discussions.reply(crowd[4], lost, "That is mine, thank you!")
    _age(lost, 30)
    discussions.set_locked(organizer, lost, True, "Returned to its owner")
    db.session.flush()
    return True
