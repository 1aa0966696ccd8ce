"""Live Q&A of a program session: asking, upvoting, answering, pinning, hiding, and the
live updates of a session's open pages.

Who sees what:

- Participants who may see the session (``qa.view``) see its visible questions; an
  anonymous question shows no author to them. Their own held question shows to them
  alone ("waiting for a moderator").
- The event's moderators and organizers (``qa.authors``) see every question, held and
  hidden ones included, with its author.
- The session's speakers mark answered, pin and hide (``question.moderate``) but see
  what participants see: anonymous means anonymous to the stage too.

Live updates go through two rooms per session, named here on the server:
``participants_room`` hears questions in the participants' shape only (no author of an
anonymous question, never a held or hidden one), ``moderators_room`` (``qa.authors``
only) hears the full shape. A socket joins one of them after ``qa_join`` checked its
rule (``conference.realtime.qa``); a speaker's socket is a participant's, their page
adds the buttons. The author's own room (``messaging.user_room``) hears
their own question with ``mine`` set, so their other open pages show it too, held or not.
Every emit leaves after commit.

One vote per person and question: ``QuestionVote``'s primary key, written with
``INSERT ... ON CONFLICT DO NOTHING``, and ``vote_count`` moved by an atomic
``UPDATE ... SET vote_count = vote_count ± 1`` only when a row was really written or
removed, so concurrent votes never double count.

Hiding and restoring go through ``conference.services.moderation`` (it logs a
``ModerationAction`` and tells the author); its status-change hook calls back here to
unpin a hidden question, keep its ``question_upvoted`` activity rows in step and update
open pages.

Activity rows name their question (``Activity.question_id``): ``question_asked`` for
the asker, ``question_upvoted`` for the author, one row per standing vote on a visible
question, so points and reports count votes that stand, not votes ever cast.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from conference.enums import ActivityKind, ContentStatus, ModerationActionKind, ReportTarget
from conference.extensions import db, socketio
from conference.models import (
    Activity,
    Event,
    ModerationAction,
    ProgramSession,
    Question,
    QuestionVote,
    User,
)
from conference.models.types import utcnow
from conference.permissions import can
from conference.services import ServiceError, activity, aftercommit, moderation
from conference.services.messaging import user_room
from conference.services.upserts import dialect_insert

#: The longest question, in characters.
BODY_MAX = 500

#: How the list may be ordered.
SORTS = ("votes", "new")

#: How many questions the presenter view shows.
PRESENT_LIMIT = 8


def participants_room(session_id: int) -> str:
    """Participants' sockets on a session's Q&A (never see authors of anonymous
    questions, nor held or hidden ones)."""
    return f"qa:{session_id}"


def moderators_room(session_id: int) -> str:
    """Sockets of the event's moderators and organizers (``qa.authors``): hear every
    question with its author."""
    return f"qa-moderate:{session_id}"


# --- reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """What one person's Q&A box of a session shows and allows."""

    questions: list[Question]
    voted: set[int]
    can_ask: bool
    #: Shows the answered, pin and hide buttons (``question.moderate``: speakers too).
    moderator: bool
    #: Sees authors of anonymous questions, held and hidden ones (``qa.authors``).
    authors: bool
    sort: str


def _order(sort: str):
    newest = (Question.created_at.desc(), Question.id.desc())
    if sort == "new":
        return (Question.pinned_at.is_(None), *newest)
    return (Question.pinned_at.is_(None), Question.vote_count.desc(), *newest)


def questions_for(viewer: User, session: ProgramSession, sort: str = "votes") -> list[Question]:
    """The questions ``viewer`` may see, pinned first, then by votes or newest.

    The event's moderators and organizers see all; others (the session's speakers
    too) the visible ones and their own held ones.
    """
    query = sa.select(Question).where(Question.session_id == session.id)
    if not can(viewer, "qa.authors", session):
        query = query.where(
            sa.or_(
                Question.status == ContentStatus.visible,
                sa.and_(Question.status == ContentStatus.held, Question.author_id == viewer.id),
            )
        )
    query = query.order_by(*_order(sort if sort in SORTS else "votes"))
    return list(db.session.scalars(query.options(joinedload(Question.author))))


def voted_by(viewer: User, questions: list[Question]) -> set[int]:
    """The ids among ``questions`` that ``viewer`` upvoted."""
    ids = [q.id for q in questions]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(QuestionVote.question_id).where(
                QuestionVote.user_id == viewer.id, QuestionVote.question_id.in_(ids)
            )
        )
    )


def panel(viewer: User, session: ProgramSession, sort: str = "votes") -> Panel:
    questions = questions_for(viewer, session, sort)
    return Panel(
        questions=questions,
        voted=voted_by(viewer, questions),
        can_ask=can(viewer, "question.ask", session),
        moderator=can(viewer, "question.moderate", session),
        authors=can(viewer, "qa.authors", session),
        sort=sort if sort in SORTS else "votes",
    )


def presented(session: ProgramSession) -> list[Question]:
    """The presenter view: the pinned question, then the open ones by votes."""
    query = (
        sa.select(Question)
        .where(
            Question.session_id == session.id,
            Question.status == ContentStatus.visible,
            sa.or_(Question.answered_at.is_(None), Question.pinned_at.is_not(None)),
        )
        .order_by(*_order("votes"))
        .limit(PRESENT_LIMIT)
    )
    return list(db.session.scalars(query.options(joinedload(Question.author))))


def question_of(session: ProgramSession, question_id: int) -> Question | None:
    """A question of this session (None for another session's)."""
    question = db.session.get(Question, question_id)
    if question is None or question.session_id != session.id:
        return None
    return question


def payload(question: Question, *, moderator: bool, mine: bool = False) -> dict:
    """A question as its open pages receive it. ``moderator``: the full shape, for those
    with ``qa.authors`` only. Participants' shape (speakers' too): no author of an
    anonymous question and no author id at all."""
    shown_author = moderator or mine or not question.anonymous
    data = {
        "id": question.id,
        "session_id": question.session_id,
        "body": question.body,
        "anonymous": question.anonymous,
        "author": question.author.display_name if shown_author and question.author else None,
        "status": str(question.status),
        "vote_count": question.vote_count,
        "answered": question.answered_at is not None,
        "pinned": question.pinned_at is not None,
        "created_at": question.created_at.isoformat(),
        "mine": mine,
    }
    if moderator:
        data["author_id"] = question.author_id
    return data


#: The shape of ``payload`` with nothing in it: the page script's template of a question.
BLANK = {
    "id": 0,
    "session_id": 0,
    "body": "",
    "anonymous": False,
    "author": None,
    "status": "visible",
    "vote_count": 0,
    "answered": False,
    "pinned": False,
    "created_at": "",
    "mine": False,
}


# --- live updates --------------------------------------------------------------------


def _emit_after_commit(name: str, data: dict, room: str) -> None:
    aftercommit.on_commit(functools.partial(socketio.emit, name, data, to=room))


def broadcast(question: Question, *, was_visible: bool = True) -> None:
    """Queue the question's new state for its session's open pages (after commit)."""
    db.session.flush()
    session_id = question.session_id
    _emit_after_commit(
        "qa_question", payload(question, moderator=True), moderators_room(session_id)
    )
    if question.status == ContentStatus.visible:
        _emit_after_commit(
            "qa_question", payload(question, moderator=False), participants_room(session_id)
        )
    elif was_visible:
        _emit_after_commit(
            "qa_removed",
            {"id": question.id, "session_id": session_id},
            participants_room(session_id),
        )
    if question.author_id is not None and question.status != ContentStatus.hidden:
        _emit_after_commit(
            "qa_question",
            payload(question, moderator=False, mine=True),
            user_room(question.author_id),
        )


def _broadcast_votes(question: Question) -> None:
    data = {
        "id": question.id,
        "session_id": question.session_id,
        "vote_count": question.vote_count,
    }
    _emit_after_commit("qa_votes", data, moderators_room(question.session_id))
    if question.status == ContentStatus.visible:
        _emit_after_commit("qa_votes", data, participants_room(question.session_id))


def _upvote_rows(question: Question):
    return sa.select(Activity.id).where(
        Activity.question_id == question.id, Activity.kind == ActivityKind.question_upvoted
    )


def _drop_upvote_rows(question: Question) -> None:
    """A hidden question's votes earn nothing while it is hidden."""
    db.session.execute(
        sa.delete(Activity)
        .where(Activity.id.in_(_upvote_rows(question)))
        .execution_options(synchronize_session=False)
    )


def _record_upvote_rows(question: Question) -> None:
    """One ``question_upvoted`` row (dated now) per standing vote that has none, when a
    question shows again."""
    author = db.session.get(User, question.author_id) if question.author_id else None
    if author is None:
        return
    votes = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(QuestionVote)
        .where(QuestionVote.question_id == question.id)
    )
    rows = db.session.scalar(
        sa.select(sa.func.count()).select_from(_upvote_rows(question).subquery())
    )
    if votes <= rows:
        return
    session = db.session.get(ProgramSession, question.session_id)
    for _ in range(votes - rows):
        activity.record(
            author,
            session.event,
            ActivityKind.question_upvoted,
            session=session,
            question_id=question.id,
        )


def _on_moderation(question: Question, action: ModerationAction) -> None:
    """Moderation changed a question's status (hidden, restored, approved), from the Q&A
    buttons or the moderation queue: a hidden question is no longer pinned and its votes'
    activity rows go; one showing again gets them back."""
    was_visible = action.action == ModerationActionKind.hide
    if question.status == ContentStatus.hidden:
        question.pinned_at = None
        _drop_upvote_rows(question)
    elif question.status == ContentStatus.visible:
        _record_upvote_rows(question)
    broadcast(question, was_visible=was_visible)


moderation.on_status_change(ReportTarget.question, _on_moderation)


# --- asking --------------------------------------------------------------------------


def ask(actor: User, session: ProgramSession, body: str, anonymous: bool = False) -> Question:
    """Ask ``body`` in the session's Q&A (the caller checked ``question.ask``).

    Text with one of the event's held words waits for a moderator (``held``). Records
    the ``question_asked`` activity. Side effects: adds and flushes the question,
    queues its live update.
    """
    text = (body or "").strip()
    if not text:
        raise ServiceError("empty", gettext("Write your question first."), field="body")
    if len(text) > BODY_MAX:
        raise ServiceError(
            "too_long",
            gettext("A question has at most %(max)d characters.", max=BODY_MAX),
            field="body",
        )
    event = db.session.get(Event, session.event_id)
    question = Question(
        event_id=event.id,
        session_id=session.id,
        author_id=actor.id,
        author=actor,
        body=text,
        anonymous=bool(anonymous),
        status=ContentStatus.held if moderation.is_held(event, text) else ContentStatus.visible,
        vote_count=0,
    )
    db.session.add(question)
    db.session.flush()
    activity.record(
        actor, event, ActivityKind.question_asked, session=session, question_id=question.id
    )
    broadcast(question, was_visible=False)
    return question


# --- voting --------------------------------------------------------------------------


def _insert_vote(question: Question, user: User) -> bool:
    statement = (
        dialect_insert()(QuestionVote)
        .values(question_id=question.id, user_id=user.id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["question_id", "user_id"])
        .returning(QuestionVote.question_id)
    )
    return db.session.scalar(statement) is not None


def _move_count(question: Question, step: int) -> None:
    count = db.session.scalar(
        sa.update(Question)
        .where(Question.id == question.id)
        .values(vote_count=Question.vote_count + step)
        .returning(Question.vote_count)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(question, "vote_count", count)


def vote(actor: User, question: Question) -> bool:
    """Upvote ``question`` once (the caller checked ``question.vote``). Returns whether
    this call added the vote (False when it was already there).

    The author's ``question_upvoted`` activity row (naming the question) is written
    with each new vote.
    """
    if not _insert_vote(question, actor):
        return False
    _move_count(question, +1)
    session = db.session.get(ProgramSession, question.session_id)
    author = db.session.get(User, question.author_id) if question.author_id else None
    if author is not None:
        activity.record(
            author,
            session.event,
            ActivityKind.question_upvoted,
            session=session,
            question_id=question.id,
        )
    _broadcast_votes(question)
    _emit_after_commit(
        "qa_voted",
        {"id": question.id, "session_id": question.session_id, "voted": True},
        user_room(actor.id),
    )
    return True


def unvote(actor: User, question: Question) -> bool:
    """Withdraw one's vote. Returns whether there was one to withdraw.

    One ``question_upvoted`` row of that question goes with it (its newest), so points
    and reports count votes that stand, not votes ever cast.
    """
    removed = db.session.execute(
        sa.delete(QuestionVote).where(
            QuestionVote.question_id == question.id, QuestionVote.user_id == actor.id
        )
    ).rowcount
    if not removed:
        return False
    _move_count(question, -1)
    newest = db.session.scalar(_upvote_rows(question).order_by(Activity.id.desc()).limit(1))
    if newest is not None:
        db.session.execute(
            sa.delete(Activity)
            .where(Activity.id == newest)
            .execution_options(synchronize_session=False)
        )
    _broadcast_votes(question)
    _emit_after_commit(
        "qa_voted",
        {"id": question.id, "session_id": question.session_id, "voted": False},
        user_room(actor.id),
    )
    return True


# --- the speaker's and moderators' actions ------------------------------------------


def set_answered(question: Question, answered: bool) -> Question:
    """Mark answered or not (the caller checked ``question.moderate``)."""
    if (question.answered_at is not None) != answered:
        question.answered_at = utcnow() if answered else None
        broadcast(question)
    return question


def set_pinned(question: Question, pinned: bool) -> Question:
    """Pin the question (unpinning any other of its session), or unpin it. Only a
    visible question can be pinned."""
    if pinned and question.status != ContentStatus.visible:
        raise ServiceError("not_visible", gettext("Only a visible question can be pinned."))
    if pinned and question.pinned_at is None:
        others = db.session.scalars(
            sa.select(Question).where(
                Question.session_id == question.session_id,
                Question.pinned_at.is_not(None),
                Question.id != question.id,
            )
        )
        for other in others:
            other.pinned_at = None
            broadcast(other)
        question.pinned_at = utcnow()
        broadcast(question)
    elif not pinned and question.pinned_at is not None:
        question.pinned_at = None
        broadcast(question)
    return question


def hide(actor: User, question: Question, reason: str = "") -> ModerationAction:
    """Hide the question from participants (logged; the author is told). A pinned
    question stops being pinned (``_on_moderation``)."""
    return moderation.hide(
        actor, db.session.get(Event, question.event_id), ReportTarget.question, question.id, reason
    )


def restore(actor: User, question: Question, reason: str = "") -> ModerationAction:
    """Show a hidden question again (logged; the author is told)."""
    return moderation.restore(
        actor, db.session.get(Event, question.event_id), ReportTarget.question, question.id, reason
    )


def approve(actor: User, question: Question, reason: str = "") -> ModerationAction:
    """Let a held question show (logged; the author is told)."""
    return moderation.approve(
        actor, db.session.get(Event, question.event_id), ReportTarget.question, question.id, reason
    )
