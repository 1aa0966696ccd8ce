"""Socket events of a session's live Q&A.

``qa_join`` puts the socket in the session's moderators room when it may see who asked
(``qa.authors``: the event's moderators and organizers), else in its participants room
when it may see the questions (``qa.view``) — the session's speakers too: they answer,
pin and hide (``question.moderate``) but never learn who asked anonymously. The room
names come from ``services.qa``, never from the client. The other events ask, vote and
moderate; each checks its rule afresh (a suspension, a lost
registration or the end of the event take effect on the very next event). A question
that does not exist, belongs to no session one may see, or that one may not see gets
the same "not found" answer.
"""

from __future__ import annotations

from typing import Annotated

from flask_babel import gettext
from flask_socketio import join_room, leave_room
from pydantic import StringConstraints

from conference.enums import ContentStatus
from conference.extensions import db
from conference.models import ProgramSession, Question, User
from conference.permissions import can
from conference.realtime import socket_event
from conference.realtime.schemas import Id, Payload
from conference.services import ServiceError
from conference.services import qa as service
from conference.services.moderation import REASON_MAX


class SessionEvent(Payload):
    session_id: Id


class Ask(SessionEvent):
    body: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=service.BODY_MAX)
    ]
    anonymous: bool = False


class QuestionSwitch(Payload):
    """Vote, answered, pinned, hidden: on or off."""

    question_id: Id
    on: bool


class Hide(QuestionSwitch):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=REASON_MAX)] = ""


def _not_found() -> ServiceError:
    return ServiceError("not_found", gettext("There is no such question here."))


def _question(user: User, question_id: int) -> tuple[Question, ProgramSession]:
    """A question ``user`` may see."""
    question = db.session.get(Question, question_id)
    session = db.session.get(ProgramSession, question.session_id) if question else None
    if session is None or not can(user, "qa.view", session):
        raise _not_found()
    shown = question.status == ContentStatus.visible or (
        question.status == ContentStatus.held and question.author_id == user.id
    )
    if not shown and not can(user, "qa.authors", session):
        raise _not_found()
    return question, session


@socket_event("qa_join", SessionEvent)
def qa_join(user: User, payload: SessionEvent) -> dict:
    session = db.session.get(ProgramSession, payload.session_id)
    if session is None or not can(user, "qa.view", session):
        raise _not_found()
    if can(user, "qa.authors", session):
        leave_room(service.participants_room(session.id))
        join_room(service.moderators_room(session.id))
    else:
        leave_room(service.moderators_room(session.id))
        join_room(service.participants_room(session.id))
    return {
        "moderator": can(user, "question.moderate", session),
        "can_ask": can(user, "question.ask", session),
    }


@socket_event("qa_ask", Ask)
def qa_ask(user: User, payload: Ask) -> dict:
    session = db.session.get(ProgramSession, payload.session_id)
    if session is None or not can(user, "qa.view", session):
        raise _not_found()
    if not can(user, "question.ask", session):
        raise ServiceError("forbidden", gettext("You cannot ask questions here now."))
    question = service.ask(user, session, payload.body, payload.anonymous)
    return {"question": service.payload(question, moderator=False, mine=True)}


@socket_event("qa_vote", QuestionSwitch)
def qa_vote(user: User, payload: QuestionSwitch) -> dict:
    question, _ = _question(user, payload.question_id)
    if not can(user, "question.vote", question):
        raise ServiceError("forbidden", gettext("You cannot vote on this question."))
    if payload.on:
        service.vote(user, question)
    else:
        service.unvote(user, question)
    return {"id": question.id, "voted": payload.on, "vote_count": question.vote_count}


def _moderated(user: User, question_id: int) -> Question:
    question, session = _question(user, question_id)
    if not can(user, "question.moderate", session):
        raise ServiceError("forbidden", gettext("Only the speakers and moderators can do this."))
    return question


def _state(user: User, question: Question) -> dict:
    """The question after a moderating action, in the shape ``user`` may see."""
    session = db.session.get(ProgramSession, question.session_id)
    shape = service.payload(
        question, moderator=can(user, "qa.authors", session), mine=question.author_id == user.id
    )
    return {"question": shape}


@socket_event("qa_answered", QuestionSwitch)
def qa_answered(user: User, payload: QuestionSwitch) -> dict:
    question = _moderated(user, payload.question_id)
    return _state(user, service.set_answered(question, payload.on))


@socket_event("qa_pin", QuestionSwitch)
def qa_pin(user: User, payload: QuestionSwitch) -> dict:
    question = _moderated(user, payload.question_id)
    return _state(user, service.set_pinned(question, payload.on))


@socket_event("qa_hide", Hide)
def qa_hide(user: User, payload: Hide) -> dict:
    question = _moderated(user, payload.question_id)
    if payload.on:
        service.hide(user, question, payload.reason)
    elif question.status == ContentStatus.held:
        service.approve(user, question, payload.reason)
    else:
        service.restore(user, question, payload.reason)
    return _state(user, question)
