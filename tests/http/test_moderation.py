"""Moderation over HTTP: the report route, the queue and its actions, the log, and the
old message-moderation address."""

from __future__ import annotations

from uuid import uuid4

import pytest
import sqlalchemy as sa

from conference.enums import ContentStatus, NotificationKind, ReportTarget
from conference.extensions import db
from conference.models import (
    ContentReport,
    MessagingSuspension,
    ModerationAction,
    Notification,
    Post,
    PostingSuspension,
    Question,
    Thread,
)
from conference.services import messaging, moderation
from tests import factories
from tests.conftest import IDENTITIES
from tests.program_helpers import session as make_session

IDENTITIES_WITH_MODERATOR = [*IDENTITIES, "moderator"]

QUEUE_EXPECTED = {name: 403 for name in IDENTITIES_WITH_MODERATOR} | {
    "anonymous": "login",
    "moderator": 200,
    "organizer": 200,
}


@pytest.fixture
def moderator(event):
    return factories.participant(event, "Mona Moderator", roles=["moderator"])


@pytest.fixture
def question(event, speaker):
    talk = make_session(event, "Ledgers at scale", speakers=[speaker])
    row = Question(event_id=event.id, session_id=talk.id, author_id=speaker.id, body="Why ledgers?")
    db.session.add(row)
    db.session.commit()
    return row


def _post(event, author, body="Nice talk", status=ContentStatus.visible) -> Post:
    thread = Thread(event_id=event.id, title="General", author_id=author.id)
    db.session.add(thread)
    db.session.flush()
    row = Post(
        thread_id=thread.id, event_id=event.id, author_id=author.id, body=body, status=status
    )
    db.session.add(row)
    db.session.commit()
    return row


def _reports() -> list[ContentReport]:
    return list(db.session.scalars(sa.select(ContentReport)))


def _expect(response, want) -> None:
    if want == "login":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == want


# --- reporting ----------------------------------------------------------------------------------


def test_report_by_form_redirects_back_with_thanks(client, login, event, attendee, question):
    login(attendee)

    response = client.post(
        f"/e/{event.slug}/report",
        data={"target": "question", "target_id": question.id, "reason": "Rude", "next": "/back"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/back"
    [report] = _reports()
    assert (report.reporter_id, report.reason) == (attendee.id, "Rude")


def test_report_never_redirects_off_site(client, login, event, attendee, question):
    login(attendee)

    response = client.post(
        f"/e/{event.slug}/report",
        data={"target": "question", "target_id": question.id, "next": "//evil.test/"},
    )

    assert response.headers["Location"] == f"/e/{event.slug}/"


def test_report_as_json(client, login, event, attendee, question):
    login(attendee)

    first = client.post(
        f"/e/{event.slug}/report", json={"target": "question", "target_id": question.id}
    )
    again = client.post(
        f"/e/{event.slug}/report", json={"target": "question", "target_id": question.id}
    )

    assert first.status_code == 200 and first.get_json()["ok"] is True
    assert again.get_json()["ok"] is True
    assert len(_reports()) == 1


def test_report_of_ones_own_is_refused_as_json(client, login, event, speaker, question):
    login(speaker)

    response = client.post(
        f"/e/{event.slug}/report", json={"target": "question", "target_id": question.id}
    )

    assert response.status_code == 400
    assert response.get_json()["error"] == "own"
    assert _reports() == []


def test_report_of_a_hidden_item_is_not_found(client, login, event, attendee, question):
    question.status = ContentStatus.hidden
    db.session.commit()
    login(attendee)

    response = client.post(
        f"/e/{event.slug}/report", json={"target": "question", "target_id": question.id}
    )

    assert response.status_code == 404


def test_report_with_an_unknown_target_is_invalid(client, login, event, attendee, question):
    login(attendee)

    response = client.post(f"/e/{event.slug}/report", json={"target": "event", "target_id": 1})

    assert response.status_code == 400
    assert "target" in response.get_json()["fields"]


@pytest.mark.parametrize(
    ("identity", "want"),
    [("anonymous", "login"), ("outsider", 403), ("other_participant", 403), ("pending", 403)],
)
def test_report_refused_to_non_participants(identity, want, client, as_identity, event, question):
    as_identity(identity)

    response = client.post(
        f"/e/{event.slug}/report", data={"target": "question", "target_id": question.id}
    )

    _expect(response, want)
    assert _reports() == []


def test_profile_page_offers_to_report_someone_else(client, login, event, attendee, speaker):
    login(attendee)

    theirs = client.get(f"/e/{event.slug}/people/{speaker.id}").get_data(as_text=True)
    mine = client.get(f"/e/{event.slug}/people/{attendee.id}").get_data(as_text=True)

    assert f'action="/e/{event.slug}/report"' in theirs
    assert f'name="target_id" value="{speaker.id}"' in theirs
    assert f'action="/e/{event.slug}/report"' not in mine


# --- the queue ----------------------------------------------------------------------------------


@pytest.mark.parametrize("identity", IDENTITIES_WITH_MODERATOR)
@pytest.mark.parametrize("page", ["moderation/", "moderation/log"])
def test_queue_and_log_per_identity(identity, page, client, as_identity, event):
    as_identity(identity)

    _expect(client.get(f"/e/{event.slug}/{page}"), QUEUE_EXPECTED[identity])


def test_moderator_of_another_event_is_refused(client, login, event, other_event):
    login(factories.participant(other_event, "Max Mod", roles=["moderator"]))

    assert client.get(f"/e/{event.slug}/moderation/").status_code == 403


def test_queue_shows_content_and_count_but_not_who_reported(
    client, login, event, attendee, organizer, moderator, question
):
    moderation.report(attendee, event, ReportTarget.question, question.id, "Pushy <b>sales</b>")
    moderation.report(organizer, event, ReportTarget.question, question.id, "")
    held = _post(event, attendee, body="a held word", status=ContentStatus.held)
    db.session.commit()
    login(moderator)

    html = client.get(f"/e/{event.slug}/moderation/").get_data(as_text=True)

    assert "Why ledgers?" in html
    assert "Reported 2 times" in html
    assert "Pushy &lt;b&gt;sales&lt;/b&gt;" in html
    assert "Anna Attendee" in html  # the held post's author
    assert "a held word" in html
    assert f'name="target_id" value="{held.id}"' in html
    assert organizer.display_name not in html.split('id="queue-title"')[1]


def test_old_message_moderation_address_leads_to_the_queue(client, login, event, moderator):
    login(moderator)

    response = client.get(f"/e/{event.slug}/manage/moderation")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/e/{event.slug}/moderation/"


def test_old_message_moderation_address_refuses_participants(client, login, event, attendee):
    login(attendee)

    assert client.get(f"/e/{event.slug}/manage/moderation").status_code == 403


# --- actions ------------------------------------------------------------------------------------


def _act(client, event, **data):
    return client.post(f"/e/{event.slug}/moderation/", data=data)


def test_hide_then_restore_a_question(client, login, event, attendee, moderator, question):
    moderation.report(attendee, event, ReportTarget.question, question.id, "")
    db.session.commit()
    login(moderator)

    hidden = _act(
        client, event, action="hide", target="question", target_id=question.id, reason="Off topic"
    )
    db.session.refresh(question)
    assert hidden.status_code == 302
    assert question.status == ContentStatus.hidden

    _act(client, event, action="restore", target="question", target_id=question.id)
    db.session.refresh(question)
    assert question.status == ContentStatus.visible
    log = client.get(f"/e/{event.slug}/moderation/log").get_data(as_text=True)
    assert "Off topic" in log
    assert "Mona Moderator" in log


def test_approve_a_held_post(client, login, event, attendee, organizer):
    post = _post(event, attendee, status=ContentStatus.held)
    login(organizer)

    _act(client, event, action="approve", target="post", target_id=post.id)

    db.session.refresh(post)
    assert post.status == ContentStatus.visible


def test_suspend_posting_for_a_week_then_lift(client, login, event, attendee, moderator):
    login(moderator)

    _act(client, event, action="suspend_posting", user_id=attendee.id, length="week", reason="Spam")

    row = db.session.get(PostingSuspension, (event.id, attendee.id))
    assert row is not None and row.until is not None and row.reason == "Spam"
    page = client.get(f"/e/{event.slug}/moderation/").get_data(as_text=True)
    assert "Spam" in page

    _act(client, event, action="lift_posting", user_id=attendee.id)

    db.session.expire_all()
    assert db.session.get(PostingSuspension, (event.id, attendee.id)) is None


def test_warn_tells_the_person(client, login, event, attendee, moderator):
    login(moderator)

    _act(client, event, action="warn", user_id=attendee.id, reason="Be kind")

    notice = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == attendee.id, Notification.kind == NotificationKind.moderation
        )
    )
    assert "Be kind" in notice.text


def test_hide_a_reported_message_from_the_queue(client, login, event, attendee, speaker, moderator):
    conversation = messaging.get_or_create_conversation(speaker, event, attendee)
    message, _new = messaging.send_message(
        speaker, conversation, client_id=str(uuid4()), body="Spam!"
    )
    moderation.report(attendee, event, ReportTarget.message, message.id, "")
    db.session.commit()
    login(moderator)

    assert "Spam!" in client.get(f"/e/{event.slug}/moderation/").get_data(as_text=True)
    _act(client, event, action="hide", target="message", target_id=message.id)

    db.session.refresh(message)
    assert message.hidden_at is not None
    assert messaging.open_reports(event) == []


def test_an_item_of_another_event_is_not_touched(
    client, login, event, other_event, other_participant, organizer
):
    post = _post(other_event, other_participant)
    login(organizer)

    _act(client, event, action="hide", target="post", target_id=post.id)

    db.session.refresh(post)
    assert post.status == ContentStatus.visible
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModerationAction)) == 0


@pytest.mark.parametrize("action", ["warn", "suspend_messaging"])
def test_a_report_of_another_event_cannot_be_resolved_from_this_queue(
    action, client, login, event, other_event, attendee, other_participant, moderator
):
    factories.participant(other_event, person=attendee)
    conversation = messaging.get_or_create_conversation(attendee, other_event, other_participant)
    message, _new = messaging.send_message(
        attendee, conversation, client_id=str(uuid4()), body="Spam over there"
    )
    moderation.report(other_participant, other_event, ReportTarget.message, message.id, "")
    db.session.commit()
    login(moderator)

    response = _act(
        client,
        event,
        action=action,
        user_id=attendee.id,
        target="message",
        target_id=message.id,
        length="day",
    )

    assert response.status_code == 302
    assert [r.message_id for r in messaging.open_reports(other_event)] == [message.id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModerationAction)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MessagingSuspension)) == 0


def test_a_person_of_another_event_cannot_be_suspended(
    client, login, event, other_participant, organizer
):
    login(organizer)

    response = _act(
        client, event, action="suspend_posting", user_id=other_participant.id, length="day"
    )

    assert response.status_code == 404


def test_participants_cannot_act(client, login, event, attendee, speaker, question):
    login(attendee)

    response = _act(client, event, action="hide", target="question", target_id=question.id)

    assert response.status_code == 403
    db.session.refresh(question)
    assert question.status == ContentStatus.visible
