"""Two attendees book a meeting in two browsers: A asks from B's profile, B accepts
live, both find it in My agenda, and A's calendar file holds it at the right time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import force_locale
from playwright.sync_api import expect

from conference.extensions import db
from conference.models import MeetingHours, MeetingPlace
from conference.services.program import local_to_utc
from tests import factories
from tests.ics_check import check

SLUG = "meet-fest"
CONNECTED = "() => window.ConferenceRealtime && window.ConferenceRealtime.socket.connected"


def _seed(live_server) -> tuple[str, str, int, datetime]:
    """An event tomorrow with meeting hours, one table and two attendees; returns their
    emails, the second one's id and the first slot's start (10:00 in Tokyo) in UTC."""
    with live_server.app.app_context(), force_locale("en"):
        tomorrow = date.today() + timedelta(days=1)
        event = factories.event(
            name="Meet Fest", slug=SLUG, starts_on=tomorrow, ends_on=tomorrow, timezone="Asia/Tokyo"
        )
        db.session.add(
            MeetingHours(event_id=event.id, day=tomorrow, starts_at=time(10), ends_at=time(12))
        )
        db.session.add(MeetingPlace(event_id=event.id, name="Table 7", capacity=1))
        db.session.commit()
        alice = factories.participant(event, "Alice Archer", company="Arrow Labs")
        bruno = factories.participant(event, "Bruno Brandt", company="Bolt GmbH")
        first_slot = local_to_utc(event, datetime.combine(tomorrow, time(10)))
        return alice.email, bruno.email, bruno.id, first_slot


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_two_attendees_book_a_meeting_and_find_it_in_their_agendas(page, chromium, live_server):
    alice_email, bruno_email, bruno_id, first_slot = _seed(live_server)
    alice = page
    bruno_context = chromium.new_context(base_url=live_server.url, locale="en-US")
    bruno_context.set_default_timeout(10_000)
    bruno = bruno_context.new_page()
    try:
        _log_in(alice, alice_email)
        _log_in(bruno, bruno_email)
        bruno.goto(f"/e/{SLUG}/meetings/")
        bruno.wait_for_function(CONNECTED)

        # Alice asks from Bruno's profile for the first free slot at 10:00 Tokyo time.
        alice.goto(f"/e/{SLUG}/people/{bruno_id}")
        alice.get_by_role("link", name="Request a meeting").click()
        alice.get_by_text("10:00").first.click()
        alice.get_by_role("textbox", name="Message").fill("Coffee and payments?")
        alice.get_by_role("button", name="Send request").click()
        expect(alice.get_by_text("Your request is on its way to Bruno Brandt.")).to_be_visible()

        # Bruno's page learns of it live: the badge counts one request to answer.
        expect(bruno.locator("[data-meetings-count]").first).to_have_text("1")
        bruno.reload()
        bruno.get_by_role("button", name="Accept").click()
        expect(bruno.get_by_text("The meeting is confirmed.")).to_be_visible()

        # Both find the meeting in My agenda.
        for me, other in ((alice, "Bruno Brandt"), (bruno, "Alice Archer")):
            me.goto(f"/e/{SLUG}/program/mine")
            expect(me.get_by_role("link", name=f"With {other}", exact=True)).to_be_visible()

        # Alice downloads it for her calendar: one event at 10:00 in Tokyo.
        with alice.expect_download() as download:
            alice.locator(".mine-meeting").get_by_role("link", name=".ics").click()
        calendar = check(download.value.path().read_bytes())
    finally:
        bruno_context.close()

    (event,) = calendar.events
    assert event.starts_at == first_slot
    assert "Bruno Brandt" in event.text("summary")
    assert event.text("location") == "Table 7"
