"""Meet, connect and keep in touch, in two browsers: a participant finds someone among
"People to meet", reads why, asks to connect; the other accepts; after the event has
ended and its network closed, the two contacts still write to each other live, and one
downloads the other's vCard."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from playwright.sync_api import expect

from conference.enums import NetworkClosing
from conference.extensions import db
from conference.models import Event
from tests import factories

SLUG = "keep-in-touch"
CONNECTED = "() => window.ConferenceRealtime && window.ConferenceRealtime.socket.connected"


def _seed(live_server) -> tuple[str, str, int]:
    """An event running today with Alice, Bruno (who share an interest) and Carol (who
    shares nothing with Alice); returns Alice's and Bruno's emails and Bruno's id."""
    with live_server.app.app_context(), force_locale("en"):
        event = factories.event(name="Keep in Touch Days", slug=SLUG)
        alice = factories.participant(
            event, "Alice Archer", interests=["Security", "Payments"], company="Arrow Labs"
        )
        bruno = factories.participant(
            event, "Bruno Brandt", interests=["Security"], company="Bolt GmbH"
        )
        factories.participant(
            event,
            "Carol Chen",
            interests=["AI"],
            industry="Healthcare",
            region="APAC",
            job_role="Founder",
        )
        return alice.email, bruno.email, bruno.id


def _end_the_event_and_close_its_network(live_server) -> None:
    """The event ended two days ago and its network closed when it ended (read-only)."""
    with live_server.app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == SLUG))
        event.starts_on = date.today() - timedelta(days=3)
        event.ends_on = date.today() - timedelta(days=2)
        event.network_open_days = 0
        event.network_closing = NetworkClosing.read_only
        db.session.commit()


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _message(page, text: str):
    return page.locator("#chat-messages .msg", has_text=text)


def test_meet_connect_and_keep_in_touch_after_the_event(page, chromium, live_server):
    alice_email, bruno_email, bruno_id = _seed(live_server)
    alice = page
    bruno_context = chromium.new_context(
        base_url=live_server.url, locale="en-US", accept_downloads=True
    )
    bruno_context.set_default_timeout(10_000)
    bruno = bruno_context.new_page()
    try:
        _log_in(alice, alice_email)
        _log_in(bruno, bruno_email)

        # Alice opens "People to meet": Bruno, with the reason; Carol is not suggested.
        alice.goto(f"/e/{SLUG}/people/")
        alice.locator("main").get_by_role("link", name="People to meet").click()
        card = alice.locator(".card", has_text="Bruno Brandt")
        expect(card).to_contain_text("You are both interested in Security")
        expect(alice.locator(".card", has_text="Carol Chen")).to_have_count(0)

        # She asks to connect, with a note.
        card.get_by_role("link", name="View profile").click()
        alice.get_by_role("link", name="Connect").click()
        alice.get_by_label("A note with your request").fill("Great chat about threat models!")
        alice.get_by_role("button", name="Send request").click()
        expect(alice.get_by_text("Waiting for their answer")).to_be_visible()

        # Bruno's bell counts the request live; he accepts it.
        bruno.goto("/")
        bruno.wait_for_function(CONNECTED)
        expect(bruno.locator("[data-notifications-count]").first).to_have_text("1")
        bruno.goto("/me/contacts/requests")
        expect(bruno.get_by_text("Great chat about threat models!")).to_be_visible()
        bruno.get_by_role("button", name="Accept").click()
        expect(bruno.locator("main")).to_contain_text("Alice Archer")

        # The event ends and its network closes; the two are contacts, so they still talk.
        _end_the_event_and_close_its_network(live_server)
        alice.goto(f"/e/{SLUG}/people/{bruno_id}")
        expect(alice.get_by_text("In your contacts")).to_be_visible()
        alice.get_by_role("button", name="Message", exact=True).click()
        alice.wait_for_function(CONNECTED)
        bruno.goto("/messages/")
        bruno.wait_for_function(CONNECTED)
        alice.get_by_label("Message", exact=True).fill("The event is over, but not our project!")
        alice.get_by_label("Message", exact=True).press("Enter")
        _message(alice, "not our project").locator(".msg-status", has_text="Sent").wait_for()

        bruno.locator(".conv-item", has_text="Alice Archer").click()
        _message(bruno, "not our project").wait_for()
        bruno.wait_for_function(CONNECTED)
        bruno.get_by_label("Message", exact=True).fill("Let's meet next month.")
        bruno.get_by_role("button", name="Send", exact=True).click()
        _message(alice, "next month").wait_for()

        # Bruno keeps Alice's details: her vCard from his contacts.
        bruno.goto("/me/contacts")
        with bruno.expect_download() as download_info:
            bruno.get_by_role("link", name="vCard of Alice Archer").click()
        card_text = download_info.value.path().read_text(encoding="utf-8")
        assert "BEGIN:VCARD" in card_text
        assert "FN:Alice Archer" in card_text
        assert f"EMAIL;TYPE=INTERNET:{alice_email}" in card_text
    finally:
        bruno_context.close()
