"""``seed_demo_network``: the past event with the demo attendee's contacts, and Berlin's
wishes and waiting request."""

from __future__ import annotations

import sqlalchemy as sa

from conference.demo import DEMO_SLUG, SPRING_SLUG
from conference.enums import ContactRequestStatus, NetworkPhase, NotificationKind
from conference.extensions import db
from conference.models import (
    Contact,
    ContactRequest,
    Event,
    Meeting,
    Notification,
    Registration,
    SessionAttendance,
    User,
)
from conference.models.types import utcnow
from conference.permissions import network_phase


def _seed(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--participants", "60"])
    assert result.exit_code == 0, result.output
    return result


def test_the_spring_meetup_is_over_and_its_network_still_open(app):
    _seed(app)
    spring = db.session.scalar(sa.select(Event).where(Event.slug == SPRING_SLUG))
    alex = db.session.scalar(sa.select(User).where(User.email == "attendee@demo.test"))

    assert network_phase(spring) == NetworkPhase.after
    attended = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SessionAttendance)
        .join(Registration, Registration.id == SessionAttendance.registration_id)
        .where(SessionAttendance.event_id == spring.id, Registration.user_id == alex.id)
    )
    assert attended == 3
    met = db.session.scalars(
        sa.select(Meeting).where(Meeting.event_id == spring.id, Meeting.requester_id == alex.id)
    ).all()
    assert len(met) == 2
    assert all(meeting.ends_at < utcnow() for meeting in met)
    mine = db.session.scalars(sa.select(Contact).where(Contact.owner_id == alex.id)).all()
    assert len(mine) == 3
    assert all(contact.note and contact.tags for contact in mine)
    mirrors = {
        contact.owner_id
        for contact in db.session.scalars(sa.select(Contact).where(Contact.person_id == alex.id))
    }
    assert mirrors == {contact.person_id for contact in mine}


def test_berlin_has_wishes_and_a_request_waiting_for_alex(app):
    _seed(app)
    berlin = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    alex = db.session.scalar(sa.select(User).where(User.email == "attendee@demo.test"))
    registration = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == berlin.id, Registration.user_id == alex.id
        )
    )

    assert registration.meet_wishes
    waiting = db.session.scalars(
        sa.select(ContactRequest).where(
            ContactRequest.recipient_id == alex.id,
            ContactRequest.status == ContactRequestStatus.pending,
        )
    ).all()
    assert len(waiting) == 1
    assert db.session.scalar(
        sa.select(Notification.id).where(
            Notification.user_id == alex.id,
            Notification.kind == NotificationKind.contact,
            Notification.read_at.is_(None),
        )
    )


def test_rerunning_the_seed_adds_no_second_spring_meetup(app):
    _seed(app)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Contact))
    second = _seed(app)

    assert "Demo data already exists." in second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) == before
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Event).where(Event.slug == SPRING_SLUG)
        )
        == 1
    )
