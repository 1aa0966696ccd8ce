"""The organizer's meeting pages: who may open them, the settings form with its hours per
day, places, the confirmation of changes that affect booked meetings, and the list of
every meeting."""

from __future__ import annotations

import html
from datetime import date, time, timedelta

import pytest

from conference.extensions import db, socketio
from conference.models import MeetingPlace
from conference.services import meeting_settings as service
from tests import factories
from tests.conftest import IDENTITIES
from tests.services.test_meeting_settings import hours, meeting, place

BASE = "/e/northwind/manage/meetings"
REFUSED = [i for i in IDENTITIES if i not in ("anonymous", "organizer")]
SPRING_FORWARD = date(2027, 3, 28)


@pytest.fixture
def as_organizer(login, organizer):
    return login(organizer)


@pytest.fixture
def pair(event):
    return factories.participant(event, name="Ada Lovelace"), factories.participant(
        event, name="Ben Okafor"
    )


def settings_data(event, *spans, enabled: bool = True, slot: str = "30", **extra) -> dict:
    """The settings form as posted: one (start, end) pair per event day ("" for empty)."""
    data = {"slot_minutes": slot, **extra}
    if enabled:
        data["enabled"] = "y"
    for index, (starts, ends) in enumerate(spans):
        data[f"hours-{index}-day"] = (event.starts_on + timedelta(days=index)).isoformat()
        data[f"hours-{index}-starts_at"] = starts
        data[f"hours-{index}-ends_at"] = ends
    return data


def flashes(client) -> list[str]:
    with client.session_transaction() as state:
        return [message for _category, message in state.get("_flashes", [])]


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- who may open them -------------------------------------------------------------------

PAGES = ["", "/places", "/all"]


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("page", PAGES)
def test_meeting_page_access(client, as_identity, event, identity, page):
    as_identity(identity)

    response = client.get(BASE + page)

    if identity == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif identity == "organizer":
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("identity", [*REFUSED, "anonymous"])
@pytest.mark.parametrize(
    ("page", "data"),
    [
        ("", {"slot_minutes": "15"}),
        ("/places", {"action": "add", "new-name": "Mine"}),
    ],
)
def test_meeting_post_refused(client, as_identity, event, identity, page, data):
    as_identity(identity)

    response = client.post(BASE + page, data=data)

    assert response.status_code == (302 if identity == "anonymous" else 403)
    assert event.meeting_slot_minutes == 30
    assert service.places_of(event) == []


def test_other_events_organizer_refused(client, login, event, other_event):
    login(factories.organizer(other_event))

    for page in PAGES:
        assert client.get(BASE + page).status_code == 403


def test_unknown_event_is_404(client, as_organizer):
    assert client.get("/e/nothing-here/manage/meetings").status_code == 404


# --- settings and hours ---------------------------------------------------------------------


def test_settings_page_shows_a_row_per_day_with_current_hours(client, as_organizer, event):
    hours(event, 0, "09:00", "12:30")

    page = text_of(client.get(BASE))

    assert 'name="hours-0-starts_at" step="300" type="time" value="09:00"' in page
    assert 'name="hours-0-ends_at" step="300" type="time" value="12:30"' in page
    assert 'name="hours-1-starts_at" step="300" type="time" value=""' in page
    assert f'name="hours-1-day" type="hidden" value="{event.ends_on.isoformat()}"' in page
    assert 'name="slot_minutes" required type="number" value="30"' in page
    assert "Europe/Berlin" in page


def test_settings_save_without_meetings(client, as_organizer, event):
    response = client.post(
        BASE, data=settings_data(event, ("09:00", "17:00"), ("", ""), enabled=False, slot="45")
    )

    assert response.status_code == 302
    assert response.headers["Location"] == BASE
    assert flashes(client) == ["Meeting settings are saved."]
    assert (event.meetings_enabled, event.meeting_slot_minutes) == (False, 45)
    saved = service.hours_of(event)
    assert [(d, r.starts_at, r.ends_at) for d, r in saved.items()] == [
        (event.starts_on, time(9), time(17))
    ]


def test_settings_end_before_start_keeps_typed_values(client, as_organizer, event):
    response = client.post(BASE, data=settings_data(event, ("13:00", "12:00"), ("10:00", "")))

    page = text_of(response)
    assert response.status_code == 200
    assert "The hours must end after they start." in page
    assert "Enter both times, or leave both empty for no meetings that day." in page
    assert 'value="13:00"' in page and 'value="12:00"' in page and 'value="10:00"' in page
    assert service.hours_of(event) == {}


def test_settings_bad_slot_length_keeps_typed_value(client, as_organizer, event):
    response = client.post(BASE, data=settings_data(event, ("09:00", "10:00"), ("", ""), slot="5"))

    page = text_of(response)
    assert response.status_code == 200
    assert "Number must be between 10 and 120." in page
    assert 'name="slot_minutes" required type="number" value="5"' in page
    assert 'value="09:00"' in page
    assert event.meeting_slot_minutes == 30


def test_settings_refuse_a_time_the_clocks_skip(client, login):
    event = factories.event(slug="spring", starts_on=SPRING_FORWARD, ends_on=SPRING_FORWARD)
    login(factories.organizer(event))

    response = client.post(
        "/e/spring/manage/meetings", data=settings_data(event, ("02:30", "06:00"))
    )

    page = text_of(response)
    assert "02:30 does not exist on that day: the clocks change then." in page
    assert "Clocks change" in page
    assert service.hours_of(event) == {}


def test_settings_unreadable_time_keeps_typed_value(client, as_organizer, event):
    response = client.post(BASE, data=settings_data(event, ("9 o'clock", "12:00"), ("", "")))

    page = text_of(response)
    assert "Not a valid time value." in page
    assert 'value="9 o\'clock"' in page


def test_settings_with_changed_days_ask_to_check_again(client, as_organizer, event):
    response = client.post(BASE, data=settings_data(event, ("09:00", "12:00")))

    assert response.status_code == 302
    assert flashes(client) == [
        "The event's dates changed while you were editing. Check the hours again."
    ]
    assert service.hours_of(event) == {}


def test_settings_shrinking_hours_shows_affected_meetings_first(
    client, as_organizer, event, pair, outbox
):
    ada, ben = pair
    hours(event, 0, "09:00", "17:00")
    early = meeting(event, ada, ben, "09:00", "09:30", message="a private note")

    response = client.post(BASE, data=settings_data(event, ("10:00", "17:00"), ("", "")))

    page = text_of(response)
    assert response.status_code == 200
    assert "This change affects 1 booked meeting" in page
    assert "Ada Lovelace & Ben Okafor" in page
    assert "It is outside the new meeting hours of that day." in page
    assert f'name="confirmed" value="{early.id}"' in page
    assert "Save and ask 1 meeting to reschedule" in page
    assert 'value="10:00"' in page
    assert "a private note" not in page
    assert service.hours_of(event)[event.starts_on].starts_at == time(9)
    assert early.needs_reschedule is False
    assert outbox.messages == []


def test_settings_confirmed_change_marks_and_tells_both(client, as_organizer, event, pair, outbox):
    ada, ben = pair
    hours(event, 0, "09:00", "17:00")
    early = meeting(event, ada, ben, "09:00", "09:30")

    response = client.post(
        BASE,
        data=settings_data(
            event, ("10:00", "17:00"), ("", ""), confirm="yes", confirmed=str(early.id)
        ),
    )

    assert response.status_code == 302
    assert flashes(client) == [
        "Meeting settings are saved.",
        "1 meeting is marked for rescheduling; both people are told.",
    ]
    assert service.hours_of(event)[event.starts_on].starts_at == time(10)
    assert early.needs_reschedule is True
    assert sorted(m["To"] for m in outbox.messages) == sorted([ada.email, ben.email])
    link = f"http://localhost/e/northwind/meetings/{early.id}"
    assert link in outbox.text(outbox.to(ada.email)[0])


def test_settings_confirmation_of_a_stale_list_asks_again(client, as_organizer, event, pair):
    ada, ben = pair
    hours(event, 0, "09:00", "17:00")
    early = meeting(event, ada, ben, "09:00", "09:30")
    newer = meeting(event, ben, ada, "09:30", "10:00", status="pending")

    response = client.post(
        BASE,
        data=settings_data(
            event, ("10:00", "17:00"), ("", ""), confirm="yes", confirmed=str(early.id)
        ),
    )

    page = text_of(response)
    assert response.status_code == 200
    assert "Meetings were booked or changed while you were deciding." in page
    assert "This change affects 2 booked meetings" in page
    assert f'name="confirmed" value="{newer.id}"' in page
    assert service.hours_of(event)[event.starts_on].starts_at == time(9)
    assert (early.needs_reschedule, newer.needs_reschedule) == (False, False)


def test_turning_meetings_off_with_booked_meetings_asks_first(client, as_organizer, event, pair):
    ada, ben = pair
    hours(event, 0, "09:00", "17:00")
    booked = meeting(event, ada, ben, "09:00", "09:30")
    data = settings_data(event, ("09:00", "17:00"), ("", ""), enabled=False)

    asked = text_of(client.post(BASE, data=data))
    saved = client.post(BASE, data={**data, "confirm": "yes"})

    assert "Turn meetings off?" in asked
    assert "1 upcoming meeting stays booked" in asked
    assert saved.status_code == 302
    assert event.meetings_enabled is False
    assert booked.needs_reschedule is False


def test_slot_length_change_keeps_booked_meetings(client, as_organizer, event, pair):
    ada, ben = pair
    hours(event, 0, "09:00", "17:00")
    booked = meeting(event, ada, ben, "09:00", "09:30")

    response = client.post(BASE, data=settings_data(event, ("09:00", "17:00"), ("", ""), slot="45"))

    assert response.status_code == 302
    assert event.meeting_slot_minutes == 45
    assert booked.needs_reschedule is False


def test_affected_people_hear_it_live(app, client, as_organizer, event, pair):
    ada, ben = pair
    hours(event, 0, "09:00", "17:00")
    early = meeting(event, ada, ben, "09:00", "09:30")
    ada_http = app.test_client()
    ada_http.post("/login", data={"email": ada.email, "password": factories.PASSWORD})
    ada_socket = socketio.test_client(app, flask_test_client=ada_http)
    ada_socket.get_received()

    client.post(
        BASE,
        data=settings_data(
            event, ("10:00", "17:00"), ("", ""), confirm="yes", confirmed=str(early.id)
        ),
    )

    received = [e for e in ada_socket.get_received() if e["name"] == "meeting_changed"]
    ada_socket.disconnect()
    assert len(received) == 1
    data = received[0]["args"][0]
    assert (data["meeting_id"], data["needs_reschedule"], data["event_slug"]) == (
        early.id,
        True,
        "northwind",
    )


# --- places ---------------------------------------------------------------------------------


def test_places_add_rename_and_reorder(client, as_organizer, event):
    client.post(
        f"{BASE}/places", data={"action": "add", "new-name": "Table 1", "new-capacity": "2"}
    )
    client.post(f"{BASE}/places", data={"action": "add", "new-name": "Lounge"})
    lounge = service.places_of(event)[1]

    client.post(f"{BASE}/places", data={"action": "up", "place_id": lounge.id})
    response = client.post(
        f"{BASE}/places",
        data={
            "action": "update",
            "place_id": lounge.id,
            "edit-name": "Lounge bar",
            "edit-capacity": "",
        },
    )

    assert response.status_code == 302
    assert [(p.name, p.capacity) for p in service.places_of(event)] == [
        ("Lounge bar", None),
        ("Table 1", 2),
    ]
    page = text_of(client.get(f"{BASE}/places"))
    assert "Anywhere: no limit" in page
    assert "2 meetings at once" in page


def test_places_duplicate_name_keeps_typed_value(client, as_organizer, event):
    place(event, "Table 1")

    response = client.post(
        f"{BASE}/places", data={"action": "add", "new-name": "table 1", "new-capacity": "4"}
    )

    page = text_of(response)
    assert "There is already a place with this name." in page
    assert 'value="table 1"' in page and 'value="4"' in page


def test_places_bad_capacity_keeps_typed_values(client, as_organizer, event):
    table = place(event, "Table 1", 2)

    response = client.post(
        f"{BASE}/places",
        data={"action": "update", "place_id": table.id, "edit-name": "Big", "edit-capacity": "0"},
    )

    page = text_of(response)
    assert "Number must be between 1 and 10000." in page
    assert 'value="Big"' in page and 'value="0"' in page
    assert (table.name, table.capacity) == ("Table 1", 2)


def test_places_edit_form_opens_in_place(client, as_organizer, event):
    table = place(event, "Table 1", 2)

    page = text_of(client.get(f"{BASE}/places?edit={table.id}"))

    assert 'name="edit-name"' in page and 'value="Table 1"' in page


def test_places_capacity_reduction_asks_then_marks(client, as_organizer, event, pair, outbox):
    ada, ben = pair
    cleo, dan = (factories.participant(event, name=n) for n in ("Cleo", "Dan"))
    table = place(event, "Table 1", 2)
    meeting(event, ada, ben, "10:00", "10:30", where=table)
    second = meeting(event, cleo, dan, "10:00", "10:30", where=table)
    data = {"action": "update", "place_id": table.id, "edit-name": "Table 1", "edit-capacity": "1"}

    asked = client.post(f"{BASE}/places", data=data)
    page = text_of(asked)
    assert "Save the place “Table 1”?" in page
    assert "This change affects 1 booked meeting" in page
    assert "Cleo & Dan" in page
    assert table.capacity == 2

    saved = client.post(
        f"{BASE}/places", data={**data, "confirm": "yes", "confirmed": str(second.id)}
    )

    assert saved.status_code == 302
    assert table.capacity == 1
    assert second.needs_reschedule is True
    assert sorted(m["To"] for m in outbox.messages) == sorted([cleo.email, dan.email])


def test_places_delete_used_place_asks_then_retires(client, as_organizer, event, pair, outbox):
    ada, ben = pair
    table = place(event, "Table 1")
    booked = meeting(event, ada, ben, "10:00", "10:30", where=table, status="pending")

    asked = text_of(client.post(f"{BASE}/places", data={"action": "delete", "place_id": table.id}))
    assert "Remove the place “Table 1”?" in asked
    assert "Its place, Table 1, was removed." in asked
    assert table.retired is False

    done = client.post(
        f"{BASE}/places",
        data={
            "action": "delete",
            "place_id": table.id,
            "confirm": "yes",
            "confirmed": str(booked.id),
        },
    )

    assert done.status_code == 302
    assert flashes(client) == [
        "Place “Table 1” is removed; its meetings keep its name.",
        "1 meeting is marked for rescheduling; both people are told.",
    ]
    assert table.retired is True
    assert booked.needs_reschedule is True
    assert len(outbox.messages) == 2
    page = text_of(client.get(f"{BASE}/places"))
    assert "Removed, kept for the meetings held there: Table 1." in page
    assert client.get(f"{BASE}/places?edit={table.id}").status_code == 404


def test_places_delete_stale_confirmation_asks_again(client, as_organizer, event, pair):
    ada, ben = pair
    table = place(event, "Table 1")
    meeting(event, ada, ben, "10:00", "10:30", where=table)

    response = client.post(
        f"{BASE}/places", data={"action": "delete", "place_id": table.id, "confirm": "yes"}
    )

    page = text_of(response)
    assert "Meetings were booked or changed while you were deciding." in page
    assert "This change affects 1 booked meeting" in page
    assert table.retired is False


def test_places_delete_unused_place_at_once(client, as_organizer, event):
    table = place(event, "Table 1")
    table_id = table.id

    response = client.post(f"{BASE}/places", data={"action": "delete", "place_id": table_id})

    assert response.status_code == 302
    assert flashes(client) == ["Place “Table 1” is deleted."]
    assert db.session.get(MeetingPlace, table_id) is None


def test_place_of_other_event_is_404(client, as_organizer, other_event):
    theirs = place(other_event, "Theirs")

    assert client.get(f"{BASE}/places?edit={theirs.id}").status_code == 404
    response = client.post(f"{BASE}/places", data={"action": "delete", "place_id": theirs.id})
    assert response.status_code == 404
    assert theirs.retired is False


def test_places_unknown_action_is_400(client, as_organizer, event):
    assert client.post(f"{BASE}/places", data={"action": "explode"}).status_code == 400


# --- every meeting ------------------------------------------------------------------------------


def test_all_meetings_lists_who_when_where_without_messages(
    client, as_organizer, event, other_event, pair
):
    ada, ben = pair
    table = place(event, "Table 1")
    meeting(event, ada, ben, "10:00", "10:30", where=table, message="Secret plan")
    meeting(event, ben, ada, "11:00", "11:30", status="declined", day=1)
    x, y = (factories.participant(other_event, name=n) for n in ("Xena Other", "Yuri Other"))
    meeting(other_event, x, y, "10:00", "10:30")

    page = text_of(client.get(f"{BASE}/all"))

    assert "Ada Lovelace" in page and "Ben Okafor" in page and "Table 1" in page
    assert "10:00\u202fAM" in page
    assert "Xena Other" not in page
    assert "Secret plan" not in page
    assert "Showing 1\u20132 of 2" in page


def test_all_meetings_filters_by_status_and_day(client, as_organizer, event, pair):
    ada, ben = pair
    meeting(event, ada, ben, "10:00", "10:30", needs_reschedule=True)
    meeting(event, ben, ada, "11:00", "11:30", status="declined", day=1)

    rescheduling = text_of(client.get(f"{BASE}/all?status=reschedule"))
    second_day = text_of(client.get(f"{BASE}/all?day={event.ends_on.isoformat()}"))
    nonsense = text_of(client.get(f"{BASE}/all?status=nope&day=yesterday"))

    assert "Showing 1\u20131 of 1" in rescheduling and "Needs rescheduling" in rescheduling
    assert "11:00\u202fAM" in second_day and "10:00\u202fAM" not in second_day
    assert "Showing 1\u20132 of 2" in nonsense


def test_all_meetings_empty_state(client, as_organizer, event):
    page = text_of(client.get(f"{BASE}/all"))

    assert "No meetings yet" in page
