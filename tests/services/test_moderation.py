"""Moderation service: reports, hide/restore/approve, warnings, suspensions, the queue
and the log."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from conference.enums import (
    ContentStatus,
    ModerationActionKind,
    NotificationKind,
    ReportTarget,
)
from conference.extensions import db
from conference.models import (
    ContentReport,
    MessageReport,
    ModerationAction,
    NewsPost,
    Notification,
    Post,
    PostingSuspension,
    Question,
    Thread,
)
from conference.models.types import utcnow
from conference.permissions import can, may_post, messaging_suspended, posting_suspended
from conference.services import ServiceError, messaging, moderation
from tests import factories
from tests.program_helpers import session as make_session


@pytest.fixture
def moderator(event):
    return factories.participant(event, "Mona Moderator", roles=["moderator"])


@pytest.fixture
def talk(event, speaker):
    return make_session(event, "Ledgers at scale", speakers=[speaker])


def _question(event, talk, author, body="Why ledgers?", status=ContentStatus.visible):
    row = Question(
        event_id=event.id, session_id=talk.id, author_id=author.id, body=body, status=status
    )
    db.session.add(row)
    db.session.commit()
    return row


def _post(event, author, body="Nice talk", status=ContentStatus.visible):
    thread = Thread(event_id=event.id, title="General", author_id=author.id)
    db.session.add(thread)
    db.session.flush()
    row = Post(
        thread_id=thread.id, event_id=event.id, author_id=author.id, body=body, status=status
    )
    db.session.add(row)
    db.session.commit()
    return row


def _news(event, author, status=ContentStatus.visible):
    row = NewsPost(
        event_id=event.id, author_id=author.id, title="Doors open", body="At 9", status=status
    )
    db.session.add(row)
    db.session.commit()
    return row


def _message(event, sender, recipient, body="Buy my stuff"):
    conversation = messaging.get_or_create_conversation(sender, event, recipient)
    message, _new = messaging.send_message(sender, conversation, client_id=str(uuid4()), body=body)
    db.session.commit()
    return message


def _notices(user) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification).where(
                Notification.user_id == user.id, Notification.kind == NotificationKind.moderation
            )
        )
    )


def _actions(event) -> list[ModerationAction]:
    return list(
        db.session.scalars(
            sa.select(ModerationAction)
            .where(ModerationAction.event_id == event.id)
            .order_by(ModerationAction.id)
        )
    )


# --- reports ------------------------------------------------------------------------------------


def test_report_of_a_question_names_its_author_and_is_idempotent(event, talk, attendee, speaker):
    question = _question(event, talk, speaker)

    first = moderation.report(attendee, event, ReportTarget.question, question.id, "Rude")
    again = moderation.report(attendee, event, ReportTarget.question, question.id, "Still rude")
    db.session.commit()

    assert again.id == first.id
    assert first.subject_id == speaker.id
    assert first.reason == "Rude"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentReport)) == 1


def test_one_cannot_report_ones_own(event, talk, attendee):
    question = _question(event, talk, attendee)

    with pytest.raises(ServiceError) as refused:
        moderation.report(attendee, event, ReportTarget.question, question.id, "")

    assert refused.value.code == "own"


@pytest.mark.parametrize("status", [ContentStatus.hidden, ContentStatus.held])
def test_what_the_reporter_cannot_see_cannot_be_reported(event, talk, attendee, speaker, status):
    question = _question(event, talk, speaker, status=status)

    with pytest.raises(ServiceError) as refused:
        moderation.report(attendee, event, ReportTarget.question, question.id, "")

    assert refused.value.code == "not_found"


def test_content_of_another_event_cannot_be_reported_through_this_one(
    event, other_event, attendee, other_participant
):
    post = _post(other_event, other_participant)

    with pytest.raises(ServiceError) as refused:
        moderation.report(attendee, event, ReportTarget.post, post.id, "")

    assert refused.value.code == "not_found"


def test_report_of_a_message_goes_to_message_reports_once(event, attendee, speaker):
    message = _message(event, speaker, attendee)

    first = moderation.report(attendee, event, ReportTarget.message, message.id, "Spam")
    again = moderation.report(attendee, event, ReportTarget.message, message.id, "Spam")

    assert isinstance(first, MessageReport)
    assert again.id == first.id


def test_a_profile_can_be_reported(event, attendee, speaker):
    row = moderation.report(attendee, event, ReportTarget.profile, speaker.id, "Fake")

    assert (row.target, row.target_id, row.subject_id) == (
        ReportTarget.profile,
        speaker.id,
        speaker.id,
    )


def test_too_long_a_reason_is_refused(event, talk, attendee, speaker):
    question = _question(event, talk, speaker)

    with pytest.raises(ServiceError) as refused:
        moderation.report(attendee, event, ReportTarget.question, question.id, "x" * 501)

    assert refused.value.field == "reason"


# --- hide, restore, approve ---------------------------------------------------------------------


def test_hide_resolves_reports_logs_and_tells_the_author_not_the_reporter(
    event, talk, attendee, speaker, moderator
):
    question = _question(event, talk, speaker)
    moderation.report(attendee, event, ReportTarget.question, question.id, "Rude")

    action = moderation.hide(moderator, event, ReportTarget.question, question.id, "Off topic")
    db.session.commit()

    assert question.status == ContentStatus.hidden
    report = db.session.scalar(sa.select(ContentReport))
    assert (report.outcome, report.resolved_by_id) == ("hidden", moderator.id)
    assert (action.action, action.moderator_id, action.subject_id, action.reason) == (
        ModerationActionKind.hide,
        moderator.id,
        speaker.id,
        "Off topic",
    )
    [notice] = _notices(speaker)
    assert "Off topic" in notice.text
    assert attendee.display_name not in notice.text
    assert notice.actor_id is None
    assert _notices(attendee) == []


def test_restore_shows_a_hidden_item_again(event, attendee, moderator):
    post = _post(event, attendee, status=ContentStatus.hidden)

    moderation.restore(moderator, event, ReportTarget.post, post.id)

    assert post.status == ContentStatus.visible
    assert [a.action for a in _actions(event)] == [ModerationActionKind.restore]
    assert len(_notices(attendee)) == 1


def test_restore_refuses_what_is_not_hidden(event, attendee, moderator):
    post = _post(event, attendee)

    with pytest.raises(ServiceError) as refused:
        moderation.restore(moderator, event, ReportTarget.post, post.id)

    assert refused.value.code == "unchanged"
    assert _actions(event) == []


def test_approve_lets_a_held_item_show(event, organizer, moderator):
    item = _news(event, organizer, status=ContentStatus.held)

    moderation.approve(moderator, event, ReportTarget.news, item.id)

    assert item.status == ContentStatus.visible
    assert _actions(event)[0].action == ModerationActionKind.approve


def test_approve_refuses_what_was_not_held(event, organizer, moderator):
    item = _news(event, organizer)

    with pytest.raises(ServiceError):
        moderation.approve(moderator, event, ReportTarget.news, item.id)


def test_a_held_item_may_be_hidden(event, talk, attendee, moderator):
    question = _question(event, talk, attendee, status=ContentStatus.held)

    moderation.hide(moderator, event, ReportTarget.question, question.id)

    assert question.status == ContentStatus.hidden


def test_status_listeners_hear_each_change(event, attendee, moderator):
    heard = []
    moderation.on_status_change(
        ReportTarget.post, lambda item, action: heard.append((item, action))
    )
    try:
        post = _post(event, attendee)
        action = moderation.hide(moderator, event, ReportTarget.post, post.id)
    finally:
        moderation._listeners[ReportTarget.post].pop()

    assert heard == [(post, action)]


def test_hide_of_a_message_goes_through_messaging(event, attendee, speaker, moderator):
    message = _message(event, speaker, attendee)
    moderation.report(attendee, event, ReportTarget.message, message.id, "Spam")

    moderation.hide(moderator, event, ReportTarget.message, message.id, "Spam")
    db.session.commit()

    assert message.hidden_at is not None
    assert messaging.open_reports(event) == []
    assert _actions(event)[0].target == ReportTarget.message
    assert len(_notices(speaker)) == 1


def test_messages_cannot_be_restored_here(event, attendee, speaker, moderator):
    message = _message(event, speaker, attendee)

    with pytest.raises(ServiceError) as refused:
        moderation.restore(moderator, event, ReportTarget.message, message.id)

    assert refused.value.code == "unsupported"


def test_dismiss_closes_reports_without_telling_the_author(
    event, talk, attendee, speaker, moderator
):
    question = _question(event, talk, speaker)
    moderation.report(attendee, event, ReportTarget.question, question.id, "")

    moderation.dismiss(moderator, event, ReportTarget.question, question.id)

    assert db.session.scalar(sa.select(ContentReport.outcome)) == "dismissed"
    assert question.status == ContentStatus.visible
    assert _notices(speaker) == []


# --- warnings and suspensions -------------------------------------------------------------------


def test_warn_logs_and_tells_the_person(event, attendee, moderator):
    moderation.warn(moderator, event, attendee, "Be kind")

    [notice] = _notices(attendee)
    assert "Be kind" in notice.text
    assert _actions(event)[0].action == ModerationActionKind.warn


@pytest.mark.parametrize("act", ["warn", "suspend"])
def test_a_report_of_another_event_cannot_be_resolved_through_this_one(
    act, event, other_event, attendee, moderator, other_participant
):
    # Attendee takes part in both events; their message in the other one was reported.
    factories.participant(other_event, person=attendee)
    message = _message(other_event, attendee, other_participant)
    report = moderation.report(other_participant, other_event, ReportTarget.message, message.id, "")
    db.session.commit()

    with pytest.raises(ServiceError) as refused:
        if act == "warn":
            moderation.warn(moderator, event, attendee, "", ReportTarget.message, message.id)
        else:
            moderation.suspend(
                moderator, event, attendee, "messaging", "day", "", ReportTarget.message, message.id
            )

    assert refused.value.code == "not_found"
    db.session.refresh(report)
    assert report.resolved_at is None
    assert _actions(event) == []


def test_warning_about_someone_elses_item_is_refused(event, talk, attendee, speaker, moderator):
    question = _question(event, talk, speaker)
    moderation.report(attendee, event, ReportTarget.question, question.id, "")

    with pytest.raises(ServiceError):
        moderation.warn(moderator, event, attendee, "", ReportTarget.question, question.id)
    with pytest.raises(ServiceError):
        moderation.suspend(
            moderator, event, attendee, "posting", "day", "", ReportTarget.question, question.id
        )

    assert db.session.scalar(sa.select(ContentReport.resolved_at)) is None
    assert _notices(attendee) == []


def test_warning_about_ones_reported_item_resolves_its_reports(
    event, talk, attendee, speaker, moderator
):
    question = _question(event, talk, speaker)
    moderation.report(attendee, event, ReportTarget.question, question.id, "")
    message = _message(event, speaker, attendee)
    moderation.report(attendee, event, ReportTarget.message, message.id, "")

    moderation.warn(moderator, event, speaker, "Be kind", ReportTarget.question, question.id)
    moderation.warn(moderator, event, speaker, "Be kind", ReportTarget.message, message.id)

    assert db.session.scalar(sa.select(ContentReport.outcome)) == "warned"
    assert db.session.scalar(sa.select(MessageReport.outcome)) == "warned"
    assert [(a.target, a.target_id) for a in _actions(event)] == [
        (ReportTarget.question, question.id),
        (ReportTarget.message, message.id),
    ]


def test_moderators_cannot_be_warned_or_suspended(event, organizer, moderator):
    with pytest.raises(ServiceError):
        moderation.warn(moderator, event, organizer, "")
    with pytest.raises(ServiceError):
        moderation.suspend(organizer, event, moderator, "posting", "day")


def test_posting_suspension_for_a_day_stops_posting_and_asking(
    event, talk, attendee, speaker, moderator
):
    post = _post(event, attendee)
    moderation.report(speaker, event, ReportTarget.post, post.id, "")

    action = moderation.suspend(moderator, event, attendee, "posting", "day", "Spam")
    db.session.commit()

    row = db.session.get(PostingSuspension, (event.id, attendee.id))
    assert abs(row.until - (utcnow() + timedelta(days=1))) < timedelta(minutes=5)
    assert action.until == row.until
    assert posting_suspended(attendee, event.id)
    assert not may_post(attendee, event)
    assert not can(attendee, "question.ask", talk)
    assert db.session.scalar(sa.select(ContentReport.outcome)) == "suspended"
    assert "Spam" in _notices(attendee)[0].text


def test_suspending_again_replaces_the_length(event, attendee, moderator):
    moderation.suspend(moderator, event, attendee, "posting", "hour")
    moderation.suspend(moderator, event, attendee, "posting", "lifted", "For good")
    db.session.commit()

    row = db.session.get(PostingSuspension, (event.id, attendee.id))
    assert row.until is None
    assert row.reason == "For good"


def test_a_suspension_that_ran_out_no_longer_applies(event, attendee, moderator):
    moderation.suspend(moderator, event, attendee, "messaging", "hour")
    assert messaging_suspended(attendee, event.id)

    db.session.execute(
        sa.text("UPDATE messaging_suspensions SET until = :past WHERE user_id = :user"),
        {"past": utcnow() - timedelta(minutes=1), "user": attendee.id},
    )
    db.session.expire_all()

    assert not messaging_suspended(attendee, event.id)
    assert moderation.suspensions(event) == []


def test_an_unknown_length_is_refused(event, attendee, moderator):
    with pytest.raises(ServiceError) as refused:
        moderation.suspend(moderator, event, attendee, "posting", "year")

    assert refused.value.field == "length"


def test_lift_ends_a_suspension_and_tells_the_person(event, attendee, moderator):
    moderation.suspend(moderator, event, attendee, "posting", "week")

    moderation.lift(moderator, event, attendee, "posting")

    assert not posting_suspended(attendee, event.id)
    assert [a.action for a in _actions(event)] == [
        ModerationActionKind.suspend_posting,
        ModerationActionKind.lift_suspension,
    ]
    assert len(_notices(attendee)) == 2
    with pytest.raises(ServiceError):
        moderation.lift(moderator, event, attendee, "posting")


# --- the log -----------------------------------------------------------------------------------


def test_log_action_writes_one_entry_and_refuses_an_overlong_reason(event, attendee, moderator):
    action = moderation.log_action(
        moderator,
        event,
        ModerationActionKind.lock,
        target_id=7,
        subject_id=attendee.id,
        reason=" x ",
    )

    assert (action.action, action.target, action.target_id, action.reason) == (
        ModerationActionKind.lock,
        None,
        7,
        "x",
    )
    with pytest.raises(ServiceError) as refused:
        moderation.log_action(
            moderator, event, ModerationActionKind.warn, reason="x" * (moderation.REASON_MAX + 1)
        )
    assert refused.value.field == "reason"
    assert _actions(event) == [action]


def test_locking_a_thread_is_logged_through_the_moderation_log(event, attendee, moderator):
    from conference.services import discussions

    thread = _post(event, attendee).thread_id
    thread = db.session.get(Thread, thread)

    with pytest.raises(ServiceError):
        discussions.set_locked(moderator, thread, True, "x" * (moderation.REASON_MAX + 1))
    assert thread.locked_at is None
    assert _actions(event) == []

    assert discussions.set_locked(moderator, thread, True, " Off topic ")
    [action] = _actions(event)
    assert (action.action, action.target_id, action.subject_id, action.reason) == (
        ModerationActionKind.lock,
        thread.id,
        attendee.id,
        "Off topic",
    )


# --- the queue and the log ----------------------------------------------------------------------


def test_queue_gathers_reports_and_held_items_once_each(
    event, talk, attendee, speaker, organizer, moderator
):
    question = _question(event, talk, speaker)
    moderation.report(attendee, event, ReportTarget.question, question.id, "Rude")
    moderation.report(organizer, event, ReportTarget.question, question.id, "")
    held = _post(event, attendee, body="held words", status=ContentStatus.held)
    message = _message(event, speaker, attendee)
    moderation.report(attendee, event, ReportTarget.message, message.id, "Spam")
    moderation.report(speaker, event, ReportTarget.profile, attendee.id, "Fake")
    dismissed = _news(event, organizer)
    moderation.report(attendee, event, ReportTarget.news, dismissed.id, "")
    moderation.dismiss(moderator, event, ReportTarget.news, dismissed.id)

    entries = {(e.target, e.target_id): e for e in moderation.queue(event)}

    assert set(entries) == {
        (ReportTarget.question, question.id),
        (ReportTarget.post, held.id),
        (ReportTarget.message, message.id),
        (ReportTarget.profile, attendee.id),
    }
    asked = entries[(ReportTarget.question, question.id)]
    assert (asked.report_count, asked.reasons, asked.subject) == (2, ["Rude"], speaker)
    assert entries[(ReportTarget.post, held.id)].status == "held"
    assert entries[(ReportTarget.post, held.id)].report_count == 0
    assert entries[(ReportTarget.message, message.id)].text == "Buy my stuff"


def test_queue_is_per_event(event, other_event, other_participant):
    _post(other_event, other_participant, status=ContentStatus.held)

    assert moderation.queue(event) == []


def test_log_is_newest_first_with_who_and_whom(event, attendee, moderator, organizer):
    moderation.warn(moderator, event, attendee, "First")
    moderation.suspend(organizer, event, attendee, "messaging", "week", "Second")

    entries = moderation.log(event)

    assert [e.action.reason for e in entries] == ["Second", "First"]
    assert (entries[0].moderator, entries[0].subject) == (organizer, attendee)
    assert entries[0].action.action == ModerationActionKind.suspend_messaging
