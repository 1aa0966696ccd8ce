"""The organizer's meeting settings: hours per day, slot length, places, and the rule
that no booked meeting silently disappears (preview, confirm, mark, notify)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from conference import jobs
from conference.enums import MeetingStatus
from conference.extensions import db, socketio
from conference.models import Meeting, MeetingHours, MeetingPlace
from conference.services import ServiceError
from conference.services import meeting_settings as service
from tests import factories
from tests.program_helpers import at

#: Berlin puts its clocks forward at 02:00 on this Sunday (02:00-03:00 does not exist).
SPRING_FORWARD = date(2027, 3, 28)


@pytest.fixture
def emitted(monkeypatch):
    """Socket events emitted (after commit) as (event, data, room) triples."""
    seen: list[tuple[str, dict, str]] = []
    monkeypatch.setattr(socketio, "emit", lambda name, data, to=None: seen.append((name, data, to)))
    return seen


@pytest.fixture
def people(event):
    return [factories.participant(event, name=name) for name in ("Ada", "Ben", "Cleo", "Dan")]


def hours(event, day_index: int, starts: str, ends: str) -> MeetingHours:
    row = MeetingHours(
        event_id=event.id,
        day=event.starts_on + timedelta(days=day_index),
        starts_at=time.fromisoformat(starts),
        ends_at=time.fromisoformat(ends),
    )
    db.session.add(row)
    db.session.commit()
    return row


def place(event, name: str, capacity: int | None = None, position: int = 0) -> MeetingPlace:
    made = MeetingPlace(event_id=event.id, name=name, capacity=capacity, position=position)
    db.session.add(made)
    db.session.commit()
    return made


def meeting(
    event,
    requester,
    invitee,
    start: str,
    end: str,
    *,
    day: int | date = 0,
    where: MeetingPlace | None = None,
    status: str = "accepted",
    needs_reschedule: bool = False,
    updated_at: datetime | None = None,
    message: str = "",
) -> Meeting:
    """A meeting written directly, at wall-clock times of the event's zone."""
    made = Meeting(
        event_id=event.id,
        requester_id=requester.id,
        invitee_id=invitee.id,
        starts_at=at(event, day, start),
        ends_at=at(event, day, end),
        place_id=where.id if where else None,
        status=MeetingStatus(status),
        awaiting_id=invitee.id if status == "pending" else None,
        needs_reschedule=needs_reschedule,
        message=message,
    )
    if updated_at is not None:
        made.updated_at = updated_at
    db.session.add(made)
    db.session.commit()
    return made


def day_hours(event, *spans) -> dict:
    """The hours argument: one (start, end) pair of "HH:MM" (or None) per event day."""
    result = {}
    for index, span in enumerate(spans):
        day = event.starts_on + timedelta(days=index)
        result[day] = None if span is None else tuple(time.fromisoformat(t) for t in span)
    return result


def ids(affected) -> list[int]:
    return [item.meeting.id for item in affected]


def reasons(affected) -> list[tuple[int, str]]:
    return [(item.meeting.id, item.reason.value) for item in affected]


# --- reading ---------------------------------------------------------------------------


def test_hours_of_maps_days_to_rows(event):
    second = hours(event, 1, "13:00", "17:00")
    first = hours(event, 0, "09:00", "12:00")

    assert service.hours_of(event) == {event.starts_on: first, second.day: second}


def test_places_of_orders_by_position_and_hides_retired(event):
    lounge = place(event, "Lounge", position=1)
    table = place(event, "Table 1", capacity=2, position=0)
    gone = place(event, "Terrace", position=2)
    gone.retired = True
    db.session.commit()

    assert service.places_of(event) == [table, lounge]
    assert service.places_of(event, include_retired=True) == [table, lounge, gone]


def test_slot_count_uses_real_time_on_the_day_clocks_go_forward():
    event = factories.event(starts_on=SPRING_FORWARD, ends_on=SPRING_FORWARD)

    assert service.slot_count(event, SPRING_FORWARD, time(1, 0), time(4, 0), 30) == 4
    assert service.slot_count(event, SPRING_FORWARD, time(9, 0), time(12, 0), 45) == 4


# --- checking hours --------------------------------------------------------------------


def test_check_day_hours_accepts_both_or_neither(event):
    assert service.check_day_hours(event, event.starts_on, time(9), time(12)) == (
        time(9),
        time(12),
    )
    assert service.check_day_hours(event, event.starts_on, None, None) is None


@pytest.mark.parametrize(
    ("starts", "ends", "code", "field"),
    [
        (time(9), None, "hours_incomplete", "ends_at"),
        (None, time(12), "hours_incomplete", "starts_at"),
        (time(12), time(12), "end_before_start", "ends_at"),
        (time(13), time(12), "end_before_start", "ends_at"),
    ],
)
def test_check_day_hours_refuses(event, starts, ends, code, field):
    with pytest.raises(ServiceError) as refused:
        service.check_day_hours(event, event.starts_on, starts, ends)

    assert (refused.value.code, refused.value.field) == (code, field)


def test_check_day_hours_refuses_a_day_outside_the_event(event):
    with pytest.raises(ServiceError) as refused:
        service.check_day_hours(event, event.ends_on + timedelta(days=1), time(9), time(10))

    assert refused.value.code == "day_outside_event"


def test_check_day_hours_refuses_times_the_clocks_skip():
    event = factories.event(starts_on=SPRING_FORWARD, ends_on=SPRING_FORWARD)

    with pytest.raises(ServiceError) as start_skipped:
        service.check_day_hours(event, SPRING_FORWARD, time(2, 30), time(5))
    with pytest.raises(ServiceError) as end_skipped:
        service.check_day_hours(event, SPRING_FORWARD, time(1), time(2, 0))

    assert (start_skipped.value.code, start_skipped.value.field) == ("time_skipped", "starts_at")
    assert start_skipped.value.message == (
        "02:30 does not exist on that day: the clocks change then."
    )
    assert (end_skipped.value.code, end_skipped.value.field) == ("time_skipped", "ends_at")
    assert service.check_day_hours(event, SPRING_FORWARD, time(1), time(3)) == (time(1), time(3))


def test_check_slot_minutes_bounds():
    assert service.check_slot_minutes(10) == 10
    assert service.check_slot_minutes(120) == 120
    for wrong in (None, 9, 121):
        with pytest.raises(ServiceError) as refused:
            service.check_slot_minutes(wrong)
        assert (refused.value.code, refused.value.field) == ("slot_minutes_invalid", "slot_minutes")


# --- hours: preview and apply -------------------------------------------------------------


@pytest.fixture
def booked(event, people):
    """Meeting hours 09:00-17:00 on both days and five meetings of several kinds."""
    ada, ben, cleo, dan = people
    hours(event, 0, "09:00", "17:00")
    hours(event, 1, "09:00", "17:00")
    return {
        "morning": meeting(event, ada, ben, "09:00", "09:30"),
        "noon": meeting(event, cleo, dan, "12:00", "12:30", status="pending"),
        "late": meeting(event, ada, cleo, "16:30", "17:00"),
        "declined": meeting(event, ben, dan, "16:30", "17:00", status="declined"),
        "second_day": meeting(event, ben, cleo, "10:00", "10:30", day=1),
    }


def test_preview_settings_lists_booked_meetings_outside_the_new_hours(event, booked):
    affected = service.preview_settings(event, day_hours(event, ("10:00", "16:30"), None))

    assert reasons(affected) == [
        (booked["morning"].id, "outside_hours"),
        (booked["late"].id, "outside_hours"),
        (booked["second_day"].id, "no_hours"),
    ]
    assert [item.describe() for item in affected] == [
        "It is outside the new meeting hours of that day.",
        "It is outside the new meeting hours of that day.",
        "That day no longer has meeting hours.",
    ]


def test_preview_settings_counts_a_day_left_out_as_no_hours(event, booked):
    affected = service.preview_settings(event, {event.starts_on: (time(9), time(17))})

    assert reasons(affected) == [(booked["second_day"].id, "no_hours")]


def test_preview_settings_leaves_out_past_flagged_and_closed_meetings(event, people):
    ada, ben, cleo, dan = people
    hours(event, 0, "09:00", "17:00")
    past = Meeting(
        event_id=event.id,
        requester_id=ada.id,
        invitee_id=ben.id,
        starts_at=datetime.now(UTC) - timedelta(hours=2),
        ends_at=datetime.now(UTC) - timedelta(hours=1, minutes=30),
        status=MeetingStatus.accepted,
    )
    db.session.add(past)
    meeting(event, ada, cleo, "09:00", "09:30", needs_reschedule=True)
    meeting(event, ada, dan, "09:00", "09:30", status="cancelled")
    db.session.commit()

    assert service.preview_settings(event, day_hours(event, None, None)) == []


def test_preview_settings_ignores_the_slot_grid(event, people):
    ada, ben, *_ = people
    hours(event, 0, "09:00", "17:00")
    meeting(event, ada, ben, "09:10", "10:40")

    assert service.preview_settings(event, day_hours(event, ("09:00", "17:00"), None)) == []


def test_preview_settings_refuses_bad_hours(event):
    with pytest.raises(ServiceError) as refused:
        service.preview_settings(event, day_hours(event, ("12:00", "11:00"), None))

    assert refused.value.code == "end_before_start"


def test_apply_settings_saves_hours_slot_and_switch(event, organizer):
    old = hours(event, 0, "09:00", "17:00")
    hours(event, 1, "09:00", "17:00")

    affected = service.apply_settings(
        organizer,
        event,
        enabled=False,
        slot_minutes=45,
        hours=day_hours(event, ("08:30", "18:00"), None),
        confirmed_ids=[],
    )
    db.session.commit()

    assert affected == []
    assert (event.meetings_enabled, event.meeting_slot_minutes) == (False, 45)
    saved = service.hours_of(event)
    assert list(saved) == [event.starts_on]
    assert saved[event.starts_on] is old
    assert (old.starts_at, old.ends_at) == (time(8, 30), time(18, 0))


def test_apply_settings_adds_hours_for_a_new_day(event, organizer):
    service.apply_settings(
        organizer,
        event,
        enabled=True,
        slot_minutes=20,
        hours=day_hours(event, None, ("13:00", "15:00")),
        confirmed_ids=[],
    )
    db.session.commit()

    saved = service.hours_of(event)
    assert [(d, r.starts_at, r.ends_at) for d, r in saved.items()] == [
        (event.ends_on, time(13), time(15))
    ]


def test_apply_settings_marks_confirmed_meetings_and_notifies_both(
    event, organizer, people, booked, outbox, emitted
):
    ada, ben, cleo, _dan = people
    new_hours = day_hours(event, ("10:00", "17:00"), ("09:00", "17:00"))
    preview = service.preview_settings(event, new_hours)

    affected = service.apply_settings(
        organizer,
        event,
        enabled=True,
        slot_minutes=30,
        hours=new_hours,
        confirmed_ids=ids(preview),
    )
    assert emitted == []
    assert jobs.run_pending() == 0
    db.session.commit()

    morning = booked["morning"]
    assert ids(affected) == [morning.id]
    assert morning.needs_reschedule is True
    assert [m.needs_reschedule for k, m in booked.items() if k != "morning"] == [False] * 4
    assert sorted((name, room) for name, _data, room in emitted) == [
        ("meeting_changed", f"user:{ada.id}"),
        ("meeting_changed", f"user:{ben.id}"),
    ]
    by_room = {room: data for _name, data, room in emitted}
    assert by_room[f"user:{ada.id}"] == {
        "meeting_id": morning.id,
        "event_slug": event.slug,
        "status": "accepted",
        "awaiting_me": False,
        "pending_count": 0,
        "needs_reschedule": True,
        "text": "The organizers changed the meeting hours or places: please find another "
        "time for your meeting with Ben.",
    }
    assert len(jobs.huey.pending()) == 1

    assert sorted(m["To"] for m in outbox.messages) == sorted([ada.email, ben.email])
    to_ada = outbox.to(ada.email)[0]
    assert to_ada["Subject"] == "Please find another time for your meeting with Ben"
    text = outbox.text(to_ada)
    assert "Hello Ada," in text
    assert "your meeting with Ben no longer fits" in text
    assert "It is outside the new meeting hours of that day." in text
    assert f"http://localhost/e/{event.slug}/meetings/{morning.id}" in text
    assert "9:00\u202fAM\u20139:30\u202fAM (Europe/Berlin)" in text
    assert outbox.to(cleo.email) == []


def test_reschedule_email_is_in_the_recipients_language(outbox):
    christmas = date(2030, 12, 24)
    event = factories.event(starts_on=christmas, ends_on=christmas)
    boss = factories.organizer(event)
    ada, ben = (factories.participant(event, name=n) for n in ("Ada", "Ben"))
    ada.locale = "ru"
    db.session.commit()
    m = meeting(event, ada, ben, "09:00", "09:30")

    service.apply_settings(
        boss, event, enabled=True, slot_minutes=30, hours={christmas: None}, confirmed_ids=[m.id]
    )
    db.session.commit()

    assert "24 декабря 2030" in outbox.text(outbox.to(ada.email)[0])
    assert "December 24, 2030" in outbox.text(outbox.to(ben.email)[0])


def test_apply_settings_refuses_when_meetings_changed_meanwhile(event, organizer, people, booked):
    ada, ben, *_ = people
    new_hours = day_hours(event, ("10:00", "17:00"), ("09:00", "17:00"))
    preview = service.preview_settings(event, new_hours)
    newcomer = meeting(event, ben, ada, "09:30", "10:00", status="pending")

    with pytest.raises(ServiceError) as refused:
        service.apply_settings(
            organizer,
            event,
            enabled=True,
            slot_minutes=30,
            hours=new_hours,
            confirmed_ids=ids(preview),
        )
    db.session.rollback()

    assert refused.value.code == "changed_meanwhile"
    assert ids(service.preview_settings(event, new_hours)) == [booked["morning"].id, newcomer.id]
    assert service.hours_of(event)[event.starts_on].starts_at == time(9)
    assert booked["morning"].needs_reschedule is False


def test_apply_settings_refuses_unconfirmed_meetings(event, organizer, booked):
    with pytest.raises(ServiceError) as refused:
        service.apply_settings(
            organizer,
            event,
            enabled=True,
            slot_minutes=30,
            hours=day_hours(event, None, None),
            confirmed_ids=[],
        )

    assert refused.value.code == "changed_meanwhile"


def test_apply_settings_on_the_day_clocks_go_forward():
    event = factories.event(starts_on=SPRING_FORWARD, ends_on=SPRING_FORWARD)
    boss = factories.organizer(event)
    ada, ben = (factories.participant(event, name=n) for n in ("Ada", "Ben"))
    inside = meeting(event, ada, ben, "03:30", "04:00")
    early = meeting(event, ben, ada, "00:30", "01:00", status="pending")
    spring_hours = {SPRING_FORWARD: (time(1), time(4))}

    preview = service.preview_settings(event, spring_hours)
    service.apply_settings(
        boss, event, enabled=True, slot_minutes=30, hours=spring_hours, confirmed_ids=ids(preview)
    )
    db.session.commit()

    assert reasons(preview) == [(early.id, "outside_hours")]
    assert inside.needs_reschedule is False
    assert inside.starts_at == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    row = service.hours_of(event)[SPRING_FORWARD]
    assert (row.starts_at, row.ends_at) == (time(1), time(4))


def test_apply_settings_refuses_skipped_time():
    event = factories.event(starts_on=SPRING_FORWARD, ends_on=SPRING_FORWARD)
    boss = factories.organizer(event)

    with pytest.raises(ServiceError) as refused:
        service.apply_settings(
            boss,
            event,
            enabled=True,
            slot_minutes=30,
            hours={SPRING_FORWARD: (time(2, 15), time(6))},
            confirmed_ids=[],
        )

    assert refused.value.code == "time_skipped"


@pytest.mark.parametrize("identity", ["attendee", "speaker", "sponsor_staff", "outsider"])
def test_apply_settings_is_for_organizers_only(request, event, identity):
    actor = request.getfixturevalue(identity)

    with pytest.raises(ServiceError) as refused:
        service.apply_settings(
            actor, event, enabled=True, slot_minutes=30, hours={}, confirmed_ids=[]
        )

    assert refused.value.code == "forbidden"


def test_apply_settings_refuses_slot_length_out_of_range(event, organizer):
    with pytest.raises(ServiceError) as refused:
        service.apply_settings(
            organizer, event, enabled=True, slot_minutes=5, hours={}, confirmed_ids=[]
        )

    assert refused.value.field == "slot_minutes"


# --- places ---------------------------------------------------------------------------------


def test_add_place_appends_and_checks_name_and_capacity(event, organizer):
    first = service.add_place(organizer, event, "  Table 1 ", 2)
    lounge = service.add_place(organizer, event, "Lounge")

    assert [(p.name, p.capacity, p.position) for p in service.places_of(event)] == [
        ("Table 1", 2, 0),
        ("Lounge", None, 1),
    ]
    assert first.retired is False and lounge.capacity is None
    for name, capacity, code in (
        ("table 1", None, "name_taken"),
        ("", None, "name_missing"),
        ("x" * 121, None, "name_too_long"),
        ("Table 2", 0, "capacity_invalid"),
        ("Table 2", 10_001, "capacity_invalid"),
    ):
        with pytest.raises(ServiceError) as refused:
            service.add_place(organizer, event, name, capacity)
        assert refused.value.code == code


def test_add_place_brings_back_a_retired_place(event, organizer):
    terrace = place(event, "Terrace", 3, position=0)
    terrace.retired = True
    table = place(event, "Table 1", position=0)

    again = service.add_place(organizer, event, "terrace", 5)

    assert again is terrace
    assert (again.name, again.capacity, again.retired, again.position) == ("terrace", 5, False, 1)
    assert service.places_of(event) == [table, terrace]


def test_renaming_to_a_retired_place_name_is_refused(event, organizer):
    gone = place(event, "Terrace")
    gone.retired = True
    table = place(event, "Table 1")

    with pytest.raises(ServiceError) as refused:
        service.apply_place_update(organizer, table, "Terrace", None, [])

    assert refused.value.code == "name_taken"
    assert refused.value.message == "A removed place kept for its meetings has this name."


def test_move_place_swaps_neighbours(event, organizer):
    a = service.add_place(organizer, event, "A")
    b = service.add_place(organizer, event, "B")
    c = service.add_place(organizer, event, "C")

    service.move_place(organizer, c, -1)

    assert service.places_of(event) == [a, c, b]


def test_place_removal_retires_a_used_place_and_marks_its_meetings(
    event, organizer, people, outbox, emitted
):
    ada, ben, cleo, dan = people
    table = place(event, "Table 1", 2, position=0)
    lounge = place(event, "Lounge", position=1)
    accepted = meeting(event, ada, ben, "10:00", "10:30", where=table)
    pending = meeting(event, cleo, dan, "11:00", "11:30", where=table, status="pending")
    elsewhere = meeting(event, ada, cleo, "12:00", "12:30", where=lounge)
    meeting(event, ben, dan, "13:00", "13:30", where=table, status="cancelled")

    preview = service.preview_place_removal(table)
    retired = service.apply_place_removal(organizer, table, ids(preview))
    db.session.commit()

    assert reasons(preview) == [
        (accepted.id, "place_removed"),
        (pending.id, "place_removed"),
    ]
    assert preview[0].describe() == "Its place, Table 1, was removed."
    assert retired is True
    assert table.retired is True and accepted.place_id == table.id
    assert (accepted.needs_reschedule, pending.needs_reschedule) == (True, True)
    assert elsewhere.needs_reschedule is False
    assert service.places_of(event) == [lounge]
    assert lounge.position == 0
    assert len(emitted) == 4
    assert sorted(m["To"] for m in outbox.messages) == sorted(
        [ada.email, ben.email, cleo.email, dan.email]
    )
    assert "Its place, Table 1, was removed." in outbox.text(outbox.to(dan.email)[0])


def test_place_removal_deletes_an_unused_place(event, organizer):
    table = place(event, "Table 1")
    table_id = table.id

    assert service.preview_place_removal(table) == []
    assert service.apply_place_removal(organizer, table, []) is False
    db.session.commit()

    assert db.session.get(MeetingPlace, table_id) is None


def test_place_removal_keeps_a_place_only_past_meetings_used(event, organizer, people):
    ada, ben, *_ = people
    table = place(event, "Table 1")
    db.session.add(
        Meeting(
            event_id=event.id,
            requester_id=ada.id,
            invitee_id=ben.id,
            starts_at=datetime.now(UTC) - timedelta(days=1),
            ends_at=datetime.now(UTC) - timedelta(days=1) + timedelta(minutes=30),
            place_id=table.id,
            status=MeetingStatus.accepted,
        )
    )
    db.session.commit()

    assert service.preview_place_removal(table) == []
    assert service.apply_place_removal(organizer, table, []) is True
    assert table.retired is True


def test_place_removal_refuses_when_meetings_changed_meanwhile(event, organizer, people):
    ada, ben, *_ = people
    table = place(event, "Table 1")
    preview = service.preview_place_removal(table)
    meeting(event, ada, ben, "10:00", "10:30", where=table, status="pending")

    with pytest.raises(ServiceError) as refused:
        service.apply_place_removal(organizer, table, ids(preview))

    assert refused.value.code == "changed_meanwhile"
    assert table.retired is False


def test_capacity_reduction_asks_the_most_recently_accepted_to_move(
    event, organizer, people, outbox
):
    ada, ben, cleo, dan = people
    extra = [factories.participant(event, name=n) for n in ("Eve", "Finn")]
    table = place(event, "Table 1", 3)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    first = meeting(event, ada, ben, "10:00", "10:30", where=table, updated_at=base)
    third = meeting(
        event, extra[0], extra[1], "10:00", "10:30", where=table, updated_at=base + timedelta(2)
    )
    second = meeting(
        event, cleo, dan, "10:00", "10:30", where=table, updated_at=base + timedelta(1)
    )
    later = meeting(event, ada, cleo, "11:00", "11:30", where=table, updated_at=base + timedelta(3))
    asking = meeting(event, ben, dan, "10:00", "10:30", where=table, status="pending")

    preview = service.preview_place_update(table, 1)
    affected = service.apply_place_update(organizer, table, "Table 1", 1, ids(preview))
    db.session.commit()

    assert reasons(affected) == [(third.id, "over_capacity"), (second.id, "over_capacity")]
    assert affected[0].describe() == (
        "Table 1 now holds fewer meetings at once than are booked then."
    )
    assert table.capacity == 1
    assert [m.needs_reschedule for m in (first, second, third, later, asking)] == [
        False,
        True,
        True,
        False,
        False,
    ]
    assert len(outbox.messages) == 4


def test_capacity_counts_meetings_at_the_same_moment(event, organizer, people):
    ada, ben, cleo, dan = people
    table = place(event, "Table 1", 2)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    long = meeting(event, ada, ben, "10:00", "11:00", where=table, updated_at=base)
    early = meeting(event, cleo, dan, "10:00", "10:30", where=table, updated_at=base + timedelta(1))
    late = meeting(event, cleo, dan, "10:30", "11:00", where=table, updated_at=base + timedelta(2))

    assert service.preview_place_update(table, 2) == []
    assert reasons(service.preview_place_update(table, 1)) == [
        (early.id, "over_capacity"),
        (late.id, "over_capacity"),
    ]
    assert long.needs_reschedule is False


def test_capacity_keeps_seats_of_meetings_already_asked_to_move_last(event, organizer, people):
    ada, ben, cleo, dan = people
    table = place(event, "Table 1", 2)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    meeting(event, ada, ben, "10:00", "10:30", where=table, updated_at=base, needs_reschedule=True)
    newer = meeting(event, cleo, dan, "10:00", "10:30", where=table, updated_at=base + timedelta(1))

    assert service.preview_place_update(table, 1) == []
    assert newer.needs_reschedule is False


def test_rename_and_capacity_increase_affect_nobody(event, organizer, people):
    ada, ben, *_ = people
    table = place(event, "Table 1", 1)
    meeting(event, ada, ben, "10:00", "10:30", where=table)

    assert service.preview_place_update(table, None) == []
    service.apply_place_update(organizer, table, "Table One", None, [])

    assert (table.name, table.capacity) == ("Table One", None)


def test_capacity_change_refuses_when_meetings_changed_meanwhile(event, organizer, people):
    ada, ben, cleo, dan = people
    table = place(event, "Table 1", 2)
    meeting(event, ada, ben, "10:00", "10:30", where=table)
    preview = service.preview_place_update(table, 1)
    meeting(event, cleo, dan, "10:00", "10:30", where=table)

    with pytest.raises(ServiceError) as refused:
        service.apply_place_update(organizer, table, "Table 1", 1, ids(preview))

    assert refused.value.code == "changed_meanwhile"


def test_retired_place_cannot_change(event, organizer):
    gone = place(event, "Terrace")
    gone.retired = True

    for change in (
        lambda: service.apply_place_update(organizer, gone, "Terrace", 2, []),
        lambda: service.apply_place_removal(organizer, gone, []),
    ):
        with pytest.raises(ServiceError) as refused:
            change()
        assert refused.value.code == "place_retired"


def test_place_changes_are_for_organizers_only(event, attendee):
    table = place(event, "Table 1")

    for change in (
        lambda: service.add_place(attendee, event, "Mine"),
        lambda: service.apply_place_update(attendee, table, "Mine", None, []),
        lambda: service.move_place(attendee, table, 1),
        lambda: service.apply_place_removal(attendee, table, []),
    ):
        with pytest.raises(ServiceError) as refused:
            change()
        assert refused.value.code == "forbidden"


# --- notices job --------------------------------------------------------------------------


def test_notices_skip_meetings_moved_or_cancelled_meanwhile(event, organizer, people, outbox):
    ada, ben, cleo, dan = people
    table = place(event, "Table 1")
    moved = meeting(event, ada, ben, "10:00", "10:30", where=table)
    cancelled = meeting(event, cleo, dan, "11:00", "11:30", where=table)
    service.apply_place_removal(organizer, table, [moved.id, cancelled.id])
    db.session.commit()
    moved.needs_reschedule = False
    cancelled.status = MeetingStatus.cancelled
    db.session.commit()

    assert outbox.messages == []


def test_notices_skip_unverified_and_suspended_people(event, organizer, people, outbox):
    ada, ben, cleo, dan = people
    ada.email_verified_at = None
    dan.is_suspended = True
    table = place(event, "Table 1")
    first = meeting(event, ada, ben, "10:00", "10:30", where=table)
    second = meeting(event, cleo, dan, "11:00", "11:30", where=table)
    db.session.commit()

    assert (
        service.send_reschedule_notices.call_local(
            [(first.id, "place_removed"), (second.id, "place_removed")]
        )
        == 0
    )
    for m in (first, second):
        m.needs_reschedule = True
    db.session.commit()
    sent = service.send_reschedule_notices.call_local(
        [(first.id, "place_removed"), (second.id, "place_removed")]
    )

    assert sent == 2
    assert sorted(m["To"] for m in outbox.messages) == sorted([ben.email, cleo.email])


# --- the organizer's list ------------------------------------------------------------------


def test_meeting_counts_and_page_filter_by_status_and_day(event, people):
    ada, ben, cleo, dan = people
    a = meeting(event, ada, ben, "10:00", "10:30")
    b = meeting(event, cleo, dan, "09:00", "09:30", status="pending", needs_reschedule=True)
    c = meeting(event, ada, cleo, "11:00", "11:30", status="declined", day=1)
    d = meeting(event, ben, dan, "12:00", "12:30", status="cancelled", day=1)
    other_event = factories.event()
    x, y = (factories.participant(other_event, name=n) for n in ("X", "Y"))
    meeting(other_event, x, y, "10:00", "10:30")

    everything = service.MeetingFilters()
    assert service.meeting_counts(event, everything) == {
        "total": 4,
        "pending": 1,
        "accepted": 1,
        "declined": 1,
        "cancelled": 1,
        "reschedule": 1,
    }
    assert service.meetings_page(event, everything, 1).items == [b, a, c, d]
    first_day = service.MeetingFilters(day=event.starts_on)
    assert service.meeting_counts(event, first_day)["total"] == 2
    assert service.meetings_page(event, first_day, 1).items == [b, a]
    reschedule = service.MeetingFilters(status="reschedule")
    assert service.meetings_page(event, reschedule, 1).items == [b]
    declined_second_day = service.MeetingFilters(status="declined", day=event.ends_on)
    assert service.meetings_page(event, declined_second_day, 1).items == [c]
    assert service.upcoming_count(event) == 2


def test_place_usages_counts_upcoming_booked_meetings(event, people):
    ada, ben, cleo, dan = people
    table = place(event, "Table 1")
    lounge = place(event, "Lounge")
    meeting(event, ada, ben, "10:00", "10:30", where=table)
    meeting(event, cleo, dan, "10:00", "10:30", where=table, status="pending")
    meeting(event, ada, cleo, "11:00", "11:30", where=table, status="declined")

    assert service.place_usages(event) == {table.id: 2}
    assert lounge.id not in service.place_usages(event)


def test_meetings_page_is_bounded(event, people):
    ada, ben, *_ = people
    start = datetime.combine(event.starts_on, time(8))
    for n in range(55):
        begins = start + timedelta(minutes=5 * n)
        ends = begins + timedelta(minutes=5)
        meeting(event, ada, ben, f"{begins:%H:%M}", f"{ends:%H:%M}", status="declined")

    page = service.meetings_page(event, service.MeetingFilters(), 2)

    assert (page.total, len(page.items), page.pages) == (55, 5, 2)
