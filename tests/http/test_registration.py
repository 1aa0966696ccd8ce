"""Registering for an event over HTTP, one's own registration, and "My events"."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.enums import EventVisibility, RegistrationStatus
from conference.extensions import db
from conference.models import InvitationCode, Registration
from tests import factories


def form_data(event, **changes) -> dict:
    data = {
        "ticket_type": factories.ticket(event, "VIP").id,
        "company": "Globex",
        "job_title": "Head of Payments",
        "industry": factories.term(event, "industry", "Finance").id,
        "region": factories.term(event, "region", "APAC").id,
        "job_role": factories.term(event, "job_role", "CTO").id,
        "interests": [
            factories.term(event, "topic", "AI").id,
            factories.term(event, "topic", "Payments").id,
        ],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def registration_of(user, event) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )


# --- who may open the pages --------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/e/northwind/register",
        "/e/northwind/registration",
        "/e/northwind/registration/edit",
        "/e/northwind/registration/cancel",
        "/me/events",
    ],
)
def test_registration_pages_anonymous_redirect_to_login(client, event, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={path.replace('/', '%2F')}"


def test_register_unverified_shows_verify_page(client, login, event):
    person = login(factories.user(verified=False))

    response = client.get("/e/northwind/register")

    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Confirm your email address first" in page
    assert 'action="/verify/resend"' in page
    assert person.email in page


def test_register_closed_shows_closed_page(client, login, event):
    event.registration_open = False
    db.session.commit()
    login(factories.user())

    response = client.get("/e/northwind/register")

    assert response.status_code == 403
    assert "Registration is closed" in response.get_data(as_text=True)


def test_register_already_registered_redirects_to_registration(client, login, attendee):
    login(attendee)

    response = client.get("/e/northwind/register")

    assert (response.status_code, response.headers["Location"]) == (
        302,
        "/e/northwind/registration",
    )


def test_register_unknown_event_is_404(client, login, event):
    login(factories.user())

    assert client.get("/e/nope/register").status_code == 404


# --- the form ----------------------------------------------------------------------------


def test_register_form_prefills_profile_and_lists_choices(client, login, event):
    login(factories.user(company="Initech", job_title="Analyst"))

    page = client.get("/e/northwind/register").get_data(as_text=True)

    assert 'value="Initech"' in page
    assert 'value="Analyst"' in page
    for name in ("Standard", "VIP", "Finance", "APAC", "CTO", "Payments", "Security"):
        assert name in page
    assert 'name="code"' not in page


def test_register_form_disables_full_ticket(client, login, event, attendee):
    standard = factories.ticket(event)
    standard.capacity = 1
    db.session.commit()
    login(factories.user())

    page = client.get("/e/northwind/register").get_data(as_text=True)

    assert f'value="{standard.id}" disabled required>' in page
    assert "Full" in page


def test_register_creates_registration_and_emails(client, login, event, outbox):
    person = login(factories.user("Mia Müller"))

    response = client.post("/e/northwind/register", data=form_data(event))

    assert (response.status_code, response.headers["Location"]) == (
        302,
        "/e/northwind/registration",
    )
    registration = registration_of(person, event)
    assert registration.status == RegistrationStatus.approved
    assert [t.name for t in registration.interests] == ["AI", "Payments"]
    assert (person.profile.company, person.profile.job_title) == ("Globex", "Head of Payments")
    (message,) = outbox.to(person.email)
    assert message["Subject"] == "Your registration for Northwind Summit"
    assert "http://localhost/e/northwind/registration" in outbox.text(message)


def test_register_with_approval_is_pending(client, login, event, outbox):
    event.approval_required = True
    db.session.commit()
    person = login(factories.user())

    response = client.post("/e/northwind/register", data=form_data(event), follow_redirects=True)

    assert registration_of(person, event).status == RegistrationStatus.pending
    assert "Waiting for the organizers" in response.get_data(as_text=True)


def test_register_errors_keep_typed_values(client, login, event, outbox):
    person = login(factories.user())

    response = client.post(
        "/e/northwind/register",
        data=form_data(event, interests=None, company="Ünïcödé GmbH", region=""),
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose at least one interest." in page
    assert "Choose your region." in page
    assert 'value="Ünïcödé GmbH"' in page
    assert f'<option selected value="{factories.term(event, "industry", "Finance").id}">' in page
    assert registration_of(person, event) is None
    assert outbox.messages == []


def test_register_forged_term_refused_and_nothing_written(client, login, event, other_event):
    person = login(factories.user(company="Old Co"))
    forged = factories.term(other_event, "industry", "Finance").id

    response = client.post(
        "/e/northwind/register", data=form_data(event, industry=forged, company="New Co")
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose one of the listed options." in page
    assert 'value="New Co"' in page
    assert registration_of(person, event) is None
    assert person.profile.company == "Old Co"


def test_register_too_long_company_refused(client, login, event):
    person = login(factories.user())

    response = client.post("/e/northwind/register", data=form_data(event, company="x" * 121))

    assert "Field cannot be longer than 120 characters." in response.get_data(as_text=True)
    assert registration_of(person, event) is None


def test_register_invitation_event_prefills_code_from_link(client, login, event):
    event.visibility = EventVisibility.invitation
    db.session.commit()
    login(factories.user())

    page = client.get("/e/northwind/register?code=JOIN2345").get_data(as_text=True)

    assert 'name="code"' in page
    assert 'value="JOIN2345"' in page


def test_register_invitation_event_wrong_code_shown_at_field(client, login, event):
    event.visibility = EventVisibility.invitation
    db.session.commit()
    person = login(factories.user())

    response = client.post("/e/northwind/register", data=form_data(event, code="NOPE2345"))

    page = response.get_data(as_text=True)
    assert 'id="code-errors"' in page
    assert "This invitation code is not valid for this event." in page
    assert registration_of(person, event) is None


def test_register_invitation_event_with_code(client, login, event):
    event.visibility = EventVisibility.invitation
    code = InvitationCode(event_id=event.id, code="JOIN2345", max_uses=3)
    db.session.add(code)
    db.session.commit()
    person = login(factories.user())

    client.post("/e/northwind/register", data=form_data(event, code="join2345"))

    assert registration_of(person, event).invitation_code_id == code.id
    assert code.uses == 1


def test_register_again_after_cancel_reuses_row(client, login, event):
    person = factories.participant(event, "Cid Cancelled", status="cancelled")
    first = registration_of(person, event)
    login(person)

    client.post("/e/northwind/register", data=form_data(event))

    again = registration_of(person, event)
    assert (again.id, again.status) == (first.id, RegistrationStatus.approved)


# --- my registration ---------------------------------------------------------------------


def test_detail_without_registration_redirects_to_register(client, login, event):
    login(factories.user())

    response = client.get("/e/northwind/registration")

    assert response.headers["Location"] == "/e/northwind/register"


def test_detail_shows_status_and_answers(client, login, event):
    person = factories.participant(
        event, "Pat Pending", status="pending", company="Acme", interests=["Security"]
    )
    login(person)

    page = client.get("/e/northwind/registration").get_data(as_text=True)

    assert "Waiting for approval" in page
    for text in ("Acme", "Standard", "Software", "EMEA", "Engineer", "Security"):
        assert text in page
    assert 'href="/e/northwind/registration/edit"' in page
    assert 'href="/e/northwind/registration/cancel"' in page


def test_detail_declined_shows_note(client, login, event):
    person = factories.participant(event, "Dee Declined", status="declined")
    registration_of(person, event).organizer_note = "We are over capacity."
    db.session.commit()
    login(person)

    page = client.get("/e/northwind/registration").get_data(as_text=True)

    assert "Your registration was not accepted" in page
    assert "We are over capacity." in page
    assert 'href="/e/northwind/registration/edit"' not in page


def test_edit_updates_answers_and_profile(client, login, event, attendee):
    login(attendee)

    response = client.post(
        "/e/northwind/registration/edit", data=form_data(event, company="Initech")
    )

    assert response.headers["Location"] == "/e/northwind/registration"
    registration = registration_of(attendee, event)
    assert (registration.ticket_type.name, registration.industry.name) == ("VIP", "Finance")
    assert registration.status == RegistrationStatus.approved
    assert attendee.profile.company == "Initech"


def test_edit_form_prefills_current_answers(client, login, event, attendee):
    login(attendee)

    page = client.get("/e/northwind/registration/edit").get_data(as_text=True)

    assert f'<option selected value="{factories.term(event, "industry", "Software").id}">' in page
    assert 'value="Acme"' in page
    assert "Save changes" in page


def test_edit_cancelled_registration_refused(client, login, event):
    person = factories.participant(event, "Cid Cancelled", status="cancelled")
    login(person)

    assert client.get("/e/northwind/registration/edit").status_code == 403


def test_cancel_asks_for_confirmation(client, login, event, attendee):
    login(attendee)

    response = client.get("/e/northwind/registration/cancel")

    assert response.status_code == 200
    assert "Yes, cancel my registration" in response.get_data(as_text=True)
    assert registration_of(attendee, event).status == RegistrationStatus.approved


def test_cancel_post_cancels_and_emails(client, login, event, attendee, outbox):
    login(attendee)

    response = client.post("/e/northwind/registration/cancel")

    assert response.headers["Location"] == "/e/northwind/registration"
    assert registration_of(attendee, event).status == RegistrationStatus.cancelled
    (message,) = outbox.to(attendee.email)
    assert message["Subject"] == "Your registration for Northwind Summit was cancelled"


def test_cancel_declined_registration_refused(client, login, event):
    person = factories.participant(event, "Dee Declined", status="declined")
    login(person)

    assert client.post("/e/northwind/registration/cancel").status_code == 403
    assert registration_of(person, event).status == RegistrationStatus.declined


# --- my events ----------------------------------------------------------------------------


def test_mine_lists_events_with_status_and_links(client, login, event, other_event, organizer):
    factories.participant(other_event, person=organizer, status="pending")
    login(organizer)

    page = client.get("/me/events").get_data(as_text=True)

    assert "Northwind Summit" in page
    assert "Other Conf" in page
    assert "Waiting for approval" in page
    assert 'href="/e/northwind/people/"' in page
    assert 'href="/e/northwind/manage/"' in page
    assert 'href="/e/other-conf/people/"' not in page
    assert 'href="/e/other-conf/manage/"' not in page


def test_mine_without_events_shows_empty_state(client, login, event):
    login(factories.user())

    page = client.get("/me/events").get_data(as_text=True)

    assert "No events yet" in page
