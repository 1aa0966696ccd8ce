"""Moderation: the event's word filter, reports, the queue, hiding and restoring,
warnings, suspensions and the log of every action.

``is_held`` is what every place people write (questions, discussion posts, news) asks
before showing new text: a match with one of the event's held words keeps it back as
``ContentStatus.held`` until a moderator approves it.

The contract for the places people write (Q&A, discussions, news):

- ``report(actor, event, target, target_id, reason)`` stores a participant's report
  (``ContentReport``; a message's goes to ``messaging.report``). Refuses one's own
  content and content the reporter cannot see; reporting again returns the first report.
  The route is ``POST /e/<slug>/report`` (``moderation.report``), form fields ``target``,
  ``target_id``, ``reason``; it answers JSON when asked for JSON, else redirects back
  with a flash.
- ``hide``, ``restore`` and ``approve(actor, event, target, target_id, reason="")`` change
  a question's, post's or news item's ``status`` (a message: ``hide`` only, through
  ``messaging.hide_message``), resolve its open reports, write a ``ModerationAction`` and
  tell the author the outcome (kind ``moderation``) without naming any reporter. The
  caller checks its own rule (e.g. ``question.moderate``). They return the action.
- ``on_status_change(target, callback)``: the owner of a kind of content registers
  ``callback(item, action)``, called after the status changed (before commit), to emit
  its live updates after commit or tell followers of a newly approved item.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext, lazy_gettext

from conference.enums import ContentStatus, ModerationActionKind, NotificationKind, ReportTarget
from conference.extensions import db
from conference.formatting import event_datetime
from conference.models import (
    ContentReport,
    Conversation,
    Event,
    Message,
    MessageReport,
    MessagingSuspension,
    ModerationAction,
    NewsPost,
    Post,
    PostingSuspension,
    ProgramSession,
    Question,
    Thread,
    User,
)
from conference.models.types import utcnow
from conference.permissions import can
from conference.services import ServiceError, mail, messaging, notifications
from conference.services.messaging import clean_reason
from conference.services.upserts import insert_new


def _unspaced(char: str) -> bool:
    """Scripts written without spaces between words (CJK, kana): match inside text."""
    return unicodedata.name(char, "").startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL"))


def _alternative(term: str) -> str:
    """A term as a whole word or phrase; in scripts without spaces, anywhere."""
    body = r"\s+".join(re.escape(part) for part in term.split())
    start = "" if _unspaced(term[0]) else r"(?<!\w)"
    end = "" if _unspaced(term[-1]) else r"(?!\w)"
    return f"{start}{body}{end}"


@lru_cache(maxsize=256)
def _pattern(words: str) -> re.Pattern | None:
    terms = sorted({line.strip().casefold() for line in words.splitlines() if line.strip()})
    if not terms:
        return None
    return re.compile("|".join(_alternative(term) for term in terms), re.IGNORECASE)


def held_word_list(event: Event) -> list[str]:
    """The event's held words, one per line as the organizer typed them, cleaned."""
    return sorted({line.strip() for line in event.held_words.splitlines() if line.strip()})


def is_held(event: Event, *texts: str) -> bool:
    """Whether any of ``texts`` contains one of the event's held words (whole words or
    phrases, ignoring case in any script)."""
    pattern = _pattern(event.held_words or "")
    return pattern is not None and any(pattern.search(text.casefold()) for text in texts if text)


# --- the contract: reports, hide, restore, approve ---------------------------------------------

#: The longest reason a reporter or a moderator may give.
REASON_MAX = 500

#: How long a suspension lasts, as offered in the queue; None: until a moderator lifts it.
SUSPENSION_LENGTHS: dict[str, timedelta | None] = {
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "lifted": None,
}

#: Content with a ``status`` moderators change.
_CONTENT: dict[ReportTarget, type] = {
    ReportTarget.question: Question,
    ReportTarget.post: Post,
    ReportTarget.news: NewsPost,
}

_listeners: dict[ReportTarget, list[Callable]] = {}


def on_status_change(target: ReportTarget, callback: Callable) -> Callable:
    """Call ``callback(item, action)`` whenever a moderator hides, restores or approves
    an item of ``target`` (after the change, before commit). Returns ``callback``, so it
    works as a decorator factory's result: ``on_status_change(ReportTarget.question, f)``.
    """
    callbacks = _listeners.setdefault(target, [])
    if callback not in callbacks:
        callbacks.append(callback)
    return callback


def _changed(target: ReportTarget, item, action: ModerationAction) -> None:
    for callback in _listeners.get(target, ()):
        callback(item, action)


def _gone() -> ServiceError:
    return ServiceError("not_found", gettext("That is no longer there."))


def _find(event: Event, target: ReportTarget, target_id: int):
    """The reported thing of ``event`` and whose it is: ``(item, subject_id)``."""
    if target in _CONTENT:
        item = db.session.get(_CONTENT[target], target_id)
        if item is None or item.event_id != event.id:
            raise _gone()
        return item, item.author_id
    if target == ReportTarget.message:
        item = db.session.get(Message, target_id)
        conversation = db.session.get(Conversation, item.conversation_id) if item else None
        if conversation is None or conversation.event_id != event.id:
            raise _gone()
        return item, item.sender_id
    if target == ReportTarget.profile:
        person = db.session.get(User, target_id)
        if person is None or person.is_deleted:
            raise _gone()
        return person, person.id
    raise _gone()


def _visible_to(actor: User, event: Event, target: ReportTarget, item) -> bool:
    """Whether ``actor`` can see what they report (nobody reports what they cannot see)."""
    if target == ReportTarget.question:
        return item.status == ContentStatus.visible and can(
            actor, "qa.view", db.session.get(ProgramSession, item.session_id)
        )
    if target == ReportTarget.post:
        thread = db.session.get(Thread, item.thread_id)
        return item.status == ContentStatus.visible and can(actor, "thread.view", thread)
    if target == ReportTarget.news:
        return item.status == ContentStatus.visible and can(actor, "news.view", event)
    if target == ReportTarget.message:
        return can(actor, "message.report", item)
    return can(actor, "profile.view", (event, item))


def report(
    actor: User, event: Event, target: ReportTarget, target_id: int, reason: str
) -> ContentReport | MessageReport:
    """``actor`` reports someone else's question, post, news item, message or profile in
    ``event`` to its moderators.

    The caller checks ``content.report`` on the event. Refuses one's own content and what
    the reporter cannot see; reporting the same thing again returns the first report.

    Side effects: writes a ``ContentReport`` (a message's: a ``MessageReport``, through
    ``messaging.report``).
    """
    text = clean_reason(reason)
    target = ReportTarget(target)
    item, subject_id = _find(event, target, target_id)
    if subject_id == actor.id:
        raise ServiceError("own", gettext("You cannot report your own."))
    if not _visible_to(actor, event, target, item):
        raise _gone()
    if target == ReportTarget.message:
        earlier = db.session.scalar(
            sa.select(MessageReport).where(
                MessageReport.message_id == item.id, MessageReport.reporter_id == actor.id
            )
        )
        return earlier or messaging.report(actor, item, text)
    values = {
        "event_id": event.id,
        "target": target,
        "target_id": target_id,
        "subject_id": subject_id,
        "reporter_id": actor.id,
        "reason": text,
        "created_at": utcnow(),
        "outcome": "",
    }
    row = insert_new(ContentReport, values, ["target", "target_id", "reporter_id"])
    if row is None:
        row = db.session.scalar(
            sa.select(ContentReport).where(
                ContentReport.target == target,
                ContentReport.target_id == target_id,
                ContentReport.reporter_id == actor.id,
            )
        )
    return row


def _resolve(actor: User, event: Event, outcome: str, *conditions) -> None:
    """Close the event's open content reports matching ``conditions`` as ``outcome``."""
    db.session.execute(
        sa.update(ContentReport)
        .where(ContentReport.event_id == event.id, ContentReport.resolved_at.is_(None), *conditions)
        .values(resolved_at=utcnow(), resolved_by_id=actor.id, outcome=outcome)
    )


def _resolve_target(actor: User, event: Event, target, target_id, outcome: str) -> None:
    if target is None:
        return
    if target == ReportTarget.message:
        db.session.execute(
            sa.update(MessageReport)
            .where(
                MessageReport.event_id == event.id,
                MessageReport.message_id == target_id,
                MessageReport.resolved_at.is_(None),
            )
            .values(resolved_at=utcnow(), resolved_by_id=actor.id, outcome=outcome)
        )
    else:
        _resolve(
            actor,
            event,
            outcome,
            ContentReport.target == target,
            ContentReport.target_id == target_id,
        )


def log_action(
    actor: User,
    event: Event,
    kind: ModerationActionKind,
    *,
    target: ReportTarget | None = None,
    target_id: int | None = None,
    subject_id: int | None = None,
    reason: str = "",
    until: datetime | None = None,
) -> ModerationAction:
    """Write one entry of the event's moderation log (``ModerationAction``): who did
    ``kind`` to what (``target``/``target_id``; a thread's lock names only its id),
    about whom, why and until when. Any moderator action of the app goes through here.

    Raises ``ServiceError`` (field ``reason``) for a reason over ``REASON_MAX``.
    Side effects: adds the action and flushes.
    """
    action = ModerationAction(
        event_id=event.id,
        moderator_id=actor.id,
        action=kind,
        target=target,
        target_id=target_id,
        subject_id=subject_id,
        reason=clean_reason(reason),
        until=until,
        created_at=utcnow(),
    )
    db.session.add(action)
    db.session.flush()
    return action


#: What the author hears, per action and kind of content (whole sentences, so each
#: language can agree its words).
_OUTCOME = {
    ModerationActionKind.hide: {
        ReportTarget.question: lazy_gettext("A moderator hid your question in %(event)s."),
        ReportTarget.post: lazy_gettext("A moderator hid your post in %(event)s."),
        ReportTarget.news: lazy_gettext("A moderator hid your news item in %(event)s."),
        ReportTarget.message: lazy_gettext("A moderator hid your message in %(event)s."),
    },
    ModerationActionKind.restore: {
        ReportTarget.question: lazy_gettext("A moderator restored your question in %(event)s."),
        ReportTarget.post: lazy_gettext("A moderator restored your post in %(event)s."),
        ReportTarget.news: lazy_gettext("A moderator restored your news item in %(event)s."),
    },
    ModerationActionKind.approve: {
        ReportTarget.question: lazy_gettext(
            "A moderator approved your question in %(event)s; everyone can see it now."
        ),
        ReportTarget.post: lazy_gettext(
            "A moderator approved your post in %(event)s; everyone can see it now."
        ),
        ReportTarget.news: lazy_gettext(
            "A moderator approved your news item in %(event)s; everyone can see it now."
        ),
    },
}


def _tell(subject_id: int | None, event: Event, say: Callable[[], str], reason: str) -> None:
    """Tell the person concerned, in their language, what a moderator did and why (the
    moderator's reason); never who reported them."""
    person = db.session.get(User, subject_id) if subject_id else None
    if person is None or person.is_deleted:
        return
    with mail.in_language(person.locale):
        text = say()
        if reason:
            text = gettext("%(outcome)s Reason: %(reason)s", outcome=text, reason=reason)
    notifications.notify(
        person.id,
        NotificationKind.moderation,
        text,
        url=url_for("events.landing", slug=event.slug),
        event_id=event.id,
    )


def _set_status(
    actor: User,
    event: Event,
    kind: ModerationActionKind,
    target: ReportTarget,
    target_id: int,
    reason: str,
    before: tuple[ContentStatus, ...],
    after: ContentStatus,
    outcome: str,
) -> ModerationAction:
    text = clean_reason(reason)
    target = ReportTarget(target)
    if target not in _CONTENT:
        raise ServiceError("unsupported", gettext("This cannot be changed that way."))
    item, subject_id = _find(event, target, target_id)
    if item.status not in before:
        raise ServiceError("unchanged", gettext("Someone already dealt with this."))
    item.status = after
    _resolve_target(actor, event, target, target_id, outcome)
    action = log_action(
        actor, event, kind, target=target, target_id=target_id, subject_id=subject_id, reason=text
    )
    _changed(target, item, action)
    _tell(subject_id, event, lambda: str(_OUTCOME[kind][target]) % {"event": event.name}, text)
    return action


def hide(
    actor: User, event: Event, target: ReportTarget, target_id: int, reason: str = ""
) -> ModerationAction:
    """A moderator hides a question, post, news item (visible or held) or message.

    The caller checks its rule (``moderation.queue``, ``question.moderate``, ...).

    Side effects: sets the item ``hidden`` (a message through ``messaging.hide_message``,
    which emits it to both members after commit); resolves its open reports as
    "hidden"; writes a ``ModerationAction``; calls the target's status listeners;
    notifies the author (kind ``moderation``) with the reason.
    """
    target = ReportTarget(target)
    if target != ReportTarget.message:
        return _set_status(
            actor,
            event,
            ModerationActionKind.hide,
            target,
            target_id,
            reason,
            (ContentStatus.visible, ContentStatus.held),
            ContentStatus.hidden,
            "hidden",
        )
    text = clean_reason(reason)
    message, sender_id = _find(event, target, target_id)
    if message.hidden_at is not None:
        raise ServiceError("unchanged", gettext("Someone already dealt with this."))
    messaging.hide_message(actor, message)
    action = log_action(
        actor,
        event,
        ModerationActionKind.hide,
        target=target,
        target_id=target_id,
        subject_id=sender_id,
        reason=text,
    )
    _changed(target, message, action)
    _tell(
        sender_id, event, lambda: str(_OUTCOME[action.action][target]) % {"event": event.name}, text
    )
    return action


def restore(
    actor: User, event: Event, target: ReportTarget, target_id: int, reason: str = ""
) -> ModerationAction:
    """A moderator shows a hidden question, post or news item again.

    Side effects: as ``hide``, with the item ``visible`` and open reports "restored".
    """
    return _set_status(
        actor,
        event,
        ModerationActionKind.restore,
        target,
        target_id,
        reason,
        (ContentStatus.hidden,),
        ContentStatus.visible,
        "restored",
    )


def approve(
    actor: User, event: Event, target: ReportTarget, target_id: int, reason: str = ""
) -> ModerationAction:
    """A moderator lets a question, post or news item the word filter held be seen.

    Side effects: as ``hide``, with the item ``visible``; listeners hear it (news tells
    its followers now, Q&A emits the question).
    """
    return _set_status(
        actor,
        event,
        ModerationActionKind.approve,
        target,
        target_id,
        reason,
        (ContentStatus.held,),
        ContentStatus.visible,
        "approved",
    )


# --- dismissing, warning, suspending -------------------------------------------------------------


def dismiss(
    actor: User, event: Event, target: ReportTarget, target_id: int, reason: str = ""
) -> ModerationAction:
    """A moderator finds nothing wrong with a reported item. The author is not told
    (they need not learn they were reported).

    Side effects: resolves the item's open reports as "dismissed"; writes a
    ``ModerationAction``.
    """
    text = clean_reason(reason)
    target = ReportTarget(target)
    _item, subject_id = _find(event, target, target_id)
    _resolve_target(actor, event, target, target_id, "dismissed")
    return log_action(
        actor,
        event,
        ModerationActionKind.dismiss,
        target=target,
        target_id=target_id,
        subject_id=subject_id,
        reason=text,
    )


def _about(
    event: Event, person: User, target: ReportTarget | None, target_id: int | None
) -> ReportTarget | None:
    """The reported item a warning or suspension is about, checked: it must be of
    ``event`` and ``person``'s (else "not found", so nothing of another event or person is
    resolved). None when there is no item."""
    if target is None:
        return None
    target = ReportTarget(target)
    if not target_id:
        raise _gone()
    _item, subject_id = _find(event, target, target_id)
    if subject_id != person.id:
        raise _gone()
    return target


def _not_a_moderator(event: Event, person: User) -> None:
    if can(person, "moderation.queue", event):
        raise ServiceError(
            "moderator", gettext("Organizers and moderators cannot be warned or suspended.")
        )


def warn(
    actor: User,
    event: Event,
    person: User,
    reason: str,
    target: ReportTarget | None = None,
    target_id: int | None = None,
) -> ModerationAction:
    """A moderator warns ``person`` (about a reported item, if given: refused unless it
    is of ``event`` and ``person``'s).

    Side effects: resolves the item's open reports as "warned"; writes a
    ``ModerationAction``; notifies ``person`` with the reason.
    """
    text = clean_reason(reason)
    _not_a_moderator(event, person)
    target = _about(event, person, target, target_id)
    _resolve_target(actor, event, target, target_id, "warned")
    action = log_action(
        actor,
        event,
        ModerationActionKind.warn,
        target=target,
        target_id=target_id,
        subject_id=person.id,
        reason=text,
    )
    _tell(
        person.id,
        event,
        lambda: gettext("A moderator of %(event)s warned you.", event=event.name),
        text,
    )
    return action


#: A suspension's scope: ``posting`` (questions, discussions) or ``messaging``.
SCOPES = ("posting", "messaging")


def _suspension_model(scope: str) -> type:
    if scope not in SCOPES:
        raise ServiceError("unsupported", gettext("This cannot be changed that way."))
    return PostingSuspension if scope == "posting" else MessagingSuspension


def suspend(
    actor: User,
    event: Event,
    person: User,
    scope: str,
    length: str,
    reason: str = "",
    target: ReportTarget | None = None,
    target_id: int | None = None,
) -> ModerationAction:
    """``person`` may not post and ask (``scope`` "posting") or send messages
    ("messaging") in ``event`` for ``length`` (a key of ``SUSPENSION_LENGTHS``).

    Open sockets feel it at their next event: the realtime handlers check ``may_post``,
    ``question.ask`` and ``message.send`` on every one. Suspending again replaces the
    length and the reason. A reported item given as the reason must be of ``event`` and
    ``person``'s, else nothing happens ("not found").

    Side effects: writes or updates the ``PostingSuspension``/``MessagingSuspension``;
    resolves open reports about ``person``'s content in the event as "suspended"
    (messaging: their reported messages; posting: their questions, posts, news and
    profile); writes a ``ModerationAction``; notifies ``person``.
    """
    text = clean_reason(reason)
    model = _suspension_model(scope)
    if length not in SUSPENSION_LENGTHS:
        raise ServiceError("invalid", gettext("Choose how long."), field="length")
    _not_a_moderator(event, person)
    target = _about(event, person, target, target_id)
    delta = SUSPENSION_LENGTHS[length]
    now = utcnow()
    until = now + delta if delta else None
    values = {
        "event_id": event.id,
        "user_id": person.id,
        "created_by_id": actor.id,
        "reason": text,
        "created_at": now,
        "until": until,
    }
    if insert_new(model, values, ["event_id", "user_id"]) is None:
        db.session.execute(
            sa.update(model)
            .where(model.event_id == event.id, model.user_id == person.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        row = db.session.get(model, (event.id, person.id))
        if row is not None:
            db.session.refresh(row)
    if scope == "messaging":
        db.session.execute(
            sa.update(MessageReport)
            .where(
                MessageReport.event_id == event.id,
                MessageReport.resolved_at.is_(None),
                MessageReport.message_id.in_(
                    sa.select(Message.id).where(Message.sender_id == person.id)
                ),
            )
            .values(resolved_at=now, resolved_by_id=actor.id, outcome="suspended")
        )
    else:
        _resolve(actor, event, "suspended", ContentReport.subject_id == person.id)
    kind = (
        ModerationActionKind.suspend_posting
        if scope == "posting"
        else ModerationActionKind.suspend_messaging
    )
    action = log_action(
        actor,
        event,
        kind,
        target=target,
        target_id=target_id,
        subject_id=person.id,
        reason=text,
        until=until,
    )
    _tell(person.id, event, lambda: _suspended_text(event, scope, until), text)
    return action


def _suspended_text(event: Event, scope: str, until: datetime | None) -> str:
    if until is None:
        if scope == "posting":
            return gettext(
                "A moderator suspended you from posting and asking questions in %(event)s "
                "until further notice.",
                event=event.name,
            )
        return gettext(
            "A moderator suspended you from sending messages in %(event)s until further notice.",
            event=event.name,
        )
    when = event_datetime(until, event, "short")
    if scope == "posting":
        return gettext(
            "A moderator suspended you from posting and asking questions in %(event)s "
            "until %(when)s.",
            event=event.name,
            when=when,
        )
    return gettext(
        "A moderator suspended you from sending messages in %(event)s until %(when)s.",
        event=event.name,
        when=when,
    )


def lift(actor: User, event: Event, person: User, scope: str, reason: str = "") -> ModerationAction:
    """A moderator ends ``person``'s suspension before its time.

    Side effects: deletes the suspension; writes a ``ModerationAction``; notifies
    ``person``.
    """
    text = clean_reason(reason)
    model = _suspension_model(scope)
    gone = db.session.execute(
        sa.delete(model).where(model.event_id == event.id, model.user_id == person.id)
    )
    if not gone.rowcount:
        raise ServiceError("unchanged", gettext("Someone already dealt with this."))
    action = log_action(
        actor,
        event,
        ModerationActionKind.lift_suspension,
        subject_id=person.id,
        reason=text,
    )
    _tell(person.id, event, lambda: _lifted_text(event, scope), "")
    return action


def _lifted_text(event: Event, scope: str) -> str:
    if scope == "posting":
        return gettext("You may post and ask questions in %(event)s again.", event=event.name)
    return gettext("You may send messages in %(event)s again.", event=event.name)


# --- the queue and the log ---------------------------------------------------------------------


@dataclass
class QueueItem:
    """One reported or held thing, with what moderators need to decide: the content,
    whose it is, how many reported it and their reasons (never who)."""

    target: ReportTarget
    target_id: int
    item: object
    subject: User | None
    #: "visible", "held" or "hidden" (a message: "visible" or "hidden"; a profile: "visible").
    status: str
    title: str
    text: str
    since: datetime
    report_count: int = 0
    reasons: list[str] = field(default_factory=list)


def _open_content_reports(event: Event) -> dict[tuple[ReportTarget, int], list[ContentReport]]:
    found: dict[tuple[ReportTarget, int], list[ContentReport]] = {}
    rows = db.session.scalars(
        sa.select(ContentReport)
        .where(ContentReport.event_id == event.id, ContentReport.resolved_at.is_(None))
        .order_by(ContentReport.created_at, ContentReport.id)
    )
    for row in rows:
        found.setdefault((row.target, row.target_id), []).append(row)
    return found


def _held(event: Event) -> list[tuple[ReportTarget, object]]:
    held = []
    for target, model in _CONTENT.items():
        rows = db.session.scalars(
            sa.select(model)
            .where(model.event_id == event.id, model.status == ContentStatus.held)
            .order_by(model.created_at)
        )
        held.extend((target, row) for row in rows)
    return held


def _describe(target: ReportTarget, item) -> tuple[str, str, str]:
    """(status, title, text) of an item for the queue."""
    if target == ReportTarget.question:
        return str(item.status), gettext("Question"), item.body
    if target == ReportTarget.post:
        thread = db.session.get(Thread, item.thread_id)
        title = gettext("Post in “%(title)s”", title=thread.title if thread else "")
        return str(item.status), title, item.body
    if target == ReportTarget.news:
        return str(item.status), gettext("News: %(title)s", title=item.title), item.body
    if target == ReportTarget.message:
        status = "hidden" if item.hidden_at is not None else "visible"
        return status, gettext("Message"), item.body
    profile = item.profile
    parts = [item.display_name]
    if profile is not None:
        parts += [profile.headline, profile.bio, profile.looking_for, profile.can_offer]
    return "visible", gettext("Profile"), "\n".join(part for part in parts if part)


def _load(target: ReportTarget, ids: set[int]) -> dict[int, object]:
    model = {**_CONTENT, ReportTarget.message: Message, ReportTarget.profile: User}[target]
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}


def queue(event: Event) -> list[QueueItem]:
    """The event's open reports (messages, questions, posts, news, profiles) and the
    items its word filter held, one entry per item, oldest first."""
    reports = _open_content_reports(event)
    for row in messaging.open_reports(event):
        reports.setdefault((ReportTarget.message, row.message_id), []).append(row)
    held = _held(event)
    wanted: dict[ReportTarget, set[int]] = {}
    for target, target_id in reports:
        wanted.setdefault(target, set()).add(target_id)
    loaded = {target: _load(target, ids) for target, ids in wanted.items()}
    for target, item in held:
        loaded.setdefault(target, {})[item.id] = item
    keys = list(reports) + [(t, i.id) for t, i in held if (t, i.id) not in reports]
    found = [
        (target, target_id, loaded[target][target_id])
        for target, target_id in keys
        if target_id in loaded.get(target, {})
    ]
    people = _users(_subject_id(target, item) for target, _id, item in found)
    entries = []
    for target, target_id, item in found:
        status, title, text = _describe(target, item)
        rows = reports.get((target, target_id), [])
        entries.append(
            QueueItem(
                target=target,
                target_id=target_id,
                item=item,
                subject=people.get(_subject_id(target, item)),
                status=status,
                title=title,
                text=text,
                since=rows[0].created_at if rows else item.created_at,
                report_count=len(rows),
                reasons=[row.reason for row in rows if row.reason],
            )
        )
    entries.sort(key=lambda entry: (entry.since, entry.target_id))
    return entries


def _subject_id(target: ReportTarget, item) -> int | None:
    if target == ReportTarget.message:
        return item.sender_id
    if target == ReportTarget.profile:
        return item.id
    return item.author_id


def _users(ids) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


@dataclass(frozen=True)
class Suspension:
    scope: str
    person: User
    until: datetime | None
    reason: str
    created_at: datetime


def suspensions(event: Event) -> list[Suspension]:
    """Suspensions of the event still in force, newest first."""
    now = utcnow()
    found = []
    for scope in SCOPES:
        model = _suspension_model(scope)
        rows = db.session.execute(
            sa.select(model, User)
            .join(User, User.id == model.user_id)
            .where(model.event_id == event.id, sa.or_(model.until.is_(None), model.until > now))
        )
        found += [
            Suspension(scope, person, row.until, row.reason, row.created_at) for row, person in rows
        ]
    found.sort(key=lambda s: s.created_at, reverse=True)
    return found


@dataclass(frozen=True)
class LogEntry:
    action: ModerationAction
    moderator: User | None
    subject: User | None


#: The log page shows this many actions, newest first.
LOG_LIMIT = 300


def log(event: Event, limit: int = LOG_LIMIT) -> list[LogEntry]:
    """The event's moderation actions (who, what, about whom, why, when), newest first."""
    actions = list(
        db.session.scalars(
            sa.select(ModerationAction)
            .where(ModerationAction.event_id == event.id)
            .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
            .limit(limit)
        )
    )
    people = _users({a.moderator_id for a in actions} | {a.subject_id for a in actions})
    return [LogEntry(a, people.get(a.moderator_id), people.get(a.subject_id)) for a in actions]
