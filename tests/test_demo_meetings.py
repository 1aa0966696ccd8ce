"""The demo event's meetings from ``flask seed-demo``: hours on every day, places, and
the demo attendee's two meetings at times they are free, written once."""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa

from conference.demo import DEMO_SLUG, TOKYO_SLUG
from conference.enums import MeetingStatus
from conference.extensions import db
from conference.models import (
    Bookmark,
    Event,
    Meeting,
    MeetingHours,
    MeetingPlace,
    ProgramSession,
    User,
)
from conference.services.program import event_days


def seeded(app, participants: int = 60):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--participants", str(participants)])
    assert result.exit_code == 0, result.output
    return db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_seed_demo_opens_meeting_hours_on_every_berlin_day_and_places(app):
    berlin = seeded(app)

    hours = db.session.scalars(
        sa.select(MeetingHours).where(MeetingHours.event_id == berlin.id).order_by(MeetingHours.day)
    ).all()
    places = db.session.scalars(
        sa.select(MeetingPlace).where(MeetingPlace.event_id == berlin.id)
    ).all()
    tokyo = db.session.scalar(sa.select(Event).where(Event.slug == TOKYO_SLUG))

    assert [(h.day, h.starts_at, h.ends_at) for h in hours] == [
        (day, time(9), time(18)) for day in event_days(berlin)
    ]
    assert sorted((p.name, p.capacity) for p in places)[-1] == ("Meeting room Spree", 4)
    assert any(p.capacity is None for p in places)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(MeetingPlace)
            .where(MeetingPlace.event_id == tokyo.id)
        )
        == 0
    )


def test_seed_demo_attendee_has_an_accepted_meeting_and_a_request_to_answer(app):
    berlin = seeded(app)
    attendee, speaker = user("attendee@demo.test"), user("speaker@demo.test")

    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.event_id == berlin.id,
            sa.or_(Meeting.requester_id == attendee.id, Meeting.invitee_id == attendee.id),
        )
        .order_by(Meeting.starts_at)
    ).all()

    assert [(m.requester_id, m.invitee_id, m.status, m.awaiting_id) for m in meetings] == [
        (attendee.id, speaker.id, MeetingStatus.accepted, None),
        (user("person0007@demo.test").id, attendee.id, MeetingStatus.pending, attendee.id),
    ]
    assert meetings[0].ends_at <= meetings[1].starts_at
    for meeting in meetings:
        clash = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Bookmark)
            .join(ProgramSession, ProgramSession.id == Bookmark.session_id)
            .where(
                Bookmark.user_id.in_((meeting.requester_id, meeting.invitee_id)),
                Bookmark.attending.is_(True),
                ProgramSession.starts_at < meeting.ends_at,
                ProgramSession.ends_at > meeting.starts_at,
            )
        )
        assert clash == 0


def test_seed_demo_writes_meetings_once_and_adds_them_to_an_older_demo(app):
    berlin = seeded(app)
    first = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting))
    seeded(app)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == first > 2

    for model in (Meeting, MeetingHours, MeetingPlace):
        db.session.execute(sa.delete(model))
    db.session.commit()
    seeded(app)

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 2
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MeetingHours)
        .where(MeetingHours.event_id == berlin.id)
    ) == len(event_days(berlin))
