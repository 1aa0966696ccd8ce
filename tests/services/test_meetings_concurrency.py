"""No double booking under real concurrency: many acceptances at the same moment,
each in its own thread, database connection and session, competing for one person's
slot or for the seats of one table. Exactly the allowed number succeed.

The usual per-test fixture runs everything in one rolled-back connection, which
cannot show races. These tests build an app of their own that commits for real: on
SQLite a database file of its own (its transactions begin IMMEDIATE, so writers take
turns), on PostgreSQL the test database itself (rows are locked ``FOR NO KEY
UPDATE``). Everything they create is deleted at the end.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import time

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from conference import jobs
from conference.enums import MeetingStatus
from conference.extensions import db, limiter, socketio
from conference.models import Event, Meeting, MeetingHours, MeetingPlace, User
from conference.services import ServiceError
from conference.services import meetings as service
from tests import factories
from tests import program_helpers as program
from tests.conftest import make_test_app

THREADS = 8


@pytest.fixture
def committing_app(app, tmp_path, monkeypatch):
    """An app on a database that really commits, with its context pushed; the session
    app's shared extension state is put back afterwards (as ``separate_app`` does)."""
    for name in ("enabled", "initialized", "_storage", "_limiter"):
        monkeypatch.setattr(limiter, name, getattr(limiter, name))
    monkeypatch.setattr(socketio, "server", socketio.server)
    monkeypatch.setattr(jobs, "_app", jobs._app)
    monkeypatch.setattr(jobs.huey, "storage", jobs.huey.storage)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    sqlite = url.startswith("sqlite")
    if sqlite:
        url = f"sqlite:///{tmp_path / 'concurrent.db'}"
    other = make_test_app(tmp_path, url)
    with other.app_context():
        if sqlite:
            upgrade()
        yield other
        db.session.remove()
        db.engine.dispose()


class Booking:
    """An event with meeting hours and places, committed; ``cleanup`` deletes it all."""

    def __init__(self, table_capacity: int):
        self.event = factories.event(name="Race Conf")
        db.session.add(
            MeetingHours(
                event_id=self.event.id,
                day=self.event.starts_on,
                starts_at=time(9, 0),
                ends_at=time(12, 0),
            )
        )
        self.table = MeetingPlace(event_id=self.event.id, name="Table", capacity=table_capacity)
        self.lounge = MeetingPlace(event_id=self.event.id, name="Lounge", position=1)
        db.session.add_all([self.table, self.lounge])
        db.session.commit()
        self.people: list[User] = []

    def person(self, name: str) -> User:
        made = factories.participant(self.event, name)
        self.people.append(made)
        return made

    def cleanup(self) -> None:
        db.session.rollback()
        db.session.execute(sa.delete(Event).where(Event.id == self.event.id))
        db.session.execute(sa.delete(User).where(User.id.in_([p.id for p in self.people])))
        db.session.commit()


def run_at_once(app, actions: list[Callable[[], None]]) -> list[str]:
    """Run each action in its own thread, app context and database session, all let go
    at the same moment; return "ok" or the ServiceError code of each."""
    barrier = threading.Barrier(len(actions))
    results: list[str] = [""] * len(actions)

    def work(index: int, action: Callable[[], None]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                action()
                db.session.commit()
                results[index] = "ok"
            except ServiceError as exc:
                db.session.rollback()
                results[index] = exc.code
            except Exception as exc:  # reported in the results, which the test then fails on
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


def accepting(meeting_id: int, user_id: int) -> Callable[[], None]:
    def act() -> None:
        service.accept(db.session.get(User, user_id), db.session.get(Meeting, meeting_id))

    return act


def accepted_count(**where) -> int:
    query = sa.select(sa.func.count(Meeting.id)).where(Meeting.status == MeetingStatus.accepted)
    for column, value in where.items():
        query = query.where(getattr(Meeting, column) == value)
    return db.session.scalar(query)


def test_simultaneous_accepts_for_one_persons_slot_book_it_once(committing_app):
    booking = Booking(table_capacity=1)
    try:
        busy = booking.person("Busy Person")
        starts_at = program.at(booking.event, 0, "09:00")
        requests = []
        for n in range(THREADS):
            invitee = booking.person(f"Invitee {n}")
            meeting = service.request_meeting(
                busy, booking.event, invitee, starts_at, booking.lounge.id, ""
            )
            requests.append((meeting.id, invitee.id))
        db.session.commit()

        results = run_at_once(committing_app, [accepting(m, u) for m, u in requests])

        assert Counter(results) == {"ok": 1, "slot_taken": THREADS - 1}
        db.session.expire_all()
        assert accepted_count(requester_id=busy.id) == 1
    finally:
        booking.cleanup()


def test_simultaneous_accepts_for_one_table_fill_its_seats_only(committing_app):
    booking = Booking(table_capacity=2)
    try:
        starts_at = program.at(booking.event, 0, "10:00")
        requests = []
        for n in range(THREADS):
            requester = booking.person(f"Requester {n}")
            invitee = booking.person(f"Invitee {n}")
            meeting = service.request_meeting(
                requester, booking.event, invitee, starts_at, booking.table.id, ""
            )
            requests.append((meeting.id, invitee.id))
        db.session.commit()

        results = run_at_once(committing_app, [accepting(m, u) for m, u in requests])

        assert Counter(results) == {"ok": 2, "place_full": THREADS - 2}
        db.session.expire_all()
        assert accepted_count(place_id=booking.table.id) == 2
    finally:
        booking.cleanup()
