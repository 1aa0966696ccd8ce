"""Contacts over HTTP: my contacts (search, note and tags, exports, removal), requests,
Connect on a profile, the badge scanner, and the two settings on the profile form; each
against anonymous visitors, other events' participants and people of the event."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import vobject

from conference.enums import ContactRequestStatus, ContactSource, NetworkClosing, NetworkPhase
from conference.extensions import db
from conference.models import Contact, ContactRequest, Conversation, Event, Notification
from conference.permissions import network_phase
from conference.services import connections, messaging
from tests import factories
from tests.conftest import IDENTITIES


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _pairs() -> set[tuple[int, int]]:
    return {(c.owner_id, c.person_id) for c in db.session.scalars(sa.select(Contact))}


@pytest.fixture
def bob(event):
    return factories.participant(event, name="Bob Builder", company="Buildco")


@pytest.fixture
def connected(event, attendee, bob):
    """Anna and Bob are contacts; Anna wrote a note and a tag."""
    connections.connect(attendee, bob, event, ContactSource.request)
    db.session.commit()
    connections.update_contact(
        attendee, connections.contact_of(attendee, bob.id), "Wants a demo", ["investor"]
    )
    db.session.commit()
    return bob


# --- my contacts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/me/contacts", "/me/contacts/requests", "/me/contacts.vcf", "/me/contacts.csv"]
)
def test_own_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_my_contacts_lists_mine_with_event_note_tags_and_email(
    client, login, attendee, connected, event
):
    login(attendee)
    page = client.get("/me/contacts").get_data(as_text=True)

    assert "Bob Builder" in page
    assert connected.email in page
    assert "Met at Northwind Summit" in page
    assert "Wants a demo" in page
    assert "investor" in page
    assert "ends the contact for both of you" in page


def test_nobody_else_sees_my_contacts_or_notes(client, login, outsider, connected, speaker):
    for person in (outsider, speaker):
        login(person)
        page = client.get("/me/contacts").get_data(as_text=True)
        assert "Bob Builder" not in page
        assert "Wants a demo" not in page
        assert "No contacts yet" in page


def test_my_contacts_search_and_tag_filter(client, login, event, attendee, connected):
    carla = factories.participant(event, name="Carla Chen")
    connections.connect(attendee, carla, event, ContactSource.request)
    db.session.commit()
    login(attendee)

    found = client.get("/me/contacts?q=demo").get_data(as_text=True)
    tagged = client.get("/me/contacts?tag=INVESTOR").get_data(as_text=True)
    neither = client.get("/me/contacts?q=nobody").get_data(as_text=True)

    assert "Bob Builder" in found and "Carla Chen" not in found
    assert "Bob Builder" in tagged and "Carla Chen" not in tagged
    assert "No contact matches" in neither


def test_note_and_tags_saved_by_json(client, login, attendee, connected):
    login(attendee)
    response = post_json(
        client, f"/me/contacts/{connected.id}", {"note": " Call in May ", "tags": ["Lead", "lead"]}
    )

    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "note": "Call in May", "tags": ["Lead"]}
    contact = connections.contact_of(attendee, connected.id)
    assert (contact.note, contact.tags) == ("Call in May", ["Lead"])
    assert connections.contact_of(connected, attendee.id).note == ""


def test_note_and_tags_saved_by_the_form(client, login, attendee, connected):
    login(attendee)
    response = client.post(
        f"/me/contacts/{connected.id}",
        data={"note": "Met twice", "tags": "partner, vip ,", "next": "/me/contacts?q=bob"},
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/me/contacts?q=bob")
    contact = connections.contact_of(attendee, connected.id)
    assert (contact.note, contact.tags) == ("Met twice", ["partner", "vip"])


def test_a_refused_note_comes_back_as_json(client, login, attendee, connected):
    login(attendee)
    response = post_json(
        client, f"/me/contacts/{connected.id}", {"note": "", "tags": [f"t{i}" for i in range(30)]}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "too_many_tags"


@pytest.mark.parametrize("tail", ["", "/remove", "/message", ".vcf"])
def test_someone_elses_contact_is_not_found(client, login, speaker, attendee, connected, tail):
    """The speaker has no contact with Bob: Anna's row is not reachable through them."""
    login(speaker)
    if tail == ".vcf":
        response = client.get(f"/me/contacts/{connected.id}.vcf")
    else:
        response = client.post(f"/me/contacts/{connected.id}{tail}", data={"note": "x"})
    assert response.status_code == 404
    assert connections.contact_of(attendee, connected.id).note == "Wants a demo"
    assert db.session.scalars(sa.select(Conversation)).all() == []


def test_removing_ends_it_for_both(client, login, attendee, connected):
    login(attendee)
    response = client.post(f"/me/contacts/{connected.id}/remove")

    assert response.status_code == 302
    assert _pairs() == set()


def test_vcard_of_one_contact(client, login, attendee, connected):
    login(attendee)
    response = client.get(f"/me/contacts/{connected.id}.vcf")

    assert response.status_code == 200
    assert response.mimetype == "text/vcard"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'filename="Bob Builder.vcf"' in response.headers["Content-Disposition"]
    card = vobject.readOne(response.get_data(as_text=True))
    assert (card.fn.value, card.email.value, card.note.value) == (
        "Bob Builder",
        connected.email,
        "Wants a demo",
    )


def test_exports_of_all_contacts(client, login, attendee, connected):
    login(attendee)
    cards = client.get("/me/contacts.vcf")
    table = client.get("/me/contacts.csv")

    assert [c.fn.value for c in vobject.readComponents(cards.get_data(as_text=True))] == [
        "Bob Builder"
    ]
    assert table.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(table.get_data().decode("utf-8-sig"))))
    assert [row[:2] for row in rows[1:]] == [["Bob Builder", connected.email]]


# --- writing to a contact ----------------------------------------------------------------------


def _close_hidden(event) -> None:
    """The event ended long ago and its network closed, taking its pages away."""
    event.starts_on = date.today() - timedelta(days=21)
    event.ends_on = date.today() - timedelta(days=20)
    event.network_open_days = 3
    event.network_closing = NetworkClosing.hidden
    db.session.commit()
    assert network_phase(event) == NetworkPhase.closed


def _conversations() -> list[Conversation]:
    return db.session.scalars(sa.select(Conversation)).all()


def test_message_a_contact_after_the_network_closed_hidden(
    client, login, event, attendee, connected
):
    _close_hidden(event)
    login(attendee)
    action = f"/me/contacts/{connected.id}/message"
    assert action in client.get("/me/contacts").get_data(as_text=True)

    response = client.post(action)

    [conversation] = _conversations()
    assert {conversation.user_low_id, conversation.user_high_id} == {attendee.id, connected.id}
    assert conversation.event_id == event.id
    assert response.status_code == 302
    assert response.headers["Location"] == f"/messages/{conversation.id}"
    assert client.get(f"/messages/{conversation.id}").status_code == 200
    # From now on the button opens that conversation, and pressing it again starts no other.
    page = client.get("/me/contacts").get_data(as_text=True)
    assert f'href="/messages/{conversation.id}"' in page
    assert action not in page
    assert client.post(action).headers["Location"] == f"/messages/{conversation.id}"
    assert len(_conversations()) == 1


def test_message_is_offered_only_when_allowed(client, login, event, attendee, connected):
    messaging.block(connected, attendee)
    db.session.commit()
    login(attendee)
    action = f"/me/contacts/{connected.id}/message"

    assert action not in client.get("/me/contacts").get_data(as_text=True)
    response = client.post(action)

    assert response.status_code == 302
    assert response.headers["Location"] == "/me/contacts"
    assert _conversations() == []


@pytest.mark.parametrize("talked", [True, False])
def test_message_a_contact_whose_event_was_deleted(
    client, login, event, attendee, connected, talked
):
    talk = messaging.get_or_create_conversation(attendee, event, connected) if talked else None
    db.session.execute(sa.delete(Event).where(Event.id == event.id))
    db.session.commit()
    db.session.expire_all()
    assert connections.contact_of(attendee, connected.id).event_id is None
    login(attendee)
    action = f"/me/contacts/{connected.id}/message"
    page = client.get("/me/contacts").get_data(as_text=True)

    if talked:
        assert f'href="/messages/{talk.id}"' in page
        assert client.post(action).headers["Location"] == f"/messages/{talk.id}"
    else:
        # A conversation is started from an event; this one is gone (see the report).
        assert action not in page and ">Message<" not in page
        assert client.post(action).headers["Location"] == "/me/contacts"
        assert _conversations() == []


# --- requests ---------------------------------------------------------------------------------


@pytest.fixture
def asked(event, attendee, bob):
    request = connections.request_contact(attendee, bob, event, "Coffee?").request
    db.session.commit()
    return request


def test_requests_page_shows_received_and_sent(client, login, attendee, bob, asked):
    login(bob)
    received = client.get("/me/contacts/requests").get_data(as_text=True)
    login(attendee)
    sent = client.get("/me/contacts/requests").get_data(as_text=True)

    assert "Anna Attendee" in received and "“Coffee?”" in received
    assert f"/me/contacts/requests/{asked.id}/accept" in received
    assert "each other's email address" in received
    assert "Bob Builder" in sent
    assert f"/me/contacts/requests/{asked.id}/withdraw" in sent
    assert f"/me/contacts/requests/{asked.id}/accept" not in sent


def test_the_request_notification_opens_the_requests_page(client, login, bob, asked):
    [note] = db.session.scalars(sa.select(Notification).where(Notification.user_id == bob.id))
    login(bob)
    response = client.post(f"/me/notifications/{note.id}/open")

    assert response.status_code == 302
    assert response.headers["Location"] == "/me/contacts/requests"


def test_accept_from_the_requests_page(client, login, attendee, bob, asked):
    login(bob)
    response = client.post(f"/me/contacts/requests/{asked.id}/accept")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/me/contacts/requests")
    assert _pairs() == {(attendee.id, bob.id), (bob.id, attendee.id)}


def test_decline_and_withdraw(client, login, event, attendee, bob, speaker, asked):
    login(bob)
    client.post(f"/me/contacts/requests/{asked.id}/decline")
    assert asked.status == ContactRequestStatus.declined

    other = connections.request_contact(speaker, attendee, event).request
    db.session.commit()
    login(speaker)
    client.post(f"/me/contacts/requests/{other.id}/withdraw")
    assert other.status == ContactRequestStatus.withdrawn
    assert _pairs() == set()


@pytest.mark.parametrize("action", ["accept", "decline", "withdraw"])
def test_a_stranger_cannot_touch_a_request(client, login, speaker, asked, action):
    login(speaker)
    response = client.post(f"/me/contacts/requests/{asked.id}/{action}")
    assert response.status_code == 404
    assert asked.status == ContactRequestStatus.pending


def test_a_suspended_persons_request_cannot_be_accepted(client, login, attendee, bob, asked):
    attendee.is_suspended = True
    db.session.commit()
    login(bob)

    page = client.get("/me/contacts/requests").get_data(as_text=True)
    response = client.post(f"/me/contacts/requests/{asked.id}/accept")

    assert f"/me/contacts/requests/{asked.id}/accept" not in page
    assert response.status_code == 302
    assert asked.status == ContactRequestStatus.pending
    assert _pairs() == set()
    assert connections.received_count(bob) == 0
    # Once the suspension is lifted, the request can be answered again.
    attendee.is_suspended = False
    db.session.commit()
    client.post(f"/me/contacts/requests/{asked.id}/accept")
    assert _pairs() == {(attendee.id, bob.id), (bob.id, attendee.id)}


def test_the_requester_cannot_accept_their_own(client, login, attendee, asked):
    login(attendee)
    response = client.post(f"/me/contacts/requests/{asked.id}/accept")
    assert response.status_code == 302
    assert asked.status == ContactRequestStatus.pending
    assert _pairs() == set()


# --- Connect on a profile ---------------------------------------------------------------------


def test_profile_shows_connect_then_waiting(client, login, event, attendee, bob):
    login(attendee)
    profile = f"/e/{event.slug}/people/{bob.id}"
    before = client.get(profile).get_data(as_text=True)
    assert f"/e/{event.slug}/people/{bob.id}/connect" in before

    form = client.get(f"/e/{event.slug}/people/{bob.id}/connect")
    assert form.status_code == 200
    assert "each other's email address" in form.get_data(as_text=True)
    sent = client.post(f"/e/{event.slug}/people/{bob.id}/connect", data={"message": "Hi Bob"})
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(profile)

    after = client.get(profile).get_data(as_text=True)
    assert "Waiting for their answer" in after
    [request] = db.session.scalars(sa.select(ContactRequest)).all()
    assert (request.requester_id, request.recipient_id, request.message) == (
        attendee.id,
        bob.id,
        "Hi Bob",
    )


def test_profile_of_someone_who_asked_offers_accept(client, login, event, attendee, bob, asked):
    login(bob)
    profile = f"/e/{event.slug}/people/{attendee.id}"
    page = client.get(profile).get_data(as_text=True)
    assert f"/me/contacts/requests/{asked.id}/accept" in page

    response = client.post(f"/me/contacts/requests/{asked.id}/accept", data={"next": profile})
    assert response.headers["Location"].endswith(profile)
    assert "In your contacts" in client.get(profile).get_data(as_text=True)


def test_connect_refused_after_the_directory_froze(client, login, event, attendee, bob):
    event.starts_on = date.today() - timedelta(days=3)
    event.ends_on = date.today() - timedelta(days=2)
    event.network_directory_read_only = True
    db.session.commit()
    login(attendee)

    page = client.get(f"/e/{event.slug}/people/{bob.id}").get_data(as_text=True)
    response = client.post(f"/e/{event.slug}/people/{bob.id}/connect", data={"message": ""})

    assert f"/people/{bob.id}/connect" not in page
    assert response.status_code == 302
    assert db.session.scalars(sa.select(ContactRequest)).all() == []


@pytest.mark.parametrize("identity", IDENTITIES)
def test_ask_page_per_identity(as_identity, client, event, bob, identity):
    as_identity(identity)
    response = client.get(f"/e/{event.slug}/people/{bob.id}/connect")
    if identity == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif identity in ("outsider", "other_participant", "pending"):
        assert response.status_code == 403
        assert "participants" in response.get_data(as_text=True).lower()
    else:
        assert response.status_code == 200


def test_ask_page_for_a_hidden_profile_is_not_found(client, login, event, attendee, bob):
    bob.profile.directory_visible = False
    db.session.commit()
    login(attendee)
    assert client.get(f"/e/{event.slug}/people/{bob.id}/connect").status_code == 404


# --- the badge scanner ------------------------------------------------------------------------


@pytest.mark.parametrize("identity", IDENTITIES)
def test_scanner_per_identity(as_identity, client, event, bob, identity):
    payload = factories.badge_payload(event, bob)
    as_identity(identity)
    page = client.get(f"/e/{event.slug}/connect/scan")
    answer = post_json(client, f"/e/{event.slug}/connect/scan.json", {"payload": payload})
    if identity == "anonymous":
        assert {page.status_code, answer.status_code} == {302}
    elif identity in ("outsider", "other_participant", "pending"):
        assert {page.status_code, answer.status_code} == {403}
        assert db.session.scalars(sa.select(ContactRequest)).all() == []
    else:
        assert page.status_code == 200
        assert answer.status_code == 200
        assert answer.get_json()["outcome"] == "asked"


def test_scan_json_answers(client, login, event, attendee, bob, speaker, other_event):
    bob.profile.contact_on_badge_scan = True
    db.session.commit()
    login(attendee)
    url = f"/e/{event.slug}/connect/scan.json"

    green = post_json(client, url, {"payload": factories.badge_payload(event, bob)}).get_json()
    amber = post_json(client, url, {"payload": factories.badge_payload(event, speaker)}).get_json()
    red = post_json(client, url, {"payload": "nonsense"}).get_json()

    assert (green["outcome"], green["tone"], green["person"]["name"]) == (
        "connected",
        "green",
        "Bob Builder",
    )
    assert (amber["outcome"], amber["tone"]) == ("asked", "amber")
    assert (red["outcome"], red["tone"], red["person"]) == ("unknown", "red", None)
    assert _pairs() == {(attendee.id, bob.id), (bob.id, attendee.id)}


def test_scan_json_rejects_bad_payloads(client, login, event, attendee):
    login(attendee)
    url = f"/e/{event.slug}/connect/scan.json"
    assert post_json(client, url, {"payload": "x" * 500}).status_code == 400
    assert post_json(client, url, {"code": "x"}).status_code == 400


def test_scan_form_without_javascript(client, login, event, attendee, bob):
    login(attendee)
    response = client.post(
        f"/e/{event.slug}/connect/scan", data={"code": factories.badge_payload(event, bob)}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "We asked Bob Builder to confirm" in page


def test_scanner_closed_after_the_event(client, login, event, attendee):
    event.starts_on = date.today() - timedelta(days=3)
    event.ends_on = date.today() - timedelta(days=2)
    db.session.commit()
    login(attendee)
    assert client.get(f"/e/{event.slug}/connect/scan").status_code == 403


# --- the profile form's settings --------------------------------------------------------------


def test_profile_form_saves_the_contact_settings(client, login, attendee):
    login(attendee)
    page = client.get("/me/profile").get_data(as_text=True)
    assert "Add the people I meet to my contacts" in page

    response = client.post(
        "/me/profile",
        data={
            "display_name": "Anna Attendee",
            "message_policy": "participants",
            "directory_visible": "y",
            "contact_after_meeting": "y",
            "save": "Save profile",
        },
    )

    assert response.status_code == 302
    assert attendee.profile.contact_after_meeting is True
    assert attendee.profile.contact_on_badge_scan is False
