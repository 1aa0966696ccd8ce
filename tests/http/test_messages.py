"""Messaging pages: inbox, conversation, the no-JavaScript composer, starting a
conversation, blocks, reports, the moderation queue and the unread badge."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest
import sqlalchemy as sa

from conference.enums import MessagePolicy
from conference.extensions import db
from conference.models import Conversation, Message, MessageReport
from conference.services import messaging, moderation
from tests import factories

#: Who must not see a conversation between the attendee and the speaker.
STRANGERS = ["outsider", "other_participant", "pending", "sponsor_staff", "organizer"]


@pytest.fixture
def conversation(event, attendee, speaker) -> Conversation:
    """The attendee wrote to the speaker; two messages, both unread by the speaker."""
    found = messaging.get_or_create_conversation(attendee, event, speaker)
    messaging.send_message(attendee, found, client_id="c-1", body="Hello Sam")
    messaging.send_message(attendee, found, client_id="c-2", body="Coffee at ten?")
    db.session.commit()
    return found


@pytest.fixture
def moderator(event):
    return factories.participant(event, "Mona Moderator", roles=["moderator"])


def _say(sender, conversation, body: str, client_id: str | None = None) -> Message:
    message, _created = messaging.send_message(
        sender, conversation, client_id=client_id or str(uuid4()), body=body
    )
    db.session.commit()
    return message


def _count_messages(conversation: Conversation) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Message)
        .where(Message.conversation_id == conversation.id)
    )


def _badge(html: str) -> str | None:
    """The unread number in the navigation, or None when the badge is hidden."""
    match = re.search(r"data-unread-badge( hidden)?><span data-unread-count>([^<]*)<", html)
    assert match is not None
    return None if match.group(1) else match.group(2)


def _report(conversation: Conversation, reporter, message: Message, reason="Spam") -> MessageReport:
    report = messaging.report(reporter, message, reason)
    db.session.commit()
    return report


# --- the inbox ---------------------------------------------------------------------------


def test_inbox_anonymous_goes_to_login(client):
    response = client.get("/messages/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_inbox_lists_the_conversation_with_preview_and_unread_count(
    client, login, conversation, speaker
):
    login(speaker)

    html = client.get("/messages/").get_data(as_text=True)

    assert "Anna Attendee" in html
    assert "Coffee at ten?" in html
    assert re.search(r'class="badge rounded-pill conv-unread">2<', html)
    assert f'href="/messages/{conversation.id}"' in html


def test_inbox_preview_is_escaped(client, login, conversation, attendee, speaker):
    _say(attendee, conversation, "<b>bold</b> & <script>x()</script>")
    login(speaker)

    html = client.get("/messages/").get_data(as_text=True)

    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x()&lt;/script&gt;" in html
    assert "<script>x()" not in html


def test_inbox_without_conversations_shows_the_empty_state(client, login, attendee):
    login(attendee)

    html = client.get("/messages/").get_data(as_text=True)

    assert "No conversations yet" in html


# --- a conversation: who may see it ---------------------------------------------------------


@pytest.mark.parametrize("identity", STRANGERS)
def test_conversation_of_others_is_not_found(identity, client, as_identity, conversation):
    as_identity(identity)

    assert client.get(f"/messages/{conversation.id}").status_code == 404
    assert client.get(f"/messages/{conversation.id}/history").status_code == 404
    response = client.post(
        f"/messages/{conversation.id}", data={"body": "let me in", "client_id": "x-1"}
    )
    assert response.status_code == 404
    assert _count_messages(conversation) == 2


def test_conversation_that_does_not_exist_is_not_found(client, login, attendee):
    login(attendee)

    assert client.get("/messages/999999").status_code == 404


@pytest.mark.parametrize(
    "method, path",
    [("get", "/messages/{id}"), ("get", "/messages/{id}/history"), ("post", "/messages/{id}")],
)
def test_conversation_routes_anonymous_go_to_login(method, path, client, conversation):
    response = getattr(client, method)(path.format(id=conversation.id))

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("member", ["attendee", "speaker"])
def test_conversation_members_see_it(member, client, as_identity, conversation):
    as_identity(member)

    response = client.get(f"/messages/{conversation.id}")

    assert response.status_code == 200
    assert "Coffee at ten?" in response.get_data(as_text=True)


def test_conversation_page_marks_it_read_and_clears_the_badge(client, login, conversation, speaker):
    login(speaker)
    assert _badge(client.get("/").get_data(as_text=True)) == "2"

    html = client.get(f"/messages/{conversation.id}").get_data(as_text=True)

    assert _badge(html) is None
    assert messaging.unread_total(speaker) == 0


def test_conversation_page_shows_seen_under_my_last_message(
    client, login, conversation, attendee, speaker
):
    login(speaker)
    client.get(f"/messages/{conversation.id}")
    client.post("/logout")
    login(attendee)

    html = client.get(f"/messages/{conversation.id}").get_data(as_text=True)

    assert re.search(r'<span class="msg-status">Seen</span>', html)


def test_conversation_page_links_to_the_profile_in_its_event(
    client, login, conversation, event, attendee, speaker
):
    login(attendee)

    html = client.get(f"/messages/{conversation.id}").get_data(as_text=True)

    assert f'href="/e/{event.slug}/people/{speaker.id}"' in html
    assert "Met at Northwind Summit" in html


# --- bodies: escaped, links safe, hidden ones removed ---------------------------------------


def test_message_body_is_escaped(client, login, conversation, attendee, speaker):
    _say(attendee, conversation, "<script>alert('x')</script>")
    login(speaker)

    html = client.get(f"/messages/{conversation.id}").get_data(as_text=True)

    assert "&lt;script&gt;alert(" in html
    assert "<script>alert(" not in html


def test_message_links_are_clickable_and_safe(client, login, conversation, attendee, speaker):
    _say(attendee, conversation, "Slides: https://example.com/deck?a=1&b=2 or javascript:alert(1)")
    login(speaker)

    html = client.get(f"/messages/{conversation.id}").get_data(as_text=True)

    link = re.search(r'<a [^>]*href="https://example\.com/deck\?a=1&amp;b=2"[^>]*>', html)
    assert link is not None
    assert 'rel="nofollow noopener noreferrer"' in link.group(0)
    assert 'target="_blank"' in link.group(0)
    assert 'href="javascript:' not in html


def test_hidden_message_shows_as_removed(client, login, conversation, attendee, speaker, organizer):
    message = _say(attendee, conversation, "something nasty")
    messaging.hide_message(organizer, message)
    db.session.commit()
    login(speaker)

    html = client.get(f"/messages/{conversation.id}").get_data(as_text=True)

    assert "something nasty" not in html
    assert 'class="msg msg-theirs is-hidden"' in html
    assert "Message removed by a moderator" in html


# --- sending without JavaScript ---------------------------------------------------------------


def test_send_without_js_stores_the_message_and_redirects(client, login, conversation, speaker):
    login(speaker)

    response = client.post(
        f"/messages/{conversation.id}", data={"body": "  See you there  ", "client_id": "form-1"}
    )

    assert response.status_code == 302
    stored = db.session.scalars(sa.select(Message).where(Message.sender_id == speaker.id)).one()
    assert response.headers["Location"] == f"/messages/{conversation.id}#m{stored.id}"
    assert stored.body == "See you there"


def test_send_without_js_twice_with_the_same_client_id_stores_one_message(
    client, login, conversation, speaker
):
    login(speaker)
    data = {"body": "Only once, please", "client_id": "double-submit"}

    first = client.post(f"/messages/{conversation.id}", data=data)
    second = client.post(f"/messages/{conversation.id}", data=data)

    assert first.headers["Location"] == second.headers["Location"]
    assert _count_messages(conversation) == 3


def test_conversation_form_carries_a_fresh_client_id(client, login, conversation, speaker):
    login(speaker)

    ids = [
        re.search(
            r'name="client_id" type="hidden" value="([^"]+)"',
            client.get(f"/messages/{conversation.id}").get_data(as_text=True),
        ).group(1)
        for _ in range(2)
    ]

    assert len(ids[0]) == 36
    assert ids[0] != ids[1]


def test_send_empty_body_shows_the_error_and_stores_nothing(client, login, conversation, speaker):
    login(speaker)

    response = client.post(f"/messages/{conversation.id}", data={"body": "   ", "client_id": "e-1"})

    assert response.status_code == 200
    assert "Write a message first." in response.get_data(as_text=True)
    assert _count_messages(conversation) == 2


def test_send_too_long_keeps_the_text_and_stores_nothing(client, login, conversation, speaker):
    login(speaker)
    body = "x" * 4001

    response = client.post(f"/messages/{conversation.id}", data={"body": body, "client_id": "l-1"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A message has at most 4000 characters." in html
    assert body in html
    assert _count_messages(conversation) == 2


# --- older history --------------------------------------------------------------------------


@pytest.fixture
def long_conversation(conversation, attendee):
    """60 more messages, so the history has pages."""
    for n in range(60):
        messaging.send_message(attendee, conversation, client_id=f"bulk-{n}", body=f"Message {n}")
    db.session.commit()
    return conversation


def _ids(conversation) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Message.id)
            .where(Message.conversation_id == conversation.id)
            .order_by(Message.id)
        )
    )


def test_history_json_returns_older_messages_oldest_first(
    client, login, long_conversation, speaker
):
    ids = _ids(long_conversation)
    login(speaker)

    page = client.get(f"/messages/{long_conversation.id}/history?before={ids[-50]}").get_json()

    assert page["ok"] is True
    assert [m["id"] for m in page["messages"]] == ids[:-50]
    assert page["more"] is False
    assert page["messages"][0]["body"] == "Hello Sam"


def test_history_json_says_when_there_is_more(client, login, long_conversation, speaker, attendee):
    for n in range(50):
        messaging.send_message(attendee, long_conversation, client_id=f"more-{n}", body=f"M{n}")
    db.session.commit()
    ids = _ids(long_conversation)
    login(speaker)

    page = client.get(f"/messages/{long_conversation.id}/history?before={ids[-50]}").get_json()

    assert [m["id"] for m in page["messages"]] == ids[-100:-50]
    assert page["more"] is True


def test_conversation_page_without_js_links_to_older_messages(
    client, login, long_conversation, speaker
):
    ids = _ids(long_conversation)
    login(speaker)

    html = client.get(f"/messages/{long_conversation.id}").get_data(as_text=True)
    older = client.get(f"/messages/{long_conversation.id}?before={ids[-50]}").get_data(as_text=True)

    assert f'href="/messages/{long_conversation.id}?before={ids[-50]}"' in html
    assert f'id="m{ids[-1]}"' in html
    assert f'id="m{ids[-51]}"' not in html
    assert f'id="m{ids[0]}"' in older
    assert f'id="m{ids[-50]}"' not in older
    assert "Jump to the newest messages" in older


# --- starting a conversation ------------------------------------------------------------------


def test_start_creates_the_conversation_and_opens_it(client, login, event, attendee, speaker):
    login(attendee)

    response = client.post(f"/e/{event.slug}/people/{speaker.id}/message")

    found = db.session.scalars(sa.select(Conversation)).one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/messages/{found.id}"
    assert found.event_id == event.id


def test_start_again_opens_the_same_conversation(
    client, login, event, conversation, attendee, speaker
):
    login(speaker)

    response = client.post(f"/e/{event.slug}/people/{attendee.id}/message")

    assert response.headers["Location"] == f"/messages/{conversation.id}"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conversation)) == 1


@pytest.mark.parametrize(
    "identity, status",
    [("outsider", 403), ("other_participant", 403), ("pending", 403)],
)
def test_start_refused_for_non_participants(identity, status, client, as_identity, event, attendee):
    as_identity(identity)

    response = client.post(f"/e/{event.slug}/people/{attendee.id}/message")

    assert response.status_code == status
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conversation)) == 0


def test_start_anonymous_goes_to_login(client, event, attendee):
    response = client.post(f"/e/{event.slug}/people/{attendee.id}/message")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_start_with_someone_of_another_event_is_refused(
    client, login, event, attendee, other_participant
):
    login(attendee)

    response = client.post(f"/e/{event.slug}/people/{other_participant.id}/message")

    assert response.status_code == 403


def test_start_with_someone_who_blocked_me_flashes_and_creates_nothing(
    client, login, event, attendee, speaker
):
    messaging.block(speaker, attendee)
    db.session.commit()
    login(attendee)

    response = client.post(f"/e/{event.slug}/people/{speaker.id}/message", follow_redirects=True)

    assert "You can&#39;t start a conversation with Sam Speaker." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conversation)) == 0


def test_start_refused_when_the_person_accepts_no_new_conversations(
    client, login, event, attendee, speaker
):
    speaker.profile.message_policy = MessagePolicy.nobody
    db.session.commit()
    login(attendee)

    response = client.post(f"/e/{event.slug}/people/{speaker.id}/message")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/e/{event.slug}/people/{speaker.id}"


def test_profile_shows_the_message_button_to_a_fellow_participant(
    client, login, event, attendee, speaker
):
    login(attendee)

    html = client.get(f"/e/{event.slug}/people/{speaker.id}").get_data(as_text=True)

    assert f'action="/e/{event.slug}/people/{speaker.id}/message"' in html


def test_profile_hides_the_message_button_when_blocked(client, login, event, attendee, speaker):
    messaging.block(speaker, attendee)
    db.session.commit()
    login(attendee)

    html = client.get(f"/e/{event.slug}/people/{speaker.id}").get_data(as_text=True)

    assert '/message"' not in html


def test_profile_of_myself_has_no_message_button(client, login, event, attendee):
    login(attendee)

    html = client.get(f"/e/{event.slug}/people/{attendee.id}").get_data(as_text=True)

    assert '/message"' not in html


# --- blocking ---------------------------------------------------------------------------------


def test_block_stops_sending_both_ways(client, login, conversation, attendee, speaker):
    login(speaker)

    response = client.post(f"/messages/block/{attendee.id}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/messages/{conversation.id}"
    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert "You blocked Anna Attendee." in page
    assert 'id="composer"' not in page
    client.post(f"/messages/{conversation.id}", data={"body": "hi", "client_id": "b-1"})
    client.post("/logout")
    login(attendee)
    client.post(f"/messages/{conversation.id}", data={"body": "hi", "client_id": "b-2"})
    assert _count_messages(conversation) == 2


def test_blocked_person_sees_no_trace_of_the_block(client, login, conversation, attendee, speaker):
    messaging.block(speaker, attendee)
    db.session.commit()
    login(attendee)

    html = client.get(f"/messages/{conversation.id}").get_data(as_text=True)

    assert "You can't send messages in this conversation." in html
    assert "You blocked" not in html
    assert "blocked you" not in html


def test_unblock_lets_them_write_again(client, login, conversation, attendee, speaker):
    messaging.block(speaker, attendee)
    db.session.commit()
    login(speaker)

    client.post(f"/messages/unblock/{attendee.id}")
    client.post(f"/messages/{conversation.id}", data={"body": "Sorry!", "client_id": "u-1"})

    assert _count_messages(conversation) == 3


def test_block_someone_i_never_talked_to_is_not_found(client, login, attendee, outsider):
    login(attendee)

    assert client.post(f"/messages/block/{outsider.id}").status_code == 404
    assert client.post(f"/messages/unblock/{outsider.id}").status_code == 404
    assert messaging.blocked_ids(attendee) == set()


def test_block_anonymous_goes_to_login(client, attendee):
    response = client.post(f"/messages/block/{attendee.id}")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- reporting --------------------------------------------------------------------------------


def _first_message(conversation) -> Message:
    return db.session.scalars(
        sa.select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)
    ).first()


def test_report_a_message_of_the_other_person(client, login, event, conversation, speaker):
    message = _first_message(conversation)
    login(speaker)

    response = client.post(
        f"/messages/report/{message.id}", data={"reason": "Unwanted sales pitch"}
    )

    assert response.headers["Location"] == f"/messages/{conversation.id}#m{message.id}"
    report = db.session.scalars(sa.select(MessageReport)).one()
    assert (report.event_id, report.reporter_id, report.reason) == (
        event.id,
        speaker.id,
        "Unwanted sales pitch",
    )


def test_report_my_own_message_is_refused(client, login, conversation, attendee):
    login(attendee)

    response = client.post(
        f"/messages/report/{_first_message(conversation).id}", data={"reason": "oops"}
    )

    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MessageReport)) == 0


@pytest.mark.parametrize("identity", STRANGERS)
def test_report_a_message_of_someone_elses_conversation_is_not_found(
    identity, client, as_identity, conversation
):
    as_identity(identity)

    response = client.post(
        f"/messages/report/{_first_message(conversation).id}", data={"reason": "nosy"}
    )

    assert response.status_code == 404


def test_report_without_a_reason_is_refused(client, login, conversation, speaker):
    login(speaker)

    response = client.post(
        f"/messages/report/{_first_message(conversation).id}",
        data={"reason": "  "},
        follow_redirects=True,
    )

    assert "Tell the organizers what is wrong." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MessageReport)) == 0


def test_report_link_shown_only_under_the_other_persons_messages(
    client, login, conversation, attendee, speaker
):
    _say(speaker, conversation, "My own words")
    login(speaker)

    html = client.get(f"/messages/{conversation.id}").get_data(as_text=True)

    forms = re.findall(r'action="/messages/report/(\d+)"', html)
    theirs = [
        str(m.id)
        for m in db.session.scalars(
            sa.select(Message).where(Message.sender_id == attendee.id).order_by(Message.id)
        )
    ]
    assert forms == theirs


# --- moderation -------------------------------------------------------------------------------


def test_moderation_link_in_the_nav_for_a_moderator(client, login, event, moderator):
    login(moderator)

    html = client.get(f"/e/{event.slug}/").get_data(as_text=True)

    assert f'href="/e/{event.slug}/moderation/"' in html


def test_moderation_tab_for_organizers(client, login, event, organizer):
    login(organizer)

    html = client.get(f"/e/{event.slug}/manage/").get_data(as_text=True)

    assert f'href="/e/{event.slug}/moderation/"' in html


def test_suspended_sender_cannot_send(client, login, event, conversation, attendee, organizer):
    moderation.suspend(organizer, event, attendee, "messaging", "lifted")
    db.session.commit()
    login(attendee)

    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    response = client.post(f"/messages/{conversation.id}", data={"body": "hi", "client_id": "s-1"})

    assert "suspended your messaging" in page
    assert response.status_code == 302
    assert _count_messages(conversation) == 2


def test_badge_shows_the_unread_total_on_every_page(client, login, event, conversation, speaker):
    login(speaker)

    for path in ("/", f"/e/{event.slug}/", "/me/profile"):
        assert _badge(client.get(path).get_data(as_text=True)) == "2"


def test_badge_hidden_without_unread_messages(client, login, attendee):
    login(attendee)

    assert _badge(client.get("/").get_data(as_text=True)) is None


def test_badge_absent_for_anonymous_visitors(client):
    html = client.get("/").get_data(as_text=True)

    assert "data-unread-badge" not in html
    assert "realtime.js" not in html
