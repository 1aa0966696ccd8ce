"""Meeting pages: my meetings, requesting from a profile, a meeting's page and its
answers (accept, decline, propose, reschedule, cancel), for every identity of the
permission matrix; the profile's button and the navigation badge."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from conference.enums import MeetingStatus
from conference.extensions import db
from conference.models import Block, Meeting
from conference.services import meetings as service
from tests import factories
from tests import program_helpers as program
from tests.conftest import IDENTITIES
from tests.queries import count_queries
from tests.services.test_meetings import add_place, bookmark, meeting_row, set_hours

PARTICIPANTS_ONLY = "participants-only"
#: How English times end ("9:30 AM", with a narrow no-break space).
AM, PM = "\u202fAM", "\u202fPM"
LOGIN = "login"


@pytest.fixture
def booth(event):
    set_hours(event, 0, "09:00", "11:00")
    set_hours(event, 1, "14:00", "15:00")
    return add_place(event, "Table 1", capacity=1), add_place(event, "Lounge")


@pytest.fixture
def meeting(event, booth, attendee, speaker) -> Meeting:
    """The attendee asked the speaker for 09:30 at Table 1; the speaker has not answered."""
    made = service.request_meeting(
        attendee, event, speaker, program.at(event, 0, "09:30"), booth[0].id, "Payments chat?"
    )
    db.session.commit()
    return made


def check(response, want) -> str:
    body = response.get_data(as_text=True)
    if want == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif want == PARTICIPANTS_ONLY:
        assert response.status_code == 403
        assert "visible to registered participants only" in body
    else:
        assert response.status_code == want
    return body


def _badge(html: str) -> str | None:
    """The number on the navigation's Meetings badge, or None when it is hidden."""
    match = re.search(r"data-meetings-badge data-event-slug=\"[^\"]+\"( hidden)?>"
                      r"<span data-meetings-count>([^<]*)<", html)  # fmt: skip
    assert match is not None
    return None if match.group(1) else match.group(2)


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


OUTSIDE = {"outsider": PARTICIPANTS_ONLY, "other_participant": PARTICIPANTS_ONLY}
OUTSIDE["pending"] = PARTICIPANTS_ONLY


# --- my meetings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "want"),
    list(
        {
            "anonymous": LOGIN,
            **OUTSIDE,
            "attendee": 200,
            "speaker": 200,
            "sponsor_staff": 200,
            "organizer": 200,
        }.items()
    ),
)
def test_my_meetings_answers_each_identity(client, as_identity, event, identity, want):
    as_identity(identity)

    check(client.get("/e/northwind/meetings/"), want)


def test_my_meetings_groups_what_waits_for_me_and_for_them(
    client, login, event, booth, meeting, attendee, speaker
):
    third = factories.participant(event, "Tia Third")
    meeting_row(event, third, speaker, "10:30", status=MeetingStatus.pending)
    meeting_row(event, speaker, third, "14:00", day=1, place=booth[1])
    meeting_row(event, third, speaker, "10:00", status=MeetingStatus.declined)
    login(speaker)

    body = check(client.get("/e/northwind/meetings/"), 200)

    sections = re.findall(r'<h2 class="h5 mb-0" id="([a-z-]+)">', body)
    assert sections == ["awaiting-me", "upcoming"]
    assert body.index("Anna Attendee") < body.index("Tia Third")
    assert body.count('action="/e/northwind/meetings/') == 2
    assert "Past, declined and cancelled" in body
    assert _badge(body) == "2"


def test_my_meetings_shows_a_way_to_find_people_when_empty(client, login, event, attendee):
    login(attendee)

    body = check(client.get("/e/northwind/meetings/"), 200)

    assert "No meetings yet" in body
    assert 'href="/e/northwind/people/"' in body


def test_meeting_pages_are_gone_when_the_organizers_switch_meetings_off(
    client, login, event, meeting, attendee, outsider
):
    event.meetings_enabled = False
    db.session.commit()
    login(attendee)

    codes = [
        client.get(url).status_code
        for url in (
            "/e/northwind/meetings/",
            f"/e/northwind/meetings/{meeting.id}",
            "/e/northwind/people/" + str(attendee.id),
        )
    ]

    assert codes == [404, 404, 200]
    assert 'href="/e/northwind/meetings/"' not in client.get("/e/northwind/people/").get_data(
        as_text=True
    )


# --- requesting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "want"),
    list(
        {
            "anonymous": LOGIN,
            **OUTSIDE,
            "attendee": 302,
            "speaker": 200,
            "sponsor_staff": 200,
            "organizer": 200,
        }.items()
    ),
)
def test_request_page_answers_each_identity(
    client, as_identity, event, booth, attendee, identity, want
):
    as_identity(identity)

    check(client.get(f"/e/northwind/meetings/new/{attendee.id}"), want)


def test_request_page_of_an_unknown_or_hidden_person_is_not_found(
    client, login, event, attendee, outsider, pending
):
    login(attendee)

    codes = [
        client.get(f"/e/northwind/meetings/new/{user_id}").status_code
        for user_id in (2_000_000_000, outsider.id, pending.id)
    ]

    assert codes == [404, 404, 404]


def test_request_page_offers_the_free_slots_of_the_chosen_day(
    client, login, event, booth, attendee, speaker
):
    bookmark(speaker, program.session(event, "Keynote", "09:00", "10:00"))
    login(attendee)

    first = check(client.get(f"/e/northwind/meetings/new/{speaker.id}"), 200)
    second = check(
        client.get(f"/e/northwind/meetings/new/{speaker.id}?day={event.ends_on.isoformat()}"), 200
    )

    assert re.findall(r'class="btn btn-outline-primary slot-button[^"]*"[^>]*>([^<]+)<', first) == [
        f"10:00{AM}\u201310:30{AM}",
        f"10:30{AM}\u201311:00{AM}",
    ]
    assert re.findall(r"<small>([^<]+)</small>", first)[:2] == ["2 free", "2 free"]
    assert 'data-places="' in first
    assert f"2:00{PM}\u20132:30{PM}" in second and f"10:00{AM}" not in second
    assert 'name="message"' in first


def test_request_page_says_when_a_day_has_nothing_free(
    client, login, event, booth, attendee, speaker
):
    bookmark(speaker, program.session(event, "All day", "09:00", "11:00"))
    login(attendee)

    body = check(client.get(f"/e/northwind/meetings/new/{speaker.id}"), 200)

    assert "Nothing free" in body
    assert "No time is free for both of you on this day" not in body  # the second day is chosen
    body = check(
        client.get(f"/e/northwind/meetings/new/{speaker.id}?day={event.starts_on.isoformat()}"),
        200,
    )
    assert "No time is free for both of you on this day. Choose another day." in body
    assert 'name="message"' not in body


def test_request_page_says_when_there_are_no_meeting_hours(client, login, event, attendee, speaker):
    login(attendee)

    body = check(client.get(f"/e/northwind/meetings/new/{speaker.id}"), 200)

    assert "The organizers have not set meeting hours yet." in body


def test_sending_a_request_creates_it_and_opens_the_meeting(
    client, login, event, booth, attendee, speaker, outbox
):
    login(attendee)
    slot = service.slot_key(program.at(event, 0, "10:00"))

    response = client.post(
        f"/e/northwind/meetings/new/{speaker.id}",
        data={
            "day": event.starts_on.isoformat(),
            "slot": slot,
            "place": booth[1].id,
            "message": "About payments",
        },
    )

    made = db.session.scalar(sa.select(Meeting))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/e/northwind/meetings/{made.id}"
    assert (made.requester_id, made.invitee_id, made.place_id, made.message) == (
        attendee.id,
        speaker.id,
        booth[1].id,
        "About payments",
    )
    assert flashes(client) == ["Your request is on its way to Sam Speaker."]
    assert [m["To"] for m in outbox.messages] == [speaker.email]


def test_sending_a_request_for_a_taken_slot_keeps_what_was_typed(
    client, login, event, booth, attendee, speaker
):
    third = factories.participant(event, "Tia Third")
    meeting_row(event, speaker, third, "10:00")
    login(attendee)

    response = client.post(
        f"/e/northwind/meetings/new/{speaker.id}",
        data={
            "day": event.starts_on.isoformat(),
            "slot": service.slot_key(program.at(event, 0, "10:00")),
            "place": booth[1].id,
            "message": "Typed with care",
        },
    )

    body = check(response, 200)
    assert "This time is no longer free for both of you. Choose another one." in body
    assert "Typed with care" in body
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 1


def test_sending_a_request_without_a_time_says_so(client, login, event, booth, attendee, speaker):
    login(attendee)

    response = client.post(
        f"/e/northwind/meetings/new/{speaker.id}",
        data={"day": event.starts_on.isoformat(), "place": booth[1].id},
    )

    assert "Choose a time." in check(response, 200)


def test_requesting_from_someone_who_blocked_me_goes_back_to_the_profile(
    client, login, event, booth, attendee, speaker
):
    db.session.add(Block(blocker_id=speaker.id, blocked_id=attendee.id))
    db.session.commit()
    login(attendee)

    response = client.get(f"/e/northwind/meetings/new/{speaker.id}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/e/northwind/people/{speaker.id}"
    assert flashes(client) == ["You can't request a meeting with Sam Speaker."]


def test_profile_offers_a_meeting_request_to_other_participants_only(
    client, login, event, attendee, speaker
):
    login(attendee)

    theirs = client.get(f"/e/northwind/people/{speaker.id}").get_data(as_text=True)
    mine = client.get(f"/e/northwind/people/{attendee.id}").get_data(as_text=True)

    assert f'href="/e/northwind/meetings/new/{speaker.id}"' in theirs
    assert "Request a meeting" not in mine


# --- a meeting ---------------------------------------------------------------------------------

MEETING_PAGE = {
    "anonymous": LOGIN,
    **OUTSIDE,
    "attendee": 200,
    "speaker": 200,
    "sponsor_staff": 404,
    "organizer": 200,
}


@pytest.mark.parametrize(("identity", "want"), list(MEETING_PAGE.items()))
def test_meeting_page_answers_each_identity(client, as_identity, meeting, identity, want):
    as_identity(identity)

    check(client.get(f"/e/northwind/meetings/{meeting.id}"), want)


def test_meeting_page_of_another_event_or_unknown_is_not_found(
    client, login, event, other_event, meeting, attendee
):
    factories.participant(other_event, person=attendee)
    login(attendee)

    codes = [
        client.get(f"/e/other-conf/meetings/{meeting.id}").status_code,
        client.get("/e/northwind/meetings/2000000000").status_code,
    ]

    assert codes == [404, 404]


def test_meeting_page_shows_the_awaited_person_their_answers(client, login, meeting, speaker):
    login(speaker)

    body = check(client.get(f"/e/northwind/meetings/{meeting.id}"), 200)

    assert "Anna Attendee asks to meet you at this time. Does it suit you?" in body
    assert "Payments chat?" in body
    assert f'action="/e/northwind/meetings/{meeting.id}/accept"' in body
    assert f'action="/e/northwind/meetings/{meeting.id}/decline"' in body
    assert f'href="/e/northwind/meetings/{meeting.id}/change">Propose another time' in body
    assert f'href="/e/northwind/meetings/{meeting.id}.ics"' in body
    assert "Table 1" in body


def test_meeting_page_shows_the_requester_withdraw_and_reschedule(client, login, meeting, attendee):
    login(attendee)

    body = check(client.get(f"/e/northwind/meetings/{meeting.id}"), 200)

    assert "Waiting for Sam Speaker to answer." in body
    assert f'action="/e/northwind/meetings/{meeting.id}/accept"' not in body
    assert f'href="/e/northwind/meetings/{meeting.id}/change">Reschedule' in body
    assert "Withdraw the request" in body


def test_meeting_page_shows_organizers_both_people_without_actions(
    client, login, meeting, organizer
):
    login(organizer)

    body = check(client.get(f"/e/northwind/meetings/{meeting.id}"), 200)

    assert "Anna Attendee and Sam Speaker" in body
    assert "/accept" not in body and "/cancel" not in body


# --- answering -----------------------------------------------------------------------------------

ACCEPT = {
    "anonymous": LOGIN,
    **OUTSIDE,
    "attendee": 302,
    "speaker": 302,
    "sponsor_staff": 404,
    "organizer": 302,
}


@pytest.mark.parametrize(("identity", "want"), list(ACCEPT.items()))
def test_accept_is_for_the_awaited_person_only(client, as_identity, meeting, identity, want):
    as_identity(identity)

    check(client.post(f"/e/northwind/meetings/{meeting.id}/accept"), want)

    db.session.refresh(meeting)
    assert meeting.status == (
        MeetingStatus.accepted if identity == "speaker" else MeetingStatus.pending
    )


def test_accept_confirms_and_says_so(client, login, meeting, speaker, outbox):
    login(speaker)

    response = client.post(f"/e/northwind/meetings/{meeting.id}/accept")

    assert response.headers["Location"] == f"/e/northwind/meetings/{meeting.id}"
    assert flashes(client) == ["The meeting is confirmed. It is in your agenda."]
    assert len(outbox.messages) == 2


def test_accept_from_my_meetings_goes_back_there(client, login, meeting, speaker):
    login(speaker)

    response = client.post(
        f"/e/northwind/meetings/{meeting.id}/accept", data={"next": "/e/northwind/meetings/"}
    )

    assert response.headers["Location"] == "/e/northwind/meetings/"


def test_a_refused_answer_is_shown_and_changes_nothing(client, login, event, meeting, speaker):
    third = factories.participant(event, "Tia Third")
    meeting_row(event, third, speaker, "09:30")
    login(speaker)

    client.post(f"/e/northwind/meetings/{meeting.id}/accept")

    db.session.refresh(meeting)
    assert meeting.status == MeetingStatus.pending
    assert flashes(client) == [
        "One of you already has a meeting at this time. Propose another time instead."
    ]


def test_decline_with_a_note(client, login, meeting, speaker, attendee, outbox):
    login(speaker)

    client.post(f"/e/northwind/meetings/{meeting.id}/decline", data={"note": "Too busy"})

    db.session.refresh(meeting)
    assert (meeting.status, meeting.note) == (MeetingStatus.declined, "Too busy")
    assert flashes(client) == ["You declined the request."]
    assert [m["To"] for m in outbox.messages] == [attendee.email]


def test_decline_with_a_note_too_long_is_refused(client, login, meeting, speaker):
    login(speaker)

    client.post(f"/e/northwind/meetings/{meeting.id}/decline", data={"note": "x" * 501})

    db.session.refresh(meeting)
    assert meeting.status == MeetingStatus.pending
    assert flashes(client) == ["At most 500 characters, please."]


CANCEL = {
    "anonymous": LOGIN,
    **OUTSIDE,
    "attendee": 302,
    "speaker": 302,
    "sponsor_staff": 404,
    "organizer": 302,
}


@pytest.mark.parametrize(("identity", "want"), list(CANCEL.items()))
def test_cancel_is_for_the_two_people(client, as_identity, meeting, identity, want):
    as_identity(identity)

    check(client.post(f"/e/northwind/meetings/{meeting.id}/cancel", data={"note": "Sorry"}), want)

    db.session.refresh(meeting)
    assert meeting.status == (
        MeetingStatus.cancelled if identity in ("attendee", "speaker") else MeetingStatus.pending
    )


# --- proposing and rescheduling --------------------------------------------------------------

CHANGE = {
    "anonymous": LOGIN,
    **OUTSIDE,
    "attendee": 200,
    "speaker": 200,
    "sponsor_staff": 404,
    "organizer": 302,
}


@pytest.mark.parametrize(("identity", "want"), list(CHANGE.items()))
def test_change_page_answers_each_identity(client, as_identity, meeting, identity, want):
    as_identity(identity)

    check(client.get(f"/e/northwind/meetings/{meeting.id}/change"), want)


def test_change_page_offers_the_current_slot_too(client, login, event, meeting, speaker):
    login(speaker)

    body = check(client.get(f"/e/northwind/meetings/{meeting.id}/change"), 200)

    assert "Propose another time" in body
    assert f"9:30{AM}\u201310:00{AM}" in body
    assert 'name="note"' in body


def test_proposing_another_time_turns_the_request_around(
    client, login, event, booth, meeting, attendee, speaker
):
    login(speaker)

    response = client.post(
        f"/e/northwind/meetings/{meeting.id}/change",
        data={
            "day": event.ends_on.isoformat(),
            "slot": service.slot_key(program.at(event, 1, "14:00")),
            "place": booth[1].id,
            "note": "Day two is calmer",
        },
    )

    assert response.headers["Location"] == f"/e/northwind/meetings/{meeting.id}"
    db.session.refresh(meeting)
    assert (meeting.awaiting_id, meeting.starts_at, meeting.note, meeting.sequence) == (
        attendee.id,
        program.at(event, 1, "14:00"),
        "Day two is calmer",
        1,
    )
    assert flashes(client) == ["Anna Attendee is asked to confirm the new time."]


def test_rescheduling_a_confirmed_meeting_asks_again(
    client, login, event, booth, meeting, attendee, speaker
):
    service.accept(speaker, meeting)
    db.session.commit()
    login(attendee)

    client.post(
        f"/e/northwind/meetings/{meeting.id}/change",
        data={
            "day": event.starts_on.isoformat(),
            "slot": service.slot_key(program.at(event, 0, "10:30")),
            "place": booth[0].id,
        },
    )

    db.session.refresh(meeting)
    assert (meeting.status, meeting.awaiting_id, meeting.starts_at) == (
        MeetingStatus.pending,
        speaker.id,
        program.at(event, 0, "10:30"),
    )


def test_moving_to_a_full_place_is_refused_next_to_the_place(
    client, login, event, booth, meeting, speaker
):
    pair = [factories.participant(event, f"P{n}") for n in range(2)]
    meeting_row(event, pair[0], pair[1], "10:30", place=booth[0])
    login(speaker)

    response = client.post(
        f"/e/northwind/meetings/{meeting.id}/change",
        data={
            "day": event.starts_on.isoformat(),
            "slot": service.slot_key(program.at(event, 0, "10:30")),
            "place": booth[0].id,
        },
    )

    body = check(response, 200)
    full = "Table 1 is fully booked at that time. Choose another place or time."
    assert re.search(rf'id="place-errors"[^>]*>{re.escape(full)}<', body)


def test_a_declined_meeting_can_no_longer_be_moved(client, login, meeting, attendee, speaker):
    service.decline(speaker, meeting)
    db.session.commit()
    login(attendee)

    response = client.get(f"/e/northwind/meetings/{meeting.id}/change")

    assert response.headers["Location"] == f"/e/northwind/meetings/{meeting.id}"
    assert flashes(client) == ["This meeting can no longer be changed."]


# --- the navigation ------------------------------------------------------------------------------


def test_navigation_counts_requests_awaiting_me_in_this_event(
    client, login, event, meeting, attendee, speaker
):
    login(speaker)
    awaited = client.get("/e/northwind/people/").get_data(as_text=True)
    client.post("/logout")
    login(attendee)
    asking = client.get("/e/northwind/people/").get_data(as_text=True)

    assert (_badge(awaited), _badge(asking)) == ("1", None)
    assert 'href="/e/northwind/meetings/"' in awaited


@pytest.mark.parametrize("identity", IDENTITIES)
def test_navigation_shows_meetings_to_participants_only(client, as_identity, event, identity):
    as_identity(identity)

    body = client.get("/e/northwind/").get_data(as_text=True)

    shown = 'href="/e/northwind/meetings/"' in body
    assert shown == (
        identity
        in ("attendee", "speaker", "sponsor_staff", "rival_staff", "checkin_staff", "organizer")
    )


def test_request_page_names_the_zone_on_the_day_the_clocks_go_back(
    app, client, login, attendee, speaker, monkeypatch
):
    event = factories.event(slug="autumn", starts_on=date(2026, 10, 25), ends_on=date(2026, 10, 25))
    for person in (attendee, speaker):
        factories.participant(event, person=person)
    set_hours(event, 0, "01:30", "03:00")
    add_place(event, "Lobby")
    monkeypatch.setitem(app.config, "CLOCK", lambda: datetime(2026, 10, 1, tzinfo=UTC))
    login(attendee)

    body = check(client.get(f"/e/autumn/meetings/new/{speaker.id}"), 200)

    labels = re.findall(r'class="btn btn-outline-primary slot-button[^"]*"[^>]*>([^<]+)<', body)
    assert labels == [
        f"1:30{AM}\u20132:00{AM} CEST",
        f"2:00{AM}\u20132:30{AM} CEST",
        f"2:30{AM} CEST\u20132:00{AM} CET",
        f"2:00{AM}\u20132:30{AM} CET",
        f"2:30{AM}\u20133:00{AM} CET",
    ]


def test_my_meetings_runs_the_same_queries_for_few_or_many(client, login, event, booth, attendee):
    login(attendee)
    first = factories.participant(event, "First")
    # A request waiting for the attendee: the page then also asks which of those come
    # from sponsors' staff (one query, for any number of requests).
    meeting_row(event, first, attendee, "09:00", place=booth[1], status=MeetingStatus.pending)
    few = count_queries(client, "/e/northwind/meetings/")
    for n in range(12):
        other = factories.participant(event, f"Other {n:02d}")
        status = [MeetingStatus.accepted, MeetingStatus.pending, MeetingStatus.cancelled][n % 3]
        meeting_row(event, other, attendee, "10:00", day=n % 2, place=booth[n % 2], status=status)

    many = count_queries(client, "/e/northwind/meetings/")

    assert few == many
