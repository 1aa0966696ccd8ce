"""A newcomer's first visit, in a real browser: from sign-up to finding someone."""

from __future__ import annotations

import io
import re

from flask_babel import force_locale
from PIL import Image

from conference.demo import DEMO_SLUG, seed_demo
from conference.extensions import db


def _seed(live_server) -> None:
    with live_server.app.app_context(), force_locale("en"):
        seed_demo(participants=30)
        db.session.commit()


def _link_in_last_mail(live_server, to: str) -> str:
    mine = live_server.mails_to(to)
    assert mine, f"no mail to {to}"
    text = mine[-1].get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+", text).group(0)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (79, 70, 229)).save(out, "PNG")
    return out.getvalue()


def test_newcomer_signs_up_registers_and_finds_someone(page, live_server):
    _seed(live_server)
    email = "ines.newcomer@example.com"

    page.goto("/signup")
    page.get_by_label("Your name").fill("Inès Newcomer")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Repeat the password").fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()

    link = _link_in_last_mail(live_server, email)
    page.goto(link.replace("http://localhost", live_server.url))
    page.get_by_text("is confirmed", exact=False).first.wait_for()

    page.goto(f"/e/{DEMO_SLUG}/register")
    page.get_by_text("Standard", exact=True).first.click()
    page.get_by_label("Company").fill("Bright Labs")
    page.get_by_label("Job title").fill("Head of Data")
    page.get_by_label("Industry").select_option(label="Software & Internet")
    page.get_by_label("Region").select_option(label="Europe")
    page.get_by_label("Job role").select_option(label="Data & Analytics")
    page.locator("label", has_text="Artificial Intelligence").first.click()
    page.get_by_role("button", name=re.compile("Register")).last.click()
    page.get_by_text("You are registered", exact=False).first.wait_for()

    page.goto("/me/profile")
    page.get_by_label("Headline").fill("Turning data into decisions")
    page.get_by_label("Photo").set_input_files(
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Your profile is saved", exact=False).first.wait_for()

    page.goto(f"/e/{DEMO_SLUG}/people/")
    filters = page.locator("#directory-filters")
    # Each tick submits the filters: wait for that page before the next tick, or the
    # second click can land on the page being replaced (seen on a busy machine).
    filters.locator("label", has_text="Asia-Pacific").first.click()
    page.wait_for_url(re.compile(r"region="))
    page.locator("#directory-filters label", has_text="Executive").first.click()
    page.wait_for_url(re.compile(r"region=.*job_role=|job_role=.*region="))
    cards = page.locator(".person-card")
    assert cards.filter(has_text="Alex Morgan").count() == 1
    cards.filter(has_text="Alex Morgan").get_by_role("link").first.click()
    page.get_by_role("heading", name="Alex Morgan").wait_for()
    profile_url = page.url

    # The newcomer's own photo is served to them and shows on their card.
    page.goto(f"/e/{DEMO_SLUG}/people/?q=Newcomer")
    avatar = page.locator(".person-card img").first
    assert avatar.get_attribute("src").startswith("/photos/")

    anonymous = page.context.browser.new_context(base_url=live_server.url)
    stranger = anonymous.new_page()
    response = stranger.goto(profile_url)
    assert response.status == 403
    stranger.get_by_role(
        "heading", name="This page is visible to registered participants only"
    ).wait_for()
    assert "Alex Morgan" not in stranger.content()
    anonymous.close()
