"""The network after the event, over HTTP: for each phase (live, after, closed), each
closing mode (read_only, hidden) and the directory read-only switch, what every role
keeps: profiles, the directory, the agenda, materials, messaging with contacts and with
people one talked to; and what closes: registrations, meetings, bookmarks, new people.

Time moves by moving the event's dates (``network_phase`` compares them with today in
the event's zone); each scenario leaves days of margin on both sides.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from conference.enums import MeetingStatus, NetworkClosing, NetworkPhase
from conference.extensions import db
from conference.models import (
    Contact,
    Conversation,
    Meeting,
    Message,
    Registration,
    SessionAttendance,
)
from conference.permissions import can, network_phase
from conference.services import materials as material_service
from conference.services import messaging
from tests import factories
from tests.conftest import IDENTITIES
from tests.services.test_materials import pdf_bytes, program_session

PARTICIPANTS = ["attendee", "speaker", "sponsor_staff", "rival_staff", "checkin_staff"]
STRANGERS = ["anonymous", "outsider", "other_participant", "pending"]
PARTICIPANTS_PAGE = "visible to registered participants only"
AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)

#: name -> (days the event ended ago, network_open_days, closing, directory read-only)
SCENARIOS = {
    "live": (None, 30, NetworkClosing.read_only, False),
    "after_open": (5, None, NetworkClosing.read_only, False),
    "after_read_only_directory": (5, 30, NetworkClosing.hidden, True),
    "closed_read_only": (20, 3, NetworkClosing.read_only, False),
    "closed_hidden": (20, 3, NetworkClosing.hidden, False),
}
PHASES = {
    "live": NetworkPhase.live,
    "after_open": NetworkPhase.after,
    "after_read_only_directory": NetworkPhase.after,
    "closed_read_only": NetworkPhase.closed,
    "closed_hidden": NetworkPhase.closed,
}


def move_to(event, scenario: str) -> None:
    """Set ``event``'s dates and network settings for ``scenario``."""
    ended_ago, open_days, closing, read_only = SCENARIOS[scenario]
    if ended_ago is not None:
        event.starts_on = date.today() - timedelta(days=ended_ago + 1)
        event.ends_on = date.today() - timedelta(days=ended_ago)
    event.network_open_days = open_days
    event.network_closing = closing
    event.network_directory_read_only = read_only
    db.session.commit()
    assert network_phase(event) == PHASES[scenario]


def keeps_event_pages(scenario: str, identity: str) -> bool:
    """What the issue promises: participants keep the event's pages until the network
    closes, and after it unless it closed ``hidden``; organizers always; others never."""
    if identity == "organizer":
        return True
    if identity in STRANGERS:
        return False
    return scenario != "closed_hidden"


def connect(a, b, event) -> None:
    """Make ``a`` and ``b`` contacts (both rows), as the contacts service does."""
    for owner, person in ((a, b), (b, a)):
        db.session.add(
            Contact(owner_id=owner.id, person_id=person.id, event_id=event.id, source="request")
        )
    db.session.commit()


def talk(event, sender, recipient, body: str) -> Conversation:
    found = messaging.get_or_create_conversation(sender, event, recipient)
    messaging.send_message(sender, found, client_id=str(uuid4()), body=body)
    db.session.commit()
    return found


def count_messages(conversation: Conversation) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Message)
        .where(Message.conversation_id == conversation.id)
    )


@pytest.fixture
def material(event, speaker):
    talk_session = program_session(event, [speaker], title="Keynote")
    made = material_service.add_file(
        speaker, talk_session, title="Keynote slides", filename="deck.pdf", data=pdf_bytes()
    )
    db.session.commit()
    return made


def fetch(client, url: str):
    response = client.get(url)
    response.get_data()
    response.close()
    return response


# --- the event's pages, per phase and role ---------------------------------------------------


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_event_pages_per_phase_closing_mode_and_role(
    scenario, identity, client, as_identity, event, attendee, speaker, material
):
    move_to(event, scenario)
    me = as_identity(identity)
    pages = {
        "directory": f"/e/{event.slug}/people/",
        "profile": f"/e/{event.slug}/people/{speaker.id}",
        "my agenda": f"/e/{event.slug}/program/mine",
        "material": f"/e/{event.slug}/materials/{material.id}",
    }
    if me is not None and me.id == speaker.id:
        pages["profile"] = f"/e/{event.slug}/people/{attendee.id}"
    allowed = keeps_event_pages(scenario, identity)
    for name, url in pages.items():
        response = fetch(client, url)
        if allowed or (name == "material" and identity == "speaker"):
            assert response.status_code == 200, (name, response.status_code)
        else:
            assert response.status_code == 403, (name, response.status_code)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_new_registrations_close_when_the_event_ends(scenario, client, login, event, outsider):
    move_to(event, scenario)
    login(outsider)
    response = client.get(f"/e/{event.slug}/register")
    if scenario == "live":
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert not can(outsider, "event.register", event)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_bookmarks_stay_open_until_the_network_closes(scenario, client, login, event, attendee):
    session = program_session(event, title="Payments at scale")
    move_to(event, scenario)
    login(attendee)
    response = client.post(
        f"/e/{event.slug}/program/{session.id}/bookmark",
        data={"on": "1"},
        headers={"Accept": "application/json", "X-Requested-With": "fetch"},
    )
    if PHASES[scenario] == NetworkPhase.closed:
        assert response.status_code == 403
    else:
        assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_meetings_are_requested_and_changed_only_while_the_event_runs(
    scenario, event, attendee, speaker
):
    meeting = Meeting(
        event_id=event.id,
        requester_id=attendee.id,
        invitee_id=speaker.id,
        starts_at=AN_HOUR_AGO,
        ends_at=AN_HOUR_AGO + timedelta(minutes=30),
        status=MeetingStatus.pending,
        awaiting_id=speaker.id,
    )
    db.session.add(meeting)
    db.session.commit()
    move_to(event, scenario)
    live = scenario == "live"
    assert can(attendee, "meeting.request", (event, speaker)) is live
    assert can(speaker, "meeting.respond", meeting) is live
    assert can(attendee, "meeting.change", meeting) is live


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_new_contacts_and_suggestions_only_while_networking_is_open(
    scenario, event, attendee, checkin_staff
):
    move_to(event, scenario)
    open_now = scenario in ("live", "after_open")
    assert can(attendee, "contact.request", (event, checkin_staff)) is open_now
    assert can(attendee, "suggestions.view", event) is open_now
    assert can(attendee, "contact.scan", event) is (scenario == "live")


# --- messaging, per phase --------------------------------------------------------------------


@pytest.fixture
def conversations(event, attendee, speaker, sponsor_staff):
    """The attendee talked with the speaker (not contacts) and with the sponsor's staff
    (contacts)."""
    strangers = talk(event, attendee, speaker, "Loved your talk")
    friends = talk(event, attendee, sponsor_staff, "See you at the booth")
    connect(attendee, sponsor_staff, event)
    return strangers, friends


def _inbox_ids(client) -> set[int]:
    html = client.get("/messages/").get_data(as_text=True)
    return {
        int(part.split('"')[0]) for part in html.split('href="/messages/')[1:] if part[0].isdigit()
    }


def _send(client, conversation: Conversation, body: str):
    return client.post(
        f"/messages/{conversation.id}",
        data={"client_id": str(uuid4()), "body": body},
    )


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_contacts_keep_their_conversation_in_every_phase(
    scenario, client, login, event, attendee, conversations
):
    _strangers, friends = conversations
    move_to(event, scenario)
    login(attendee)
    assert client.get(f"/messages/{friends.id}").status_code == 200
    assert friends.id in _inbox_ids(client)
    before = count_messages(friends)
    assert _send(client, friends, "Still in touch").status_code == 302
    assert count_messages(friends) == before + 1


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_people_who_talked_keep_talking_until_the_network_closes(
    scenario, client, login, event, attendee, speaker, conversations
):
    strangers, _friends = conversations
    move_to(event, scenario)
    login(attendee)
    page = client.get(f"/messages/{strangers.id}")
    listed = strangers.id in _inbox_ids(client)
    before = count_messages(strangers)
    _send(client, strangers, "One more thing")
    sent = count_messages(strangers) == before + 1
    if scenario == "closed_hidden":
        assert (page.status_code, listed, sent) == (404, False, False)
    elif scenario == "closed_read_only":
        assert (page.status_code, listed, sent) == (200, True, False)
    else:
        assert (page.status_code, listed, sent) == (200, True, True)


def test_a_conversation_outlives_a_hidden_network_when_another_network_is_shared(
    client, login, event, other_event, attendee, speaker, conversations
):
    strangers, _friends = conversations
    factories.participant(other_event, person=attendee)
    factories.participant(other_event, person=speaker)
    move_to(event, "closed_hidden")
    login(attendee)
    assert client.get(f"/messages/{strangers.id}").status_code == 200
    assert strangers.id in _inbox_ids(client)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_starting_a_conversation_per_phase(
    scenario, client, login, event, attendee, speaker, checkin_staff, rival_staff, conversations
):
    """Someone new (checkin_staff), someone one talked to (speaker), a contact one never
    wrote to (rival_staff)."""
    connect(attendee, rival_staff, event)
    move_to(event, scenario)
    login(attendee)

    def start(person) -> bool:
        response = client.post(f"/e/{event.slug}/people/{person.id}/message")
        return response.status_code == 302 and "/messages/" in response.headers["Location"]

    outcome = (start(checkin_staff), start(speaker), start(rival_staff))
    expected = {
        "live": (True, True, True),
        "after_open": (True, True, True),
        "after_read_only_directory": (False, True, True),
        "closed_read_only": (False, False, True),
        # The event's profiles are gone, but contacts still start talking.
        "closed_hidden": (False, False, True),
    }[scenario]
    assert outcome == expected


# --- wording ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("after_open", "Its network stays open: keep in touch."),
        ("after_read_only_directory", "The directory is read-only"),
        ("closed_read_only", "Everything here is read-only."),
    ],
)
def test_event_pages_show_where_the_network_stands(
    scenario, expected, client, login, event, attendee
):
    move_to(event, scenario)
    login(attendee)
    for url in (f"/e/{event.slug}/", f"/e/{event.slug}/people/", f"/e/{event.slug}/program/"):
        html = client.get(url).get_data(as_text=True)
        assert 'data-network-phase="' in html, url
        assert expected in html, url


def test_banner_is_absent_while_the_event_runs_and_for_strangers(
    client, login, event, attendee, outsider
):
    login(attendee)
    assert "data-network-phase" not in client.get(f"/e/{event.slug}/").get_data(as_text=True)
    move_to(event, "after_open")
    login(outsider)
    assert "data-network-phase" not in client.get(f"/e/{event.slug}/").get_data(as_text=True)


def test_banner_says_until_when_the_network_stays_open(client, login, event, attendee):
    move_to(event, "after_read_only_directory")
    login(attendee)
    html = client.get(f"/e/{event.slug}/").get_data(as_text=True)
    last_day = event.ends_on + timedelta(days=30)
    assert f"stays open until {last_day.strftime('%B')} {last_day.day}, {last_day.year}" in html


def test_closed_hidden_network_tells_participants_what_they_keep(client, login, event, attendee):
    move_to(event, "closed_hidden")
    login(attendee)
    response = client.get(f"/e/{event.slug}/people/")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "network closed on" in html
    assert "You keep your contacts and your conversations with them." in html
    assert PARTICIPANTS_PAGE not in html
    assert 'href="/messages/"' in html


def test_organizer_sees_a_hidden_closed_network_with_a_note(client, login, event, organizer):
    move_to(event, "closed_hidden")
    login(organizer)
    html = client.get(f"/e/{event.slug}/people/").get_data(as_text=True)
    assert "Participants no longer see the event&#39;s pages; you still do." in html


@pytest.mark.parametrize("identity", ["anonymous", "outsider"])
def test_participants_page_of_an_ended_event_offers_no_registration(
    identity, client, as_identity, event
):
    move_to(event, "after_open")
    as_identity(identity)
    response = client.get(f"/e/{event.slug}/people/")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert PARTICIPANTS_PAGE in html
    assert "registration is closed" in html
    assert f'href="/e/{event.slug}/register"' not in html


def test_participants_page_of_a_running_event_still_offers_registration(client, event):
    html = client.get(f"/e/{event.slug}/people/").get_data(as_text=True)
    assert f'href="/e/{event.slug}/register"' in html


# --- My events ----------------------------------------------------------------------------------


def test_my_events_lists_past_events_with_what_i_did_there(
    client, login, event, other_event, attendee, speaker, sponsor_staff, checkin_staff
):
    keynote = program_session(event, title="Opening keynote")
    skipped = program_session(event, title="Skipped panel")
    registration = factories.registration_of(event, attendee)
    db.session.add(
        SessionAttendance(session_id=keynote.id, registration_id=registration.id, event_id=event.id)
    )
    held = Meeting(
        event_id=event.id,
        requester_id=attendee.id,
        invitee_id=speaker.id,
        starts_at=AN_HOUR_AGO,
        ends_at=AN_HOUR_AGO + timedelta(minutes=30),
        status=MeetingStatus.accepted,
    )
    declined = Meeting(
        event_id=event.id,
        requester_id=checkin_staff.id,
        invitee_id=attendee.id,
        starts_at=AN_HOUR_AGO,
        ends_at=AN_HOUR_AGO + timedelta(minutes=30),
        status=MeetingStatus.declined,
    )
    db.session.add_all([held, declined])
    db.session.commit()
    connect(attendee, sponsor_staff, event)
    factories.participant(other_event, person=attendee)
    move_to(event, "after_read_only_directory")
    assert db.session.get(Registration, registration.id) is not None
    login(attendee)
    html = client.get("/me/events").get_data(as_text=True)
    upcoming, past = html.split('id="past-title"')
    assert other_event.name in upcoming and event.name not in upcoming
    assert event.name in past
    assert "1 session attended" in past and "Opening keynote" in past
    assert skipped.title not in past
    assert "1 person met" in past and speaker.display_name in past
    assert checkin_staff.display_name not in past
    assert "1 contact made here" in past and sponsor_staff.display_name in past
    last_day = event.ends_on + timedelta(days=30)
    assert f"Network open until {last_day.strftime('%B')} {last_day.day}" in past
    assert f'href="/e/{event.slug}/program/mine"' in past


def test_my_events_past_event_without_activity_says_so(client, login, event, attendee):
    move_to(event, "closed_hidden")
    login(attendee)
    past = client.get("/me/events").get_data(as_text=True).split('id="past-title"')[1]
    assert "No sessions attended, meetings held or contacts made here." in past
    assert "Network closed on" in past
    assert f'href="/e/{event.slug}/people/"' not in past


def test_my_events_needs_a_login(client):
    response = client.get("/me/events")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- what is history once the event is over -------------------------------------------------


@pytest.mark.parametrize("scenario", ["after_open", "closed_read_only"])
def test_a_held_meeting_cannot_be_cancelled_after_the_event(scenario, event, attendee, speaker):
    held = Meeting(
        event_id=event.id,
        requester_id=attendee.id,
        invitee_id=speaker.id,
        starts_at=AN_HOUR_AGO,
        ends_at=AN_HOUR_AGO + timedelta(minutes=30),
        status=MeetingStatus.accepted,
    )
    db.session.add(held)
    db.session.commit()
    move_to(event, scenario)
    assert not can(attendee, "meeting.cancel", held)


def test_speakers_add_no_materials_once_the_network_closed_read_only(event, speaker):
    keynote = program_session(event, [speaker], title="Keynote")
    move_to(event, "closed_read_only")
    assert not can(speaker, "material.upload", keynote)
    assert can(factories.organizer(event), "material.upload", keynote)


@pytest.mark.parametrize("scenario", ["after_open", "closed_read_only"])
def test_registrations_are_history_after_the_event(scenario, event, attendee):
    registration = factories.registration_of(event, attendee)
    move_to(event, scenario)
    assert not can(attendee, "registration.cancel", registration)


def test_contacts_keep_each_others_photos_after_a_hidden_close(event, attendee, speaker, outsider):
    connect(attendee, speaker, event)
    move_to(event, "closed_hidden")
    assert can(attendee, "photo.view", speaker)
    factories.participant(event, person=outsider)
    assert not can(outsider, "photo.view", speaker)
