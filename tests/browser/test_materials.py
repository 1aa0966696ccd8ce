"""Session materials in a real browser: a speaker uploads slides to their session, an
attendee opens them, and an anonymous visitor with the link gets the participants page."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import force_locale

from conference.demo import DEMO_PASSWORD, DEMO_SLUG, demo_slides_pdf, seed_demo
from conference.extensions import db
from conference.models import Material, ProgramSession

TALK = "Calm on-call: running distributed systems without heroics"
TITLE = "Slides, updated after the talk"


def _seed(live_server) -> int:
    """The demo event; returns the id of the demo speaker's talk."""
    with live_server.app.app_context(), force_locale("en"):
        seed_demo(participants=30)
        db.session.commit()
        return db.session.scalar(sa.select(ProgramSession.id).where(ProgramSession.title == TALK))


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_speaker_uploads_attendee_downloads_anonymous_is_refused(page, chromium, live_server):
    session_id = _seed(live_server)
    slides = demo_slides_pdf(TALK, "Daniel Okafor", ("What changed", "What we learned"))
    session_page = f"/e/{DEMO_SLUG}/program/{session_id}"

    _log_in(page, "speaker@demo.test")
    page.goto(session_page)
    materials = page.locator("#materials")
    materials.get_by_label("Title").fill(TITLE)
    materials.get_by_label("File").set_input_files(
        files=[{"name": "calm-on-call-v2.pdf", "mimeType": "application/pdf", "buffer": slides}]
    )
    materials.get_by_role("button", name="Attach").click()
    page.get_by_text("is attached to the session", exact=False).wait_for()
    link = page.locator("#materials").get_by_role("link", name=TITLE, exact=True)
    href = link.get_attribute("href")
    assert re.fullmatch(rf"/e/{DEMO_SLUG}/materials/\d+", href)
    with live_server.app.app_context():
        stored = db.session.scalar(sa.select(Material).where(Material.title == TITLE))
        assert (stored.content_type, stored.original_name) == (
            "application/pdf",
            "calm-on-call-v2.pdf",
        )

    attendee = chromium.new_context(base_url=live_server.url, locale="en-US")
    try:
        reader = attendee.new_page()
        _log_in(reader, "attendee@demo.test")
        reader.goto(session_page)
        with reader.expect_response(lambda r: r.url.endswith(href)) as opened:
            reader.locator("#materials").get_by_role("link", name=TITLE, exact=True).click()
        response = opened.value
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["x-content-type-options"] == "nosniff"
        # The page now holds Chromium's PDF viewer; fetch the bytes with the same cookies.
        assert attendee.request.get(href).body() == slides
    finally:
        attendee.close()

    anonymous = chromium.new_context(base_url=live_server.url, locale="en-US")
    try:
        visitor = anonymous.new_page()
        response = visitor.goto(href)
        assert response.status == 403
        visitor.get_by_text("visible to registered participants only", exact=False).wait_for()
        assert TITLE not in visitor.content()
        visitor.get_by_role("link", name="Log in").first.wait_for()
    finally:
        anonymous.close()
