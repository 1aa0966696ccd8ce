"""Leads at the booth, in phone-sized browsers: a sponsor's staff member scans a
consenting attendee's badge (typing its code, as a hand scanner would) and rates the
lead; a second attendee, who had not agreed, only shows the amber "we've asked them";
that attendee accepts the request on their privacy page in another browser, and the
next scan of their badge finds them among the sponsor's leads, as does the lead list."""

from __future__ import annotations

from flask_babel import force_locale
from playwright.sync_api import expect

from conference.enums import LeadRating, LeadSource
from conference.extensions import db
from conference.models import Sponsor
from conference.services import leads
from tests import factories

SLUG = "expo-days"
PHONE = {"width": 390, "height": 844}


def _seed(live_server) -> dict:
    with live_server.app.app_context(), force_locale("en"):
        event = factories.event(name="Expo Days", slug=SLUG)
        factories.organizer(event, "Olga Organizer")
        sponsor = factories.sponsor(event, "Acme Corp")
        staff = factories.participant(event, "Sid Sponsor", roles=["sponsor_staff"])
        factories.sponsor_member(sponsor, staff, admin=True)
        anna = factories.participant(event, "Anna Agreed", company="Bolt Ltd", job_title="CTO")
        bea = factories.participant(event, "Bea Private", company="Quiet GmbH")
        factories.consent_to_scans(event, anna)
        data = {
            "sponsor_id": sponsor.id,
            "staff": staff.email,
            "bea": bea.email,
            "anna_id": anna.id,
            "bea_id": bea.id,
            "anna_code": factories.badge_payload(event, anna),
            "bea_code": factories.badge_payload(event, bea),
        }
        db.session.commit()
        return data


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _lead(live_server, sponsor_id: int, user_id: int):
    with live_server.app.app_context():
        sponsor = db.session.get(Sponsor, sponsor_id)
        lead = leads.lead_of(sponsor, user_id)
        found = None if lead is None else (lead.source, lead.rating, lead.notes)
        db.session.remove()
        return found


def _scan(page, code: str) -> None:
    page.get_by_label("Badge code").fill(code)
    page.get_by_role("button", name="Check").click()


def test_staff_scan_rate_and_the_asked_attendee_accepts(page, live_server, chromium):
    seeded = _seed(live_server)
    page.set_viewport_size(PHONE)
    _log_in(page, seeded["staff"])
    page.goto(f"/e/{SLUG}/sponsors/{seeded['sponsor_id']}/scan")
    answer = page.locator("[data-answer]")

    # A consenting attendee: green, with name and company, then a quick rating.
    _scan(page, seeded["anna_code"])
    expect(answer).to_be_visible()
    expect(answer).to_have_class("scan-answer lead-answer mb-3 is-green")
    expect(answer.locator("[data-answer-name]")).to_have_text("Anna Agreed")
    expect(answer.locator("[data-answer-detail]")).to_have_text("CTO · Bolt Ltd")
    expect(answer.locator("[data-answer-message]")).to_have_text("Added to your leads.")
    answer.get_by_text("Hot", exact=True).click()
    answer.get_by_label("Note for your team").fill("Wants a demo on Friday")
    answer.get_by_role("button", name="Save").click()
    expect(answer.locator("[data-rate-status]")).to_have_text("Saved.")
    assert _lead(live_server, seeded["sponsor_id"], seeded["anna_id"]) == (
        LeadSource.scan,
        LeadRating.hot,
        "Wants a demo on Friday",
    )

    # One who had not agreed: amber, and nothing about them.
    answer.get_by_role("button", name="Scan the next badge").click()
    expect(answer).to_be_hidden()
    _scan(page, seeded["bea_code"])
    expect(answer).to_have_class("scan-answer lead-answer mb-3 text-bg-warning")
    expect(answer.locator("[data-answer-message]")).to_have_text(
        "This attendee has not shared their details; we've asked them."
    )
    expect(answer.locator("[data-answer-name]")).to_have_text("")
    expect(answer.locator("[data-rate-form]")).to_be_hidden()
    expect(page.get_by_text("Bea Private")).to_have_count(0)
    assert _lead(live_server, seeded["sponsor_id"], seeded["bea_id"]) is None

    # That attendee, on their own phone, sees the request and accepts it.
    other = chromium.new_context(
        base_url=live_server.url, locale="en-US", viewport=PHONE, is_mobile=True
    )
    other.set_default_timeout(10_000)
    bea = other.new_page()
    try:
        _log_in(bea, seeded["bea"])
        bea.goto(f"/e/{SLUG}/")
        bea.locator("[data-sponsor-requests-compact]").click()
        expect(bea.get_by_role("heading", name="Sponsors asking for your details")).to_be_visible()
        bea.get_by_role("button", name="Share my details with Acme Corp").click()
        expect(bea.get_by_text("Acme Corp now has your contact details.")).to_be_visible()
        expect(bea.locator('[data-holder="Acme Corp"]')).to_contain_text(
            "Their staff scanned your badge and you accepted their request."
        )
    finally:
        other.close()

    # The lead is there: the next scan of that badge says so, with the person's name.
    answer.get_by_role("button", name="Scan the next badge").click()
    _scan(page, seeded["bea_code"])
    expect(answer.locator("[data-answer-message]")).to_have_text("Already in your leads.")
    expect(answer.locator("[data-answer-name]")).to_have_text("Bea Private")
    expect(answer).to_have_class("scan-answer lead-answer mb-3 is-green")
    source, rating, _notes = _lead(live_server, seeded["sponsor_id"], seeded["bea_id"])
    assert (source, rating) == (LeadSource.scan_request, None)

    # Both are on the sponsor's shared list, with who scanned them.
    page.goto(f"/e/{SLUG}/sponsors/{seeded['sponsor_id']}/leads/")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Anna Agreed")).to_contain_text("Hot")
    expect(rows.filter(has_text="Bea Private")).to_be_visible()
