"""The session Q&A service: asking (anonymously, held by the word filter), what each
person sees, one vote per person (also under concurrent votes, on a database that
really commits), answered and pinned, hiding through moderation, activity rows."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from conference.enums import ActivityKind, ContentStatus, ModerationActionKind, ReportTarget
from conference.extensions import db
from conference.models import Activity, Event, ModerationAction, Question, QuestionVote, User
from conference.services import ServiceError
from conference.services import qa as service
from tests import factories
from tests import program_helpers as program
from tests.services.test_meetings_concurrency import THREADS, committing_app  # noqa: F401


@pytest.fixture
def talk(event, speaker):
    return program.session(event, "Payments at scale", speakers=[speaker])


def activity_count(user, kind) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Activity)
        .where(Activity.user_id == user.id, Activity.kind == kind)
    )


def test_asking_stores_the_author_even_when_anonymous(talk, attendee):
    question = service.ask(attendee, talk, "  How do you shard?  ", anonymous=True)
    db.session.commit()

    assert (question.body, question.author_id, question.anonymous) == (
        "How do you shard?",
        attendee.id,
        True,
    )
    assert question.status == ContentStatus.visible
    assert activity_count(attendee, ActivityKind.question_asked) == 1


def test_anonymous_questions_hide_the_author_from_participants_only(talk, attendee):
    question = service.ask(attendee, talk, "Who pays?", anonymous=True)

    assert service.payload(question, moderator=False)["author"] is None
    assert "author_id" not in service.payload(question, moderator=False)
    assert service.payload(question, moderator=True)["author"] == attendee.display_name
    assert service.payload(question, moderator=True)["author_id"] == attendee.id
    assert service.payload(question, moderator=False, mine=True)["author"] == attendee.display_name


@pytest.mark.parametrize("body", ["", "   ", "x" * (service.BODY_MAX + 1)])
def test_empty_and_overlong_questions_are_refused(talk, attendee, body):
    with pytest.raises(ServiceError) as refused:
        service.ask(attendee, talk, body)
    assert refused.value.field == "body"


def test_the_word_filter_holds_a_question_for_its_author_and_moderators_only(
    event, talk, attendee, speaker, organizer
):
    event.held_words = "crypto scam"
    other = factories.participant(event, "Olli Other")
    held = service.ask(attendee, talk, "Is this a Crypto  Scam?")
    shown = service.ask(other, talk, "Fine question")
    db.session.commit()

    assert held.status == ContentStatus.held
    assert {q.id for q in service.questions_for(attendee, talk)} == {held.id, shown.id}
    assert [q.id for q in service.questions_for(other, talk)] == [shown.id]
    # The session's speaker answers and hides, but sees what participants see.
    assert [q.id for q in service.questions_for(speaker, talk)] == [shown.id]
    assert {q.id for q in service.questions_for(organizer, talk)} == {held.id, shown.id}


def test_hidden_questions_are_seen_by_moderators_only(event, talk, attendee, organizer):
    other = factories.participant(event, "Olli Other")
    question = service.ask(other, talk, "Off topic")
    db.session.commit()

    action = service.hide(organizer, question, "spam")
    db.session.commit()

    assert question.status == ContentStatus.hidden
    assert (action.action, action.target, action.target_id, action.subject_id) == (
        ModerationActionKind.hide,
        ReportTarget.question,
        question.id,
        other.id,
    )
    assert service.questions_for(attendee, talk) == []
    assert service.questions_for(other, talk) == []
    assert [q.id for q in service.questions_for(organizer, talk)] == [question.id]

    service.restore(organizer, question)
    db.session.commit()
    assert [q.id for q in service.questions_for(attendee, talk)] == [question.id]
    kinds = db.session.scalars(
        sa.select(ModerationAction.action).order_by(ModerationAction.id)
    ).all()
    assert kinds == [ModerationActionKind.hide, ModerationActionKind.restore]


def test_approving_a_held_question_shows_it(event, talk, attendee, organizer):
    event.held_words = "spam"
    author = factories.participant(event, "Olli Other")
    question = service.ask(author, talk, "spam spam")
    db.session.commit()

    service.approve(organizer, question)
    db.session.commit()

    assert [q.id for q in service.questions_for(attendee, talk)] == [question.id]


def test_a_vote_counts_once_and_can_be_withdrawn(event, talk, attendee):
    author = factories.participant(event, "Olli Other")
    question = service.ask(author, talk, "Why?")
    db.session.commit()

    assert service.vote(attendee, question) is True
    assert service.vote(attendee, question) is False
    db.session.commit()
    db.session.expire_all()
    assert question.vote_count == 1
    assert activity_count(author, ActivityKind.question_upvoted) == 1
    assert service.voted_by(attendee, [question]) == {question.id}

    assert service.unvote(attendee, question) is True
    assert service.unvote(attendee, question) is False
    db.session.commit()
    db.session.expire_all()
    assert question.vote_count == 0
    assert activity_count(author, ActivityKind.question_upvoted) == 0
    assert service.voted_by(attendee, [question]) == set()


def test_questions_are_ordered_pinned_first_then_by_votes_or_newest(event, talk, attendee):
    voters = [factories.participant(event, f"Voter {n}") for n in range(2)]
    first = service.ask(attendee, talk, "First")
    second = service.ask(attendee, talk, "Second")
    third = service.ask(attendee, talk, "Third")
    for voter in voters:
        service.vote(voter, first)
    service.vote(voters[0], second)
    db.session.commit()

    assert [q.id for q in service.questions_for(attendee, talk)] == [first.id, second.id, third.id]
    assert [q.id for q in service.questions_for(attendee, talk, "new")] == [
        third.id,
        second.id,
        first.id,
    ]

    service.set_pinned(third, True)
    db.session.commit()
    assert service.questions_for(attendee, talk)[0].id == third.id


def test_pinning_one_question_unpins_the_other(talk, attendee):
    first = service.ask(attendee, talk, "First")
    second = service.ask(attendee, talk, "Second")
    service.set_pinned(first, True)
    db.session.commit()

    service.set_pinned(second, True)
    db.session.commit()

    assert (first.pinned_at, second.pinned_at is not None) == (None, True)


def test_a_hidden_question_cannot_be_pinned_and_hiding_unpins(talk, attendee, organizer):
    question = service.ask(attendee, talk, "Pinned")
    service.set_pinned(question, True)
    db.session.commit()

    service.hide(organizer, question)
    db.session.commit()
    assert question.pinned_at is None
    with pytest.raises(ServiceError):
        service.set_pinned(question, True)


def test_marking_answered_and_the_presenter_list(event, talk, attendee):
    answered = service.ask(attendee, talk, "Answered one")
    open_one = service.ask(attendee, talk, "Open one")
    service.set_answered(answered, True)
    db.session.commit()

    assert answered.answered_at is not None
    assert [q.id for q in service.presented(talk)] == [open_one.id]

    service.set_answered(answered, False)
    db.session.commit()
    assert answered.answered_at is None


def test_live_updates_leave_after_commit_in_two_shapes(monkeypatch, talk, attendee):
    sent = []
    monkeypatch.setattr(
        service.socketio, "emit", lambda name, data, to: sent.append((name, to, data))
    )
    question = service.ask(attendee, talk, "Secret?", anonymous=True)
    assert sent == []
    db.session.commit()

    by_room = {to: data for name, to, data in sent if name == "qa_question"}
    assert by_room[service.participants_room(talk.id)]["author"] is None
    assert by_room[service.moderators_room(talk.id)]["author"] == attendee.display_name
    assert by_room[f"user:{attendee.id}"]["mine"] is True
    assert question.id == by_room[service.participants_room(talk.id)]["id"]


def test_a_held_question_never_reaches_the_participants_room(monkeypatch, event, talk, attendee):
    event.held_words = "spam"
    sent = []
    monkeypatch.setattr(
        service.socketio, "emit", lambda name, data, to: sent.append((name, to, data))
    )
    service.ask(attendee, talk, "spam")
    db.session.commit()

    assert service.participants_room(talk.id) not in {to for _, to, _ in sent}
    assert service.moderators_room(talk.id) in {to for _, to, _ in sent}


# --- activity rows and points follow the standing votes ---------------------------------


def upvote_rows(question) -> list[Activity]:
    return list(
        db.session.scalars(
            sa.select(Activity)
            .where(
                Activity.question_id == question.id,
                Activity.kind == ActivityKind.question_upvoted,
            )
            .order_by(Activity.id)
        )
    )


def standing_votes_on_visible(author) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(QuestionVote)
        .join(Question, Question.id == QuestionVote.question_id)
        .where(Question.author_id == author.id, Question.status == ContentStatus.visible)
    )


def test_activity_rows_name_their_question(event, talk, attendee):
    author = factories.participant(event, "Olli Other")
    question = service.ask(author, talk, "Why?")
    service.vote(attendee, question)
    db.session.commit()

    [asked] = db.session.scalars(
        sa.select(Activity).where(Activity.kind == ActivityKind.question_asked)
    ).all()
    [upvoted] = upvote_rows(question)
    assert (asked.user_id, asked.question_id, asked.session_id) == (author.id, question.id, talk.id)
    assert (upvoted.user_id, upvoted.session_id) == (author.id, talk.id)


def test_withdrawing_a_vote_removes_a_row_of_that_question_only(event, talk, attendee):
    author = factories.participant(event, "Olli Other")
    first = service.ask(author, talk, "First?")
    second = service.ask(author, talk, "Second?")
    service.vote(attendee, first)
    service.vote(attendee, second)
    db.session.commit()

    service.unvote(attendee, first)
    db.session.commit()

    assert upvote_rows(first) == []
    assert len(upvote_rows(second)) == 1


def test_points_and_activity_follow_standing_votes_on_visible_questions(
    event, talk, attendee, organizer
):
    from conference.services import moderation, points

    author = factories.participant(event, "Olli Other")
    voters = [attendee, *(factories.participant(event, f"Voter {n}") for n in range(3))]
    first = service.ask(author, talk, "First?")
    second = service.ask(author, talk, "Second?")
    db.session.commit()

    def check() -> None:
        db.session.commit()
        standing = standing_votes_on_visible(author)
        assert activity_count(author, ActivityKind.question_upvoted) == standing
        assert points.total_of(event, author) == standing

    for voter in voters:
        service.vote(voter, first)
    service.vote(voters[0], second)
    check()
    service.unvote(voters[1], first)
    check()
    assert len(upvote_rows(first)) == 3 and len(upvote_rows(second)) == 1

    service.hide(organizer, first)
    check()
    assert upvote_rows(first) == [] and len(upvote_rows(second)) == 1
    service.restore(organizer, first)
    check()
    assert len(upvote_rows(first)) == 3

    # The same from the moderation queue.
    moderation.hide(organizer, event, ReportTarget.question, second.id, "off topic")
    check()
    assert upvote_rows(second) == []
    moderation.restore(organizer, event, ReportTarget.question, second.id)
    check()
    assert len(upvote_rows(second)) == 1
    assert standing_votes_on_visible(author) == 4


def test_hiding_from_the_moderation_queue_unpins(event, talk, attendee, organizer):
    from conference.services import moderation

    question = service.ask(attendee, talk, "Pinned")
    service.set_pinned(question, True)
    db.session.commit()

    moderation.hide(organizer, event, ReportTarget.question, question.id)
    db.session.commit()
    assert question.pinned_at is None
    moderation.restore(organizer, event, ReportTarget.question, question.id)
    db.session.commit()

    assert question.pinned_at is None
    assert service.questions_for(attendee, talk)[0].pinned_at is None


# --- concurrent votes, on a database that really commits ------------------------------


def test_concurrent_votes_count_once_each(committing_app):  # noqa: F811
    event = factories.event(name="Vote Race")
    author = factories.participant(event, "Asha Author")
    voters = [factories.participant(event, f"Voter {n}") for n in range(THREADS)]
    talk = program.session(event, "Race talk")
    question = service.ask(author, talk, "Race?")
    db.session.commit()
    ids = {
        "event": event.id,
        "question": question.id,
        "people": [author.id, *[v.id for v in voters]],
    }
    # Plain ids from here on, and no transaction left open on the test's connection
    # (on SQLite it would hold the lock the voters wait for).
    db.session.commit()
    # Every voter votes twice at once: eight people, sixteen attempts.
    attempts = ids["people"][1:] * 2
    barrier = threading.Barrier(len(attempts))
    results: list[str] = [""] * len(attempts)

    def work(index: int, voter_id: int) -> None:
        with committing_app.app_context():
            try:
                barrier.wait(timeout=30)
                voter = db.session.get(User, voter_id)
                found = db.session.get(Question, ids["question"])
                results[index] = "voted" if service.vote(voter, found) else "already"
                db.session.commit()
            except Exception as exc:  # reported in the results, which the test fails on
                db.session.rollback()
                results[index] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=pair) for pair in enumerate(attempts)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert Counter(results) == {"voted": THREADS, "already": THREADS}
        db.session.expire_all()
        stored = db.session.get(Question, ids["question"])
        votes = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(QuestionVote)
            .where(QuestionVote.question_id == ids["question"])
        )
        assert stored.vote_count == votes == THREADS
        upvoted = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Activity)
            .where(
                Activity.user_id == ids["people"][0],
                Activity.kind == ActivityKind.question_upvoted,
            )
        )
        assert upvoted == THREADS
    finally:
        db.session.rollback()
        db.session.execute(sa.delete(Event).where(Event.id == ids["event"]))
        db.session.execute(sa.delete(User).where(User.id.in_(ids["people"])))
        db.session.commit()
