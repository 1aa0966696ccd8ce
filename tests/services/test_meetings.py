"""1:1 meetings: the slots offered to two people (time zones, clock changes, sessions,
other meetings, places), every change of a meeting and its refusals, and the emails
with their invitations.

The helpers at the top are shared by the HTTP and socket tests of meetings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from email.message import Message

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from conference.enums import ActivityKind, MeetingStatus
from conference.extensions import db
from conference.models import (
    Activity,
    Block,
    Bookmark,
    Event,
    Meeting,
    MeetingHours,
    MeetingPlace,
    User,
)
from conference.services import ServiceError
from conference.services import meetings as service
from conference.services.program import utc_to_local
from tests import factories
from tests import program_helpers as program
from tests.queries import count_statements

# --- shared helpers -------------------------------------------------------------------------


def set_hours(event: Event, day: date | int, start: str, end: str) -> MeetingHours:
    """Meeting hours of ``day`` (a date or an index into the event's days), local times."""
    if isinstance(day, int):
        day = event.starts_on + timedelta(days=day)
    row = MeetingHours(
        event_id=event.id,
        day=day,
        starts_at=time.fromisoformat(start),
        ends_at=time.fromisoformat(end),
    )
    db.session.add(row)
    db.session.commit()
    return row


def add_place(
    event: Event, name: str, capacity: int | None = None, *, retired: bool = False
) -> MeetingPlace:
    position = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MeetingPlace)
        .where(MeetingPlace.event_id == event.id)
    )
    place = MeetingPlace(
        event_id=event.id, name=name, capacity=capacity, position=position, retired=retired
    )
    db.session.add(place)
    db.session.commit()
    return place


def meeting_row(
    event: Event,
    requester: User,
    invitee: User,
    hhmm: str,
    *,
    day: date | int = 0,
    minutes: int = 30,
    place: MeetingPlace | None = None,
    status: MeetingStatus = MeetingStatus.accepted,
) -> Meeting:
    """A meeting written directly (no checks, no notices), for the state around a test."""
    starts_at = program.at(event, day, hhmm)
    meeting = Meeting(
        event_id=event.id,
        requester_id=requester.id,
        invitee_id=invitee.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        place_id=place.id if place else None,
        status=status,
        awaiting_id=invitee.id if status == MeetingStatus.pending else None,
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


def bookmark(user: User, session, attending: bool = True) -> None:
    db.session.add(
        Bookmark(
            event_id=session.event_id, user_id=user.id, session_id=session.id, attending=attending
        )
    )
    db.session.commit()


def local_clocks(event: Event, slots) -> list[str]:
    return [utc_to_local(event, slot.starts_at).strftime("%H:%M") for slot in slots]


def invitation(message: Message) -> tuple[str, str]:
    """The method in the content type of the attached ``invite.ics``, and its text."""
    parts = [part for part in message.iter_attachments() if part.get_filename() == "invite.ics"]
    assert len(parts) == 1
    return parts[0].get_param("method"), parts[0].get_content()


@pytest.fixture
def booth(event):
    """Meeting hours 09:00 to 11:00 on the first day and 14:00 to 15:00 on the second, a
    table for one and an unlimited lounge."""
    set_hours(event, 0, "09:00", "11:00")
    set_hours(event, 1, "14:00", "15:00")
    table = add_place(event, "Table 1", capacity=1)
    lounge = add_place(event, "Lounge")
    return table, lounge


def request(event, requester, invitee, hhmm, place, *, day=0, message="Coffee?"):
    meeting = service.request_meeting(
        requester, event, invitee, program.at(event, day, hhmm), place.id, message
    )
    db.session.commit()
    return meeting


# --- slots --------------------------------------------------------------------------------


def test_free_slots_cut_the_meeting_hours_of_every_day_in_the_event_zone(
    event, booth, attendee, speaker
):
    table, lounge = booth

    slots = service.free_slots(event, attendee, speaker)

    assert [(s.starts_at, s.ends_at) for s in slots] == [
        (program.at(event, 0, "09:00"), program.at(event, 0, "09:30")),
        (program.at(event, 0, "09:30"), program.at(event, 0, "10:00")),
        (program.at(event, 0, "10:00"), program.at(event, 0, "10:30")),
        (program.at(event, 0, "10:30"), program.at(event, 0, "11:00")),
        (program.at(event, 1, "14:00"), program.at(event, 1, "14:30")),
        (program.at(event, 1, "14:30"), program.at(event, 1, "15:00")),
    ]
    assert [s.day for s in slots] == [event.starts_on] * 4 + [event.ends_on] * 2
    assert {s.places for s in slots} == {(table, lounge)}


def test_free_slots_of_one_day_with_the_event_slot_length(event, booth, attendee, speaker):
    event.meeting_slot_minutes = 45
    db.session.commit()

    slots = service.free_slots(event, attendee, speaker, event.starts_on)

    assert local_clocks(event, slots) == ["09:00", "09:45"]
    assert slots[0].ends_at - slots[0].starts_at == timedelta(minutes=45)


def test_free_slots_are_in_the_event_zone_for_new_york(attendee, speaker):
    event = factories.event(timezone="America/New_York", starts_on=date(2027, 1, 12))
    for person in (attendee, speaker):
        factories.participant(event, person=person)
    set_hours(event, 0, "09:00", "10:00")
    add_place(event, "Lobby")

    slots = service.free_slots(event, attendee, speaker, at=datetime(2027, 1, 1, tzinfo=UTC))

    assert [s.starts_at for s in slots] == [
        datetime(2027, 1, 12, 14, 0, tzinfo=UTC),
        datetime(2027, 1, 12, 14, 30, tzinfo=UTC),
    ]


def test_free_slots_on_the_day_berlin_turns_the_clocks_back_hold_an_hour_more(attendee, speaker):
    """2026-10-25: 03:00 CEST becomes 02:00 CET. 01:00 to 05:00 local is five real hours."""
    event = factories.event(starts_on=date(2026, 10, 24), ends_on=date(2026, 10, 26))
    set_hours(event, date(2026, 10, 25), "01:00", "05:00")
    set_hours(event, date(2026, 10, 26), "01:00", "05:00")
    add_place(event, "Lobby")

    slots = service.free_slots(event, attendee, speaker, at=datetime(2026, 10, 1, tzinfo=UTC))

    sunday = [s for s in slots if s.day == date(2026, 10, 25)]
    monday = [s for s in slots if s.day == date(2026, 10, 26)]
    assert (len(sunday), len(monday)) == (10, 8)
    assert sunday[0].starts_at == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert sunday[-1].ends_at == datetime(2026, 10, 25, 4, 0, tzinfo=UTC)
    assert local_clocks(event, sunday) == [
        "01:00", "01:30", "02:00", "02:30", "02:00", "02:30", "03:00", "03:30", "04:00", "04:30"
    ]  # fmt: skip
    assert all(s.ends_at - s.starts_at == timedelta(minutes=30) for s in sunday)


def test_free_slots_on_the_day_new_york_springs_forward_hold_an_hour_less(attendee, speaker):
    """2026-03-08: 02:00 EST becomes 03:00 EDT. 00:00 to 04:00 local is three real hours."""
    event = factories.event(
        timezone="America/New_York", starts_on=date(2026, 3, 7), ends_on=date(2026, 3, 8)
    )
    set_hours(event, date(2026, 3, 7), "00:00", "04:00")
    set_hours(event, date(2026, 3, 8), "00:00", "04:00")
    add_place(event, "Lobby")

    slots = service.free_slots(event, attendee, speaker, at=datetime(2026, 3, 1, tzinfo=UTC))

    saturday = [s for s in slots if s.day == date(2026, 3, 7)]
    sunday = [s for s in slots if s.day == date(2026, 3, 8)]
    assert (len(saturday), len(sunday)) == (8, 6)
    assert [s.starts_at.strftime("%H:%M") for s in sunday] == [
        "05:00", "05:30", "06:00", "06:30", "07:00", "07:30"
    ]  # fmt: skip
    assert local_clocks(event, sunday) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]


def test_free_slots_leave_out_the_past(event, booth, attendee, speaker):
    slots = service.free_slots(event, attendee, speaker, at=program.at(event, 0, "09:40"))

    assert local_clocks(event, slots) == ["10:00", "10:30", "14:00", "14:30"]


def test_free_slots_avoid_sessions_either_person_attends(event, booth, attendee, speaker):
    keynote = program.session(event, "Keynote", "09:30", "10:05")
    workshop = program.session(event, "Workshop", "10:30", "11:00")
    draft = program.session(event, "Draft", "14:00", "14:30", day=1, published=False)
    bookmark(speaker, keynote)
    bookmark(attendee, workshop, attending=False)
    bookmark(attendee, draft)

    slots = service.free_slots(event, attendee, speaker, event.starts_on)

    assert local_clocks(event, slots) == ["09:00", "10:30"]


def test_free_slots_avoid_accepted_meetings_of_either_person_in_any_event(
    event, other_event, booth, attendee, speaker
):
    third = factories.participant(event, "Third Person")
    elsewhere = factories.participant(other_event, "Elsewhere", person=factories.user("X"))
    factories.participant(other_event, person=attendee)
    meeting_row(event, speaker, third, "09:00")
    meeting_row(event, attendee, third, "10:00", status=MeetingStatus.pending)
    meeting_row(event, third, attendee, "10:30", status=MeetingStatus.cancelled)
    at_same_moment = program.at(event, 0, "09:30")
    db.session.add(
        Meeting(
            event_id=other_event.id,
            requester_id=elsewhere.id,
            invitee_id=attendee.id,
            starts_at=at_same_moment,
            ends_at=at_same_moment + timedelta(minutes=30),
            status=MeetingStatus.accepted,
        )
    )
    db.session.commit()

    slots = service.free_slots(event, attendee, speaker, event.starts_on)

    assert local_clocks(event, slots) == ["10:00", "10:30"]


def test_free_slots_offer_only_places_with_room(event, booth, attendee, speaker):
    table, lounge = booth
    pair = [factories.participant(event, f"P{n}") for n in range(4)]
    meeting_row(event, pair[0], pair[1], "09:00", place=table)
    meeting_row(event, pair[2], pair[3], "09:00", place=lounge)
    meeting_row(event, pair[2], pair[3], "09:30", place=table, status=MeetingStatus.pending)

    slots = service.free_slots(event, attendee, speaker, event.starts_on)

    assert [s.places for s in slots[:2]] == [(lounge,), (table, lounge)]


def test_free_slots_need_a_place_with_room(event, attendee, speaker):
    set_hours(event, 0, "09:00", "10:00")
    table = add_place(event, "Table", capacity=2)
    add_place(event, "Old table", retired=True)
    people = [factories.participant(event, f"P{n}") for n in range(4)]
    meeting_row(event, people[0], people[1], "09:00", place=table)
    meeting_row(event, people[2], people[3], "09:15", place=table)

    slots = service.free_slots(event, attendee, speaker)

    assert [(s.starts_at, s.places) for s in slots] == [(program.at(event, 0, "09:30"), (table,))]


def test_free_slots_are_empty_without_hours_or_places(event, attendee, speaker):
    assert service.free_slots(event, attendee, speaker) == []
    set_hours(event, 0, "09:00", "10:00")
    assert service.free_slots(event, attendee, speaker) == []
    add_place(event, "Lobby")
    assert len(service.free_slots(event, attendee, speaker)) == 2


def test_free_slots_ignore_the_meeting_being_moved(event, booth, attendee, speaker):
    table, _lounge = booth
    moving = meeting_row(event, attendee, speaker, "09:00", place=table)

    kept = service.free_slots(event, attendee, speaker, event.starts_on)
    moved = service.free_slots(event, attendee, speaker, event.starts_on, exclude_meeting=moving)

    assert (local_clocks(event, kept), local_clocks(event, moved)) == (
        ["09:30", "10:00", "10:30"],
        ["09:00", "09:30", "10:00", "10:30"],
    )
    assert moved[0].place_ids == {table.id, _lounge.id}


def test_free_slots_run_a_fixed_number_of_queries(event, booth, attendee, speaker):
    _table, lounge = booth

    def queries() -> int:
        for row in (event, attendee, speaker):
            db.session.refresh(row)
        return count_statements(lambda: service.free_slots(event, attendee, speaker))[1]

    few = queries()  # hours, places, sessions, people's meetings, places' meetings
    for n in range(10):
        talk = program.session(event, f"Talk {n}", "09:00", "11:00")
        bookmark(attendee, talk, attending=n % 2 == 0)
        other = factories.participant(event, f"Other {n}")
        meeting_row(event, speaker, other, "14:00", day=1, place=lounge)
    set_hours(event, event.starts_on - timedelta(days=1), "09:00", "10:00")

    assert (few, queries()) == (5, 5)


# --- requesting ---------------------------------------------------------------------------


def test_request_meeting_writes_a_pending_request_awaiting_the_invitee(
    event, booth, attendee, speaker, outbox
):
    table, _lounge = booth

    meeting = request(event, attendee, speaker, "09:30", table, message="  Talk payments?  ")

    assert (
        meeting.status,
        meeting.awaiting_id,
        meeting.requester_id,
        meeting.invitee_id,
        meeting.starts_at,
        meeting.ends_at,
        meeting.place_id,
        meeting.message,
        meeting.sequence,
        meeting.changed_by_id,
    ) == (
        MeetingStatus.pending,
        speaker.id,
        attendee.id,
        speaker.id,
        program.at(event, 0, "09:30"),
        program.at(event, 0, "10:00"),
        table.id,
        "Talk payments?",
        0,
        attendee.id,
    )
    kinds = db.session.scalars(sa.select(Activity.kind).where(Activity.user_id == attendee.id))
    assert list(kinds) == [ActivityKind.meeting_request]


def test_request_meeting_emails_the_invitee_an_invitation(event, booth, attendee, speaker, outbox):
    table, _lounge = booth

    meeting = request(event, attendee, speaker, "09:30", table, message="Talk payments?")

    assert [m["To"] for m in outbox.messages] == [speaker.email]
    email = outbox.messages[0]
    assert email["Subject"] == "Anna Attendee asks to meet you"
    text = outbox.text(email)
    assert "Anna Attendee would like to meet you at Northwind Summit." in text
    assert "Table 1" in text
    assert "Talk payments?" in text
    assert f"http://localhost/e/northwind/meetings/{meeting.id}" in text
    local = utc_to_local(event, meeting.starts_at)
    assert f"{local:%-d}, {local:%Y}, 9:30\u202fAM\u201310:00\u202fAM (Europe/Berlin)" in text
    method, ics = invitation(email)
    assert method == "REQUEST"
    assert "METHOD:REQUEST" in ics
    assert f"UID:{meeting.uid}@" in ics


def test_request_meeting_email_is_in_the_invitees_language(event, booth, attendee, speaker, outbox):
    table, _lounge = booth
    speaker.locale = "ru"
    db.session.commit()

    meeting = request(event, attendee, speaker, "09:30", table)

    day = utc_to_local(event, meeting.starts_at).date()
    assert format_date(day, "full", locale="ru") in outbox.text(outbox.messages[0])


def test_request_meeting_refuses_people_who_may_not_ask(
    event, booth, attendee, speaker, outsider, pending
):
    table, _lounge = booth
    at = program.at(event, 0, "09:30")
    db.session.add(Block(blocker_id=speaker.id, blocked_id=attendee.id))
    db.session.commit()

    refusals = []
    for actor, invitee in (
        (outsider, speaker),
        (attendee, pending),
        (attendee, attendee),
        (attendee, speaker),
    ):
        with pytest.raises(ServiceError) as refused:
            service.request_meeting(actor, event, invitee, at, table.id, "")
        refusals.append(refused.value.code)

    assert refusals == ["forbidden"] * 4


def test_request_meeting_refuses_when_meetings_are_off(event, booth, attendee, speaker):
    table, _lounge = booth
    event.meetings_enabled = False
    db.session.commit()

    with pytest.raises(ServiceError) as refused:
        request(event, attendee, speaker, "09:30", table)

    assert refused.value.code == "forbidden"


@pytest.mark.parametrize(
    ("when", "code", "field"),
    [
        (None, "slot_missing", "slot"),
        ("09:45", "slot_invalid", "slot"),
        ("08:30", "slot_invalid", "slot"),
        ("10:45", "slot_invalid", "slot"),
        ("09:00", "slot_taken", "slot"),
    ],
)
def test_request_meeting_refuses_a_time_not_offered(
    event, booth, attendee, speaker, when, code, field
):
    table, _lounge = booth
    program.session(event, "Keynote", "09:00", "09:30")
    bookmark(speaker, program.session(event, "Busy", "09:00", "09:30"))
    starts_at = program.at(event, 0, when) if when else None

    with pytest.raises(ServiceError) as refused:
        service.request_meeting(attendee, event, speaker, starts_at, table.id, "")

    assert (refused.value.code, refused.value.field) == (code, field)


def test_request_meeting_refuses_a_time_that_has_passed(
    app, event, booth, attendee, speaker, monkeypatch
):
    table, _lounge = booth
    monkeypatch.setitem(app.config, "CLOCK", lambda: program.at(event, 0, "09:40"))

    with pytest.raises(ServiceError) as refused:
        request(event, attendee, speaker, "09:30", table)

    assert (refused.value.code, refused.value.field) == ("slot_past", "slot")


def test_request_meeting_refuses_a_full_retired_or_foreign_place(
    event, other_event, booth, attendee, speaker
):
    table, _lounge = booth
    old = add_place(event, "Old", retired=True)
    foreign = add_place(other_event, "Foreign")
    pair = [factories.participant(event, f"P{n}") for n in range(2)]
    meeting_row(event, pair[0], pair[1], "09:00", place=table)

    codes = []
    for place_id in (table.id, old.id, foreign.id, 2_000_000_000, None):
        with pytest.raises(ServiceError) as refused:
            service.request_meeting(
                attendee, event, speaker, program.at(event, 0, "09:00"), place_id, ""
            )
        codes.append((refused.value.code, refused.value.field))

    assert codes == [("place_full", "place")] + [("place_invalid", "place")] * 4


def test_request_meeting_refuses_a_second_open_request_between_the_same_people(
    event, booth, attendee, speaker
):
    table, lounge = booth
    request(event, attendee, speaker, "09:30", table)

    with pytest.raises(ServiceError) as refused:
        request(event, speaker, attendee, "10:00", lounge)

    assert refused.value.code == "already_requested"


def test_request_meeting_refuses_a_long_message(event, booth, attendee, speaker):
    table, _lounge = booth

    with pytest.raises(ServiceError) as refused:
        request(event, attendee, speaker, "09:30", table, message="x" * 1001)

    assert (refused.value.code, refused.value.field) == ("too_long", "message")


def test_sponsor_staff_receive_requests_like_anyone(event, booth, attendee, sponsor_staff, outbox):
    table, _lounge = booth

    meeting = request(event, attendee, sponsor_staff, "09:30", table)

    assert (meeting.awaiting_id, service.pending_for(sponsor_staff)) == (sponsor_staff.id, 1)
    assert [m["To"] for m in outbox.messages] == [sponsor_staff.email]


# --- answering ---------------------------------------------------------------------------------


@pytest.fixture
def requested(event, booth, attendee, speaker, outbox):
    table, _lounge = booth
    meeting = request(event, attendee, speaker, "09:30", table, message="Hi")
    outbox.clear()
    return meeting


def test_accept_confirms_the_meeting_and_sends_both_the_invitation(
    event, requested, attendee, speaker, outbox
):
    service.accept(speaker, requested)
    db.session.commit()

    assert (
        requested.status,
        requested.awaiting_id,
        requested.changed_by_id,
        requested.sequence,
    ) == (MeetingStatus.accepted, None, speaker.id, 0)
    assert sorted(m["To"] for m in outbox.messages) == sorted([attendee.email, speaker.email])
    to_requester, to_invitee = outbox.to(attendee.email)[0], outbox.to(speaker.email)[0]
    assert (to_requester["Subject"], to_invitee["Subject"]) == (
        "Sam Speaker accepted your meeting",
        "Your meeting with Anna Attendee is confirmed",
    )
    for email in (to_requester, to_invitee):
        method, ics = invitation(email)
        assert method == "REQUEST"
        assert ics.count("PARTSTAT=ACCEPTED") == 2
    kinds = db.session.scalars(sa.select(Activity.kind).where(Activity.user_id == speaker.id))
    assert list(kinds) == [ActivityKind.meeting_accepted]
    assert service.pending_for(speaker) == 0


def test_accept_is_only_for_the_awaited_person(event, requested, attendee, organizer):
    for actor in (attendee, organizer):
        with pytest.raises(ServiceError) as refused:
            service.accept(actor, requested)
        assert refused.value.code == "forbidden"


def test_accept_refuses_when_either_person_was_booked_meanwhile(
    event, requested, attendee, speaker
):
    third = factories.participant(event, "Third")
    meeting_row(event, attendee, third, "09:45")

    with pytest.raises(ServiceError) as refused:
        service.accept(speaker, requested)

    assert refused.value.code == "slot_taken"
    db.session.rollback()
    assert requested.status == MeetingStatus.pending


def test_accept_refuses_when_the_table_filled_meanwhile(event, booth, requested, speaker):
    table, _lounge = booth
    pair = [factories.participant(event, f"P{n}") for n in range(2)]
    meeting_row(event, pair[0], pair[1], "09:30", place=table)

    with pytest.raises(ServiceError) as refused:
        service.accept(speaker, requested)

    assert refused.value.code == "place_full"


def test_accept_refuses_a_time_that_has_passed(app, event, requested, speaker, monkeypatch):
    monkeypatch.setitem(app.config, "CLOCK", lambda: program.at(event, 0, "09:31"))

    with pytest.raises(ServiceError) as refused:
        service.accept(speaker, requested)

    assert refused.value.code == "slot_past"
    assert service.pending_for(speaker) == 0


def test_accept_refuses_a_meeting_the_organizers_settings_no_longer_fit(event, requested, speaker):
    requested.needs_reschedule = True
    db.session.commit()

    with pytest.raises(ServiceError) as refused:
        service.accept(speaker, requested)

    assert refused.value.code == "needs_reschedule"


def test_decline_ends_the_request_and_sends_a_cancellation(
    event, requested, attendee, speaker, outbox
):
    service.decline(speaker, requested, "  Sorry, fully booked.  ")
    db.session.commit()

    assert (
        requested.status,
        requested.awaiting_id,
        requested.note,
        requested.sequence,
        requested.changed_by_id,
    ) == (MeetingStatus.declined, None, "Sorry, fully booked.", 1, speaker.id)
    assert [m["To"] for m in outbox.messages] == [attendee.email]
    email = outbox.messages[0]
    assert email["Subject"] == "Sam Speaker declined your meeting request"
    assert "Sorry, fully booked." in outbox.text(email)
    method, ics = invitation(email)
    assert (method, "METHOD:CANCEL" in ics, "SEQUENCE:1" in ics) == ("CANCEL", True, True)


def test_decline_is_only_for_the_awaited_person_and_takes_a_short_note(
    requested, attendee, speaker
):
    with pytest.raises(ServiceError) as not_theirs:
        service.decline(attendee, requested, "")
    with pytest.raises(ServiceError) as too_long:
        service.decline(speaker, requested, "x" * 501)

    assert (not_theirs.value.code, too_long.value.code, too_long.value.field) == (
        "forbidden",
        "too_long",
        "note",
    )


def test_propose_moves_the_request_and_turns_it_to_the_other_side(
    event, booth, requested, attendee, speaker, outbox
):
    _table, lounge = booth

    service.propose(speaker, requested, program.at(event, 1, "14:30"), lounge.id, "Day two?")
    db.session.commit()

    assert (
        requested.status,
        requested.awaiting_id,
        requested.starts_at,
        requested.ends_at,
        requested.place_id,
        requested.note,
        requested.sequence,
    ) == (
        MeetingStatus.pending,
        attendee.id,
        program.at(event, 1, "14:30"),
        program.at(event, 1, "15:00"),
        lounge.id,
        "Day two?",
        1,
    )
    assert (service.pending_for(attendee), service.pending_for(speaker)) == (1, 0)
    email = outbox.to(attendee.email)[0]
    assert email["Subject"] == "Sam Speaker proposes another time to meet"
    method, ics = invitation(email)
    assert (method, "SEQUENCE:1" in ics) == ("REQUEST", True)

    service.accept(attendee, requested)
    db.session.commit()
    assert requested.status == MeetingStatus.accepted


def test_propose_refuses_the_requester_and_a_busy_or_same_slot(
    event, booth, requested, attendee, speaker
):
    table, lounge = booth
    bookmark(attendee, program.session(event, "Busy", "10:00", "10:30"))

    codes = []
    for actor, hhmm, place in (
        (attendee, "10:30", lounge),
        (speaker, "10:00", lounge),
        (speaker, "09:30", table),
    ):
        with pytest.raises(ServiceError) as refused:
            service.propose(actor, requested, program.at(event, 0, hhmm), place.id, "")
        codes.append(refused.value.code)

    assert codes == ["forbidden", "slot_taken", "unchanged"]


def test_propose_may_keep_the_time_and_change_the_place(event, booth, requested, speaker):
    _table, lounge = booth

    service.propose(speaker, requested, requested.starts_at, lounge.id, "")

    assert requested.place_id == lounge.id


def test_reschedule_an_accepted_meeting_asks_the_other_person_again(
    event, booth, requested, attendee, speaker, outbox
):
    table, _lounge = booth
    service.accept(speaker, requested)
    db.session.commit()
    requested.needs_reschedule = True
    db.session.commit()
    outbox.clear()

    service.reschedule(attendee, requested, program.at(event, 0, "10:30"), table.id, "Later?")
    db.session.commit()

    assert (
        requested.status,
        requested.awaiting_id,
        requested.starts_at,
        requested.sequence,
        requested.needs_reschedule,
        requested.note,
    ) == (MeetingStatus.pending, speaker.id, program.at(event, 0, "10:30"), 1, False, "Later?")
    assert [m["To"] for m in outbox.messages] == [speaker.email]
    assert outbox.messages[0]["Subject"] == "Anna Attendee moved your meeting"
    assert invitation(outbox.messages[0])[0] == "REQUEST"


def test_reschedule_frees_the_old_slot_of_an_accepted_meeting(
    event, booth, requested, attendee, speaker
):
    table, _lounge = booth
    service.accept(speaker, requested)
    db.session.commit()

    service.reschedule(speaker, requested, program.at(event, 0, "10:30"), table.id)
    db.session.commit()

    assert "09:30" in local_clocks(event, service.free_slots(event, attendee, speaker))


def test_reschedule_refuses_outsiders_and_ended_meetings(
    event, booth, requested, attendee, speaker, organizer
):
    table, _lounge = booth
    at = program.at(event, 0, "10:30")
    with pytest.raises(ServiceError) as organizer_refused:
        service.reschedule(organizer, requested, at, table.id)
    service.decline(speaker, requested)
    db.session.commit()
    with pytest.raises(ServiceError) as declined_refused:
        service.reschedule(attendee, requested, at, table.id)

    assert (organizer_refused.value.code, declined_refused.value.code) == ("forbidden", "forbidden")


def test_cancel_by_either_person_sends_the_other_a_cancellation(
    event, requested, attendee, speaker, outbox
):
    service.accept(speaker, requested)
    db.session.commit()
    outbox.clear()

    service.cancel(attendee, requested, "Flight delayed")
    db.session.commit()

    assert (
        requested.status,
        requested.awaiting_id,
        requested.note,
        requested.sequence,
        requested.changed_by_id,
    ) == (MeetingStatus.cancelled, None, "Flight delayed", 1, attendee.id)
    assert [m["To"] for m in outbox.messages] == [speaker.email]
    email = outbox.messages[0]
    assert email["Subject"] == "Anna Attendee cancelled your meeting"
    method, ics = invitation(email)
    assert (method, "STATUS:CANCELLED" in ics) == ("CANCEL", True)
    with pytest.raises(ServiceError) as again:
        service.cancel(speaker, requested)
    assert again.value.code == "forbidden"


def test_cancel_works_after_a_block(event, requested, attendee, speaker):
    db.session.add(Block(blocker_id=speaker.id, blocked_id=attendee.id))
    db.session.commit()

    with pytest.raises(ServiceError):
        service.accept(speaker, requested)
    service.cancel(attendee, requested)

    assert requested.status == MeetingStatus.cancelled


def test_no_email_to_an_unverified_address(event, booth, attendee, speaker, outbox):
    table, _lounge = booth
    speaker.email_verified_at = None
    db.session.commit()

    request(event, attendee, speaker, "09:30", table)

    assert outbox.messages == []


def test_a_rolled_back_change_sends_nothing(event, booth, attendee, speaker, outbox):
    table, _lounge = booth

    service.request_meeting(attendee, event, speaker, program.at(event, 0, "09:30"), table.id, "")
    db.session.rollback()

    assert (outbox.messages, db.session.scalar(sa.select(sa.func.count(Meeting.id)))) == ([], 0)


# --- reading ----------------------------------------------------------------------------------


def test_meetings_of_lists_open_meetings_in_time_order(event, booth, attendee, speaker):
    table, lounge = booth
    third = factories.participant(event, "Third")
    later = meeting_row(event, third, attendee, "14:00", day=1, place=lounge)
    pending = meeting_row(event, attendee, speaker, "10:00", status=MeetingStatus.pending)
    meeting_row(event, attendee, third, "09:00", status=MeetingStatus.declined)
    meeting_row(event, speaker, third, "09:00", place=table)

    assert service.meetings_of(event, attendee) == [pending, later]


def test_pending_for_counts_requests_awaiting_the_person_in_time(
    app, event, other_event, booth, attendee, speaker, monkeypatch
):
    third = factories.participant(event, "Third")
    meeting_row(event, attendee, speaker, "09:00", status=MeetingStatus.pending)
    meeting_row(event, third, speaker, "10:00", status=MeetingStatus.pending)
    meeting_row(event, speaker, attendee, "10:30", status=MeetingStatus.pending)
    meeting_row(event, third, speaker, "10:30", status=MeetingStatus.declined)
    factories.participant(other_event, person=speaker)
    far = factories.participant(other_event, "Far")
    meeting_row(other_event, far, speaker, "10:00", status=MeetingStatus.pending)

    counts = (service.pending_for(speaker), service.pending_for(speaker, event))
    monkeypatch.setitem(app.config, "CLOCK", lambda: program.at(event, 0, "09:10"))
    later = service.pending_for(speaker, event)

    assert (counts, later) == ((3, 2), 1)


def test_my_meetings_groups_by_what_waits_for_whom(
    app, event, booth, attendee, speaker, monkeypatch
):
    table, lounge = booth
    third = factories.participant(event, "Third")
    mine_to_answer = meeting_row(event, third, attendee, "10:30", status=MeetingStatus.pending)
    theirs_to_answer = meeting_row(event, attendee, speaker, "10:00", status=MeetingStatus.pending)
    upcoming = meeting_row(event, attendee, third, "14:00", day=1, place=lounge)
    past = meeting_row(event, attendee, speaker, "09:00", place=table)
    stale = meeting_row(event, speaker, attendee, "09:30", status=MeetingStatus.pending)
    cancelled = meeting_row(event, attendee, third, "14:30", day=1, status=MeetingStatus.cancelled)
    monkeypatch.setitem(app.config, "CLOCK", lambda: program.at(event, 0, "09:45"))

    lists = service.my_meetings(event, attendee)

    assert (lists.awaiting_me, lists.awaiting_them, lists.upcoming, lists.history) == (
        [mine_to_answer],
        [theirs_to_answer],
        [upcoming],
        [cancelled, stale, past],
    )
