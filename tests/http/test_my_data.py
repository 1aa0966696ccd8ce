"""The person's own data over HTTP: the privacy page's holdings and visibility, the
export (start, progress, download only by its owner until it expires) and deleting
the account (password, typed address, emailed link, POST with CSRF), per identity."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference import jobs
from conference.blueprints.profiles import my_data
from conference.blueprints.profiles.forms import ProfileForm
from conference.enums import ContactSource, DataExportStatus, MessagePolicy
from conference.extensions import db
from conference.models import Contact, Conversation, ConversationMember, Message, User
from conference.models.types import utcnow
from conference.services import privacy
from tests import factories

LINK = re.compile(r"http://localhost(/me/delete/confirm/\S+)")


def _delete_link(outbox, person) -> str:
    [mail] = outbox.to(person.email)
    return LINK.search(outbox.text(mail)).group(1)


# --- the page --------------------------------------------------------------------------------


def test_privacy_page_shows_holdings_contacts_and_export(client, login, event, attendee, speaker):
    db.session.add(
        Contact(owner_id=speaker.id, person_id=attendee.id, source=ContactSource.request)
    )
    db.session.add(
        Contact(owner_id=attendee.id, person_id=speaker.id, source=ContactSource.request)
    )
    db.session.commit()
    login(attendee)

    page = client.get("/me/privacy").get_data(as_text=True)

    assert f'data-holding="{event.slug}"' in page
    assert "1 person, who sees your email address" in page
    assert 'href="/me/contacts"' in page
    assert "Export my data" in page
    assert 'action="/me/delete"' not in page and 'href="/me/delete"' in page


def test_visibility_is_saved_and_reaches_the_directory(client, login, event, attendee):
    login(attendee)

    response = client.post(
        "/me/privacy/visibility", data={"message_policy": "contacts"}, follow_redirects=False
    )

    assert response.status_code == 302
    db.session.refresh(attendee.profile)
    assert attendee.profile.directory_visible is False
    assert attendee.profile.message_policy == MessagePolicy.contacts
    assert factories.registration_of(event, attendee).directory_visible is False


@pytest.mark.parametrize("name", ["directory_visible", "message_policy"])
def test_privacy_page_asks_what_the_profile_editor_asks(app, name):
    shared = getattr(my_data.VisibilityForm, name)
    own = getattr(ProfileForm, name)
    assert (shared.field_class, shared.args, shared.kwargs) == (
        own.field_class,
        own.args,
        own.kwargs,
    )


@pytest.mark.parametrize(
    "url", ["/me/privacy", "/me/data/export", "/me/delete", "/me/delete/confirm/x"]
)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_anonymous_cannot_start_an_export_or_a_deletion(client):
    assert "/login" in client.post("/me/data/export").headers["Location"]
    assert "/login" in client.post("/me/delete", data={"password": "x"}).headers["Location"]


# --- export ---------------------------------------------------------------------------------


def test_export_runs_and_only_its_owner_downloads_it(client, login, attendee, other_participant):
    login(attendee)
    assert client.get("/me/data/export").get_json() == {"status": None}

    client.post("/me/data/export")
    assert client.get("/me/data/export").get_json()["status"] == "queued"
    jobs.run_pending()
    status = client.get("/me/data/export").get_json()
    assert status["status"] == "ready"

    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    data = zipfile.ZipFile(io.BytesIO(download.data)).read("data.json").decode()
    download.close()
    assert attendee.email in data

    page = client.get("/me/privacy").get_data(as_text=True)
    assert status["download_url"] in page

    client.post("/logout")
    assert "/login" in client.get(status["download_url"]).headers["Location"]
    login(other_participant)
    assert client.get(status["download_url"]).status_code == 404


def test_an_expired_link_no_longer_downloads(client, login, attendee):
    login(attendee)
    client.post("/me/data/export")
    jobs.run_pending()
    export = privacy.latest_export(attendee)
    url = privacy.download_url(export)
    export.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert client.get(url).status_code == 410
    assert export.status == DataExportStatus.ready


def test_starting_an_export_needs_the_csrf_token(client, login, attendee, app, monkeypatch):
    login(attendee)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    response = client.post("/me/data/export")

    assert response.status_code in (302, 400)
    assert privacy.latest_export(attendee) is None


# --- deletion -------------------------------------------------------------------------------


def test_deletion_walks_password_email_link_and_button(
    client, login, event, attendee, speaker, outbox
):
    me_id, old_email = attendee.id, attendee.email
    login(attendee)
    assert "Type the email address" in client.get("/me/delete").get_data(as_text=True)

    wrong = client.post(
        "/me/delete", data={"password": "nope nope nope", "confirmation": attendee.email}
    )
    assert wrong.status_code == 400
    assert "This is not your password." in wrong.get_data(as_text=True)
    assert outbox.to(attendee.email) == []

    sent = client.post(
        "/me/delete", data={"password": factories.PASSWORD, "confirmation": attendee.email}
    )
    assert sent.status_code == 200 and "Check your email" in sent.get_data(as_text=True)
    link = _delete_link(outbox, attendee)
    assert db.session.get(User, me_id).deleted_at is None

    page = client.get(link)
    assert page.status_code == 200
    assert "Delete my account now" in page.get_data(as_text=True)
    assert db.session.get(User, me_id).deleted_at is None  # a GET never deletes

    done = client.post(link)

    assert done.status_code == 200
    assert "Your account was deleted" in done.get_data(as_text=True)
    person = db.session.get(User, me_id)
    assert person.is_deleted and person.email != old_email
    assert "/login" in client.get("/me/privacy").headers["Location"]  # logged out
    [confirmation] = [m for m in outbox.to(old_email) if "was deleted" in m["Subject"]]
    assert "was deleted" in outbox.text(confirmation)
    # The old login no longer works.
    response = client.post("/login", data={"email": old_email, "password": factories.PASSWORD})
    assert response.status_code != 302


def test_the_confirm_button_refuses_a_cross_site_post(
    client, login, attendee, outbox, app, monkeypatch
):
    login(attendee)
    client.post("/me/delete", data={"password": factories.PASSWORD, "confirmation": attendee.email})
    link = _delete_link(outbox, attendee)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    forged = client.post(link)

    assert forged.status_code == 400
    assert db.session.get(User, attendee.id).deleted_at is None


def test_a_link_opened_by_another_account_does_nothing(client, login, attendee, speaker, outbox):
    login(attendee)
    client.post("/me/delete", data={"password": factories.PASSWORD, "confirmation": attendee.email})
    link = _delete_link(outbox, attendee)
    client.post("/logout")
    login(speaker)

    assert client.get(link).status_code == 400
    assert client.post(link).status_code == 400
    assert db.session.get(User, attendee.id).deleted_at is None
    assert db.session.get(User, speaker.id).deleted_at is None


def test_the_only_organizer_is_told_to_hand_over(client, login, event, organizer, outbox):
    login(organizer)

    page = client.get("/me/delete").get_data(as_text=True)
    assert "only organizer of Northwind Summit" in page
    refused = client.post(
        "/me/delete", data={"password": factories.PASSWORD, "confirmation": organizer.email}
    )

    assert refused.status_code == 400
    assert outbox.to(organizer.email) == []


def test_the_other_person_sees_a_deleted_participant(
    client, login, event, attendee, speaker, outbox
):
    low, high = sorted((attendee.id, speaker.id))
    conversation = Conversation(user_low_id=low, user_high_id=high, event_id=event.id)
    db.session.add(conversation)
    db.session.flush()
    for person in (attendee, speaker):
        db.session.add(ConversationMember(conversation_id=conversation.id, user_id=person.id))
    db.session.add(
        Message(conversation_id=conversation.id, sender_id=attendee.id, client_id="a", body="Bye!")
    )
    conversation.last_message_at = utcnow()
    db.session.commit()
    privacy.delete_account(attendee, privacy.deletion_token(attendee))
    db.session.commit()
    login(speaker)

    inbox = client.get("/messages/").get_data(as_text=True)
    page = client.get(f"/messages/{conversation.id}")

    assert "a deleted participant" in inbox and "Anna Attendee" not in inbox
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Bye!" in text and "a deleted participant" in text and "Anna Attendee" not in text
    assert (
        db.session.scalar(sa.select(Message.sender_id).where(Message.body == "Bye!")) == attendee.id
    )
