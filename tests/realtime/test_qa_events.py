"""Socket events of the session Q&A: who may join which room, what each room hears
(never an anonymous author or a hidden question in the participants' room), and rules
checked on every event, so a suspension refuses the next question on an open socket."""

from __future__ import annotations

import pytest

import conference.realtime.qa  # noqa: F401  (registers the events; conference.realtime imports it too)
from conference.extensions import db
from conference.models import PostingSuspension
from conference.services import qa as service
from tests import factories
from tests import program_helpers as program
from tests.conftest import IDENTITIES

READERS = {"attendee", "speaker", "sponsor_staff", "rival_staff", "checkin_staff", "organizer"}


@pytest.fixture
def talk_speaker(event):
    return factories.participant(event, "Tia Talk", roles=["speaker"])


@pytest.fixture
def talk(event, talk_speaker):
    return program.session(event, "Payments at scale", speakers=[talk_speaker])


@pytest.fixture
def asker(event):
    return factories.participant(event, "Quentin Quiet")


def joined(socket, talk) -> dict:
    answer = socket.call("qa_join", {"session_id": talk.id})
    socket.received()
    return answer


@pytest.mark.parametrize("identity", [i for i in IDENTITIES if i != "anonymous"])
def test_who_may_join(request, open_socket, talk, identity):
    answer = open_socket(request.getfixturevalue(identity)).call("qa_join", {"session_id": talk.id})
    if identity in READERS:
        assert answer["ok"] is True
        assert answer["moderator"] is (identity == "organizer")
    else:
        assert (answer["ok"], answer["error"]) == (False, "not_found")


def test_the_sessions_speaker_moderates_but_hears_the_participants_shape(
    open_socket, event, talk, talk_speaker, organizer, asker
):
    event.held_words = "spam"
    db.session.commit()
    stage = open_socket(talk_speaker)
    moderator = open_socket(organizer)
    author = open_socket(asker)
    assert joined(stage, talk)["moderator"] is True
    joined(moderator, talk)

    asked = author.call("qa_ask", {"session_id": talk.id, "body": "Why?", "anonymous": True})
    author.call("qa_ask", {"session_id": talk.id, "body": "cheap spam"})

    [(_, seen)] = stage.received("qa_question")
    assert (seen["body"], seen["author"]) == ("Why?", None)
    assert "author_id" not in seen
    names = [data["author"] for _, data in moderator.received("qa_question")]
    assert names == ["Quentin Quiet", "Quentin Quiet"]

    question_id = asked["question"]["id"]
    answered = stage.call("qa_answered", {"question_id": question_id, "on": True})
    assert answered["ok"] is True and answered["question"]["answered"] is True
    assert answered["question"]["author"] is None
    assert "author_id" not in answered["question"]
    assert [data["author"] for _, data in stage.received("qa_question")] == [None]


@pytest.mark.parametrize(
    "payload",
    [{}, {"session_id": "1"}, {"session_id": 0}, {"session_id": 1, "x": 2}],
)
def test_join_refuses_malformed_payloads(open_socket, attendee, payload):
    answer = open_socket(attendee).call("qa_join", payload)
    assert (answer["ok"], answer["error"]) == (False, "invalid")


def test_an_anonymous_question_reaches_each_room_in_its_shape(
    open_socket,
    talk,
    attendee,
    organizer,
    asker,
    other_participant,
):
    participant = open_socket(attendee)
    moderator = open_socket(organizer)
    stranger = open_socket(other_participant)
    author = open_socket(asker)
    for socket in (participant, moderator, author):
        assert joined(socket, talk)["ok"]
    stranger.received()

    answer = author.call("qa_ask", {"session_id": talk.id, "body": "Why?", "anonymous": True})

    assert answer["ok"] is True
    question_id = answer["question"]["id"]
    [(_, seen)] = participant.received("qa_question")
    assert (seen["id"], seen["author"], seen["body"]) == (question_id, None, "Why?")
    assert "author_id" not in seen
    [(_, full)] = moderator.received("qa_question")
    assert (full["author"], full["author_id"]) == ("Quentin Quiet", asker.id)
    assert stranger.received() == []
    # The author's pages hear it as theirs (their room), and as a participant.
    mine = [data for _, data in author.received("qa_question") if data["mine"]]
    assert mine and mine[0]["author"] == "Quentin Quiet"


def test_hiding_takes_a_question_away_from_participants_only(
    open_socket,
    talk,
    attendee,
    organizer,
    asker,
):
    question = service.ask(asker, talk, "Off topic")
    db.session.commit()
    participant = open_socket(attendee)
    moderator = open_socket(organizer)
    joined(participant, talk)
    joined(moderator, talk)

    answer = moderator.call("qa_hide", {"question_id": question.id, "on": True, "reason": "spam"})

    assert answer["ok"] is True
    assert answer["question"]["status"] == "hidden"
    heard = participant.received()
    assert [name for name, _ in heard] == ["qa_removed"]
    assert "Off topic" not in repr(heard)
    assert moderator.received("qa_question")[0][1]["status"] == "hidden"

    # Restored: the participants hear it again.
    assert moderator.call("qa_hide", {"question_id": question.id, "on": False})["ok"]
    assert participant.received("qa_question")[0][1]["body"] == "Off topic"


def test_a_held_question_is_heard_by_moderators_and_its_author_only(
    open_socket,
    event,
    talk,
    attendee,
    organizer,
    asker,
):
    event.held_words = "spam"
    db.session.commit()
    participant = open_socket(attendee)
    moderator = open_socket(organizer)
    author = open_socket(asker)
    for socket in (participant, moderator, author):
        joined(socket, talk)

    answer = author.call("qa_ask", {"session_id": talk.id, "body": "cheap spam"})

    assert answer["question"]["status"] == "held"
    assert participant.received() == []
    assert moderator.received("qa_question")[0][1]["status"] == "held"
    assert author.received("qa_question")[0][1]["mine"] is True


def test_votes_are_heard_live_and_count_once(open_socket, talk, attendee, organizer, asker):
    question = service.ask(asker, talk, "Vote me")
    db.session.commit()
    voter = open_socket(attendee)
    watcher = open_socket(organizer)
    joined(voter, talk)
    joined(watcher, talk)

    first = voter.call("qa_vote", {"question_id": question.id, "on": True})
    again = voter.call("qa_vote", {"question_id": question.id, "on": True})

    assert (first["vote_count"], again["vote_count"]) == (1, 1)
    assert [data["vote_count"] for _, data in watcher.received("qa_votes")] == [1]
    assert voter.call("qa_vote", {"question_id": question.id, "on": False})["vote_count"] == 0


def test_participants_cannot_moderate_over_the_socket(open_socket, talk, attendee, asker):
    question = service.ask(asker, talk, "Mine to keep")
    db.session.commit()
    socket = open_socket(attendee)
    for event_name in ("qa_answered", "qa_pin", "qa_hide"):
        answer = socket.call(event_name, {"question_id": question.id, "on": True})
        assert (answer["ok"], answer["error"]) == (False, "forbidden")
    db.session.refresh(question)
    assert (question.answered_at, question.pinned_at, question.status.value) == (
        None,
        None,
        "visible",
    )


def test_a_hidden_question_is_not_found_for_participants(
    open_socket,
    talk,
    attendee,
    organizer,
    asker,
):
    question = service.ask(asker, talk, "Gone")
    service.hide(organizer, question)
    db.session.commit()
    answer = open_socket(attendee).call("qa_vote", {"question_id": question.id, "on": True})
    assert (answer["ok"], answer["error"]) == (False, "not_found")


def test_a_suspension_refuses_the_next_question_on_an_open_socket(
    open_socket,
    event,
    talk,
    attendee,
):
    socket = open_socket(attendee)
    joined(socket, talk)
    assert socket.call("qa_ask", {"session_id": talk.id, "body": "First"})["ok"]

    db.session.add(PostingSuspension(event_id=event.id, user_id=attendee.id))
    db.session.commit()

    answer = socket.call("qa_ask", {"session_id": talk.id, "body": "Second"})
    assert (answer["ok"], answer["error"]) == (False, "forbidden")
    assert [q.body for q in service.questions_for(attendee, talk)] == ["First"]
