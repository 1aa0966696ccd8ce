"""Socket events of direct messaging, through Flask-SocketIO's test client.

Each socket belongs to its own Flask test client (its own cookie jar), logged in
through the real login form. Socket events run in the test's thread and app context,
so ``fresh_context`` empties ``g`` before each one, as a new event's context would
be in production (like ``_fresh_request_globals`` does for HTTP requests).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import g

from conference.extensions import db, socketio
from conference.models import ConversationMember, Message, SocketPresence
from conference.models.people import new_session_nonce
from conference.services import messaging as service
from conference.services import moderation, platform
from tests import factories
from tests.conftest import PASSWORD

NO_SUCH_CONVERSATION = 2_000_000_000


def fresh_context() -> None:
    for key in list(g):
        g.pop(key)


def log_in(http, user) -> None:
    response = http.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def _data(event: dict):
    # The test client unwraps the argument of events named "message" (Flask-SocketIO's
    # ``send``); other events keep a list of arguments.
    if event["name"] in ("message", "json"):
        return event["args"]
    return event["args"][0] if event["args"] else None


class Socket:
    """One browser's socket: ``call`` sends an event and returns its acknowledgement."""

    def __init__(self, app, http, headers=None):
        fresh_context()
        self.client = socketio.test_client(app, flask_test_client=http, headers=headers)

    @property
    def connected(self) -> bool:
        return self.client.is_connected()

    def call(self, event: str, *args):
        fresh_context()
        return self.client.emit(event, *args, callback=True)

    def received(self, name: str | None = None) -> list:
        """Events the server sent since the last look, as (name, data) pairs."""
        events, self.client.queue = self.client.queue, []
        pairs = [(e["name"], _data(e)) for e in events]
        return [p for p in pairs if name is None or p[0] == name]

    def close(self) -> None:
        fresh_context()
        self.client.disconnect()


@pytest.fixture
def open_socket(app):
    """Open a socket for ``user`` (logged in on a new test client), or on ``http``."""
    opened: list[Socket] = []

    def do(user=None, *, http=None, headers=None, of_app=None) -> Socket:
        target = of_app or app
        if http is None:
            http = target.test_client()
            if user is not None:
                log_in(http, user)
        socket = Socket(target, http, headers)
        opened.append(socket)
        return socket

    yield do
    for socket in opened:
        if socket.connected:
            socket.close()


@pytest.fixture
def conversation(event, attendee, speaker):
    found = service.get_or_create_conversation(attendee, event, speaker)
    db.session.commit()
    return found


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def read_markers(conversation) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(ConversationMember.last_read_message_id)
            .where(ConversationMember.conversation_id == conversation.id)
            .order_by(ConversationMember.user_id)
        )
    )


def send(socket: Socket, conversation, body: str = "Hello", client_id: str = "c-1"):
    return socket.call(
        "send_message",
        {"conversation_id": conversation.id, "client_id": client_id, "body": body},
    )


# --- connecting -------------------------------------------------------------------------


def test_connect_refused_without_login(open_socket):
    socket = open_socket(None)

    assert socket.connected is False
    assert count(SocketPresence) == 0


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://localhost.evil.example", "http://localhost:8080", "null"],
)
def test_connect_refused_from_foreign_origin(open_socket, attendee, origin):
    socket = open_socket(attendee, headers={"Origin": origin})

    assert socket.connected is False
    assert count(SocketPresence) == 0


def test_connect_accepted_from_own_origin(open_socket, attendee):
    socket = open_socket(attendee, headers={"Origin": "http://localhost"})

    assert socket.connected is True
    assert db.session.scalars(sa.select(SocketPresence.user_id)).all() == [attendee.id]


def test_connect_refused_for_suspended_account(app, open_socket, platform_admin, attendee):
    browser = app.test_client()
    log_in(browser, attendee)
    platform.set_suspended(platform_admin, attendee, True)
    db.session.commit()

    socket = open_socket(http=browser)

    assert socket.connected is False
    assert count(SocketPresence) == 0


def test_presence_online_on_first_socket_offline_after_last(
    open_socket, conversation, attendee, speaker
):
    watcher = open_socket(speaker)
    watcher.received()

    first = open_socket(attendee)
    second = open_socket(attendee)
    assert watcher.received("presence") == [("presence", {"user_id": attendee.id, "online": True})]

    first.close()
    assert watcher.received("presence") == []
    second.close()
    assert watcher.received("presence") == [("presence", {"user_id": attendee.id, "online": False})]
    assert db.session.scalars(sa.select(SocketPresence.user_id)).all() == [speaker.id]


# --- sending ------------------------------------------------------------------------------


def test_send_message_acknowledged_and_delivered_to_both(
    open_socket, conversation, attendee, speaker
):
    anna, sam = open_socket(attendee), open_socket(speaker)
    anna.received()

    ack = send(anna, conversation, "Coffee at 10?", "uuid-1")

    stored = db.session.scalar(sa.select(Message))
    payload = service.message_payload(stored)
    assert ack == {"ok": True, "message": payload, "created": True}
    assert payload["body"] == "Coffee at 10?"
    *delivered, (name, notice) = sam.received()
    assert delivered == [("message", payload), ("unread", {"total": 1})]
    assert name == "notification"
    assert (notice["kind"], notice["url"], notice["unread"]) == (
        "message",
        f"/messages/{conversation.id}",
        1,
    )
    assert anna.received() == [("message", payload)]


def test_send_message_resend_same_client_id_stores_once(
    open_socket, conversation, attendee, speaker
):
    anna, sam = open_socket(attendee), open_socket(speaker)

    first = send(anna, conversation, "Hi", "same-id")
    again = send(anna, conversation, "Hi", "same-id")

    assert (first["created"], again["created"]) == (True, False)
    assert again["message"] == first["message"]
    assert count(Message) == 1
    assert len(sam.received("message")) == 1


def test_messages_keep_their_order(open_socket, conversation, attendee, speaker):
    anna, sam = open_socket(attendee), open_socket(speaker)
    bodies = [f"message {i}" for i in range(6)]

    for i, body in enumerate(bodies):
        send(anna if i % 2 else sam, conversation, body, f"id-{i}")
    ack = sam.call("sync", {"conversation_id": conversation.id, "after_id": 0})

    assert [m["body"] for m in ack["messages"]] == bodies
    ids = [m["id"] for m in ack["messages"]]
    assert ids == sorted(ids)
    assert [data["body"] for _name, data in sam.received("message")] == bodies
    assert ack["more"] is False


def test_reconnect_catches_up_with_sync(app, open_socket, conversation, attendee, speaker):
    anna = open_socket(attendee)
    sam_browser = app.test_client()
    log_in(sam_browser, speaker)
    sam = open_socket(http=sam_browser)
    seen = send(anna, conversation, "before", "b-0")["message"]
    assert sam.received("message") == [("message", seen)]

    sam.close()
    missed = [send(anna, conversation, f"while away {i}", f"w-{i}")["message"] for i in range(3)]
    back = open_socket(http=sam_browser)
    ack = back.call("sync", {"conversation_id": conversation.id, "after_id": seen["id"]})

    assert ack == {"ok": True, "messages": missed, "more": False}


def test_sync_pages_after_two_hundred(open_socket, conversation, attendee):
    db.session.add_all(
        Message(conversation_id=conversation.id, sender_id=attendee.id, client_id=f"m{i}", body="x")
        for i in range(201)
    )
    db.session.commit()
    anna = open_socket(attendee)

    first = anna.call("sync", {"conversation_id": conversation.id, "after_id": 0})
    rest = anna.call(
        "sync", {"conversation_id": conversation.id, "after_id": first["messages"][-1]["id"]}
    )

    assert (len(first["messages"]), first["more"]) == (200, True)
    assert (len(rest["messages"]), rest["more"]) == (1, False)


def test_emits_leave_only_after_commit(open_socket, conversation, attendee, speaker):
    sam = open_socket(speaker)
    sam.received()

    service.send_message(attendee, conversation, client_id="rolled", body="never")
    db.session.rollback()
    assert sam.received() == []

    service.send_message(attendee, conversation, client_id="kept", body="kept")
    assert sam.received() == []
    db.session.commit()
    assert [name for name, _data in sam.received()] == ["message", "unread", "notification"]


# --- who may do what ----------------------------------------------------------------------


@pytest.mark.parametrize("identity", ["other_participant", "outsider", "organizer", "pending"])
@pytest.mark.parametrize(
    ("event_name", "payload"),
    [
        ("send_message", {"client_id": "x", "body": "hi"}),
        ("sync", {"after_id": 0}),
        ("mark_read", {"message_id": 1}),
        ("typing", {}),
        ("presence", {}),
    ],
)
def test_events_in_someone_elses_conversation_answer_not_found(
    request, open_socket, conversation, identity, event_name, payload
):
    intruder = open_socket(request.getfixturevalue(identity))
    markers = read_markers(conversation)

    theirs = intruder.call(event_name, {"conversation_id": conversation.id, **payload})
    missing = intruder.call(event_name, {"conversation_id": NO_SUCH_CONVERSATION, **payload})

    assert theirs == {
        "ok": False,
        "error": "not_found",
        "message": "This conversation does not exist.",
    }
    assert missing == theirs
    assert count(Message) == 0
    assert read_markers(conversation) == markers


def test_block_refuses_both_ways_like_any_refusal(
    open_socket, event, conversation, organizer, attendee, speaker, sponsor_staff
):
    anna, sam = open_socket(attendee), open_socket(speaker)
    service.block(attendee, speaker)
    db.session.commit()
    sam.received()

    blocked = send(sam, conversation, "hi", "s-1")
    blocker = send(anna, conversation, "hi", "a-1")
    typing = sam.call("typing", {"conversation_id": conversation.id})
    presence = sam.call("presence", {"conversation_id": conversation.id})

    other = service.get_or_create_conversation(sponsor_staff, event, organizer)
    moderation.suspend(organizer, event, sponsor_staff, "messaging", "lifted", "spam")
    db.session.commit()
    suspended = send(open_socket(sponsor_staff), other, "hi", "x-1")

    assert blocked == {
        "ok": False,
        "error": "cannot_send",
        "message": "You can't send messages in this conversation.",
    }
    assert blocker == blocked
    assert suspended == blocked
    assert typing == blocked
    assert presence == {"ok": True, "online": False}
    assert count(Message) == 0
    assert anna.received("message") == []


def test_messaging_suspension_applies_to_open_socket(
    open_socket, event, conversation, organizer, attendee
):
    anna = open_socket(attendee)
    assert send(anna, conversation, "first", "1")["ok"] is True

    moderation.suspend(organizer, event, attendee, "messaging", "lifted", "spam")
    db.session.commit()

    assert send(anna, conversation, "second", "2")["error"] == "cannot_send"
    assert count(Message) == 1


# --- malformed payloads -----------------------------------------------------------------------


def _with(cid: int, **fields) -> dict:
    payload = {"conversation_id": cid, "client_id": "ok-id", "body": "Hello"}
    payload.update(fields)
    return {k: v for k, v in payload.items() if v is not ...}


MALFORMED_SENDS = {
    "nothing": lambda cid: (),
    "two_arguments": lambda cid: (_with(cid), _with(cid)),
    "a_string": lambda cid: ("hello",),
    "a_list": lambda cid: ([cid, "id", "body"],),
    "null": lambda cid: (None,),
    "a_number": lambda cid: (42,),
    "empty_object": lambda cid: ({},),
    "missing_conversation": lambda cid: (_with(cid, conversation_id=...),),
    "missing_client_id": lambda cid: (_with(cid, client_id=...),),
    "missing_body": lambda cid: (_with(cid, body=...),),
    "conversation_as_string": lambda cid: (_with(cid, conversation_id=str(cid)),),
    "conversation_as_float": lambda cid: (_with(cid, conversation_id=cid + 0.5),),
    "conversation_as_bool": lambda cid: (_with(cid, conversation_id=True),),
    "conversation_negative": lambda cid: (_with(cid, conversation_id=-cid),),
    "conversation_zero": lambda cid: (_with(cid, conversation_id=0),),
    "conversation_huge": lambda cid: (_with(cid, conversation_id=2**70),),
    "client_id_number": lambda cid: (_with(cid, client_id=7),),
    "client_id_empty": lambda cid: (_with(cid, client_id=""),),
    "client_id_too_long": lambda cid: (_with(cid, client_id="x" * 65),),
    "client_id_odd_characters": lambda cid: (_with(cid, client_id="a b<script>"),),
    "body_blank": lambda cid: (_with(cid, body="   \n "),),
    "body_too_long": lambda cid: (_with(cid, body="x" * 4001),),
    "body_huge": lambda cid: (_with(cid, body="x" * 200_000),),
    "body_list": lambda cid: (_with(cid, body=["Hello"]),),
    "body_null": lambda cid: (_with(cid, body=None),),
    "body_object": lambda cid: (_with(cid, body={"html": "<b>x</b>"}),),
    "room_named_by_client": lambda cid: (_with(cid, room="user:1"),),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_SENDS))
def test_send_message_malformed_payload_refused_and_nothing_changes(
    open_socket, conversation, attendee, speaker, case
):
    anna, sam = open_socket(attendee), open_socket(speaker)
    sam.received()
    markers = read_markers(conversation)

    ack = anna.call("send_message", *MALFORMED_SENDS[case](conversation.id))

    assert (ack["ok"], ack["error"]) == (False, "invalid")
    assert ack["message"]
    assert count(Message) == 0
    assert read_markers(conversation) == markers
    assert sam.received() == []


@pytest.mark.parametrize(
    ("payload", "message", "fields"),
    [
        (
            {"conversation_id": 1, "body": "hi"},
            "The request was not understood: client_id is missing.",
            ["client_id"],
        ),
        (
            {"conversation_id": "1", "client_id": "a", "body": "x" * 4001, "to": "user:2"},
            "The request was not understood: conversation_id must be a whole number; "
            "body is too long (at most 4000 characters); to is not expected.",
            ["body", "conversation_id", "to"],
        ),
        (
            "hi",
            "The request was not understood: the payload must be an object with named fields.",
            [],
        ),
    ],
)
def test_malformed_payload_answer_names_the_problem(
    open_socket, attendee, payload, message, fields
):
    ack = open_socket(attendee).call("send_message", payload)

    assert ack == {"ok": False, "error": "invalid", "message": message, "fields": fields}


def test_send_message_unknown_conversation_not_found(open_socket, attendee):
    ack = open_socket(attendee).call(
        "send_message", {"conversation_id": NO_SUCH_CONVERSATION, "client_id": "a", "body": "b"}
    )

    assert ack["error"] == "not_found"
    assert count(Message) == 0


@pytest.mark.parametrize(
    ("event_name", "payload"),
    [
        ("sync", {"after_id": -1}),
        ("sync", {}),
        ("sync", {"after_id": "0"}),
        ("mark_read", {"message_id": 0}),
        ("mark_read", {"message_id": -5}),
        ("mark_read", {}),
        ("mark_read", {"message_id": 1.0}),
        ("typing", {"extra": True}),
        ("presence", {"user_id": 1}),
    ],
)
def test_other_events_malformed_payload_refused(
    open_socket, conversation, attendee, event_name, payload
):
    markers = read_markers(conversation)

    ack = open_socket(attendee).call(event_name, {"conversation_id": conversation.id, **payload})

    assert (ack["ok"], ack["error"]) == (False, "invalid")
    assert read_markers(conversation) == markers


def test_mark_read_message_of_another_conversation_refused(
    open_socket, event, conversation, attendee, speaker, sponsor_staff
):
    elsewhere = service.get_or_create_conversation(speaker, event, sponsor_staff)
    foreign, _created = service.send_message(speaker, elsewhere, client_id="f", body="x")
    db.session.commit()

    ack = open_socket(attendee).call(
        "mark_read", {"conversation_id": conversation.id, "message_id": foreign.id}
    )

    assert ack == {"ok": False, "error": "not_found", "message": "This message does not exist."}
    assert read_markers(conversation) == [0, 0]


# --- sessions ending -------------------------------------------------------------------------


def test_logout_ends_the_sockets_rights(
    client, login, open_socket, conversation, attendee, speaker
):
    login(attendee)
    anna = open_socket(http=client)
    sam = open_socket(speaker)
    anna.received()
    sam.received()

    client.post("/logout")

    assert anna.received() == [("session_ended", {})]
    assert sam.received() == [("presence", {"user_id": attendee.id, "online": False})]
    send(sam, conversation, "are you there?", "s-1")
    assert anna.received() == []

    ack = send(anna, conversation, "still me?", "a-1")
    later = anna.call("sync", {"conversation_id": conversation.id, "after_id": 0})

    assert ack["error"] == "session_ended"
    assert later["error"] == "session_ended"
    assert db.session.scalars(sa.select(Message.sender_id)).all() == [speaker.id]
    assert db.session.scalars(sa.select(SocketPresence.user_id)).all() == [speaker.id]


def test_account_suspension_ends_open_sockets(
    open_socket, platform_admin, conversation, attendee, speaker
):
    anna = open_socket(attendee)
    anna.received()

    platform.set_suspended(platform_admin, attendee, True)
    db.session.commit()

    assert anna.received() == [("session_ended", {})]
    assert send(anna, conversation)["error"] == "session_ended"
    assert count(Message) == 0


def test_rotated_session_nonce_refuses_next_event_and_empties_the_socket(
    open_socket, conversation, attendee, speaker
):
    """Another device changed the password: the nonce moved without ``end_sessions``."""
    anna, sam = open_socket(attendee), open_socket(speaker)
    attendee.session_nonce = new_session_nonce()
    db.session.commit()
    anna.received()

    ack = send(anna, conversation)
    send(sam, conversation, "hello?", "s-1")

    assert ack == {
        "ok": False,
        "error": "session_ended",
        "message": "Your session has ended. Please reload the page to continue.",
    }
    assert anna.received() == [("session_ended", {})]
    assert db.session.scalars(sa.select(Message.sender_id)).all() == [speaker.id]
    assert db.session.scalars(sa.select(SocketPresence.user_id)).all() == [speaker.id]


def test_rate_limit_per_sender(separate_app, open_socket):
    limited = separate_app(
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", MESSAGE_RATE_LIMIT="2/minute"
    )
    with limited.app_context():
        ev = factories.event()
        anna = factories.participant(ev, "Anna")
        sam = factories.participant(ev, "Sam")
        conversation = service.get_or_create_conversation(anna, ev, sam)
        db.session.commit()
        socket = open_socket(anna, of_app=limited)

        acks = [send(socket, conversation, f"m{i}", f"id-{i}") for i in range(3)]

        assert [a["ok"] for a in acks] == [True, True, False]
        assert acks[2]["error"] == "rate_limited"
        assert count(Message) == 2
        socket.close()


# --- typing, read receipts, presence -----------------------------------------------------------


def test_typing_reaches_only_the_other_member(open_socket, conversation, attendee, speaker):
    anna, sam = open_socket(attendee), open_socket(speaker)
    anna.received()
    sam.received()

    ack = anna.call("typing", {"conversation_id": conversation.id})

    assert ack == {"ok": True}
    assert sam.received() == [
        ("typing", {"conversation_id": conversation.id, "user_id": attendee.id})
    ]
    assert anna.received() == []


def test_mark_read_sends_receipt_and_new_total(open_socket, conversation, attendee, speaker):
    anna, sam = open_socket(attendee), open_socket(speaker)
    first = send(sam, conversation, "one", "1")["message"]
    second = send(sam, conversation, "two", "2")["message"]
    anna.received()
    sam.received()

    ack = anna.call("mark_read", {"conversation_id": conversation.id, "message_id": second["id"]})
    again = anna.call("mark_read", {"conversation_id": conversation.id, "message_id": first["id"]})

    assert ack == {"ok": True, "unread_total": 0}
    assert again == {"ok": True, "unread_total": 0}
    assert sam.received() == [
        (
            "read",
            {
                "conversation_id": conversation.id,
                "user_id": attendee.id,
                "message_id": second["id"],
            },
        )
    ]
    (unread, read) = anna.received()
    assert unread == ("unread", {"total": 0})
    assert read[0] == "notifications_read"
    assert (read[1]["all"], read[1]["unread"], len(read[1]["ids"])) == (False, 0, 1)


def test_presence_event_answers_whether_the_other_is_online(
    open_socket, conversation, attendee, speaker
):
    anna = open_socket(attendee)
    asked = {"conversation_id": conversation.id}

    assert anna.call("presence", asked) == {"ok": True, "online": False}
    sam = open_socket(speaker)
    assert anna.call("presence", asked) == {"ok": True, "online": True}
    sam.close()
    assert anna.call("presence", asked) == {"ok": True, "online": False}


def test_hidden_message_reaches_sockets_as_removed(
    open_socket, conversation, organizer, attendee, speaker
):
    anna, sam = open_socket(attendee), open_socket(speaker)
    sent = send(sam, conversation, "rude", "r-1")["message"]
    anna.received()

    service.hide_message(organizer, db.session.get(Message, sent["id"]))
    db.session.commit()
    ack = anna.call("sync", {"conversation_id": conversation.id, "after_id": 0})

    removed = {**sent, "body": "", "hidden": True}
    assert anna.received() == [("message", removed), ("unread", {"total": 0})]
    assert ack["messages"] == [removed]
