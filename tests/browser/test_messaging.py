"""Two attendees hold a live conversation in two browsers: messages and the unread
badge arrive without reloading, and a message sent while one is away waits for them."""

from __future__ import annotations

from flask_babel import force_locale
from playwright.sync_api import expect

from tests import factories

SLUG = "chat-fest"
CONNECTED = "() => window.ConferenceRealtime && window.ConferenceRealtime.socket.connected"


def _seed(live_server) -> tuple[str, str, int]:
    """An event with two approved attendees; returns their emails and the second one's id."""
    with live_server.app.app_context(), force_locale("en"):
        event = factories.event(name="Chat Fest", slug=SLUG)
        alice = factories.participant(event, "Alice Archer", company="Arrow Labs")
        bruno = factories.participant(event, "Bruno Brandt", company="Bolt GmbH")
        return alice.email, bruno.email, bruno.id


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _badge(page):
    """The unread badge of the navigation (the desktop one: the browser is 1280 wide)."""
    return page.locator(".nav-inbox [data-unread-badge]")


def _unread(page):
    return page.locator(".nav-inbox [data-unread-count]")


def _message(page, text: str):
    return page.locator("#chat-messages .msg", has_text=text)


def test_two_attendees_message_each_other_live(page, chromium, live_server):
    alice_email, bruno_email, bruno_id = _seed(live_server)
    alice = page
    bruno_context = chromium.new_context(base_url=live_server.url, locale="en-US")
    bruno_context.set_default_timeout(10_000)
    bruno = bruno_context.new_page()
    try:
        _log_in(alice, alice_email)
        _log_in(bruno, bruno_email)

        # Alice opens a conversation from Bruno's profile; Bruno waits on the home page.
        alice.goto(f"/e/{SLUG}/people/{bruno_id}")
        alice.get_by_role("button", name="Message", exact=True).click()
        alice.get_by_role("heading", name="Bruno Brandt").wait_for()
        alice.wait_for_function(CONNECTED)
        bruno.goto("/")
        bruno.wait_for_function(CONNECTED)
        bruno.evaluate("() => { window.notReloaded = true; }")
        expect(_badge(bruno)).to_be_hidden()

        alice.get_by_label("Message", exact=True).fill("Hi Bruno! Coffee after the keynote?")
        alice.get_by_label("Message", exact=True).press("Enter")
        _message(alice, "Coffee after the keynote").locator(
            ".msg-status", has_text="Sent"
        ).wait_for()

        # Bruno sees the badge count and a toast, without reloading.
        expect(_badge(bruno)).to_be_visible()
        expect(_unread(bruno)).to_have_text("1")
        bruno.locator(".message-toast", has_text="Coffee after the keynote").wait_for()
        assert bruno.evaluate("() => window.notReloaded") is True

        # Bruno opens the conversation; Alice sees "Seen", then Bruno's reply arrives live.
        bruno.locator(".nav-inbox").click()
        bruno.locator(".conv-item", has_text="Alice Archer").click()
        _message(bruno, "Coffee after the keynote").wait_for()
        expect(_badge(bruno)).to_be_hidden()
        _message(alice, "Coffee after the keynote").locator(
            ".msg-status", has_text="Seen"
        ).wait_for()
        bruno.wait_for_function(CONNECTED)
        alice.evaluate("() => { window.notReloaded = true; }")

        bruno.get_by_label("Message", exact=True).fill("Sure, see you at the espresso bar.")
        bruno.get_by_role("button", name="Send", exact=True).click()
        _message(alice, "espresso bar").wait_for()
        assert alice.evaluate("() => window.notReloaded") is True
        assert "msg-theirs" in _message(alice, "espresso bar").get_attribute("class")

        # Bruno goes away; Alice writes again; Bruno comes back and finds it.
        bruno.close()
        alice.get_by_label("Message", exact=True).fill("Running five minutes late!")
        alice.get_by_label("Message", exact=True).press("Enter")
        _message(alice, "five minutes late").locator(".msg-status", has_text="Sent").wait_for()

        bruno = bruno_context.new_page()
        bruno.goto("/")
        expect(_unread(bruno)).to_have_text("1")
        bruno.locator(".nav-inbox").click()
        conversation = bruno.locator(".conv-item", has_text="Alice Archer")
        assert "five minutes late" in conversation.inner_text()
        conversation.click()
        texts = bruno.locator("#chat-messages .msg .msg-body").all_inner_texts()
        assert texts == [
            "Hi Bruno! Coffee after the keynote?",
            "Sure, see you at the espresso bar.",
            "Running five minutes late!",
        ]
    finally:
        bruno_context.close()


def test_messages_typed_offline_are_sent_once_and_missed_ones_arrive_in_order(
    page, chromium, live_server
):
    alice_email, bruno_email, bruno_id = _seed(live_server)
    alice = page
    bruno_context = chromium.new_context(base_url=live_server.url, locale="en-US")
    bruno_context.set_default_timeout(10_000)
    bruno = bruno_context.new_page()
    try:
        _log_in(alice, alice_email)
        _log_in(bruno, bruno_email)
        alice.goto(f"/e/{SLUG}/people/{bruno_id}")
        alice.get_by_role("button", name="Message", exact=True).click()
        alice.wait_for_function(CONNECTED)
        conversation_url = alice.url
        bruno.goto(conversation_url)
        bruno.wait_for_function(CONNECTED)

        # Alice loses her connection and keeps typing: the messages wait, in order.
        alice.evaluate("() => window.ConferenceRealtime.socket.disconnect()")
        composer = alice.get_by_label("Message", exact=True)
        for text in ("First while offline", "Second while offline"):
            composer.fill(text)
            composer.press("Enter")
        waiting = alice.locator("#chat-messages .msg.is-pending")
        expect(waiting).to_have_count(2)
        expect(waiting.first.locator(".msg-status")).to_have_text("Waiting for the connection…")

        # Bruno drops off too; the messages Alice sends once back reach him by "sync".
        bruno.evaluate("() => window.ConferenceRealtime.socket.disconnect()")
        alice.evaluate("() => window.ConferenceRealtime.socket.connect()")
        expect(alice.locator("#chat-messages .msg.is-pending")).to_have_count(0)
        composer.fill("Third, after reconnecting")
        composer.press("Enter")
        _message(alice, "Third, after reconnecting").locator(
            ".msg-status", has_text="Sent"
        ).wait_for()
        assert bruno.locator("#chat-messages .msg").count() == 0

        bruno.evaluate("() => window.ConferenceRealtime.socket.connect()")
        expect(bruno.locator("#chat-messages .msg .msg-body")).to_have_text(
            ["First while offline", "Second while offline", "Third, after reconnecting"]
        )
        bruno.reload()
        expect(bruno.locator("#chat-messages .msg .msg-body")).to_have_text(
            ["First while offline", "Second while offline", "Third, after reconnecting"]
        )
    finally:
        bruno_context.close()
