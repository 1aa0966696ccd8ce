"""Calendar files: items of agendas and feeds, time zones across daylight-saving
changes, stable UIDs, meeting invitations and the feed's secret.

Every file is read back by ``tests.ics_check`` (vobject plus our own RFC 5545
checks), never only by the library that wrote it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import url_for
from icalendar import Event as IcalEvent

from conference.enums import MeetingStatus, RegistrationStatus
from conference.extensions import db
from conference.models import Bookmark, Meeting, MeetingPlace, Registration
from conference.services import calendars
from conference.services.calendars import CalendarItem
from tests import factories
from tests import program_helpers as program
from tests.ics_check import check
from tests.queries import count_statements


def bookmark(user, *sessions) -> None:
    for session in sessions:
        db.session.add(Bookmark(event_id=session.event_id, user_id=user.id, session_id=session.id))
    db.session.commit()


def meeting(
    event,
    requester,
    invitee,
    start: str = "15:00",
    end: str = "15:30",
    *,
    day: int = 0,
    status: MeetingStatus = MeetingStatus.accepted,
    place: MeetingPlace | None = None,
    awaiting=None,
    sequence: int = 0,
    message: str = "",
) -> Meeting:
    made = Meeting(
        event_id=event.id,
        requester_id=requester.id,
        invitee_id=invitee.id,
        starts_at=program.at(event, day, start),
        ends_at=program.at(event, day, end),
        place_id=place.id if place else None,
        status=status,
        awaiting_id=awaiting.id if awaiting else None,
        sequence=sequence,
        message=message,
    )
    db.session.add(made)
    db.session.commit()
    return made


def table(event, name: str = "Table 4", capacity: int | None = 2) -> MeetingPlace:
    made = MeetingPlace(event_id=event.id, name=name, capacity=capacity)
    db.session.add(made)
    db.session.commit()
    return made


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --- time zones -----------------------------------------------------------------------------


def test_session_in_tokyo_is_written_in_tokyo_time_with_its_vtimezone(app):
    event = factories.event(timezone="Asia/Tokyo", starts_on=date(2027, 3, 1))
    talk = program.session(event, "Keynote", "10:00", "10:45")

    checked = check(calendars.calendar_bytes(event, [calendars.session_item(talk)], name="One"))

    assert checked.method == "PUBLISH"
    assert checked.timezones == ["Asia/Tokyo"]
    (item,) = checked.events
    start = item.raw.get("DTSTART")
    assert (start.params, start.value) == ({"TZID": "Asia/Tokyo"}, "20270301T100000")
    assert item.raw.value("DTEND") == "20270301T104500"
    assert (item.starts_at, item.ends_at) == (utc(2027, 3, 1, 1, 0), utc(2027, 3, 1, 1, 45))


@pytest.fixture
def berlin_autumn():
    """Summer time ends in Berlin on Sunday 31 October 2027, 03:00 CEST -> 02:00 CET."""
    return factories.event(
        timezone="Europe/Berlin", starts_on=date(2027, 10, 30), ends_on=date(2027, 10, 31)
    )


def test_times_on_both_sides_of_the_autumn_change_round_trip_to_the_right_instant(
    berlin_autumn,
):
    event = berlin_autumn
    saturday = program.session(event, "Saturday talk", "10:00", "11:00", day=0)
    sunday = program.session(event, "Sunday talk", "10:00", "11:00", day=1)
    items = [calendars.session_item(saturday), calendars.session_item(sunday)]

    checked = check(calendars.calendar_bytes(event, items, name="Autumn"))

    first, second = (checked.event(item.uid) for item in items)
    assert first.raw.value("DTSTART") == "20271030T100000"
    assert second.raw.value("DTSTART") == "20271031T100000"
    assert (first.starts_at, first.ends_at) == (utc(2027, 10, 30, 8), utc(2027, 10, 30, 9))
    assert (second.starts_at, second.ends_at) == (utc(2027, 10, 31, 9), utc(2027, 10, 31, 10))
    zone = checked.calendar.walk("VTIMEZONE")[0]
    assert [(part.name, part.value("TZOFFSETTO")) for part in zone.children] == [
        ("STANDARD", "+0100"),
        ("DAYLIGHT", "+0200"),
        ("STANDARD", "+0100"),
    ]


def test_the_repeated_hour_of_the_autumn_change_is_not_mistaken_for_its_first_occurrence(
    berlin_autumn,
):
    """00:30Z is 02:30 CEST and 01:30Z is 02:30 CET: the same wall-clock time. A local
    time means its first occurrence, so the second is written in UTC."""
    item = CalendarItem(
        uid="repeated-hour@localhost",
        sequence=0,
        title="Night owls",
        starts_at=utc(2027, 10, 31, 0, 30),
        ends_at=utc(2027, 10, 31, 1, 30),
        location="Bar",
        description="",
        url="http://localhost/",
    )

    checked = check(calendars.calendar_bytes(berlin_autumn, [item], name="Night"))

    (event,) = checked.events
    assert event.raw.get("DTSTART").params == {"TZID": "Europe/Berlin"}
    assert event.raw.value("DTSTART") == "20271031T023000"
    assert event.raw.value("DTEND") == "20271031T013000Z"
    assert (event.starts_at, event.ends_at) == (item.starts_at, item.ends_at)


def test_a_session_across_the_spring_change_keeps_its_length(app):
    """Summer time starts in Berlin on 28 March 2027: 02:00 CET -> 03:00 CEST."""
    event = factories.event(timezone="Europe/Berlin", starts_on=date(2027, 3, 28))
    night = program.session(event, "Across the change", "01:30", "03:30")

    checked = check(calendars.calendar_bytes(event, [calendars.session_item(night)], name="S"))

    (item,) = checked.events
    assert (item.raw.value("DTSTART"), item.raw.value("DTEND")) == (
        "20270328T013000",
        "20270328T033000",
    )
    assert (item.starts_at, item.ends_at) == (utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 1, 30))


def test_an_event_in_utc_is_written_in_utc(app):
    event = factories.event(timezone="UTC", starts_on=date(2027, 5, 3))
    talk = program.session(event, "Plain", "09:00", "09:30")

    checked = check(calendars.calendar_bytes(event, [calendars.session_item(talk)], name="U"))

    (item,) = checked.events
    assert item.raw.value("DTSTART") == "20270503T090000Z"
    assert item.starts_at == utc(2027, 5, 3, 9)


# --- sessions ---------------------------------------------------------------------------------


def test_session_item_has_stable_uid_location_speakers_excerpt_and_link(event, speaker):
    event.venue, event.city = "Messe", "Berlin"
    hall = program.room(event, "Hall A")
    talk = program.session(
        event,
        "Zero-trust payments",
        room=hall,
        speakers=[speaker],
        abstract="**Bold** ideas.\n\n- one\n- two",
    )

    item = calendars.session_item(talk)

    link = url_for("program.session", slug=event.slug, session_id=talk.id, _external=True)
    assert item.uid == f"session-{talk.id}-{event.id}@localhost"
    assert item.title == "Zero-trust payments"
    assert item.location == "Hall A, Messe, Berlin"
    assert item.url == link == f"http://localhost/e/northwind/program/{talk.id}"
    assert item.description == (
        f"Speakers: Sam Speaker\n\nBold ideas. · one · two\n\nSession page: {link}"
    )
    assert (item.starts_at, item.ends_at, item.status) == (
        talk.starts_at,
        talk.ends_at,
        "CONFIRMED",
    )


def test_long_abstract_is_cut_at_a_word(event):
    talk = program.session(event, "Long", abstract="word " * 200)

    description = calendars.session_item(talk).description

    excerpt = description.split("\n\n")[0]
    assert excerpt.endswith("word …")
    assert len(excerpt) <= calendars.EXCERPT_LENGTH + 2


def test_uids_stay_the_same_across_downloads_and_sequence_follows_edits(event, monkeypatch):
    talk = program.session(event, "Stable")
    first = check(calendars.calendar_bytes(event, [calendars.session_item(talk)], name="A"))
    later = datetime.now(UTC) + timedelta(minutes=5)
    monkeypatch.setattr(calendars, "utcnow", lambda: later)
    second = check(calendars.calendar_bytes(event, [calendars.session_item(talk)], name="A"))

    talk.title = "Stable, renamed"
    talk.updated_at = later
    db.session.commit()
    third = check(calendars.calendar_bytes(event, [calendars.session_item(talk)], name="A"))

    uid = f"session-{talk.id}-{event.id}@localhost"
    assert [c.events[0].uid for c in (first, second, third)] == [uid, uid, uid]
    assert first.events[0].sequence == second.events[0].sequence
    assert third.events[0].sequence > second.events[0].sequence
    assert second.events[0].raw.value("DTSTAMP") == later.strftime("%Y%m%dT%H%M%SZ")
    assert third.events[0].text("summary") == "Stable, renamed"


def test_titles_in_any_script_are_folded_at_75_octets_and_read_back_whole(event):
    title = "Будущее платежей и 決済の未来 " * 4
    talk = program.session(event, title.strip(), abstract="Ёлка " * 80)

    checked = check(calendars.calendar_bytes(event, [calendars.session_item(talk)], name=title))

    assert checked.events[0].text("summary") == title.strip()
    assert checked.calendar.value("X-WR-CALNAME") == title


def reference_vevent(item: CalendarItem, zone: str, stamp: datetime) -> bytes:
    """The same VEVENT written entirely by icalendar."""
    event = IcalEvent()
    event.add("summary", item.title)
    event.add("dtstart", calendars._in_zone(item.starts_at, zone))
    event.add("dtend", calendars._in_zone(item.ends_at, zone))
    event.add("dtstamp", stamp)
    event.add("uid", item.uid)
    event.add("sequence", item.sequence)
    event.add("status", item.status)
    for name, value in (
        ("location", item.location),
        ("description", item.description),
        ("url", item.url),
    ):
        if value:
            event.add(name, value)
    return event.to_ical(sorted=False)


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Tokyo", "UTC"])
@pytest.mark.parametrize(
    "text",
    [
        "Short",
        "x" * 73 + "\\" + "y" * 200,
        "a;b,c\\d\n" * 40,
        "決済の未来、Будущее платежей 😀 " * 9,
        "^" * 160 + "é",
    ],
)
def test_vevents_are_byte_for_byte_what_icalendar_writes(app, zone, text):
    item = CalendarItem(
        uid="session-1-2@localhost",
        sequence=7,
        title=text,
        starts_at=utc(2027, 10, 31, 0, 30),
        ends_at=utc(2027, 10, 31, 1, 30),
        location=text[:90],
        description=text * 2,
        url="http://localhost/e/x/program/1?a=1,2",
        status="TENTATIVE",
    )
    stamp = utc(2027, 1, 2, 3, 4, 5)

    assert calendars._vevent(item, zone, stamp) == reference_vevent(item, zone, stamp)


# --- many agendas at once -------------------------------------------------------------------


def test_agenda_items_lists_bookmarks_and_accepted_meetings_in_time_order(
    event, other_event, attendee, speaker, sponsor_staff
):
    keynote = program.session(event, "Keynote", "09:00", "10:00")
    workshop = program.session(event, "Workshop", "11:00", "12:00")
    draft = program.session(event, "Draft", "13:00", "14:00", published=False)
    elsewhere = program.session(other_event, "Elsewhere", "09:00", "10:00")
    factories.participant(other_event, person=attendee)
    bookmark(attendee, workshop, keynote, draft, elsewhere)
    bookmark(speaker, keynote)
    spot = table(event)
    accepted = meeting(event, attendee, speaker, "10:00", "10:30", place=spot)
    meeting(event, attendee, sponsor_staff, "14:00", "14:30", status=MeetingStatus.pending)
    meeting(event, sponsor_staff, attendee, "15:00", "15:30", status=MeetingStatus.declined)
    meeting(event, attendee, sponsor_staff, "16:00", "16:30", status=MeetingStatus.cancelled)
    meeting(other_event, attendee, speaker, "10:00", "10:30")

    found = calendars.agenda_items(event, [attendee.id, speaker.id, sponsor_staff.id])

    assert [item.title for item in found[attendee.id]] == [
        "Keynote",
        "Meeting with Sam Speaker",
        "Workshop",
    ]
    assert [item.title for item in found[speaker.id]] == ["Keynote", "Meeting with Anna Attendee"]
    assert found[sponsor_staff.id] == []
    mine, theirs = found[attendee.id][1], found[speaker.id][1]
    assert mine.uid == theirs.uid == f"{accepted.uid}@localhost"
    assert found[attendee.id][0] is found[speaker.id][0]


def test_agenda_items_costs_the_same_queries_for_two_or_many_people(event, speaker):
    sessions = [program.session(event, f"Talk {n}", f"{9 + n}:00", f"{9 + n}:45") for n in range(6)]
    people = [factories.participant(event, f"Person {n}") for n in range(30)]
    for n, person in enumerate(people):
        bookmark(person, sessions[n % 6], sessions[(n + 1) % 6])
    for n in range(0, 30, 2):
        meeting(event, people[n], people[n + 1], "16:00", "16:30")

    ids = [person.id for person in people]
    assert event.venue == ""  # loaded before counting

    few, few_queries = count_statements(lambda: calendars.agenda_items(event, ids[:2]))
    many, many_queries = count_statements(lambda: calendars.agenda_items(event, ids))

    assert few_queries == many_queries == 4
    assert [item.title for item in few[ids[0]]] == [
        "Talk 0",
        "Talk 1",
        "Meeting with Person 1",
    ]
    assert all(len(items) == 3 for items in many.values())


def test_meeting_item_names_the_other_person_place_and_meeting_page(event, attendee, speaker):
    spot = table(event, "Table 4")
    booked = meeting(event, attendee, speaker, place=spot)
    anywhere = meeting(event, speaker, attendee, "16:00", "16:30")

    mine = calendars.meeting_item(booked, attendee)
    theirs = calendars.meeting_item(booked, speaker)
    open_place = calendars.meeting_item(anywhere, attendee)

    page = url_for("meetings.detail", slug=event.slug, meeting_id=booked.id, _external=True)
    assert (mine.title, theirs.title) == ("Meeting with Sam Speaker", "Meeting with Anna Attendee")
    assert mine.location == "Table 4"
    assert mine.url == page
    assert mine.description == f"1:1 meeting with Sam Speaker.\n\nMeeting page: {page}"
    assert (mine.uid, mine.sequence, mine.status) == (f"{booked.uid}@localhost", 0, "CONFIRMED")
    assert open_place.location == "To be agreed in messages"
    assert "agree in messages where to meet" in open_place.description


def test_empty_agenda_is_still_a_valid_calendar_with_the_event_zone(event, attendee):
    items = calendars.agenda_items(event, [attendee.id])[attendee.id]

    checked = check(calendars.calendar_bytes(event, items, name="Nothing yet"))

    assert (items, checked.events, checked.timezones) == ([], [], ["Europe/Berlin"])


# --- meeting invitations ---------------------------------------------------------------------


def attendees_of(checked) -> dict[str, dict[str, str]]:
    event = checked.events[0].raw
    return {line.value: line.params for line in event.all("ATTENDEE")}


def test_invitation_of_a_pending_meeting_asks_the_invitee(event, attendee, speaker):
    spot = table(event)
    asked = meeting(
        event,
        attendee,
        speaker,
        status=MeetingStatus.pending,
        awaiting=speaker,
        place=spot,
        message="Coffee?",
    )

    checked = check(calendars.meeting_invitation(asked, "REQUEST"))

    (item,) = checked.events
    organizer = item.raw.get("ORGANIZER")
    assert checked.method == "REQUEST"
    assert (organizer.value, organizer.params) == (
        f"mailto:{attendee.email}",
        {"CN": "Anna Attendee"},
    )
    assert attendees_of(checked) == {
        f"mailto:{attendee.email}": {
            "CN": "Anna Attendee",
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "CHAIR",
            "PARTSTAT": "ACCEPTED",
            "RSVP": "FALSE",
        },
        f"mailto:{speaker.email}": {
            "CN": "Sam Speaker",
            "CUTYPE": "INDIVIDUAL",
            "ROLE": "REQ-PARTICIPANT",
            "PARTSTAT": "NEEDS-ACTION",
            "RSVP": "TRUE",
        },
    }
    assert (item.uid, item.sequence) == (f"{asked.uid}@localhost", 0)
    assert item.raw.value("STATUS") == "TENTATIVE"
    assert item.text("location") == "Table 4"
    assert "Message from Anna Attendee: Coffee?" in item.text("description")
    assert item.raw.get("DTSTART").params == {"TZID": "Europe/Berlin"}
    assert (item.starts_at, item.ends_at) == (asked.starts_at, asked.ends_at)
    assert [a.params["PARTSTAT"] for a in item.parsed.attendee_list] == [
        ["ACCEPTED"],
        ["NEEDS-ACTION"],
    ]


def test_invitation_after_acceptance_keeps_the_uid_with_a_higher_sequence(event, attendee, speaker):
    asked = meeting(event, attendee, speaker, status=MeetingStatus.pending, awaiting=speaker)
    before = check(calendars.meeting_invitation(asked, "REQUEST")).events[0]

    asked.status, asked.awaiting_id, asked.sequence = MeetingStatus.accepted, None, 1
    asked.starts_at += timedelta(hours=1)
    asked.ends_at += timedelta(hours=1)
    db.session.commit()
    after = check(calendars.meeting_invitation(asked, "request"))

    (item,) = after.events
    assert item.uid == before.uid == f"{asked.uid}@localhost"
    assert (before.sequence, item.sequence) == (0, 1)
    assert item.raw.value("STATUS") == "CONFIRMED"
    assert {params["PARTSTAT"] for params in attendees_of(after).values()} == {"ACCEPTED"}
    assert {params["RSVP"] for params in attendees_of(after).values()} == {"FALSE"}
    assert item.starts_at == before.starts_at + timedelta(hours=1)


def test_invitation_of_a_counter_proposal_waits_for_the_requester(event, attendee, speaker):
    proposed = meeting(
        event, attendee, speaker, status=MeetingStatus.pending, awaiting=attendee, sequence=2
    )

    checked = check(calendars.meeting_invitation(proposed, "REQUEST"))

    states = {email: params["PARTSTAT"] for email, params in attendees_of(checked).items()}
    assert states == {
        f"mailto:{attendee.email}": "NEEDS-ACTION",
        f"mailto:{speaker.email}": "ACCEPTED",
    }
    assert checked.events[0].sequence == 2


def test_invitation_of_a_declined_meeting_shows_who_declined(event, attendee, speaker):
    declined = meeting(event, attendee, speaker, status=MeetingStatus.declined, sequence=1)
    declined.changed_by_id = speaker.id
    db.session.commit()

    checked = check(calendars.meeting_invitation(declined, "REQUEST"))

    states = {email: params["PARTSTAT"] for email, params in attendees_of(checked).items()}
    assert states[f"mailto:{speaker.email}"] == "DECLINED"
    assert checked.events[0].raw.value("STATUS") == "CANCELLED"


def test_cancellation_is_a_cancel_with_status_cancelled_and_the_same_uid(event, attendee, speaker):
    booked = meeting(event, attendee, speaker, status=MeetingStatus.cancelled, sequence=3)

    checked = check(calendars.meeting_invitation(booked, "CANCEL"))

    (item,) = checked.events
    assert checked.method == "CANCEL"
    assert (item.uid, item.sequence) == (f"{booked.uid}@localhost", 3)
    assert item.raw.value("STATUS") == "CANCELLED"
    assert item.raw.value("ORGANIZER") == f"mailto:{attendee.email}"
    assert {params["RSVP"] for params in attendees_of(checked).values()} == {"FALSE"}


def test_invitation_refuses_other_methods(event, attendee, speaker):
    booked = meeting(event, attendee, speaker)

    with pytest.raises(ValueError):
        calendars.meeting_invitation(booked, "PUBLISH")


# --- the feed ----------------------------------------------------------------------------------


def test_feed_token_is_made_once_and_replaced_on_regenerate(attendee):
    first = calendars.feed_token(attendee)
    again = calendars.feed_token(attendee)
    db.session.commit()
    replaced = calendars.regenerate_feed_token(attendee)
    db.session.commit()

    assert first == again
    assert len(first) >= 43 and replaced != first
    assert calendars.user_by_feed_token(first) is None
    assert calendars.user_by_feed_token(replaced) == attendee


def test_stopped_feed_and_suspended_account_open_nothing(attendee, speaker):
    token = calendars.feed_token(attendee)
    calendars.stop_feed(attendee)
    other = calendars.feed_token(speaker)
    speaker.is_suspended = True
    db.session.commit()

    assert attendee.calendar_token is None
    assert calendars.user_by_feed_token(token) is None
    assert calendars.user_by_feed_token(other) is None
    assert calendars.user_by_feed_token("") is None
    assert calendars.user_by_feed_token(None) is None


def test_feed_lists_every_event_taken_part_in_from_a_month_ago(event, attendee, speaker):
    tokyo = factories.event(name="Tokyo Days", timezone="Asia/Tokyo", starts_on=event.starts_on)
    gone = factories.event(name="Left", starts_on=event.starts_on)
    old = factories.event(name="Long ago", starts_on=date.today() - timedelta(days=60))
    for other in (tokyo, gone, old):
        factories.participant(other, person=attendee)
    berlin_talk = program.session(event, "Berlin talk", "09:00", "10:00", day=1)
    tokyo_talk = program.session(tokyo, "Tokyo talk", "09:00", "10:00")
    left_talk = program.session(gone, "Left talk", "09:00", "10:00")
    old_talk = program.session(old, "Old talk", "09:00", "10:00")
    bookmark(attendee, berlin_talk, tokyo_talk, left_talk, old_talk)
    booked = meeting(event, speaker, attendee, "11:00", "11:30", day=1)
    meeting(event, attendee, speaker, "12:00", "12:30", status=MeetingStatus.pending)
    registration = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == gone.id, Registration.user_id == attendee.id
        )
    )
    registration.status = RegistrationStatus.cancelled
    db.session.commit()

    entries = calendars.feed_items(attendee)
    checked = check(calendars.feed_bytes(attendee, name="My events"))

    assert [(owner.name, item.title) for owner, item in entries] == [
        ("Tokyo Days", "Tokyo talk"),
        ("Northwind Summit", "Berlin talk"),
        ("Northwind Summit", "Meeting with Sam Speaker"),
    ]
    assert sorted(checked.timezones) == ["Asia/Tokyo", "Europe/Berlin"]
    assert checked.calendar.value("X-WR-CALNAME") == "My events"
    assert checked.calendar.value("REFRESH-INTERVAL") == "PT1H"
    assert checked.calendar.value("X-PUBLISHED-TTL") == "PT1H"
    assert checked.method == "PUBLISH"
    tokyo_event = checked.event(entries[0][1].uid)
    assert tokyo_event.raw.get("DTSTART").params == {"TZID": "Asia/Tokyo"}
    assert tokyo_event.starts_at == tokyo_talk.starts_at
    assert checked.event(f"{booked.uid}@localhost").starts_at == booked.starts_at


def test_empty_feed_is_a_valid_calendar(outsider):
    checked = check(calendars.feed_bytes(outsider, name="Empty"))

    assert (checked.events, checked.timezones) == ([], ["Etc/UTC"])
