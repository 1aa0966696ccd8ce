"""The platform admin's accounts page: allowing event creation and suspending accounts."""

from __future__ import annotations

import pytest

from conference.extensions import db
from tests import factories
from tests.conftest import IDENTITIES


def test_accounts_page_lists_accounts_for_admin(client, login, platform_admin, attendee):
    login(platform_admin)

    body = client.get("/admin/accounts?q=anna").get_data(as_text=True)

    assert attendee.email in body
    assert platform_admin.email not in body


@pytest.mark.parametrize("identity", [i for i in IDENTITIES if i != "anonymous"])
def test_account_update_refused_to_non_admins(identity, client, as_identity, attendee):
    as_identity(identity)

    response = client.post(f"/admin/accounts/{attendee.id}", data={"action": "suspend"})

    assert response.status_code == 403
    db.session.refresh(attendee)
    assert attendee.is_suspended is False


def test_allow_event_creation_lets_account_create_events(app, client, login, platform_admin):
    person = factories.user(name="Erin Eventmaker")
    app.config["EVENT_CREATION"] = "allowed"
    try:
        login(platform_admin)
        client.post(f"/admin/accounts/{person.id}", data={"action": "allow_events"})
        client.post("/logout")
        login(person)

        response = client.get("/events/new")
    finally:
        app.config["EVENT_CREATION"] = "verified"

    assert response.status_code == 200
    db.session.refresh(person)
    assert person.can_create_events is True


def test_suspend_logs_out_open_session(app, client, login, platform_admin, attendee):
    theirs = app.test_client()
    theirs.post("/login", data={"email": attendee.email, "password": factories.PASSWORD})
    assert theirs.get("/me/profile").status_code == 200
    login(platform_admin)

    client.post(f"/admin/accounts/{attendee.id}", data={"action": "suspend"})

    response = theirs.get("/me/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_admin_cannot_suspend_self(client, login, platform_admin):
    login(platform_admin)

    response = client.post(
        f"/admin/accounts/{platform_admin.id}", data={"action": "suspend"}, follow_redirects=True
    )

    assert "You cannot suspend your own account." in response.get_data(as_text=True)
    db.session.refresh(platform_admin)
    assert platform_admin.is_suspended is False


def test_unknown_action_is_bad_request(client, login, platform_admin, attendee):
    login(platform_admin)

    response = client.post(f"/admin/accounts/{attendee.id}", data={"action": "delete"})

    assert response.status_code == 400
