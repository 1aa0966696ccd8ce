"""The demo's traces for the organizer's reports (``conference.demo_reports``): every
counted kind of activity, rows that agree with what they record, nothing in the future,
tastes that differ by industry, and half the crowd agreeing to the organizer's question."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import pairwise

import sqlalchemy as sa

from conference.demo import DEMO_SLUG, INDUSTRY_TOPICS
from conference.demo_reports import seed_demo_reports
from conference.enums import ActivityKind, MeetingStatus
from conference.extensions import db
from conference.models import (
    Activity,
    Bookmark,
    CheckIn,
    Event,
    Meeting,
    ProgramSession,
    Registration,
    SessionAttendance,
    TaxonomyTerm,
    User,
    registration_interests,
)
from conference.models.types import utcnow
from conference.services import contacts
from conference.services.checkin import session_capacity


def seeded(app, participants: int = 60) -> Event:
    result = app.test_cli_runner().invoke(args=["seed-demo", "--participants", str(participants)])
    assert result.exit_code == 0, result.output
    return db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))


def crowd_registrations(event: Event) -> list[Registration]:
    return list(
        db.session.scalars(
            sa.select(Registration)
            .join(User, User.id == Registration.user_id)
            .where(Registration.event_id == event.id, User.email.like("person%@demo.test"))
        )
    )


def event_start(event: Event):
    return db.session.scalar(
        sa.select(sa.func.min(ProgramSession.starts_at)).where(ProgramSession.event_id == event.id)
    )


def kinds(event: Event) -> Counter:
    return Counter(
        dict(
            db.session.execute(
                sa.select(Activity.kind, sa.func.count())
                .where(Activity.event_id == event.id)
                .group_by(Activity.kind)
            ).all()
        )
    )


def test_demo_reports_record_every_counted_kind_once(app):
    event = seeded(app)
    counted = kinds(event)

    for kind in (
        ActivityKind.bookmark,
        ActivityKind.session_view,
        ActivityKind.attendance,
        ActivityKind.material_download,
        ActivityKind.meeting_request,
        ActivityKind.meeting_accepted,
        ActivityKind.check_in,
        # Written by the session Q&A of the demo (``conference.demo_qa``).
        ActivityKind.question_asked,
        ActivityKind.question_upvoted,
    ):
        assert counted[kind] > 0, kind
    assert seed_demo_reports() is False
    assert kinds(event) == counted


def test_demo_activity_rows_match_what_they_record(app):
    event = seeded(app)
    bookmarks = db.session.execute(
        sa.select(Bookmark.user_id, Bookmark.session_id, Bookmark.created_at).where(
            Bookmark.event_id == event.id
        )
    ).all()
    bookmark_rows = db.session.execute(
        sa.select(Activity.user_id, Activity.session_id, Activity.created_at).where(
            Activity.event_id == event.id, Activity.kind == ActivityKind.bookmark
        )
    ).all()
    seats = db.session.execute(
        sa.select(Registration.user_id, SessionAttendance.session_id, SessionAttendance.attended_at)
        .join(Registration, Registration.id == SessionAttendance.registration_id)
        .where(SessionAttendance.event_id == event.id)
    ).all()
    seat_rows = db.session.execute(
        sa.select(Activity.user_id, Activity.session_id, Activity.created_at).where(
            Activity.event_id == event.id, Activity.kind == ActivityKind.attendance
        )
    ).all()
    admitted = db.session.execute(
        sa.select(Registration.user_id, CheckIn.checked_in_at)
        .join(Registration, Registration.id == CheckIn.registration_id)
        .where(CheckIn.event_id == event.id)
    ).all()
    admitted_rows = db.session.execute(
        sa.select(Activity.user_id, Activity.created_at).where(
            Activity.event_id == event.id, Activity.kind == ActivityKind.check_in
        )
    ).all()
    accepted = db.session.scalar(
        sa.select(sa.func.count()).where(
            Meeting.event_id == event.id,
            Meeting.status == MeetingStatus.accepted,
            Meeting.requester_id.in_(
                sa.select(User.id).where(User.email.like("person%@demo.test"))
            ),
        )
    )

    assert sorted(bookmark_rows) == sorted(bookmarks)
    assert sorted(seat_rows) == sorted(seats)
    assert sorted(admitted_rows) == sorted(admitted)
    assert kinds(event)[ActivityKind.meeting_accepted] == accepted
    answers = {
        r.user_id: (r.industry_id, r.region_id, r.job_role_id, r.ticket_type_id)
        for r in db.session.scalars(
            sa.select(Registration).where(Registration.event_id == event.id)
        )
    }
    for row in db.session.scalars(
        sa.select(Activity).where(
            Activity.event_id == event.id,
            Activity.kind.in_((ActivityKind.session_view, ActivityKind.material_download)),
        )
    ):
        assert (row.industry_id, row.region_id, row.job_role_id, row.ticket_type_id) == answers[
            row.user_id
        ]
    assert (
        db.session.scalar(
            sa.select(sa.func.max(Activity.created_at)).where(Activity.event_id == event.id)
        )
        <= utcnow()
    )


def test_demo_seats_fit_the_rooms_and_nobody_sits_in_two_sessions(app):
    event = seeded(app)
    sessions = {
        s.id: s
        for s in db.session.scalars(
            sa.select(ProgramSession).where(ProgramSession.event_id == event.id)
        )
    }
    admitted = set(
        db.session.scalars(sa.select(CheckIn.registration_id).where(CheckIn.event_id == event.id))
    )
    by_person = defaultdict(list)
    by_session = Counter()
    for registration_id, session_id in db.session.execute(
        sa.select(SessionAttendance.registration_id, SessionAttendance.session_id).where(
            SessionAttendance.event_id == event.id
        )
    ):
        assert registration_id in admitted
        by_person[registration_id].append(sessions[session_id])
        by_session[session_id] += 1

    for session_id, seated in by_session.items():
        capacity = session_capacity(sessions[session_id])
        assert capacity is None or seated <= capacity
    for attended in by_person.values():
        attended.sort(key=lambda s: s.starts_at)
        for before, after in pairwise(attended):
            assert before.ends_at <= after.starts_at


def test_demo_interests_lean_towards_the_industrys_topics(app):
    event = seeded(app, participants=120)
    names = {t.id: t.name for t in db.session.scalars(sa.select(TaxonomyTerm))}
    own = other = own_total = other_total = 0
    for industry_id, topic_id in db.session.execute(
        sa.select(Registration.industry_id, registration_interests.c.term_id)
        .join(registration_interests)
        .where(Registration.id.in_([r.id for r in crowd_registrations(event)]))
    ):
        for industry, favoured in INDUSTRY_TOPICS.items():
            hit = names[topic_id] in favoured
            if industry == names[industry_id]:
                own, own_total = own + hit, own_total + 1
            else:
                other, other_total = other + hit, other_total + 1

    assert own / own_total > 1.5 * (other / other_total)


def test_demo_half_the_crowd_agreed_to_the_organizers_question_when_registering(app):
    event = seeded(app, participants=120)
    crowd = crowd_registrations(event)
    agreed = [r for r in crowd if r.organizer_contact]

    assert 0.35 * len(crowd) < len(agreed) < 0.65 * len(crowd)
    for registration in crowd:
        assert registration.organizer_contact_text == contacts.contact_question(event)
        assert registration.organizer_contact_at == registration.created_at
        assert registration.created_at < event_start(event)
