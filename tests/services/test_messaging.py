"""Rules of direct messaging: conversations, idempotent sending, history, read state,
presence, blocks, reports, moderation, session ends and email digests."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.enums import ReportTarget
from conference.extensions import db
from conference.models import (
    Conversation,
    ConversationMember,
    Message,
    MessageReport,
    SocketPresence,
)
from conference.models.types import utcnow
from conference.permissions import can
from conference.services import ServiceError, moderation, platform
from conference.services import messaging as service
from tests import factories


def refused(call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    db.session.rollback()
    return caught.value


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def talk(event, a, b) -> Conversation:
    conversation = service.get_or_create_conversation(a, event, b)
    db.session.commit()
    return conversation


def say(conversation, sender, body: str = "Hello", client_id: str | None = None) -> Message:
    message, _created = service.send_message(
        sender, conversation, client_id=client_id or f"c-{count(Message) + 1}", body=body
    )
    db.session.commit()
    return message


def member(conversation, user) -> ConversationMember:
    row = db.session.get(ConversationMember, (conversation.id, user.id))
    db.session.refresh(row)
    return row


def age(message: Message, seconds: int) -> None:
    message.created_at = utcnow() - timedelta(seconds=seconds)
    db.session.commit()


# --- conversations -------------------------------------------------------------------


def test_get_or_create_conversation_creates_one_with_both_members(event, attendee, speaker):
    conversation = talk(event, attendee, speaker)

    again = talk(event, speaker, attendee)

    assert again.id == conversation.id
    assert (conversation.user_low_id, conversation.user_high_id) == tuple(
        sorted((attendee.id, speaker.id))
    )
    assert conversation.event_id == event.id
    assert sorted(m.user_id for m in conversation.members) == sorted((attendee.id, speaker.id))
    assert count(Conversation) == 1


def test_get_or_create_conversation_with_yourself_refused(event, attendee):
    error = refused(service.get_or_create_conversation, attendee, event, attendee)

    assert error.code == "self"
    assert count(Conversation) == 0


def test_conversation_start_refused_to_participant_of_another_event(
    event, attendee, other_participant
):
    assert can(other_participant, "conversation.start", (event, attendee)) is False
    assert can(attendee, "conversation.start", (event, other_participant)) is False


def test_conversation_start_allowed_between_participants(event, attendee, speaker):
    assert can(attendee, "conversation.start", (event, speaker)) is True


# --- sending ----------------------------------------------------------------------------


def test_send_message_stores_and_reports_created(event, attendee, speaker):
    conversation = talk(event, attendee, speaker)

    message, created = service.send_message(
        attendee, conversation, client_id="abc-1", body="  Coffee at 10?  \n"
    )
    db.session.commit()

    assert created is True
    assert (message.sender_id, message.client_id, message.body) == (
        attendee.id,
        "abc-1",
        "Coffee at 10?",
    )
    db.session.refresh(conversation)
    assert conversation.last_message_at == message.created_at


def test_send_message_same_client_id_returns_stored_message(event, attendee, speaker):
    conversation = talk(event, attendee, speaker)
    first = say(conversation, attendee, "Hi", client_id="same")

    again, created = service.send_message(
        attendee, conversation, client_id="same", body="Hi (retry)"
    )
    db.session.commit()

    assert created is False
    assert again.id == first.id
    assert again.body == "Hi"
    assert count(Message) == 1


def test_send_message_duplicate_insert_leaves_transaction_usable(event, attendee, speaker):
    """A duplicate that slipped in between (another worker) is absorbed by the insert
    itself: no IntegrityError, and the transaction goes on (PostgreSQL would otherwise
    refuse every later statement)."""
    conversation = talk(event, attendee, speaker)
    db.session.add(
        Message(conversation_id=conversation.id, sender_id=attendee.id, client_id="x", body="A")
    )
    db.session.flush()

    stored, created = service.send_message(attendee, conversation, client_id="x", body="A")
    later, later_created = service.send_message(attendee, conversation, client_id="y", body="B")
    db.session.commit()

    assert (stored.body, created) == ("A", False)
    assert (later.body, later_created) == ("B", True)
    assert count(Message) == 2


def test_send_message_client_id_of_another_conversation_refused(
    event, attendee, speaker, sponsor_staff
):
    first = talk(event, attendee, speaker)
    second = talk(event, attendee, sponsor_staff)
    say(first, attendee, client_id="reused")

    error = refused(service.send_message, attendee, second, client_id="reused", body="Hi")

    assert (error.code, error.field) == ("invalid", "client_id")
    assert count(Message) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "empty"), ("   \n\t ", "empty"), ("x" * (service.BODY_MAX + 1), "too_long")],
)
def test_send_message_bad_body_refused(event, attendee, speaker, body, code):
    conversation = talk(event, attendee, speaker)

    error = refused(service.send_message, attendee, conversation, client_id="c", body=body)

    assert (error.code, error.field) == (code, "body")
    assert count(Message) == 0


def test_send_message_longest_body_accepted(event, attendee, speaker):
    conversation = talk(event, attendee, speaker)

    message = say(conversation, attendee, "x" * service.BODY_MAX)

    assert len(message.body) == service.BODY_MAX


@pytest.mark.parametrize("client_id", ["", "x" * (service.CLIENT_ID_MAX + 1)])
def test_send_message_bad_client_id_refused(event, attendee, speaker, client_id):
    conversation = talk(event, attendee, speaker)

    error = refused(service.send_message, attendee, conversation, client_id=client_id, body="Hi")

    assert (error.code, error.field) == ("invalid", "client_id")


def test_send_message_marks_conversation_read_for_sender_only(event, attendee, speaker):
    conversation = talk(event, attendee, speaker)
    incoming = say(conversation, speaker, "Hi Anna")

    reply = say(conversation, attendee, "Hi Sam")

    assert member(conversation, attendee).last_read_message_id == reply.id
    assert member(conversation, speaker).last_read_message_id == incoming.id
    assert service.unread_total(attendee) == 0
    assert service.unread_total(speaker) == 1


def test_send_message_rate_limited_per_sender(separate_app):
    limited = separate_app(
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", MESSAGE_RATE_LIMIT="2/minute"
    )
    with limited.app_context():
        ev = factories.event()
        anna = factories.participant(ev, "Anna")
        sam = factories.participant(ev, "Sam")
        conversation = talk(ev, anna, sam)
        say(conversation, anna, "one")
        say(conversation, anna, "two")

        error = refused(service.send_message, anna, conversation, client_id="three", body="3")
        say(conversation, sam, "Sam is counted on his own")

        assert error.code == "rate_limited"
        assert count(Message) == 3


# --- reading ------------------------------------------------------------------------------


def test_history_oldest_first_with_before_and_after(event, attendee, speaker):
    conversation = talk(event, attendee, speaker)
    ids = [say(conversation, attendee if i % 2 else speaker, f"m{i}").id for i in range(6)]

    assert [m.id for m in service.history(conversation)] == ids
    assert [m.id for m in service.history(conversation, limit=2)] == ids[-2:]
    assert [m.id for m in service.history(conversation, before_id=ids[3], limit=2)] == ids[1:3]
    assert [m.id for m in service.history(conversation, after_id=ids[1], limit=3)] == ids[2:5]
    assert service.history(conversation, after_id=ids[-1]) == []


def test_history_only_of_that_conversation(event, attendee, speaker, sponsor_staff):
    mine = talk(event, attendee, speaker)
    other = talk(event, attendee, sponsor_staff)
    kept = say(mine, attendee, "to Sam")
    say(other, attendee, "to Sid")

    assert [m.id for m in service.history(mine)] == [kept.id]


def test_message_payload_shape(event, attendee, speaker):
    conversation = talk(event, attendee, speaker)
    message = say(conversation, attendee, "Hi <b>Sam</b>", client_id="p-1")

    payload = service.message_payload(message)

    assert payload == {
        "id": message.id,
        "conversation_id": conversation.id,
        "sender_id": attendee.id,
        "sender_name": "Anna Attendee",
        "client_id": "p-1",
        "body": "Hi <b>Sam</b>",
        "created_at": message.created_at.isoformat(),
        "hidden": False,
    }
    assert payload["created_at"].endswith("+00:00")


def test_mark_read_moves_forward_only(event, attendee, speaker):
    conversation = talk(event, attendee, speaker)
    first, second, third = (say(conversation, speaker, f"m{i}") for i in range(3))

    assert service.mark_read(attendee, conversation, second.id) == 1
    db.session.commit()
    assert service.mark_read(attendee, conversation, first.id) == 1
    db.session.commit()

    assert member(conversation, attendee).last_read_message_id == second.id
    assert third.id > second.id


def test_mark_read_message_of_another_conversation_refused(event, attendee, speaker, sponsor_staff):
    mine = talk(event, attendee, speaker)
    other = talk(event, speaker, sponsor_staff)
    foreign = say(other, sponsor_staff, "not yours")
    say(mine, speaker, "yours")

    error = refused(service.mark_read, attendee, mine, foreign.id)

    assert error.code == "not_found"
    assert member(mine, attendee).last_read_message_id == 0


def test_conversations_of_lists_newest_first_with_unread_and_presence(
    event, attendee, speaker, sponsor_staff, organizer
):
    older = talk(event, attendee, speaker)
    newer = talk(event, attendee, sponsor_staff)
    silent = talk(event, organizer, attendee)
    say(older, speaker, "one")
    say(older, speaker, "two")
    last = say(newer, sponsor_staff, "hello")
    age_conversation = db.session.get(Conversation, silent.id)
    age_conversation.created_at = utcnow() - timedelta(days=1)
    db.session.add(SocketPresence(sid="s-1", user_id=sponsor_staff.id))
    db.session.commit()

    summaries = service.conversations_of(attendee)

    assert [s.conversation.id for s in summaries] == [newer.id, older.id, silent.id]
    assert [s.other.id for s in summaries] == [sponsor_staff.id, speaker.id, organizer.id]
    assert [s.unread for s in summaries] == [1, 2, 0]
    assert [s.online for s in summaries] == [True, False, False]
    assert summaries[0].last_message.id == last.id
    assert summaries[2].last_message is None
    assert service.unread_total(attendee) == 3


def test_conversations_of_hides_presence_across_block(event, attendee, speaker):
    talk(event, attendee, speaker)
    db.session.add(SocketPresence(sid="s-1", user_id=attendee.id))
    db.session.add(SocketPresence(sid="s-2", user_id=speaker.id))
    service.block(speaker, attendee)
    db.session.commit()

    mine = service.conversations_of(attendee)[0]
    theirs = service.conversations_of(speaker)[0]

    assert (mine.online, mine.blocked) == (False, False)
    assert (theirs.online, theirs.blocked) == (False, True)


def test_render_body_escapes_and_links_http_urls():
    html = service.render_body(
        'See https://example.org/a?b=1&c=2. <script>x</script> javascript:alert(1) "q"'
    )

    assert str(html) == (
        'See <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer" '
        'target="_blank">https://example.org/a?b=1&amp;c=2</a>. '
        "&lt;script&gt;x&lt;/script&gt; javascript:alert(1) &#34;q&#34;"
    )


def test_render_body_leaves_closing_bracket_out_of_link():
    html = service.render_body("(docs: http://x.test/p)")

    assert str(html) == (
        '(docs: <a href="http://x.test/p" rel="nofollow noopener noreferrer" '
        'target="_blank">http://x.test/p</a>)'
    )


# --- presence and session ends --------------------------------------------------------------


def test_socket_presence_counts_sockets(attendee):
    service.socket_connected(attendee, "a")
    service.socket_connected(attendee, "b")
    db.session.commit()
    assert service.is_online(attendee.id) is True

    service.socket_disconnected("a")
    service.socket_disconnected("a")
    db.session.commit()
    assert service.is_online(attendee.id) is True

    service.socket_disconnected("b")
    db.session.commit()
    assert service.is_online(attendee.id) is False


def test_end_sessions_removes_every_socket_of_the_account(attendee, speaker):
    for sid, user in (("a1", attendee), ("a2", attendee), ("s1", speaker)):
        service.socket_connected(user, sid)
    db.session.commit()

    service.end_sessions(attendee.id)
    db.session.commit()

    assert db.session.scalars(sa.select(SocketPresence.sid)).all() == ["s1"]
    assert service.socket_owner("a1") is None
    assert service.socket_owner("s1") == speaker


def test_suspending_account_ends_its_sockets(platform_admin, attendee):
    service.socket_connected(attendee, "a1")
    db.session.commit()

    platform.set_suspended(platform_admin, attendee, True)
    db.session.commit()

    assert service.is_online(attendee.id) is False


# --- blocks --------------------------------------------------------------------------------


def test_block_stops_messages_both_ways(event, attendee, speaker):
    conversation = talk(event, attendee, speaker)

    service.block(attendee, speaker)
    service.block(attendee, speaker)
    db.session.commit()

    assert can(attendee, "message.send", conversation) is False
    assert can(speaker, "message.send", conversation) is False
    assert can(speaker, "conversation.start", (event, attendee)) is False
    assert service.blocked_ids(attendee) == {speaker.id}
    assert service.blocked_ids(speaker) == set()


def test_unblock_allows_messages_again(event, attendee, speaker):
    conversation = talk(event, attendee, speaker)
    service.block(attendee, speaker)
    db.session.commit()

    service.unblock(attendee, speaker)
    db.session.commit()

    assert can(speaker, "message.send", conversation) is True
    assert service.blocked_ids(attendee) == set()


def test_block_yourself_refused(attendee):
    assert refused(service.block, attendee, attendee).code == "self_block"


# --- reports and moderation ------------------------------------------------------------------


def test_report_once_per_person(event, attendee, speaker):
    conversation = talk(event, attendee, speaker)
    message = say(conversation, speaker, "rude")

    report = service.report(attendee, message, "  Insulting  ")
    db.session.commit()
    error = refused(service.report, attendee, message, "again")

    assert (report.event_id, report.reason, report.outcome) == (event.id, "Insulting", "")
    assert error.code == "already_reported"
    assert count(MessageReport) == 1


def test_report_rule_only_members_about_others_messages(event, attendee, speaker, sponsor_staff):
    conversation = talk(event, attendee, speaker)
    message = say(conversation, speaker, "hi")

    assert can(attendee, "message.report", message) is True
    assert can(speaker, "message.report", message) is False
    assert can(sponsor_staff, "message.report", message) is False


def test_report_reason_too_long_refused(event, attendee, speaker):
    conversation = talk(event, attendee, speaker)
    message = say(conversation, speaker, "hi")

    error = refused(service.report, attendee, message, "x" * (service.REASON_MAX + 1))

    assert (error.code, error.field) == ("too_long", "reason")


def test_hide_message_shows_it_removed_and_resolves_reports(event, organizer, attendee, speaker):
    conversation = talk(event, attendee, speaker)
    message = say(conversation, speaker, "rude")
    service.report(attendee, message, "rude")
    db.session.commit()

    service.hide_message(organizer, message)
    db.session.commit()

    payload = service.message_payload(message)
    assert (payload["body"], payload["hidden"]) == ("", True)
    assert message.hidden_by_id == organizer.id
    assert service.open_reports(event) == []
    assert db.session.scalar(sa.select(MessageReport.outcome)) == "hidden"
    assert service.unread_total(attendee) == 0


def test_dismissing_a_message_report_resolves_only_that_message(
    event, organizer, attendee, speaker
):
    conversation = talk(event, attendee, speaker)
    first = service.report(attendee, say(conversation, speaker, "one"), "a")
    second = service.report(attendee, say(conversation, speaker, "two"), "b")
    db.session.commit()

    moderation.dismiss(organizer, event, ReportTarget.message, first.message_id)
    db.session.commit()

    assert [r.id for r in service.open_reports(event)] == [second.id]
    db.session.refresh(first)
    assert (first.outcome, first.resolved_by_id) == ("dismissed", organizer.id)


def test_a_messaging_suspension_stops_sending_in_that_event_until_lifted(
    event, other_event, organizer, attendee, speaker
):
    conversation = talk(event, attendee, speaker)
    service.report(attendee, say(conversation, speaker, "spam"), "spam")
    db.session.commit()

    moderation.suspend(organizer, event, speaker, "messaging", "lifted", "Spam")
    moderation.suspend(organizer, event, speaker, "messaging", "lifted", "Again")
    db.session.commit()

    assert can(speaker, "message.send", conversation) is False
    assert can(attendee, "message.send", conversation) is True
    assert service.open_reports(event) == []
    assert db.session.scalar(sa.select(MessageReport.outcome)) == "suspended"

    moderation.lift(organizer, event, speaker, "messaging")
    db.session.commit()

    assert can(speaker, "message.send", conversation) is True


# --- digests -------------------------------------------------------------------------------


def test_send_digests_one_email_per_person_listing_conversations(
    app, outbox, event, attendee, speaker, sponsor_staff
):
    first = talk(event, attendee, speaker)
    second = talk(event, attendee, sponsor_staff)
    for message in (say(first, speaker, "a"), say(first, speaker, "b"), say(second, sponsor_staff)):
        age(message, 3600)

    sent = service.send_digests(utcnow())
    db.session.commit()

    assert sent == 1
    mails = outbox.to(attendee.email)
    assert len(mails) == 1
    text = outbox.text(mails[0])
    assert "2 unread messages from Sam Speaker" in text
    assert "1 unread message from Sid Sponsor" in text
    assert f"http://localhost/messages/{first.id}" in text
    assert [m["To"] for m in outbox.messages] == [attendee.email]


def test_send_digests_only_once_per_message(outbox, event, attendee, speaker):
    conversation = talk(event, attendee, speaker)
    age(say(conversation, speaker), 3600)
    service.send_digests(utcnow())
    db.session.commit()

    assert service.send_digests(utcnow()) == 0
    db.session.commit()
    age(say(conversation, speaker, "new one"), 3600)
    assert service.send_digests(utcnow()) == 1
    db.session.commit()

    assert len(outbox.to(attendee.email)) == 2


@pytest.mark.parametrize("case", ["too_recent", "read", "hidden", "blocked", "suspended"])
def test_send_digests_skips(case, app, outbox, event, organizer, platform_admin, attendee, speaker):
    conversation = talk(event, attendee, speaker)
    message = say(conversation, speaker)
    age(message, 60 if case == "too_recent" else 3600)
    if case == "read":
        service.mark_read(attendee, conversation, message.id)
    elif case == "hidden":
        service.hide_message(organizer, message)
    elif case == "blocked":
        service.block(attendee, speaker)
    elif case == "suspended":
        platform.set_suspended(platform_admin, attendee, True)
    db.session.commit()

    assert service.send_digests(utcnow()) == 0
    db.session.commit()
    assert outbox.messages == []


def test_send_digests_cli(app, outbox, event, attendee, speaker):
    conversation = talk(event, attendee, speaker)
    age(say(conversation, speaker), 3600)

    result = app.test_cli_runner().invoke(args=["send-message-digests"])

    assert result.output == "1 digest email(s) sent.\n"
    assert len(outbox.to(attendee.email)) == 1
