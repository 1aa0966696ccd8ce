"""The network after the event, as services: the banner's words, what a person did at a
past event, the closing-notice job, and the conversation list once a network closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from conference import jobs
from conference.enums import (
    MeetingStatus,
    NetworkClosing,
    NetworkPhase,
    NotificationDelivery,
    NotificationKind,
)
from conference.extensions import db
from conference.models import Contact, Meeting, Notification, SessionAttendance
from conference.models.types import utcnow
from conference.permissions import network_phase
from conference.services import events as event_service
from conference.services import messaging, network, notifications
from tests import factories
from tests.queries import count_statements
from tests.services.test_materials import program_session

#: The app's clock in these tests: noon UTC today (the same day in Berlin, the events'
#: zone), so dates computed here and the app's "today" agree.
TODAY = datetime.now(UTC).date()
NOW = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
AN_HOUR_AGO = NOW - timedelta(hours=1)


@pytest.fixture(autouse=True)
def _clock(app, monkeypatch):
    monkeypatch.setitem(app.config, "CLOCK", lambda: NOW)


def end(event, days_ago: int, open_days: int | None, closing=NetworkClosing.read_only) -> None:
    event.starts_on = TODAY - timedelta(days=days_ago + 1)
    event.ends_on = TODAY - timedelta(days=days_ago)
    event.network_open_days = open_days
    event.network_closing = closing
    db.session.commit()


def connect(a, b, event) -> None:
    for owner, person in ((a, b), (b, a)):
        db.session.add(
            Contact(owner_id=owner.id, person_id=person.id, event_id=event.id, source="request")
        )
    db.session.commit()


def meeting(event, a, b, status=MeetingStatus.accepted, starts_at=AN_HOUR_AGO) -> Meeting:
    made = Meeting(
        event_id=event.id,
        requester_id=a.id,
        invitee_id=b.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        status=status,
        awaiting_id=b.id if status == MeetingStatus.pending else None,
    )
    db.session.add(made)
    db.session.commit()
    return made


def notices(event) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.event_id == event.id, Notification.kind == NotificationKind.network)
            .order_by(Notification.user_id)
        )
    )


# --- the banner ---------------------------------------------------------------------------


def test_notice_is_none_while_the_event_runs(event, attendee):
    assert network.notice_for(event, attendee) is None


def test_notice_is_none_for_people_who_do_not_take_part(
    event, pending, outsider, other_participant
):
    end(event, 3, None)
    for person in (pending, outsider, other_participant, None):
        assert network.notice_for(event, person) is None


def test_notice_after_the_event_with_the_network_open_for_good(event, attendee):
    end(event, 3, None)
    notice = network.notice_for(event, attendee)
    assert notice.phase == NetworkPhase.after
    assert notice.title == "This event has ended. Its network stays open: keep in touch."
    assert notice.lines == [
        "You can still message participants and connect with them; registrations and "
        "meetings are closed."
    ]


def test_notice_after_the_event_names_the_last_open_day_and_what_follows(event, speaker):
    end(event, 3, 10, NetworkClosing.hidden)
    event.network_directory_read_only = True
    db.session.commit()
    notice = network.notice_for(event, speaker)
    last = format_date(event.ends_on + timedelta(days=10), "long", locale="en")
    assert notice.title == f"This event has ended. Its network stays open until {last}."
    assert notice.lines[0].startswith("The directory is read-only")
    assert "the event's pages close to participants" in notice.lines[1]


def test_notice_once_closed_read_only(event, attendee):
    end(event, 20, 5)
    notice = network.notice_for(event, attendee)
    closed_on = format_date(event.ends_on + timedelta(days=6), "long", locale="en")
    assert notice.phase == NetworkPhase.closed
    assert (
        notice.title == f"This event's network closed on {closed_on}. Everything here is read-only."
    )


def test_notice_once_closed_hidden_tells_organizers_they_still_see_it(event, attendee, organizer):
    end(event, 20, 5, NetworkClosing.hidden)
    assert len(network.notice_for(event, attendee).lines) == 1
    assert network.notice_for(event, organizer).lines[-1] == (
        "Participants no longer see the event's pages; you still do."
    )


def test_status_line_per_phase(event):
    assert network.status_line(event) == "Happening now or coming up"
    end(event, 3, None)
    assert network.status_line(event) == "Network open"
    end(event, 20, 5, NetworkClosing.hidden)
    closed_on = format_date(event.ends_on + timedelta(days=6), "long", locale="en")
    assert network.status_line(event) == f"Network closed on {closed_on}"


def test_phase_follows_the_app_clock(app, monkeypatch, event):
    last_open = event.ends_on + timedelta(days=2)
    event.network_open_days = 2
    db.session.commit()
    noon = datetime.combine(last_open, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    monkeypatch.setitem(app.config, "CLOCK", lambda: noon)
    assert network_phase(event) == NetworkPhase.after
    monkeypatch.setitem(app.config, "CLOCK", lambda: noon + timedelta(days=1))
    assert network_phase(event) == NetworkPhase.closed


# --- what I did there ---------------------------------------------------------------------------


def test_past_summary_lists_sessions_attended_people_met_and_contacts_made(
    event, other_event, attendee, speaker, sponsor_staff, checkin_staff, rival_staff
):
    keynote = program_session(event, title="Keynote")
    program_session(event, title="Skipped")
    registration = factories.registration_of(event, attendee)
    db.session.add(
        SessionAttendance(session_id=keynote.id, registration_id=registration.id, event_id=event.id)
    )
    db.session.commit()
    meeting(event, attendee, speaker)
    meeting(event, speaker, attendee)  # met twice: named once
    meeting(event, checkin_staff, attendee, MeetingStatus.declined)
    meeting(event, attendee, rival_staff, starts_at=NOW + timedelta(days=2))
    connect(attendee, sponsor_staff, event)
    connect(speaker, checkin_staff, event)  # someone else's contacts
    factories.participant(other_event, person=attendee)
    factories.participant(other_event, person=checkin_staff)
    connect(attendee, checkin_staff, other_event)

    summaries = network.past_summaries(attendee, [event.id, other_event.id])

    mine = summaries[event.id]
    assert [s.title for s in mine.sessions] == ["Keynote"]
    assert mine.met == [speaker]
    assert mine.contacts == [sponsor_staff]
    assert summaries[other_event.id].contacts == [checkin_staff]
    assert summaries[other_event.id].sessions == [] and summaries[other_event.id].met == []


def test_past_summary_of_no_events_is_empty(attendee):
    assert network.past_summaries(attendee, []) == {}


# --- the closing notice ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ended_ago", "open_days", "due"),
    [
        (3, 10, False),  # closes in 8 days
        (3, 9, True),  # closes in 7 days
        (3, 3, True),  # closes tomorrow
        (3, 2, False),  # closed today
        (3, None, False),  # open for good
        (-2, 0, True),  # the event runs; its network closes when it ends, in 3 days
    ],
)
def test_notice_is_due_within_a_week_of_closing(event, ended_ago, open_days, due):
    end(event, ended_ago, open_days)
    assert network.notice_due(event) is due


def test_closing_notice_reaches_every_participant_once(
    event, attendee, speaker, sponsor_staff, organizer, pending, outsider, other_participant, outbox
):
    end(event, 3, 5)
    gone = factories.participant(event, name="Gone Person")
    gone.deleted_at = NOW
    db.session.commit()
    outbox.clear()

    assert network.start_closing_notices() == [event.id]
    db.session.commit()
    jobs.run_pending()

    told = {attendee.email, speaker.email, sponsor_staff.email, organizer.email}
    assert {m["To"] for m in outbox.messages} == told
    closes = format_date(event.network_closes_on, "long", locale="en")
    message = outbox.to(attendee.email)[0]
    assert message["Subject"] == f"Northwind Summit: its network closes on {closes}"
    assert "You keep your contacts and your conversations with them." in outbox.text(message)
    rows = notices(event)
    assert sorted(n.user_id for n in rows) == sorted(
        p.id for p in (attendee, speaker, sponsor_staff, organizer)
    )
    assert all(n.emailed_at is not None for n in rows)
    assert rows[0].url == f"/e/{event.slug}/"

    outbox.clear()
    assert network.start_closing_notices() == []
    network.send_closing_notices.call_local(event.id)
    db.session.commit()
    assert outbox.messages == []
    assert len(notices(event)) == 4


def test_closing_notice_speaks_the_recipients_language(event, attendee, outbox):
    attendee.locale = "ru"
    end(event, 3, 5, NetworkClosing.hidden)
    outbox.clear()
    network.start_closing_notices()
    db.session.commit()
    text = outbox.text(outbox.to(attendee.email)[0])
    assert format_date(event.network_closes_on, "long", locale="ru") in text


def test_closing_notice_waits_until_a_week_before(event, attendee, outbox):
    end(event, 1, 30)
    outbox.clear()
    assert network.start_closing_notices() == []
    assert event.network_closing_notice_at is None


def test_closing_notice_is_not_sent_for_a_network_already_closed(event, attendee, outbox):
    end(event, 30, 2)
    outbox.clear()
    assert network.start_closing_notices() == []
    assert network.send_closing_notices.call_local(event.id) == 0
    assert outbox.messages == []


def test_moving_the_closing_day_sends_a_new_notice(event, attendee, outbox):
    end(event, 3, 5)
    network.start_closing_notices()
    db.session.commit()
    jobs.run_pending()
    assert event.network_closing_notice_at is not None

    event_service.update_event(event, network_open_days=6)
    db.session.commit()
    assert event.network_closing_notice_at is None
    outbox.clear()
    assert network.start_closing_notices() == [event.id]
    db.session.commit()
    assert len(outbox.to(attendee.email)) == 1
    assert len(notices(event)) == 2


def test_other_changes_keep_the_notice_sent(event, attendee):
    end(event, 3, 5)
    network.start_closing_notices()
    db.session.commit()
    event_service.update_event(event, name="Renamed Summit")
    assert event.network_closing_notice_at is not None


def _closing_notice_sent(event) -> None:
    network.start_closing_notices()
    db.session.commit()
    jobs.run_pending()


def _notice_of(event, person) -> Notification:
    [row] = [n for n in notices(event) if n.user_id == person.id]
    return row


def test_closing_notice_in_the_app_only_for_those_who_chose_it(event, attendee, speaker, outbox):
    notifications.set_delivery(attendee.id, NotificationKind.network, NotificationDelivery.in_app)
    end(event, 3, 5)
    outbox.clear()

    _closing_notice_sent(event)

    assert outbox.to(attendee.email) == []
    assert _notice_of(event, attendee).emailed_at is None
    assert len(outbox.to(speaker.email)) == 1
    assert notifications.send_daily_digests(utcnow()) == 0


def test_closing_notice_goes_into_the_digest_for_those_who_chose_it(event, attendee, outbox):
    notifications.set_delivery(attendee.id, NotificationKind.network, NotificationDelivery.digest)
    end(event, 3, 5)
    outbox.clear()

    _closing_notice_sent(event)
    assert outbox.to(attendee.email) == []

    assert notifications.send_daily_digests(utcnow()) == 1
    db.session.commit()
    [digest] = outbox.to(attendee.email)
    assert "The network of Northwind Summit closes on" in outbox.text(digest)
    assert _notice_of(event, attendee).emailed_at is not None


def test_closing_notice_is_emailed_at_once_by_default(event, attendee, outbox):
    end(event, 3, 5)
    outbox.clear()

    _closing_notice_sent(event)

    [message] = outbox.to(attendee.email)
    assert message["Subject"].startswith("Northwind Summit: its network closes on")
    assert "List-Unsubscribe" not in message
    assert _notice_of(event, attendee).emailed_at is not None
    assert notifications.send_daily_digests(utcnow()) == 0


def test_unconfirmed_participants_are_told_in_the_app(event, outbox):
    person = factories.participant(
        event, name="Nova Unverified", person=factories.user("Nova", verified=False)
    )
    end(event, 3, 5)
    outbox.clear()

    _closing_notice_sent(event)

    assert outbox.to(person.email) == []
    assert "closes on" in _notice_of(event, person).text


def test_closing_notice_job_commits_its_claim(event, attendee, outbox):
    end(event, 3, 5)
    outbox.clear()
    network.closing_notice_job.call_local()
    assert event.network_closing_notice_at is not None
    assert len(outbox.to(attendee.email)) == 1


# --- the conversation list -----------------------------------------------------------------------


def _talk(event, a, b):
    found = messaging.get_or_create_conversation(a, event, b)
    messaging.send_message(a, found, client_id=str(uuid4()), body="Hello")
    db.session.commit()
    return found


def test_conversation_list_leaves_out_conversations_of_a_hidden_closed_network(
    event, other_event, attendee, speaker, sponsor_staff, checkin_staff
):
    strangers = _talk(event, attendee, speaker)
    friends = _talk(event, attendee, sponsor_staff)
    elsewhere = _talk(event, attendee, checkin_staff)
    connect(attendee, sponsor_staff, event)
    factories.participant(other_event, person=attendee)
    factories.participant(other_event, person=checkin_staff)
    end(event, 20, 3, NetworkClosing.hidden)

    listed = {s.conversation.id for s in messaging.conversations_of(attendee)}

    assert listed == {friends.id, elsewhere.id}
    assert strangers.id not in {s.conversation.id for s in messaging.conversations_of(speaker)}


def test_conversation_list_keeps_conversations_of_a_read_only_closed_network(
    event, attendee, speaker
):
    strangers = _talk(event, attendee, speaker)
    end(event, 20, 3, NetworkClosing.read_only)
    assert [s.conversation.id for s in messaging.conversations_of(attendee)] == [strangers.id]


def test_conversation_list_costs_the_same_few_queries_however_many_are_hidden(app, event, attendee):
    people = [factories.participant(event, name=f"Person {i}") for i in range(4)]
    for person in people[:2]:
        _talk(event, attendee, person)
    end(event, 20, 3, NetworkClosing.hidden)

    _listed, few = count_statements(lambda: messaging.conversations_of(attendee))
    for person in people[2:]:
        _talk(event, attendee, person)
    assert count_statements(lambda: messaging.conversations_of(attendee))[1] == few
