"""Live Q&A in three browsers: two attendees (one using the Japanese interface) and the
session's speaker. Questions and votes appear live everywhere, an anonymous question
names nobody to the other attendee nor to the speaker, the speaker marks one answered
and the presenter view follows without reloading.

The Japanese attendee's page is checked by its structure (data attributes, the page's
``lang``), not by English words: its translations arrive later.
"""

from __future__ import annotations

from flask_babel import force_locale
from playwright.sync_api import expect

from conference.extensions import db
from tests import factories
from tests import program_helpers as program

SLUG = "qa-fest"
CONNECTED = "() => window.ConferenceRealtime && window.ConferenceRealtime.socket.connected"


def _seed(live_server) -> dict:
    with live_server.app.app_context(), force_locale("en"):
        event = factories.event(name="QA Fest", slug=SLUG)
        anna = factories.participant(event, "Anna Archer")
        kenji = factories.participant(event, "Kenji Kato")
        kenji.locale = "ja"
        speaker = factories.participant(event, "Sofia Speaker", roles=["speaker"])
        talk = program.session(event, "Payments at scale", speakers=[speaker])
        db.session.commit()
        return {
            "anna": anna.email,
            "kenji": kenji.email,
            "speaker": speaker.email,
            "session": talk.id,
        }


def _context(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    return context


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _open_qa(page, session_id: int) -> None:
    page.goto(f"/e/{SLUG}/program/{session_id}")
    page.wait_for_function(CONNECTED)
    page.locator('#qa[data-joined="1"]').wait_for(state="attached")


def _ask(page, text: str, anonymous: bool = False) -> None:
    page.locator("[data-qa-body]").fill(text)
    if anonymous:
        page.locator("[data-qa-anonymous]").check()
    page.locator("[data-qa-submit]").click()


def _question(page, text: str):
    return page.locator(".qa-question", has_text=text)


def test_questions_and_votes_live_in_three_browsers(page, chromium, live_server):
    seed = _seed(live_server)
    anna = page
    kenji_context = _context(chromium, live_server)
    speaker_context = _context(chromium, live_server)
    kenji = kenji_context.new_page()
    speaker = speaker_context.new_page()
    try:
        _log_in(anna, seed["anna"])
        _log_in(kenji, seed["kenji"])
        _log_in(speaker, seed["speaker"])
        for person in (anna, kenji, speaker):
            _open_qa(person, seed["session"])
        expect(kenji.locator("html")).to_have_attribute("lang", "ja")
        presenter = speaker_context.new_page()
        presenter.goto(f"/e/{SLUG}/program/{seed['session']}/qa/present")
        presenter.wait_for_function(CONNECTED)
        presenter.locator('#qa-present[data-joined="1"]').wait_for(state="attached")
        for person in (anna, kenji, speaker):
            person.evaluate("() => { window.notReloaded = true; }")

        # Anna asks; Kenji, the speaker and the presenter view see it without reloading.
        _ask(anna, "How do you handle refunds?")
        _question(kenji, "handle refunds").wait_for()
        _question(speaker, "handle refunds").wait_for()
        presenter.locator(".qa-present-item", has_text="handle refunds").wait_for()
        expect(_question(anna, "handle refunds").locator("[data-q-author]")).to_have_text(
            "Anna Archer"
        )

        # Kenji (Japanese interface) asks anonymously: neither Anna nor the speaker sees
        # his name (only the event's moderators would).
        _ask(kenji, "Does it scale to Japan?", anonymous=True)
        expect(_question(kenji, "scale to Japan").locator("[data-q-mine]")).to_be_visible()
        expect(_question(anna, "scale to Japan").locator("[data-q-author]")).to_have_text(
            "Anonymous"
        )
        expect(_question(speaker, "scale to Japan").locator("[data-q-author]")).to_have_text(
            "Anonymous"
        )
        expect(
            presenter.locator(".qa-present-item", has_text="scale to Japan").locator(
                "[data-q-author]"
            )
        ).to_have_text("Anonymous")
        assert "Kenji Kato" not in anna.content()
        assert "Kenji Kato" not in speaker.content()

        # Votes: Anna upvotes Kenji's question (Kenji cannot vote for his own), Kenji
        # upvotes Anna's; the counts show everywhere, and the voted question leads.
        _question(anna, "scale to Japan").locator("[data-q-vote]").click()
        expect(_question(kenji, "scale to Japan").locator("[data-q-votes]")).to_have_text("1")
        expect(_question(speaker, "scale to Japan").locator("[data-q-votes]")).to_have_text("1")
        expect(_question(anna, "scale to Japan").locator("[data-q-vote]")).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(_question(kenji, "scale to Japan").locator("[data-q-vote]")).to_be_disabled()
        expect(presenter.locator(".qa-present-item").first).to_contain_text("scale to Japan")

        _question(kenji, "handle refunds").locator("[data-q-vote]").click()
        expect(_question(anna, "handle refunds").locator("[data-q-votes]")).to_have_text("1")
        expect(
            presenter.locator(".qa-present-item", has_text="handle refunds").locator(
                "[data-q-votes]"
            )
        ).to_have_text("1")

        # The speaker marks Kenji's question answered: the attendees see it, and the
        # presenter view moves on to the open one.
        _question(speaker, "scale to Japan").locator('[data-qa-action="answered"] button').click()
        expect(
            _question(anna, "scale to Japan").locator('[data-q-badge="answered"]')
        ).to_be_visible()
        expect(
            _question(kenji, "scale to Japan").locator('[data-q-badge="answered"]')
        ).to_be_visible()
        expect(presenter.locator(".qa-present-item", has_text="scale to Japan")).to_have_count(0)
        expect(presenter.locator(".qa-present-item")).to_have_count(1)

        # The speaker pins Anna's question: first everywhere, marked on the screen.
        _question(speaker, "handle refunds").locator('[data-qa-action="pin"] button').click()
        expect(
            presenter.locator(".qa-present-item").first.locator('[data-q-badge="pinned"]')
        ).to_be_visible()
        expect(anna.locator(".qa-question").first).to_contain_text("handle refunds")

        # The speaker hides Kenji's question: it leaves every page, the speaker's too
        # (held and hidden questions stay with the event's moderators).
        _question(speaker, "scale to Japan").locator('[data-qa-action="hide"] button').click()
        for person in (anna, kenji, speaker):
            expect(_question(person, "scale to Japan")).to_have_count(0)

        for person in (anna, kenji, speaker):
            assert person.evaluate("() => window.notReloaded") is True
    finally:
        kenji_context.close()
        speaker_context.close()
