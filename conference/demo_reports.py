"""The Berlin demo's traces for the organizer's reports, written by ``seed_demo`` through
``seed_demo_reports``.

The crowd registered over the month before the event (their answers to the scan and
organizer-contact questions date from then); about half agreed that the organizer may
keep in touch, recorded with the question's words through ``services.contacts``. Then
they did what the reports count, each to their own taste (``conference.demo.Taste``:
topics their industry, role and region favour): bookmarks between registering and the
session, session pages viewed, sessions attended on the program's two days by those
the desk admitted (within room capacity, never two at once), slides and links
downloaded, mostly by those who were in the room, and 1:1 meetings requested, accepted,
declined or still waiting, in meeting hours when both are free. Like the check-in
service, the demo writes nothing that has not happened yet: the first day is always
over (the event began yesterday), the second has gone as far as the clock.

The check-in and attendance rows the check-in service wrote say "now"; they move to
the moment of their scan. Everything else goes in with bulk inserts, so the seed stays
fast. Questions asked stay at zero: session Q&A does not exist yet.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from conference.demo import CHUNK_SIZE, DEMO_SLUG, Taste, _chunks, crowd_tastes, weighted_sample
from conference.enums import ActivityKind, MeetingStatus, RegistrationStatus, SessionFormat
from conference.extensions import db
from conference.models import (
    Activity,
    Bookmark,
    CheckIn,
    Event,
    Material,
    Meeting,
    MeetingPlace,
    ProgramSession,
    Registration,
    SessionAttendance,
    User,
)
from conference.models.types import utcnow
from conference.services import contacts
from conference.services import program as program_service
from conference.services.checkin import session_capacity

#: Share of the crowd that agreed to hear from the organizer after the event.
ORGANIZER_CONTACT_SHARE = 0.5
#: Chance that someone inside takes a seat when a session slot begins.
ATTEND_CHANCE = 0.65
#: A keynote pulls this many times harder than its topics alone.
KEYNOTE_PULL = 3
#: Session pages each person opened, and the chance to download a material of a session
#: they attended (those who were not there: this much less likely, per point of taste).
VIEWS = (2, 10)
DOWNLOAD_AFTER_ATTENDING = 0.35
DOWNLOAD_OTHERWISE = 0.015
#: Share of the crowd that asked for meetings (one or two each), and how answers went.
MEETING_REQUESTERS = 0.3
MEETING_ANSWERS = ((MeetingStatus.accepted, 0.7), (MeetingStatus.pending, 0.15))
MEETING_HOURS = (clock_time(9), clock_time(18))


@dataclass
class _Person:
    """One approved registration of the event: the answers copied onto activity rows."""

    user_id: int
    registration_id: int
    answers: dict[str, int | None]
    taste: Taste
    registered_at: datetime
    #: One of the made-up crowd (the demo accounts keep their own story).
    crowd: bool


class _Rows:
    """Activity rows to insert, each with its actor's answers."""

    def __init__(self, event: Event, people: dict[int, _Person]):
        self.event = event
        self.people = people
        self.rows: list[dict] = []

    def add(self, user_id: int, kind: ActivityKind, at: datetime, **ids: int | None) -> None:
        self.rows.append(
            {
                "event_id": self.event.id,
                "user_id": user_id,
                "kind": kind,
                "session_id": ids.get("session_id"),
                "material_id": ids.get("material_id"),
                "sponsor_id": None,
                "created_at": at,
                **self.people[user_id].answers,
            }
        )

    def insert(self) -> None:
        for chunk in _chunks(self.rows, CHUNK_SIZE):
            db.session.execute(sa.insert(Activity.__table__), list(chunk))


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random() if end > start else end


def _register_crowd(event: Event, rng: random.Random) -> dict[int, _Person]:
    """Every approved person of the event; the made-up ones registered (and answered the
    organizer-contact question) some days before it, when they answered the scan one."""
    tastes = crowd_tastes(event)
    question = contacts.contact_question(event)
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.approved,
        )
        .options(selectinload(Registration.user))
        .order_by(Registration.id)
    ).all()
    first_day = program_service.local_to_utc(
        event, datetime.combine(event.starts_on, clock_time(8))
    )
    people: dict[int, _Person] = {}
    for registration in registrations:
        taste = tastes.get(registration.user_id)
        if taste is not None:
            moment = registration.sponsor_scan_consent_at or first_day - timedelta(
                days=rng.randint(3, 40), minutes=rng.randint(0, 900)
            )
            registration.created_at = registration.decided_at = moment
            agreed = rng.random() < ORGANIZER_CONTACT_SHARE
            contacts.set_organizer_contact(registration.user, registration, agreed, question)
            registration.organizer_contact_at = moment
        people[registration.user_id] = _Person(
            registration.user_id,
            registration.id,
            {
                "industry_id": registration.industry_id,
                "region_id": registration.region_id,
                "job_role_id": registration.job_role_id,
                "ticket_type_id": registration.ticket_type_id,
            },
            taste or Taste({}),
            registration.created_at,
            taste is not None,
        )
    return people


def _date_desk_activity(event: Event) -> None:
    """Check-in and attendance rows at the moment of their scan (the service wrote "now")."""
    admitted = (
        sa.select(CheckIn.checked_in_at)
        .join(Registration, Registration.id == CheckIn.registration_id)
        .where(Registration.event_id == event.id, Registration.user_id == Activity.user_id)
        .scalar_subquery()
    )
    seated = (
        sa.select(SessionAttendance.attended_at)
        .join(Registration, Registration.id == SessionAttendance.registration_id)
        .where(
            Registration.event_id == event.id,
            Registration.user_id == Activity.user_id,
            SessionAttendance.session_id == Activity.session_id,
        )
        .scalar_subquery()
    )
    for kind, moment in ((ActivityKind.check_in, admitted), (ActivityKind.attendance, seated)):
        db.session.execute(
            sa.update(Activity)
            .where(Activity.event_id == event.id, Activity.kind == kind)
            .values(created_at=sa.func.coalesce(moment, Activity.created_at))
            .execution_options(synchronize_session=False)
        )


def _sessions(event: Event) -> list[ProgramSession]:
    return list(
        db.session.scalars(
            sa.select(ProgramSession)
            .where(
                ProgramSession.event_id == event.id,
                ProgramSession.published.is_(True),
                ProgramSession.format != SessionFormat.break_,
            )
            .options(selectinload(ProgramSession.topics), selectinload(ProgramSession.room))
            .order_by(ProgramSession.starts_at, ProgramSession.id)
        )
    )


def _pull(person: _Person, session: ProgramSession) -> int:
    pull = person.taste.appeal([t.name for t in session.topics])
    return pull * KEYNOTE_PULL if session.format == SessionFormat.keynote else pull


def _bookmarks(event: Event, people: dict[int, _Person], rows: _Rows, rng: random.Random):
    """Each bookmark dated between its person registering and its session, with its row."""
    marks = db.session.execute(
        sa.select(Bookmark.id, Bookmark.user_id, Bookmark.session_id, ProgramSession.starts_at)
        .join(ProgramSession, ProgramSession.id == Bookmark.session_id)
        .where(Bookmark.event_id == event.id)
        .order_by(Bookmark.id)
    ).all()
    now = utcnow()
    dated = []
    for mark_id, user_id, session_id, starts_at in marks:
        person = people.get(user_id)
        if person is None:
            continue
        since = min(person.registered_at, starts_at - timedelta(days=1))
        at = _between(rng, since, min(starts_at, now))
        dated.append({"mark_id": mark_id, "at": at})
        rows.add(user_id, ActivityKind.bookmark, at, session_id=session_id)
    table = Bookmark.__table__
    if dated:
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("mark_id"))
            .values(created_at=sa.bindparam("at")),
            dated,
        )


def _attendance(
    event: Event,
    crowd: Sequence[_Person],
    sessions: Sequence[ProgramSession],
    rows: _Rows,
    rng: random.Random,
) -> dict[int, list[ProgramSession]]:
    """Seats taken by the admitted crowd on the program's days, within capacity and one
    session at a time; returns the sessions each person sat in, by user id."""
    admitted = dict(
        db.session.execute(
            sa.select(CheckIn.registration_id, CheckIn.checked_in_at).where(
                CheckIn.event_id == event.id
            )
        ).all()
    )
    taken = defaultdict(set)
    for session_id, registration_id in db.session.execute(
        sa.select(SessionAttendance.session_id, SessionAttendance.registration_id).where(
            SessionAttendance.event_id == event.id
        )
    ):
        taken[session_id].add(registration_id)
    by_start: dict[datetime, list[ProgramSession]] = defaultdict(list)
    for session in sessions:
        by_start[session.starts_at].append(session)
    now = utcnow()
    staff_id = db.session.scalar(sa.select(User.id).where(User.email == "checkin@demo.test"))
    seated: dict[int, list[ProgramSession]] = defaultdict(list)
    seats = []
    order = list(crowd)
    rng.shuffle(order)
    for person in order:
        inside_from = admitted.get(person.registration_id)
        if inside_from is None:
            continue
        free_at = inside_from
        for starts_at, parallel in sorted(by_start.items()):
            already = [s for s in parallel if person.registration_id in taken[s.id]]
            if already:
                free_at = max(free_at, already[0].ends_at)
                seated[person.user_id].append(already[0])
                continue
            if starts_at < free_at or starts_at > now or rng.random() >= ATTEND_CHANCE:
                continue
            room = [s for s in parallel if len(taken[s.id]) < (session_capacity(s) or 10**6)]
            if not room:
                continue
            session = weighted_sample(rng, room, [_pull(person, s) for s in room], 1)[0]
            taken[session.id].add(person.registration_id)
            at = min(session.starts_at + timedelta(seconds=rng.randint(-300, 600)), now)
            seats.append(
                {
                    "session_id": session.id,
                    "registration_id": person.registration_id,
                    "event_id": event.id,
                    "attended_at": at,
                    "recorded_by_id": staff_id,
                }
            )
            rows.add(person.user_id, ActivityKind.attendance, at, session_id=session.id)
            seated[person.user_id].append(session)
            free_at = session.ends_at
    for chunk in _chunks(seats, CHUNK_SIZE):
        db.session.execute(sa.insert(SessionAttendance.__table__), list(chunk))
    return seated


def _views_and_downloads(
    event: Event,
    crowd: Sequence[_Person],
    sessions: Sequence[ProgramSession],
    seated: dict[int, list[ProgramSession]],
    rows: _Rows,
    rng: random.Random,
) -> None:
    """Session pages opened between registering and the session's end; materials
    downloaded after their session, mostly by the people who were in it."""
    materials = defaultdict(list)
    for material_id, session_id in db.session.execute(
        sa.select(Material.id, Material.session_id).where(Material.event_id == event.id)
    ):
        materials[session_id].append(material_id)
    now = utcnow()
    low, high = VIEWS
    for person in crowd:
        pulls = [_pull(person, s) for s in sessions]
        for session in weighted_sample(rng, sessions, pulls, rng.randint(low, high)):
            at = _between(rng, person.registered_at, min(session.ends_at, now))
            rows.add(person.user_id, ActivityKind.session_view, at, session_id=session.id)
        sat_in = {session.id for session in seated.get(person.user_id, ())}
        for session, pull in zip(sessions, pulls, strict=True):
            was_there = session.id in sat_in
            chance = DOWNLOAD_AFTER_ATTENDING if was_there else DOWNLOAD_OTHERWISE * pull
            for material_id in materials.get(session.id, ()):
                at = session.ends_at + timedelta(minutes=rng.randint(1, 600))
                if rng.random() < chance and at <= now:
                    rows.add(
                        person.user_id,
                        ActivityKind.material_download,
                        at,
                        session_id=session.id,
                        material_id=material_id,
                    )


def _meeting_slots(event: Event) -> list[tuple[datetime, datetime]]:
    length = timedelta(minutes=event.meeting_slot_minutes)
    slots = []
    for day in program_service.event_days(event):
        start, end = (
            program_service.local_to_utc(event, datetime.combine(day, t)) for t in MEETING_HOURS
        )
        while start + length <= end:
            slots.append((start, start + length))
            start += length
    return slots


def _meetings(
    event: Event,
    crowd: Sequence[_Person],
    seated: dict[int, list[ProgramSession]],
    rows: _Rows,
    rng: random.Random,
) -> None:
    """Requests between people who care for the same topic, at a slot both have free
    (not in a session they sat in or mean to attend); most accepted, some declined, and
    some (not yet begun) waiting for an answer."""
    place_id = db.session.scalar(
        sa.select(MeetingPlace.id)
        .where(MeetingPlace.event_id == event.id, MeetingPlace.capacity.is_(None))
        .order_by(MeetingPlace.position)
        .limit(1)
    )
    fans = defaultdict(list)
    for person in crowd:
        for topic, weight in person.taste.weights.items():
            if weight >= 4:
                fans[topic].append(person)
    busy = defaultdict(list)
    for user_id, sat in seated.items():
        busy[user_id] = [(session.starts_at, session.ends_at) for session in sat]
    for user_id, starts_at, ends_at in db.session.execute(
        sa.select(Bookmark.user_id, ProgramSession.starts_at, ProgramSession.ends_at)
        .join(ProgramSession, ProgramSession.id == Bookmark.session_id)
        .where(
            Bookmark.event_id == event.id,
            Bookmark.attending.is_(True),
            ProgramSession.starts_at > utcnow(),
        )
    ):
        busy[user_id].append((starts_at, ends_at))
    slots = _meeting_slots(event)
    now = utcnow()
    meetings, answers = [], []
    for requester in rng.sample(list(crowd), k=round(len(crowd) * MEETING_REQUESTERS)):
        liked = sorted(requester.taste.weights, key=requester.taste.weights.get, reverse=True)
        for _ in range(rng.randint(1, 2)):
            others = [p for p in fans.get(liked[0], crowd) if p is not requester] if liked else []
            invitee = rng.choice(others or [p for p in crowd if p is not requester])
            pair = (requester.user_id, invitee.user_id)
            free = [
                slot
                for slot in slots
                if not any(s < slot[1] and slot[0] < e for who in pair for s, e in busy[who])
            ]
            if not free:
                continue
            starts_at, ends_at = rng.choice(free)
            asked = min(_between(rng, requester.registered_at, starts_at - timedelta(hours=1)), now)
            status = rng.choices(
                [s for s, _share in MEETING_ANSWERS] + [MeetingStatus.declined],
                weights=[share for _s, share in MEETING_ANSWERS]
                + [1 - sum(share for _s, share in MEETING_ANSWERS)],
            )[0]
            if status == MeetingStatus.pending and starts_at < now:
                status = MeetingStatus.accepted
            answered = min(asked + timedelta(minutes=rng.randint(10, 1440)), starts_at, now)
            if status != MeetingStatus.declined:
                for who in pair:
                    busy[who].append((starts_at, ends_at))
            pending = status == MeetingStatus.pending
            meetings.append(
                {
                    "event_id": event.id,
                    "requester_id": requester.user_id,
                    "invitee_id": invitee.user_id,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "place_id": place_id,
                    "status": status,
                    "awaiting_id": invitee.user_id if pending else None,
                    "changed_by_id": requester.user_id if pending else invitee.user_id,
                    "created_at": asked,
                    "updated_at": asked if pending else answered,
                }
            )
            rows.add(requester.user_id, ActivityKind.meeting_request, asked)
            if status == MeetingStatus.accepted:
                answers.append((invitee.user_id, answered))
    for user_id, at in answers:
        rows.add(user_id, ActivityKind.meeting_accepted, at)
    for chunk in _chunks(meetings, CHUNK_SIZE):
        db.session.execute(sa.insert(Meeting.__table__), list(chunk))


def seed_demo_reports() -> bool:
    """Give Berlin's crowd registration dates, organizer-contact answers and what the
    reports count (see the module's docstring) unless Berlin has session views already;
    True if it wrote anything.

    Side effects: updates the crowd's registrations (dates, organizer-contact answers
    with the question's words) and bookmark dates, moves the check-in service's activity
    rows to their scan moments, writes session attendances, meetings, and bookmark,
    session view, attendance, download and meeting activity rows. Flushes.
    """
    event = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    if event is None or db.session.scalar(
        sa.select(Activity.id)
        .where(Activity.event_id == event.id, Activity.kind == ActivityKind.session_view)
        .limit(1)
    ):
        return False
    rng = random.Random("reports-2026")
    people = _register_crowd(event, rng)
    db.session.flush()
    _date_desk_activity(event)
    crowd = [person for person in people.values() if person.crowd]
    sessions = _sessions(event)
    rows = _Rows(event, people)
    _bookmarks(event, people, rows, rng)
    seated = _attendance(event, crowd, sessions, rows, rng)
    _views_and_downloads(event, crowd, sessions, seated, rows, rng)
    _meetings(event, crowd, seated, rows, rng)
    rows.insert()
    db.session.flush()
    return True
