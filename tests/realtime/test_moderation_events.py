"""A moderator's suspension takes effect on sockets that are already open: the next
question or message the person sends over them is refused, and lifting it lets them
through again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.models import Message, Question
from conference.services import messaging, moderation
from tests import factories
from tests.program_helpers import session as make_session


@pytest.fixture
def moderator(event):
    return factories.participant(event, "Mona Moderator", roles=["moderator"])


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _ask(socket, talk, body: str):
    return socket.call("qa_ask", {"session_id": talk.id, "body": body, "anonymous": False})


def test_posting_suspension_refuses_the_next_question_on_an_open_socket(
    open_socket, event, attendee, speaker, moderator
):
    talk = make_session(event, "Ledgers at scale", speakers=[speaker])
    anna = open_socket(attendee)
    assert anna.call("qa_join", {"session_id": talk.id})["can_ask"] is True
    assert _ask(anna, talk, "First question?")["ok"] is True

    moderation.suspend(moderator, event, attendee, "posting", "hour", "Spam")
    db.session.commit()

    refused = _ask(anna, talk, "Second question?")
    assert refused["ok"] is False
    assert refused["error"] == "forbidden"
    assert _count(Question) == 1

    moderation.lift(moderator, event, attendee, "posting")
    db.session.commit()

    assert _ask(anna, talk, "Third question?")["ok"] is True
    assert _count(Question) == 2


def test_messaging_suspension_refuses_the_next_message_on_an_open_socket(
    open_socket, event, attendee, speaker, moderator
):
    conversation = messaging.get_or_create_conversation(attendee, event, speaker)
    db.session.commit()
    anna = open_socket(attendee)

    def send(body: str, client_id: str):
        return anna.call(
            "send_message",
            {"conversation_id": conversation.id, "client_id": client_id, "body": body},
        )

    assert send("first", "1")["ok"] is True

    moderation.suspend(moderator, event, attendee, "messaging", "day", "Spam")
    db.session.commit()

    assert send("second", "2")["ok"] is False
    assert _count(Message) == 1


def test_the_suspended_person_hears_of_it_live(open_socket, event, attendee, moderator):
    anna = open_socket(attendee)
    anna.received()

    moderation.suspend(moderator, event, attendee, "posting", "lifted", "Spam")
    db.session.commit()

    heard = anna.received("notification")
    assert len(heard) == 1
    assert "Spam" in str(heard[0][1])
