"""An attendee builds their agenda in a real browser: filter, bookmark, see the overlap."""

from __future__ import annotations

import re

from flask_babel import force_locale

from tests import factories
from tests import program_helpers as program

SLUG = "browser-fest"


def _seed(live_server) -> str:
    """An event with three sessions at the same time, two of them about AI; returns the
    attendee's email."""
    with live_server.app.app_context(), force_locale("en"):
        event = factories.event(name="Browser Fest", slug=SLUG)
        speaker = factories.participant(event, "Sara Speaker", roles=["speaker"])
        attendee = factories.participant(event, "Ada Attendee")
        hall = program.room(event, "Main hall", 0)
        studio = program.room(event, "Studio", 1)
        lab = program.room(event, "Lab", 2)
        program.session(
            event,
            "Neural networks from scratch",
            "10:00",
            "11:00",
            room=hall,
            topics=["AI"],
            speakers=[speaker],
        )
        program.session(event, "Agents in production", "10:30", "11:30", room=studio, topics=["AI"])
        program.session(
            event, "Card fraud at scale", "10:00", "10:45", room=lab, topics=["Payments"]
        )
        return attendee.email


def test_attendee_filters_bookmarks_overlapping_sessions_and_sees_the_overlap(page, live_server):
    email = _seed(live_server)

    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()

    page.goto(f"/e/{SLUG}/program/")
    page.get_by_label("Topic").select_option(label="AI")
    page.wait_for_url(re.compile(r"topic=\d+"))
    cards = page.locator(".session-card")
    assert cards.count() == 2
    assert page.get_by_text("Card fraud at scale").count() == 0

    for title in ("Neural networks from scratch", "Agents in production"):
        card = cards.filter(has_text=title)
        card.get_by_role("button", name=re.compile("Add to my agenda")).click()
        card.locator('.btn-bookmark[aria-pressed="true"]').wait_for()
    assert "topic=" in page.url  # bookmarking happened in place, the filter is still on

    page.get_by_role("link", name="My agenda").first.click()
    page.get_by_role("heading", name="My agenda").wait_for()
    items = page.locator(".mine-item")
    assert items.count() == 2
    assert items.filter(has_text="Overlaps with").count() == 2
    first, second = items.nth(0), items.nth(1)
    assert first.locator("a").first.inner_text() == "Neural networks from scratch"
    assert "Agents in production" in first.locator(".overlap-note").inner_text()
    assert "Neural networks from scratch" in second.locator(".overlap-note").inner_text()
    page.get_by_text("2 sessions overlap others on your agenda", exact=False).wait_for()
