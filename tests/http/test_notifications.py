"""The notification centre's pages: who may see and change what, opening and marking
read, delivery choices, announcements in the app, and the one-click unsubscribe link."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.enums import NotificationDelivery, NotificationKind
from conference.extensions import db
from conference.models import Notification
from conference.services import mailings, segments
from conference.services import notifications as service

CONTACT = NotificationKind.contact


def note(user, text="Sam wants to connect", url="/me/contacts", **extra) -> Notification:
    row = service.notify(user.id, CONTACT, text, url=url, email=False, **extra)
    db.session.commit()
    return row


def reload(row: Notification) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, row.id)


@pytest.mark.parametrize(
    "url", ["/me/notifications", "/me/notifications/settings", "/me/announcements/1"]
)
def test_pages_send_anonymous_visitors_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_centre_lists_own_notifications_newest_first_with_unread_marked(
    client, login, event, attendee, speaker
):
    older = note(attendee, "older")
    newer = note(attendee, "newer", event_id=event.id)
    note(speaker, "not yours")
    service.mark_read(attendee, older)
    db.session.commit()
    login(attendee)

    page = client.get("/me/notifications").get_data(as_text=True)

    assert page.index("newer") < page.index("older")
    assert "not yours" not in page
    row = '<li class="list-group-item notification-row{}" data-notification="{}">'
    assert row.format(" is-unread", newer.id) in page
    assert row.format("", older.id) in page
    assert "Northwind Summit" in page


def test_nav_bell_shows_the_unread_count(client, login, attendee):
    note(attendee, "a")
    note(attendee, "b")
    login(attendee)

    page = client.get("/me/notifications/settings").get_data(as_text=True)

    assert "<span data-notifications-count>2</span>" in page


def test_open_marks_read_and_goes_where_it_leads(client, login, attendee):
    row = note(attendee)
    login(attendee)

    response = client.post(f"/me/notifications/{row.id}/open")

    assert response.status_code == 302
    assert response.headers["Location"] == "/me/contacts"
    assert reload(row).read_at is not None


def test_open_never_leads_off_the_site(client, login, attendee):
    row = note(attendee, url="//evil.example/x")
    login(attendee)

    response = client.post(f"/me/notifications/{row.id}/open")

    assert response.headers["Location"] == "/me/notifications"


def test_read_answers_json_for_the_page_script(client, login, attendee):
    row = note(attendee)
    note(attendee, "another")
    login(attendee)

    response = client.post(
        f"/me/notifications/{row.id}/read", headers={"Accept": "application/json"}
    )

    assert response.get_json() == {"ok": True, "id": row.id, "unread": 1}


@pytest.mark.parametrize("action", ["read", "open"])
def test_someone_elses_notification_is_refused(client, login, attendee, speaker, action):
    row = note(speaker)
    login(attendee)

    response = client.post(f"/me/notifications/{row.id}/{action}")

    assert response.status_code == 403
    assert reload(row).read_at is None


def test_read_all_reads_only_mine(client, login, attendee, speaker):
    note(attendee, "a")
    note(attendee, "b")
    theirs = note(speaker)
    login(attendee)

    response = client.post("/me/notifications/read-all")

    assert response.status_code == 302
    assert service.unread_count(attendee.id) == 0
    assert reload(theirs).read_at is None


def test_anonymous_cannot_mark_read(client, attendee):
    row = note(attendee)
    response = client.post(f"/me/notifications/{row.id}/read")
    assert response.status_code == 302
    assert reload(row).read_at is None


def test_settings_show_defaults_and_save_choices(client, login, attendee):
    login(attendee)
    page = client.get("/me/notifications/settings").get_data(as_text=True)
    assert page.count(" checked ") == len(service.CHOOSABLE)
    assert 'checked class="form-check-input" id="contact-1"' in page

    data = {str(kind): "instant" for kind in service.CHOOSABLE}
    data.update(contact="digest", message="in_app")
    response = client.post("/me/notifications/settings", data=data)

    assert response.status_code == 302
    chosen = service.deliveries(attendee)
    assert chosen[CONTACT] == NotificationDelivery.digest
    assert chosen[NotificationKind.message] == NotificationDelivery.in_app


def test_settings_say_when_the_digest_goes_out_and_how_closing_notices_are_mailed(
    client, login, attendee
):
    login(attendee)

    page = client.get("/me/notifications/settings").get_data(as_text=True).replace("\u202f", " ")

    assert "each morning at 7:00 AM UTC" in page
    assert "network closes, you are told what stays and until when" in page
    assert "or not at all with “in the app only”" in page


def test_settings_write_the_digest_hour_the_persons_way(client, login, attendee):
    attendee.locale = "ru"
    db.session.commit()
    login(attendee)

    page = client.get("/me/notifications/settings").get_data(as_text=True)

    assert "07:00" in page and "7:00 AM" not in page


def test_settings_refuse_an_unknown_choice(client, login, attendee):
    login(attendee)
    data = {str(kind): "instant" for kind in service.CHOOSABLE}
    data["contact"] = "pigeon"

    response = client.post("/me/notifications/settings", data=data)

    assert response.status_code == 400
    assert service.delivery_of(attendee.id, CONTACT) == NotificationDelivery.instant


# --- announcements ----------------------------------------------------------------------------


@pytest.fixture
def announcement(event, organizer, attendee):
    mailing = mailings.create_mailing(
        organizer,
        event,
        "announcement",
        "Doors open",
        "The doors open at **9**.",
        segments.Segment(),
    )
    db.session.commit()
    return mailing


def test_a_recipient_reads_the_announcement_in_the_app(client, login, attendee, announcement):
    login(attendee)

    response = client.get(f"/me/announcements/{announcement.id}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Doors open" in page
    assert "<strong>9</strong>" in page
    row = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == attendee.id,
            Notification.group_key == f"mailing:{announcement.id}",
        )
    )
    assert row.read_at is not None


@pytest.mark.parametrize("identity", ["outsider", "other_participant"])
def test_others_cannot_read_an_announcement(as_identity, client, announcement, identity):
    as_identity(identity)
    assert client.get(f"/me/announcements/{announcement.id}").status_code == 404


# --- one-click unsubscribe ---------------------------------------------------------------------


def test_unsubscribe_link_shows_a_confirmation_first(client, attendee):
    token = service.unsubscribe_token(attendee.id, CONTACT)

    response = client.get(f"/unsubscribe/notifications/{token}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Contact requests" in page
    assert attendee.email not in page
    assert service.delivery_of(attendee.id, CONTACT) == NotificationDelivery.instant


def test_one_click_post_unsubscribes_without_login_or_csrf(client, attendee):
    token = service.unsubscribe_token(attendee.id, CONTACT)

    response = client.post(
        f"/unsubscribe/notifications/{token}", data={"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    assert attendee.email not in response.get_data(as_text=True)
    db.session.expire_all()
    assert service.delivery_of(attendee.id, CONTACT) == NotificationDelivery.in_app
    assert service.delivery_of(attendee.id, NotificationKind.message) == (
        NotificationDelivery.instant
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_unsubscribe_link_is_refused(client, attendee, method):
    token = f"{attendee.id}:contact.forged"

    response = getattr(client, method)(f"/unsubscribe/notifications/{token}")

    assert response.status_code == 404
    assert service.delivery_of(attendee.id, CONTACT) == NotificationDelivery.instant
