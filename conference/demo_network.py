"""The demo's network of people: contacts that outlive an event, what people want to
meet, and an event that is over, written by ``seed_demo`` through ``seed_demo_network``.

The demo attendee (Alex Morgan) went to the Northwind Spring Meetup a month ago. Its
network stays open for two more months: Alex attended three of its sessions, met two
people in 1:1 meetings and connected with a third, kept all three as contacts with
notes and tags, and still writes with one of them. At this week's Berlin summit, Alex
wants to meet people in healthcare and fintech and product leaders; a share of the
crowd said whom they want to meet, and whether a meeting or a scan of their badge may
make them contacts; somebody asked to connect with Alex and waits for an answer. Alex
has read the older half of their notifications and chose a digest for announcements.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import url_for

from conference.demo import (
    AI,
    BREAK,
    CLOUD,
    DATA,
    DEMO_SLUG,
    KEYNOTE,
    SEC,
    SPRING_SLUG,
    TALK,
    RoomSpec,
    SessionSpec,
    TrackSpec,
    Vocabulary,
    _build_program,
    _has_program,
    _register,
)
from conference.enums import (
    ActivityKind,
    ContactSource,
    EventVisibility,
    MeetingStatus,
    NetworkClosing,
    NotificationDelivery,
    NotificationKind,
    RegistrationStatus,
    TaxonomyKind,
)
from conference.extensions import db
from conference.models import (
    Activity,
    Contact,
    Conversation,
    ConversationMember,
    Event,
    Meeting,
    Message,
    Notification,
    NotificationPreference,
    Profile,
    Registration,
    SessionAttendance,
    TaxonomyTerm,
    User,
)
from conference.models.types import utcnow
from conference.services import connections, notifications
from conference.services import events as event_service

#: The spring meetup ended this many days ago; its network stays open this many days.
SPRING_ENDED_DAYS_AGO = 30
SPRING_OPEN_DAYS = 90
#: How many of the Berlin crowd were at the spring meetup too (at most), and the
#: fewest the story needs.
SPRING_CROWD = 80
CROWD_NEEDED = 40
#: Share of the Berlin crowd that says whom they want to meet, and that lets a held
#: meeting make them contacts.
WISH_SHARE = 0.35
CONTACT_AFTER_MEETING_SHARE = 0.4
#: Share of the crowd whose badge, scanned by another participant, connects at once.
CONTACT_ON_SCAN_SHARE = 0.4
#: Alex's choices of how to hear of things (the other kinds: by email at once).
ALEX_DELIVERY = {
    NotificationKind.announcement: NotificationDelivery.digest,
    NotificationKind.lead_consent: NotificationDelivery.in_app,
}

SPRING_ROOMS = (RoomSpec("hall", "Kesselhaus", 300), RoomSpec("loft", "Loft", 80))
SPRING_TRACKS = (TrackSpec("build", "Build", "sky", "Engineering in practice"),)
SPRING_SESSIONS = (
    SessionSpec(0, "09:00", 30, None, None, BREAK, "Coffee and badges"),
    SessionSpec(
        0,
        "09:30",
        40,
        "hall",
        None,
        KEYNOTE,
        "Spring keynote: small teams, big systems",
        "What a team of eight can run in 2026, and what it should not try.",
        (CLOUD, AI),
        1,
    ),
    SessionSpec(
        0,
        "10:30",
        40,
        "hall",
        "build",
        TALK,
        "Observability on a budget",
        "Traces, logs and metrics that a small team can afford and actually read.",
        (CLOUD, DATA),
        1,
    ),
    SessionSpec(
        0,
        "10:30",
        40,
        "loft",
        "build",
        TALK,
        "Privacy reviews that ship",
        "Making data-protection reviews a two-hour habit instead of a quarter-long gate.",
        (SEC, DATA),
        1,
    ),
    SessionSpec(
        0,
        "11:30",
        40,
        "hall",
        "build",
        TALK,
        "Evaluating AI features with users",
        "Interviews, shadow launches and the metrics that told us the truth.",
        (AI,),
        1,
    ),
)
#: The people Alex met in spring: (crowd index, tags, note, source).
SPRING_MET = (
    (
        3,
        ["healthcare", "follow up"],
        "Runs data platform at a hospital group. Intro to their CTO?",
        ContactSource.meeting,
    ),
    (
        12,
        ["observability"],
        "Swapped notes on tracing costs. Shares their Grafana boards.",
        ContactSource.meeting,
    ),
    (27, ["hiring"], "Looking for a PM in Q1; keep in touch.", ContactSource.request),
)
CONVERSATION = (
    (1, "Great meeting you at the spring meetup! Here are the dashboards I mentioned."),
    (0, "Thanks, these are gold. Are you going to the Berlin summit?"),
    (1, "Yes, both days. Let's grab a coffee there."),
)


def _spring_day() -> date:
    return date.today() - timedelta(days=SPRING_ENDED_DAYS_AGO)


def _at(event: Event, day: date, hour: int, minute: int = 0) -> datetime:
    local = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(event.timezone))
    return local.astimezone(UTC)


def _by_email(*emails: str) -> dict[str, User]:
    return {
        user.email: user
        for user in db.session.scalars(sa.select(User).where(User.email.in_(emails)))
    }


def _berlin_crowd(berlin: Event) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Registration, Registration.user_id == User.id)
            .where(
                Registration.event_id == berlin.id,
                Registration.status == RegistrationStatus.approved,
                User.email.like("person%@demo.test"),
            )
            .order_by(User.id)
        )
    )


def _connect(a: User, b: User, event: Event, source: ContactSource, when: datetime) -> None:
    for owner, person in ((a, b), (b, a)):
        db.session.add(
            Contact(
                owner_id=owner.id,
                person_id=person.id,
                event_id=event.id,
                source=source,
                created_at=when,
            )
        )


def _talk(event: Event, a: User, b: User, lines, start: datetime) -> None:
    low, high = sorted((a.id, b.id))
    conversation = Conversation(user_low_id=low, user_high_id=high, event_id=event.id)
    db.session.add(conversation)
    db.session.flush()
    message_id = 0
    for step, (speaker_index, body) in enumerate(lines):
        sender = (a, b)[speaker_index]
        message = Message(
            conversation_id=conversation.id,
            sender_id=sender.id,
            client_id=str(uuid.uuid4()),
            body=body,
            created_at=start + timedelta(hours=step * 5),
        )
        db.session.add(message)
        db.session.flush()
        message_id = message.id
    conversation.last_message_at = start + timedelta(hours=(len(lines) - 1) * 5)
    # Alex has read everything; the other person too.
    conversation.members.extend(
        ConversationMember(user_id=person.id, last_read_message_id=message_id) for person in (a, b)
    )


def _seed_spring(organizer: User, attendee: User, speaker: User, crowd: list[User]) -> Event:
    """The spring meetup, over a month ago, and what Alex did and kept from it."""
    rng = random.Random("demo-network-spring")
    day = _spring_day()
    spring = event_service.create_event(
        organizer,
        name="Northwind Spring Meetup 2026",
        slug=SPRING_SLUG,
        description="One afternoon of talks and conversations for builders in Berlin.",
        organizer_text="Northwind Events GmbH, Berlin.",
        contact_email="hello@northwind.example",
        starts_on=day,
        ends_on=day,
        timezone="Europe/Berlin",
        venue="Kesselhaus",
        city="Berlin",
        country="Germany",
        visibility=EventVisibility.public,
        registration_open=False,
        network_open_days=SPRING_OPEN_DAYS,
        network_closing=NetworkClosing.read_only,
    )
    vocabulary = Vocabulary.of(spring)
    size = min(SPRING_CROWD, len(crowd) - 10)
    people = [attendee, speaker, *crowd[:size]]
    for person in people:
        _register(spring, person, vocabulary, rng)
    db.session.flush()
    for registration in db.session.scalars(
        sa.select(Registration).where(Registration.event_id == spring.id)
    ):
        registration.created_at = _at(spring, day - timedelta(days=20), 12)
        registration.decided_at = registration.created_at
    sessions = _spring_program(spring, organizer, speaker, crowd[size - 10 : size])
    attended = [title for title in sessions if title != "Coffee and badges"][:3]
    registration_id = db.session.scalar(
        sa.select(Registration.id).where(
            Registration.event_id == spring.id, Registration.user_id == attendee.id
        )
    )
    for title in attended:
        session = sessions[title]
        db.session.add(
            SessionAttendance(
                session_id=session.id,
                registration_id=registration_id,
                event_id=spring.id,
                attended_at=session.starts_at + timedelta(minutes=3),
            )
        )
        db.session.add(
            Activity(
                event_id=spring.id,
                user_id=attendee.id,
                kind=ActivityKind.attendance,
                session_id=session.id,
                created_at=session.starts_at + timedelta(minutes=3),
            )
        )
    for slot, (index, tags, note, source) in enumerate(SPRING_MET):
        other = crowd[index]
        starts_at = _at(spring, day, 13 + slot)
        if source == ContactSource.meeting:
            db.session.add(
                Meeting(
                    event_id=spring.id,
                    requester_id=attendee.id,
                    invitee_id=other.id,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=30),
                    status=MeetingStatus.accepted,
                    changed_by_id=other.id,
                    message="Coffee after the talks?",
                )
            )
        _connect(attendee, other, spring, source, starts_at + timedelta(hours=1))
        db.session.flush()
        mine = db.session.get(Contact, (attendee.id, other.id))
        mine.tags, mine.note = tags, note
    first_met = crowd[SPRING_MET[1][0]]
    _talk(spring, attendee, first_met, CONVERSATION, _at(spring, day + timedelta(days=1), 9))
    db.session.flush()
    return spring


def _spring_program(spring: Event, organizer: User, speaker: User, pool: list[User]):
    """The meetup's rooms, track and sessions, with speakers from ``pool``."""
    return _build_program(
        spring, organizer, SPRING_ROOMS, SPRING_TRACKS, SPRING_SESSIONS, pool, speaker
    )


def _restore_spring_program(spring: Event, organizer: User, speaker: User) -> bool:
    """Give the meetup its program again if it has none (as ``seed_demo_programs`` does
    for the other demo events); True if it wrote anything."""
    if _has_program(spring):
        return False
    pool = list(
        db.session.scalars(
            sa.select(User)
            .join(Registration, Registration.user_id == User.id)
            .where(Registration.event_id == spring.id, User.email.like("person%@demo.test"))
            .order_by(User.id.desc())
            .limit(10)
        )
    )
    _spring_program(spring, organizer, speaker, pool)
    return True


def _seed_berlin_wishes(berlin: Event, attendee: User, crowd: list[User]) -> None:
    """Whom people want to meet in Berlin, and who lets a meeting make them contacts."""
    rng = random.Random("demo-network-berlin")
    terms = {
        kind: list(
            db.session.scalars(
                sa.select(TaxonomyTerm).where(
                    TaxonomyTerm.event_id == berlin.id, TaxonomyTerm.kind == kind
                )
            )
        )
        for kind in (TaxonomyKind.industry, TaxonomyKind.region, TaxonomyKind.job_role)
    }
    registrations = {
        registration.user_id: registration
        for registration in db.session.scalars(
            sa.select(Registration).where(Registration.event_id == berlin.id)
        )
    }
    mine = registrations.get(attendee.id)
    if mine is not None:
        wanted = [
            term
            for term in terms[TaxonomyKind.industry] + terms[TaxonomyKind.job_role]
            if any(word in term.name for word in ("Health", "Fin", "Product"))
        ]
        mine.meet_wishes = wanted[:3]
    for person in crowd:
        registration = registrations.get(person.id)
        if registration is None or rng.random() >= WISH_SHARE:
            continue
        kind = rng.choice(list(terms))
        registration.meet_wishes = rng.sample(terms[kind], k=min(2, len(terms[kind])))
    for column, share in (
        (Profile.contact_after_meeting, CONTACT_AFTER_MEETING_SHARE),
        (Profile.contact_on_badge_scan, CONTACT_ON_SCAN_SHARE),
    ):
        chosen = [person.id for person in crowd if rng.random() < share]
        if chosen:
            db.session.execute(
                sa.update(Profile).where(Profile.user_id.in_(chosen)).values({column: True})
            )
    db.session.flush()


def _seed_waiting_request(berlin: Event, attendee: User, asker: User) -> None:
    """Someone at Berlin asked Alex to connect; it waits, with its notification."""
    connections.request_contact(
        asker,
        attendee,
        berlin,
        "We were in the same AI workshop. Happy to swap notes on evaluation sets!",
    )


def seed_demo_network() -> bool:
    """Write the spring meetup with Alex's contacts from it, and Berlin's wishes and a
    waiting contact request, unless the spring meetup exists (then only its program, if
    it lost it); True if it wrote anything.

    Side effects: writes an event with its program, registrations, attendance, held
    meetings, contacts, a conversation; meet wishes and contact settings in Berlin; a
    contact request and its notification. Flushes.
    """
    berlin = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    people = _by_email("organizer@demo.test", "attendee@demo.test", "speaker@demo.test")
    organizer = people.get("organizer@demo.test")
    attendee = people.get("attendee@demo.test")
    speaker = people.get("speaker@demo.test")
    if berlin is None or organizer is None or attendee is None or speaker is None:
        return False
    spring = db.session.scalar(sa.select(Event).where(Event.slug == SPRING_SLUG))
    if spring is not None:
        return _restore_spring_program(spring, organizer, speaker)
    crowd = _berlin_crowd(berlin)
    if len(crowd) < CROWD_NEEDED:
        return False
    _seed_spring(organizer, attendee, speaker, crowd)
    _seed_berlin_wishes(berlin, attendee, crowd)
    _seed_waiting_request(berlin, attendee, crowd[-1])
    _settle_notifications(attendee)
    return True


def _settle_notifications(attendee: User) -> None:
    """The meeting requests waiting for Alex are in the notification centre too (the
    meetings seed writes rows, not notices); Alex chose a digest for announcements and
    in-app for sponsors' requests, and has read the older half of the notifications."""
    waiting = db.session.scalars(
        sa.select(Meeting).where(
            Meeting.awaiting_id == attendee.id, Meeting.status == MeetingStatus.pending
        )
    )
    for meeting in waiting:
        requester = db.session.get(User, meeting.requester_id)
        notifications.notify(
            attendee.id,
            NotificationKind.meeting,
            f"{requester.display_name} asks to meet you",
            url=url_for("meetings.detail", slug=meeting.event.slug, meeting_id=meeting.id),
            event_id=meeting.event_id,
            actor_id=requester.id,
            email=False,
        )
    db.session.add_all(
        NotificationPreference(user_id=attendee.id, kind=kind, delivery=delivery)
        for kind, delivery in ALEX_DELIVERY.items()
    )
    ids = list(
        db.session.scalars(
            sa.select(Notification.id)
            .where(Notification.user_id == attendee.id)
            .order_by(Notification.id)
        )
    )
    older = ids[: len(ids) // 2]
    if older:
        db.session.execute(
            sa.update(Notification).where(Notification.id.in_(older)).values(read_at=utcnow())
        )
    db.session.flush()
