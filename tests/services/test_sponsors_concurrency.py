"""A sponsor's limits under real concurrency: invitations sent at the same moment never
overfill its staff seats, and meeting requests sent at the same moment by its staff
never exceed its quota. Each request is a thread with its own app context, database
connection and session, on a database that really commits (see
``tests/services/test_meetings_concurrency.py``)."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from conference.extensions import db
from conference.models import Event, Sponsor, SponsorInvitation, User
from conference.services import meetings as meetings_service
from conference.services import sponsors as service
from tests import factories
from tests import program_helpers as program
from tests.services.test_meetings import add_place, set_hours
from tests.services.test_meetings_concurrency import (  # noqa: F401
    THREADS,
    committing_app,
    run_at_once,
)


class Company:
    """An event with a sponsor whose admin and ``THREADS`` colleagues are on its staff,
    and ``THREADS`` attendees; committed, and deleted again by ``cleanup``."""

    def __init__(self, **entitlements):
        self.event = factories.event(name="Race Expo")
        self.sponsor = factories.sponsor(self.event, "Acme Corp", **entitlements)
        self.admin = factories.user("Ada Admin")
        factories.sponsor_member(self.sponsor, self.admin, admin=True)
        self.staff = [factories.participant(self.event, f"Staff {n}") for n in range(THREADS)]
        self.attendees = [factories.participant(self.event, f"Guest {n}") for n in range(THREADS)]
        # Plain ids from here on: touching a committed (expired) object would open a
        # transaction on the test's own connection, which on SQLite holds the write lock
        # the threads wait for.
        self.event_id, self.sponsor_id, self.admin_id = (
            self.event.id,
            self.sponsor.id,
            self.admin.id,
        )
        self.staff_ids = [p.id for p in self.staff]
        self.attendee_ids = [p.id for p in self.attendees]
        self.person_ids = [self.admin_id, *self.staff_ids, *self.attendee_ids]
        db.session.commit()

    def cleanup(self) -> None:
        db.session.rollback()
        connection = db.session.connection()
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite reports a foreign-key violation partway through this event's
            # cascades that is gone once they finish (foreign_key_check below finds
            # none): check at commit instead. The app itself never deletes events.
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        db.session.execute(sa.delete(Event).where(Event.id == self.event_id))
        db.session.execute(sa.delete(User).where(User.id.in_(self.person_ids)))
        if sqlite:
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        db.session.commit()


def test_simultaneous_invitations_fill_the_free_seats_only(committing_app):  # noqa: F811
    company = Company(staff_seats=3)
    try:

        def inviting(n: int):
            def act() -> None:
                sponsor = db.session.get(Sponsor, company.sponsor_id)
                service.invite(
                    db.session.get(User, company.admin_id), sponsor, f"new{n}@example.test"
                )

            return act

        results = run_at_once(committing_app, [inviting(n) for n in range(THREADS)])

        assert Counter(results) == {"ok": 2, "no_seats": THREADS - 2}
        db.session.expire_all()
        invited = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(SponsorInvitation)
            .where(SponsorInvitation.sponsor_id == company.sponsor_id)
        )
        assert invited == 2
    finally:
        company.cleanup()


def test_simultaneous_meeting_requests_stay_within_the_quota(committing_app):  # noqa: F811
    company = Company(meeting_request_quota=3)
    try:
        for staff_id in company.staff_ids:
            factories.sponsor_member(company.sponsor, db.session.get(User, staff_id))
        set_hours(company.event, 0, "09:00", "12:00")
        place_id = add_place(company.event, "Lounge").id
        starts_at = program.at(company.event, 0, "09:00")
        db.session.commit()

        def requesting(staff_id: int, invitee_id: int):
            def act() -> None:
                meetings_service.request_meeting(
                    db.session.get(User, staff_id),
                    db.session.get(Event, company.event_id),
                    db.session.get(User, invitee_id),
                    starts_at,
                    place_id,
                    "",
                )

            return act

        results = run_at_once(
            committing_app,
            [
                requesting(s, a)
                for s, a in zip(company.staff_ids, company.attendee_ids, strict=True)
            ],
        )

        assert Counter(results) == {"ok": 3, "meeting_quota_used": THREADS - 3}
        db.session.expire_all()
        used = db.session.scalar(
            sa.select(Sponsor.meeting_requests_used).where(Sponsor.id == company.sponsor_id)
        )
        assert used == 3
    finally:
        company.cleanup()
