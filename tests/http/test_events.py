"""Public pages (home, landing, sitemap) and creating an event over HTTP."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from conference.enums import EventRoleKind, EventVisibility, RegistrationStatus
from conference.extensions import db
from conference.models import Event, EventRole, Registration
from tests import factories
from tests.conftest import IDENTITIES


@pytest.fixture
def secret_event():
    return factories.event(
        name="Quiet Retreat", slug="quiet-retreat", visibility=EventVisibility.invitation
    )


def new_event_data(**changes) -> dict:
    data = {
        "name": "Harbour Forum",
        "slug": "harbour-forum",
        "description": "Two days by the sea.",
        "organizer_text": "Run by the Harbour team.",
        "contact_email": "hello@harbour.test",
        "starts_on": "2031-05-06",
        "ends_on": "2031-05-07",
        "timezone": "Europe/Lisbon",
        "venue": "Pier 4",
        "city": "Lisbon",
        "country": "Portugal",
        "visibility": "public",
        "registration_open": "y",
        "suggested_lists": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- home ----------------------------------------------------------------------


def test_home_anonymous_lists_upcoming_public_events(client, event):
    factories.event(name="Past Days", slug="past-days", starts_on=date(2020, 3, 1))
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Northwind Summit" in page
    assert "Past Days" not in page
    assert "My events" not in page


def test_home_outsider_does_not_see_invitation_only_event(client, login, outsider, secret_event):
    login(outsider)
    page = client.get("/").get_data(as_text=True)
    assert "Quiet Retreat" not in page


def test_home_lists_my_events_with_status(client, login, event, secret_event):
    person = factories.participant(secret_event, "Mia Member", status="pending")
    factories.participant(event, person=person)
    login(person)
    page = client.get("/").get_data(as_text=True)
    assert "My events" in page
    assert "Quiet Retreat" in page
    assert "Pending approval" in page
    assert "Registered" in page


def test_home_organizer_gets_manage_link(client, login, organizer, event):
    login(organizer)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/e/northwind/manage/"' in page


# --- landing -----------------------------------------------------------------------


def test_landing_anonymous_public_event_has_seo_meta(client, event):
    response = client.get("/e/northwind/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<meta name="robots" content="index, follow">' in page
    assert '<meta property="og:title" content="Northwind Summit">' in page
    assert '<meta property="og:type" content="website">' in page
    assert '<meta property="og:url" content="http://localhost/e/northwind/">' in page
    assert '<link rel="canonical" href="http://localhost/e/northwind/">' in page
    assert 'property="og:description"' in page
    assert '<meta name="description"' in page
    assert 'href="/e/northwind/register"' in page


def test_landing_renders_description_markdown_safely(client):
    factories.event(slug="md-event", description="**Bold** <script>alert(1)</script>")
    page = client.get("/e/md-event/").get_data(as_text=True)
    assert "<strong>Bold</strong>" in page
    assert "<script>alert(1)</script>" not in page


def test_landing_invitation_only_is_noindex(client, secret_event):
    page = client.get("/e/quiet-retreat/").get_data(as_text=True)
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "By invitation only" in page


def test_landing_unknown_event_404(client):
    assert client.get("/e/nothing-here/").status_code == 404


def test_landing_approved_participant_sees_directory_link(client, login, attendee):
    login(attendee)
    page = client.get("/e/northwind/").get_data(as_text=True)
    assert "You're registered" in page
    assert 'href="/e/northwind/people/"' in page


def test_landing_pending_registrant_sees_pending(client, login, pending):
    login(pending)
    page = client.get("/e/northwind/").get_data(as_text=True)
    assert "Your registration is pending" in page


def test_landing_registration_closed_shown(client):
    factories.event(slug="closed-event", registration_open=False)
    page = client.get("/e/closed-event/").get_data(as_text=True)
    assert "Registration is closed" in page
    assert "/e/closed-event/register" not in page


def test_landing_unverified_account_asked_to_confirm(client, login, event):
    login(factories.user(verified=False))
    page = client.get("/e/northwind/").get_data(as_text=True)
    assert "Confirm your email address to register" in page


def test_landing_organizer_sees_manage_link(client, login, organizer):
    login(organizer)
    page = client.get("/e/northwind/").get_data(as_text=True)
    assert "Manage this event" in page


# --- sitemap -------------------------------------------------------------------------


def test_sitemap_lists_home_and_public_events_only(client, event, secret_event):
    response = client.get("/sitemap.xml")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.content_type == "application/xml; charset=utf-8"
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "<loc>http://localhost/</loc>" in body
    assert "<loc>http://localhost/e/northwind/</loc>" in body
    assert "quiet-retreat" not in body


# --- create ----------------------------------------------------------------------------


@pytest.mark.parametrize("identity", IDENTITIES)
def test_create_page_access(client, as_identity, identity):
    as_identity(identity)
    response = client.get("/events/new")
    if identity == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"] == "/login?next=%2Fevents%2Fnew"
    else:
        assert response.status_code == 200


def test_create_unverified_account_refused(client, login):
    login(factories.user(verified=False))
    assert client.get("/events/new").status_code == 403
    response = client.post("/events/new", data=new_event_data())
    assert response.status_code == 403
    assert db.session.scalar(sa.select(Event).where(Event.slug == "harbour-forum")) is None


def test_create_allowed_mode_refuses_account_without_permission(app, client, login, outsider):
    login(outsider)
    app.config["EVENT_CREATION"] = "allowed"
    try:
        assert client.get("/events/new").status_code == 403
        outsider.can_create_events = True
        db.session.commit()
        assert client.get("/events/new").status_code == 200
    finally:
        app.config["EVENT_CREATION"] = "verified"


def test_create_event_makes_creator_organizer(client, login, outsider):
    login(outsider)
    response = client.post("/events/new", data=new_event_data())
    assert response.status_code == 302
    assert response.headers["Location"] == "/e/harbour-forum/manage/"
    event = db.session.scalar(sa.select(Event).where(Event.slug == "harbour-forum"))
    assert (event.name, event.timezone, event.city) == ("Harbour Forum", "Europe/Lisbon", "Lisbon")
    assert (event.starts_on, event.ends_on) == (date(2031, 5, 6), date(2031, 5, 7))
    assert (event.registration_open, event.approval_required) == (True, False)
    role = db.session.scalar(sa.select(EventRole).where(EventRole.event_id == event.id))
    assert (role.user_id, role.role) == (outsider.id, EventRoleKind.organizer)
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.event_id == event.id)
    )
    assert (registration.user_id, registration.status) == (outsider.id, RegistrationStatus.approved)
    assert len(event.terms) == 40
    assert client.get("/e/harbour-forum/manage/").status_code == 200


def test_create_event_without_suggested_lists(client, login, outsider):
    login(outsider)
    client.post("/events/new", data=new_event_data(suggested_lists=None))
    event = db.session.scalar(sa.select(Event).where(Event.slug == "harbour-forum"))
    assert (event.terms, event.ticket_types) == ([], [])


def test_create_event_empty_slug_suggested_from_name(client, login, outsider):
    login(outsider)
    response = client.post("/events/new", data=new_event_data(slug=""))
    assert response.headers["Location"] == "/e/harbour-forum/manage/"


def test_create_end_before_start_refused_and_input_kept(client, login, outsider):
    login(outsider)
    response = client.post(
        "/events/new", data=new_event_data(starts_on="2031-05-07", ends_on="2031-05-06")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The last day cannot be before the first day." in page
    assert 'value="Harbour Forum"' in page
    assert 'value="Pier 4"' in page
    assert "Two days by the sea." in page
    assert db.session.scalar(sa.select(Event).where(Event.slug == "harbour-forum")) is None


def test_create_bad_timezone_refused(client, login, outsider):
    login(outsider)
    response = client.post("/events/new", data=new_event_data(timezone="Mars/Olympus"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Not a valid choice." in page
    assert db.session.scalar(sa.select(Event).where(Event.slug == "harbour-forum")) is None


def test_create_taken_slug_refused_and_input_kept(client, login, outsider, event):
    login(outsider)
    response = client.post("/events/new", data=new_event_data(slug="northwind"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Another event already uses this address." in page
    assert 'value="northwind"' in page
    assert 'value="Harbour Forum"' in page


def test_create_malformed_slug_refused(client, login, outsider):
    login(outsider)
    response = client.post("/events/new", data=new_event_data(slug="Harbour Forum!"))
    assert "Use lower-case letters, digits and single dashes" in response.get_data(as_text=True)


def test_create_oversized_name_refused(client, login, outsider):
    login(outsider)
    response = client.post("/events/new", data=new_event_data(name="x" * 201))
    assert response.status_code == 200
    assert "Field cannot be longer than 200 characters." in response.get_data(as_text=True)


def test_create_form_lists_time_zones(client, login, outsider):
    login(outsider)
    page = client.get("/events/new").get_data(as_text=True)
    assert '<option value="Asia/Tokyo">Asia/Tokyo</option>' in page
    assert '<option selected value="UTC">UTC</option>' in page
