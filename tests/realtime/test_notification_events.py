"""Live notifications: news reaches the person's open sockets as ``notification`` with
their unread count (messages, contact requests, announcements alike), reading elsewhere
arrives as ``notifications_read``, and nobody else hears anything."""

from __future__ import annotations

from conference.enums import NotificationKind
from conference.extensions import db
from conference.services import mailings, messaging, segments
from conference.services import notifications as service
from tests.realtime.test_sockets import log_in


def test_a_message_updates_the_recipients_bell_live(open_socket, event, attendee, speaker):
    conversation = messaging.get_or_create_conversation(attendee, event, speaker)
    db.session.commit()
    anna, sam = open_socket(attendee), open_socket(speaker)

    assert (
        anna.call(
            "send_message", {"conversation_id": conversation.id, "client_id": "m1", "body": "Hello"}
        )["ok"]
        is True
    )
    anna.call(
        "send_message", {"conversation_id": conversation.id, "client_id": "m2", "body": "Again"}
    )

    first, second = sam.received("notification")
    assert first[1] == {
        "id": first[1]["id"],
        "kind": "message",
        "text": "Anna Attendee sent you a message",
        "url": f"/messages/{conversation.id}",
        "count": 1,
        "unread": 1,
    }
    assert second[1] == {**first[1], "count": 2}
    assert anna.received("notification") == []


def test_reading_in_another_tab_clears_the_bell_live(app, open_socket, attendee, speaker):
    row = service.notify(attendee.id, NotificationKind.contact, "Sam wants to connect", email=False)
    service.notify(attendee.id, NotificationKind.contact, "Lee wants to connect", email=False)
    db.session.commit()
    tab, stranger = open_socket(attendee), open_socket(speaker)
    http = app.test_client()
    log_in(http, attendee)

    http.post(f"/me/notifications/{row.id}/read")
    http.post("/me/notifications/read-all")

    assert tab.received("notifications_read") == [
        ("notifications_read", {"ids": [row.id], "all": False, "unread": 1}),
        ("notifications_read", {"ids": None, "all": True, "unread": 0}),
    ]
    assert stranger.received() == []


def test_an_announcement_reaches_the_open_pages_of_its_recipients(
    open_socket, event, organizer, attendee, outsider
):
    anna, stranger = open_socket(attendee), open_socket(outsider)

    mailing = mailings.create_mailing(
        organizer, event, "announcement", "Doors open", "Welcome", segments.Segment()
    )
    db.session.commit()

    ((_name, payload),) = anna.received("notification")
    assert payload["text"] == "Northwind Summit: Doors open"
    assert payload["url"] == f"/me/announcements/{mailing.id}"
    assert (payload["kind"], payload["unread"]) == ("announcement", 1)
    assert stranger.received() == []
