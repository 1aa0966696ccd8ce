"""The same badge scanned on several devices at the same moment: one check-in, one
activity row, one attendance; every other device answers "already". Each device is a
thread with its own app context, database connection and session, on a database that
really commits (see ``tests/services/test_meetings_concurrency.py``)."""

from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa

from conference.enums import ActivityKind, ScanAction
from conference.extensions import db
from conference.models import Activity, BadgeCode, Event, Registration, User
from conference.models.checkin import CheckIn, Scan, SessionAttendance
from conference.services import badges
from conference.services import checkin as service
from tests import factories
from tests import program_helpers as program
from tests.services.test_meetings_concurrency import THREADS, committing_app  # noqa: F401


def _at_once(app, actions) -> list[str]:
    """Run each action in its own thread and session, released together; the outcome
    of each (or the error it raised, which fails the test)."""
    barrier = threading.Barrier(len(actions))
    results = [""] * len(actions)

    def work(index, action):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[index] = action()
                db.session.commit()
            except Exception as exc:  # reported in the results, which the test fails on
                db.session.rollback()
                results[index] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


class Door:
    """An event with one approved attendee, scanners and a session, committed."""

    def __init__(self):
        self.event = factories.event(name="Door Race")
        self.people = [factories.participant(self.event, "Anna Admit")]
        self.scanners = [
            factories.participant(self.event, f"Scanner {n}", roles=["checkin_staff"])
            for n in range(THREADS)
        ]
        self.people += self.scanners
        registration = db.session.scalar(
            sa.select(Registration).where(Registration.user_id == self.people[0].id)
        )
        self.registration_id = registration.id
        self.payload = badges.live_code(registration).qr_payload
        self.session_id = program.session(self.event, "Keynote").id
        # Plain ids from here on: touching a committed (expired) object would open a
        # transaction on the test's own connection, which on SQLite holds the write
        # lock the devices wait for.
        self.event_id = self.event.id
        self.scanner_ids = [s.id for s in self.scanners]
        self.person_ids = [p.id for p in self.people]
        db.session.commit()

    def scanning(self, scanner_id: int, action: ScanAction):
        def act() -> str:
            event = db.session.get(Event, self.event_id)
            scanner = db.session.get(User, scanner_id)
            session = service.session_of(event, self.session_id)
            return service.scan(event, scanner, self.payload, action, session=session).outcome.value

        return act

    def count(self, model, *where) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    def cleanup(self) -> None:
        db.session.rollback()
        db.session.execute(sa.delete(Event).where(Event.id == self.event_id))
        db.session.execute(sa.delete(User).where(User.id.in_(self.person_ids)))
        db.session.commit()


def test_one_badge_on_many_devices_at_once_checks_in_once(committing_app):  # noqa: F811
    door = Door()
    try:
        results = _at_once(
            committing_app,
            [door.scanning(sid, ScanAction.check_in) for sid in door.scanner_ids],
        )

        assert Counter(results) == {"ok": 1, "already": THREADS - 1}
        db.session.expire_all()
        assert door.count(CheckIn, CheckIn.registration_id == door.registration_id) == 1
        assert door.count(Scan, Scan.event_id == door.event_id) == THREADS
        assert (
            door.count(
                Activity,
                Activity.user_id == door.person_ids[0],
                Activity.kind == ActivityKind.check_in,
            )
            == 1
        )
    finally:
        door.cleanup()


def test_one_badge_at_a_session_door_on_many_devices_attends_once(committing_app):  # noqa: F811
    door = Door()
    try:
        results = _at_once(
            committing_app,
            [door.scanning(sid, ScanAction.attend) for sid in door.scanner_ids],
        )

        assert Counter(results) == {"ok": 1, "already": THREADS - 1}
        db.session.expire_all()
        assert door.count(SessionAttendance, SessionAttendance.session_id == door.session_id) == 1
    finally:
        door.cleanup()


def test_first_badge_codes_issued_at_once_settle_on_one_code(committing_app):  # noqa: F811
    """A person opening their badge page on two phones while a bulk batch issues codes:
    no unique-index error, and everyone reads back the same live code."""
    event = factories.event(name="Code Race")
    person = factories.participant(event, "Anna Admit")
    registration_id = db.session.scalar(
        sa.select(Registration.id).where(Registration.user_id == person.id)
    )
    event_id, user_id = event.id, person.id
    db.session.commit()
    try:

        def page():
            return badges.live_code(db.session.get(Registration, registration_id)).token

        def batch():
            issued = badges.issue_missing_codes(db.session.get(Event, event_id), [registration_id])
            return issued[registration_id].token

        def desk():
            return badges.reissue(db.session.get(Registration, registration_id)).token

        tokens = _at_once(committing_app, [page, page, batch, batch])
        assert not [t for t in tokens if t.startswith("error")], tokens
        assert len(set(tokens)) == 1
        reissued = _at_once(committing_app, [desk, desk])
        assert not [t for t in reissued if t.startswith("error")], reissued
        live = db.session.scalars(
            sa.select(BadgeCode.token).where(
                BadgeCode.registration_id == registration_id, BadgeCode.revoked_at.is_(None)
            )
        ).all()
        assert len(live) == 1 and live[0] not in tokens
    finally:
        db.session.rollback()
        db.session.execute(sa.delete(Event).where(Event.id == event_id))
        db.session.execute(sa.delete(User).where(User.id == user_id))
        db.session.commit()
