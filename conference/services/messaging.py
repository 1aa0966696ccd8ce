"""Direct messages: conversations, sending, history, read state, presence, blocks,
reports, moderation and email digests.

The same functions serve the HTTP pages (``conference/blueprints/messages``) and the
socket handlers (``conference/realtime``). Callers check the permission rules
(``conversation.start``, ``conversation.view``, ``message.send``, ``message.report``,
``messaging.moderate``) before calling; these functions flush and leave the commit
to the caller.

Guarantees:

- **Stored before anyone hears of it.** Realtime emits and emails are queued with
  ``aftercommit.on_commit``: they leave only once the caller's commit succeeded, and a
  rollback drops them.
- **Never duplicated.** ``(sender, client_id)`` is unique. A message is written with
  ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL and SQLite), so a resend,
  even one racing the first attempt on another worker, finds the stored message instead
  of failing, without a savepoint and without an IntegrityError in the transaction.
- **Rooms are named here.** Every emit goes to ``user_room(id)``, the room a socket
  joins on connect for its own account; no room name ever comes from a client.
- **Presence lives in the database** (``SocketPresence``), so every worker agrees on who
  is online; emits cross workers through the Socket.IO message queue when ``REDIS_URL``
  is set.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import gettext, lazy_gettext
from huey import crontab
from limits import RateLimitItem, parse
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload

from conference import jobs
from conference.enums import NetworkClosing, NetworkPhase, NotificationKind, RegistrationStatus
from conference.extensions import db, limiter, socketio
from conference.models import (
    Block,
    Contact,
    Conversation,
    ConversationMember,
    Event,
    EventRole,
    Message,
    MessageReport,
    Notification,
    Registration,
    SocketPresence,
    User,
)
from conference.models.types import utcnow
from conference.permissions import blocked_between, network_phase
from conference.services import ServiceError, aftercommit, mail, notifications
from conference.services.upserts import insert_new

#: The longest message, in characters after surrounding whitespace is removed.
BODY_MAX = 4000
#: The longest client-made message id (a UUID is 36).
CLIENT_ID_MAX = 64
#: Report and suspension reasons fit their columns.
REASON_MAX = 500
#: The most messages one history call returns.
HISTORY_MAX = 500

_DIGEST_SUBJECT = lazy_gettext("You have unread messages")


# --- rooms and emits ------------------------------------------------------------------


def user_room(user_id: int) -> str:
    """The Socket.IO room of one account; each of its sockets joins it on connect."""
    return f"user:{user_id}"


def _emit_after_commit(event: str, data: dict, user_id: int) -> None:
    aftercommit.on_commit(functools.partial(socketio.emit, event, data, to=user_room(user_id)))


def _end_room(user_id: int) -> None:
    """Tell the account's sockets their session ended, then empty its room on every worker.

    ``close_room`` travels through the message queue and takes the sockets out of the
    room without running disconnect handlers (which would need the database while the
    transaction is finishing); they can no longer hear anything, and their next event
    is refused because their presence rows are gone.
    """
    room = user_room(user_id)
    socketio.emit("session_ended", {}, to=room)
    socketio.close_room(room)


# --- writing without races -------------------------------------------------------------


# --- conversations ----------------------------------------------------------------------


def _conversation_between(a_id: int, b_id: int) -> Conversation | None:
    low, high = sorted((a_id, b_id))
    return db.session.scalar(
        sa.select(Conversation).where(
            Conversation.user_low_id == low, Conversation.user_high_id == high
        )
    )


def get_or_create_conversation(actor: User, event: Event, person: User) -> Conversation:
    """The conversation between ``actor`` and ``person``, started from ``event`` if new.

    The caller checks ``conversation.start``. A pair has one conversation, whichever
    event it started in.

    Side effects: when new, writes the conversation and both members' rows.
    """
    if actor.id == person.id:
        raise ServiceError("self", gettext("You cannot start a conversation with yourself."))
    existing = _conversation_between(actor.id, person.id)
    if existing is not None:
        return existing
    low, high = sorted((actor.id, person.id))
    conversation = insert_new(
        Conversation,
        {"user_low_id": low, "user_high_id": high, "event_id": event.id, "created_at": utcnow()},
        ["user_low_id", "user_high_id"],
    )
    if conversation is None:
        return _conversation_between(low, high)
    conversation.members.append(ConversationMember(user_id=low))
    conversation.members.append(ConversationMember(user_id=high))
    db.session.flush()
    return conversation


# --- sending ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _rate_limit(text: str) -> RateLimitItem:
    return parse(text)


def _check_rate(actor: User) -> None:
    """Count one message against ``MESSAGE_RATE_LIMIT`` for this sender.

    The count lives in Flask-Limiter's storage (Redis in production), so it holds across
    workers. It follows ``RATELIMIT_ENABLED`` like every other limit of the app.
    """
    if not limiter.enabled:
        return
    item = _rate_limit(current_app.config["MESSAGE_RATE_LIMIT"])
    if not limiter.limiter.hit(item, "send_message", str(actor.id)):
        raise ServiceError(
            "rate_limited",
            gettext("You are sending messages too quickly. Please wait a moment."),
            field="body",
        )


def _stored(actor: User, client_id: str) -> Message | None:
    return db.session.scalar(
        sa.select(Message).where(Message.sender_id == actor.id, Message.client_id == client_id)
    )


def _already_sent(message: Message, conversation: Conversation) -> tuple[Message, bool]:
    if message.conversation_id != conversation.id:
        raise ServiceError(
            "invalid",
            gettext("This message id was already used in another conversation."),
            field="client_id",
        )
    return message, False


def clean_body(body: str | None) -> str:
    """The text to store: without surrounding whitespace, 1 to ``BODY_MAX`` characters."""
    text = (body or "").strip()
    if not text:
        raise ServiceError("empty", gettext("Write a message first."), field="body")
    if len(text) > BODY_MAX:
        raise ServiceError(
            "too_long",
            gettext("A message has at most %(max)d characters.", max=BODY_MAX),
            field="body",
        )
    return text


def _advance_read(conversation_id: int, user_id: int, message_id: int) -> bool:
    """Move the person's read marker forward to ``message_id``, never back."""
    result = db.session.execute(
        sa.update(ConversationMember)
        .where(
            ConversationMember.conversation_id == conversation_id,
            ConversationMember.user_id == user_id,
            ConversationMember.last_read_message_id < message_id,
        )
        .values(last_read_message_id=message_id)
    )
    return result.rowcount > 0


def _has_unread_before(conversation_id: int, user_id: int, message_id: int) -> bool:
    """The person has unread messages in the conversation older than ``message_id``."""
    marker = (
        sa.select(ConversationMember.last_read_message_id)
        .where(
            ConversationMember.conversation_id == conversation_id,
            ConversationMember.user_id == user_id,
        )
        .scalar_subquery()
    )
    return db.session.scalar(
        sa.select(
            sa.exists().where(
                Message.conversation_id == conversation_id,
                Message.id > marker,
                Message.id < message_id,
                Message.sender_id.is_distinct_from(user_id),
                Message.hidden_at.is_(None),
            )
        )
    )


def send_message(
    actor: User, conversation: Conversation, *, client_id: str, body: str
) -> tuple[Message, bool]:
    """Store ``body`` from ``actor`` in ``conversation``; return it and whether it is new.

    The caller checks ``message.send``. A second call with the same ``client_id``
    returns the stored message with ``False`` and changes nothing (resends count
    against the rate limit like first attempts).

    Side effects: writes the message, the conversation's ``last_message_at`` and the
    sender's read marker (their own message marks the conversation read for them) and
    the recipient's notification of the conversation (``notifications.notify_message``,
    one statement); after commit emits ``message`` to both members, ``unread`` and
    ``notification`` to the recipient (and ``unread`` to the sender when their own count
    dropped).
    """
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= CLIENT_ID_MAX:
        raise ServiceError(
            "invalid",
            gettext("The message could not be identified. Please retry."),
            field="client_id",
        )
    text = clean_body(body)
    _check_rate(actor)
    message = insert_new(
        Message,
        {
            "conversation_id": conversation.id,
            "sender_id": actor.id,
            "client_id": client_id,
            "body": text,
            "created_at": utcnow(),
        },
        ["sender_id", "client_id"],
    )
    if message is None:
        return _already_sent(_stored(actor, client_id), conversation)
    conversation.last_message_at = message.created_at
    sender_had_unread = _has_unread_before(conversation.id, actor.id, message.id)
    _advance_read(conversation.id, actor.id, message.id)
    db.session.flush()

    payload = message_payload(message)
    other_id = conversation.other_id(actor.id)
    _emit_after_commit("message", payload, actor.id)
    _emit_after_commit("message", payload, other_id)
    _emit_after_commit("unread", {"total": _unread_total(other_id)}, other_id)
    notifications.notify_message(other_id, actor, conversation.id, conversation.event_id)
    if sender_had_unread:
        _emit_after_commit("unread", {"total": _unread_total(actor.id)}, actor.id)
    return message, True


def notify_typing(actor: User, conversation: Conversation) -> None:
    """Tell the other member that ``actor`` is typing. The caller checks ``message.send``.

    Side effects: after commit emits ``typing`` to the other member.
    """
    _emit_after_commit(
        "typing",
        {"conversation_id": conversation.id, "user_id": actor.id},
        conversation.other_id(actor.id),
    )


# --- reading ----------------------------------------------------------------------------


def history(
    conversation: Conversation,
    *,
    before_id: int | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[Message]:
    """Messages of ``conversation``, oldest first.

    With ``after_id``: the first ``limit`` messages after it (catching up after a
    reconnect). Otherwise the newest ``limit`` messages, before ``before_id`` if given
    (scrolling up).
    """
    limit = max(1, min(limit, HISTORY_MAX))
    query = sa.select(Message).where(Message.conversation_id == conversation.id)
    if before_id is not None:
        query = query.where(Message.id < before_id)
    if after_id is not None:
        query = query.where(Message.id > after_id)
        return list(db.session.scalars(query.order_by(Message.id).limit(limit)))
    newest = db.session.scalars(query.order_by(Message.id.desc()).limit(limit))
    return list(reversed(newest.all()))


def message_payload(message: Message) -> dict:
    """What sockets and the history endpoint send for one message.

    A hidden message keeps its place but not its text: ``body`` is empty and ``hidden``
    is true. A deleted sender has no name (pages say "a deleted participant").
    """
    sender = db.session.get(User, message.sender_id) if message.sender_id else None
    hidden = message.hidden_at is not None
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "sender_id": message.sender_id,
        "sender_name": sender.display_name if sender and not sender.is_deleted else "",
        "client_id": message.client_id,
        "body": "" if hidden else message.body,
        "created_at": message.created_at.astimezone(UTC).isoformat(),
        "hidden": hidden,
    }


_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_LINK = Markup('<a href="{0}" rel="nofollow noopener noreferrer" target="_blank">{0}</a>')


def _trim_url(url: str) -> str:
    """Leave sentence punctuation and an unmatched closing bracket out of a link."""
    while url and (url[-1] in ".,;:!?" or (url[-1] == ")" and url.count(")") > url.count("("))):
        url = url[:-1]
    return url


def render_body(text: str) -> Markup:
    """A message's text as safe HTML: everything escaped, http(s) links made clickable.

    Line breaks are kept as they are; show the result with ``white-space: pre-wrap``.
    """
    parts: list[Markup] = []
    position = 0
    for match in _URL.finditer(text):
        url = _trim_url(match.group(0))
        if "://" not in url or url.endswith("://"):
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append(_LINK.format(url))
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def _unread_query(user_id: int, *columns):
    """Count messages someone else wrote, not hidden, after the person's read marker."""
    return (
        sa.select(*columns, sa.func.count(Message.id))
        .join(
            ConversationMember,
            sa.and_(
                ConversationMember.conversation_id == Message.conversation_id,
                ConversationMember.user_id == user_id,
            ),
        )
        .where(
            Message.id > ConversationMember.last_read_message_id,
            Message.sender_id.is_distinct_from(user_id),
            Message.hidden_at.is_(None),
        )
    )


def _unread_total(user_id: int) -> int:
    return db.session.scalar(_unread_query(user_id)) or 0


def unread_total(user: User) -> int:
    """How many messages wait unread for ``user`` across all conversations."""
    return _unread_total(user.id)


def mark_read(actor: User, conversation: Conversation, message_id: int) -> int:
    """``actor`` has seen ``conversation`` up to ``message_id``; return their unread total.

    The caller checks ``conversation.view``. The marker only moves forward, so an old
    receipt arriving late changes nothing.

    Side effects: writes the read marker; when it moved, marks the conversation's
    notification read if nothing newer waits, and after commit emits ``read`` to the
    other member (unless either blocked the other) and ``unread`` to ``actor``.
    """
    exists = db.session.scalar(
        sa.select(Message.id).where(
            Message.id == message_id, Message.conversation_id == conversation.id
        )
    )
    if exists is None:
        raise ServiceError("not_found", gettext("This message does not exist."))
    moved = _advance_read(conversation.id, actor.id, message_id)
    total = unread_total(actor)
    if moved:
        other_id = conversation.other_id(actor.id)
        if not blocked_between(actor.id, other_id):
            receipt = {"conversation_id": conversation.id, "user_id": actor.id}
            _emit_after_commit("read", {**receipt, "message_id": message_id}, other_id)
        _emit_after_commit("unread", {"total": total}, actor.id)
        notifications.conversation_read(actor.id, conversation.id, message_id)
    return total


@dataclass(frozen=True)
class ConversationSummary:
    """One line of the conversation list."""

    conversation: Conversation
    other: User
    last_message: Message | None
    unread: int
    online: bool
    #: ``user`` blocked ``other`` (the other way round is never shown).
    blocked: bool


def conversations_of(user: User) -> list[ConversationSummary]:
    """``user``'s conversations, the most recently active first, in a fixed few queries.

    Conversations ``user`` may no longer view are left out: those of an event whose
    network closed with ``hidden``, with someone who is neither a contact nor in another
    open network of theirs (``conversation.view``, decided here for all at once).
    """
    conversations = list(
        db.session.scalars(
            sa.select(Conversation)
            .where(
                sa.or_(Conversation.user_low_id == user.id, Conversation.user_high_id == user.id)
            )
            .order_by(
                sa.func.coalesce(Conversation.last_message_at, Conversation.created_at).desc(),
                Conversation.id.desc(),
            )
        )
    )
    event_ids = {c.event_id for c in conversations if c.event_id is not None}
    if event_ids:
        closed = {
            event.id
            for event in db.session.scalars(
                sa.select(Event).where(
                    Event.id.in_(event_ids), Event.network_closing == NetworkClosing.hidden
                )
            )
            if network_phase(event) == NetworkPhase.closed
        }
        at_risk = {c.other_id(user.id) for c in conversations if c.event_id in closed}
        if at_risk:
            kept = set(
                db.session.scalars(
                    sa.select(Contact.person_id).where(
                        Contact.owner_id == user.id, Contact.person_id.in_(at_risk)
                    )
                )
            )
            mine = sa.union(
                sa.select(Registration.event_id).where(
                    Registration.user_id == user.id,
                    Registration.status == RegistrationStatus.approved,
                ),
                sa.select(EventRole.event_id).where(EventRole.user_id == user.id),
            )
            open_ids = [
                event.id
                for event in db.session.scalars(sa.select(Event).where(Event.id.in_(mine)))
                if network_phase(event) != NetworkPhase.closed
            ]
            if open_ids:
                kept |= set(
                    db.session.scalars(
                        sa.union(
                            sa.select(Registration.user_id).where(
                                Registration.event_id.in_(open_ids),
                                Registration.status == RegistrationStatus.approved,
                                Registration.user_id.in_(at_risk),
                            ),
                            sa.select(EventRole.user_id).where(
                                EventRole.event_id.in_(open_ids), EventRole.user_id.in_(at_risk)
                            ),
                        )
                    )
                )
            conversations = [
                c for c in conversations if c.event_id not in closed or c.other_id(user.id) in kept
            ]
    if not conversations:
        return []
    ids = [c.id for c in conversations]
    other_ids = {c.other_id(user.id) for c in conversations}
    newest = (
        sa.select(sa.func.max(Message.id))
        .where(Message.conversation_id.in_(ids))
        .group_by(Message.conversation_id)
    )
    last = {
        m.conversation_id: m
        for m in db.session.scalars(sa.select(Message).where(Message.id.in_(newest)))
    }
    unread = {
        conversation_id: n
        for conversation_id, n in db.session.execute(
            _unread_query(user.id, Message.conversation_id).group_by(Message.conversation_id)
        )
    }
    others = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(other_ids)))}
    online = _online_ids(other_ids)
    i_blocked, blocked_me = _blocks_of(user.id)
    return [
        ConversationSummary(
            conversation=c,
            other=others[c.other_id(user.id)],
            last_message=last.get(c.id),
            unread=unread.get(c.id, 0),
            online=c.other_id(user.id) in online
            and c.other_id(user.id) not in i_blocked | blocked_me,
            blocked=c.other_id(user.id) in i_blocked,
        )
        for c in conversations
    ]


# --- presence -----------------------------------------------------------------------------


def _online_ids(user_ids: Iterable[int]) -> set[int]:
    ids = list(user_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(SocketPresence.user_id).where(SocketPresence.user_id.in_(ids)).distinct()
        )
    )


def _blocks_of(user_id: int) -> tuple[set[int], set[int]]:
    """Whom ``user_id`` blocked, and who blocked them."""
    rows = db.session.execute(
        sa.select(Block.blocker_id, Block.blocked_id).where(
            sa.or_(Block.blocker_id == user_id, Block.blocked_id == user_id)
        )
    )
    i_blocked: set[int] = set()
    blocked_me: set[int] = set()
    for blocker_id, blocked_id in rows:
        if blocker_id == user_id:
            i_blocked.add(blocked_id)
        else:
            blocked_me.add(blocker_id)
    return i_blocked, blocked_me


def _partner_ids(user_id: int) -> set[int]:
    """People who share a conversation with ``user_id`` and no block with them."""
    rows = db.session.execute(
        sa.select(Conversation.user_low_id, Conversation.user_high_id).where(
            sa.or_(Conversation.user_low_id == user_id, Conversation.user_high_id == user_id)
        )
    )
    partners = {high if low == user_id else low for low, high in rows}
    i_blocked, blocked_me = _blocks_of(user_id)
    return partners - i_blocked - blocked_me


def _emit_presence(user_id: int, online: bool) -> None:
    for partner_id in _partner_ids(user_id):
        _emit_after_commit("presence", {"user_id": user_id, "online": online}, partner_id)


def _socket_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SocketPresence)
        .where(SocketPresence.user_id == user_id)
    )


def is_online(user_id: int) -> bool:
    """At least one socket of this account is open, on any worker."""
    return _socket_count(user_id) > 0


def partner_online(actor: User, conversation: Conversation) -> bool:
    """Whether the other member of ``conversation`` is online, as ``actor`` may know it
    (never across a block)."""
    other_id = conversation.other_id(actor.id)
    return not blocked_between(actor.id, other_id) and is_online(other_id)


def socket_connected(user: User, sid: str) -> None:
    """Record an open socket of ``user``.

    Side effects: writes a ``SocketPresence`` row; on the person's first socket, after
    commit emits ``presence`` (online) to everyone who shares a conversation with them.
    """
    db.session.add(SocketPresence(sid=sid, user_id=user.id, connected_at=utcnow()))
    db.session.flush()
    if _socket_count(user.id) == 1:
        _emit_presence(user.id, True)


def socket_disconnected(sid: str) -> None:
    """Forget a closed socket. Nothing happens for a socket already forgotten.

    Side effects: deletes its ``SocketPresence`` row; when it was the person's last,
    after commit emits ``presence`` (offline) to their conversation partners.
    """
    row = db.session.get(SocketPresence, sid)
    if row is None:
        return
    user_id = row.user_id
    db.session.delete(row)
    db.session.flush()
    if _socket_count(user_id) == 0:
        _emit_presence(user_id, False)


def socket_owner(sid: str) -> User | None:
    """The account an open socket belongs to; None once ``end_sessions`` ended it."""
    return db.session.scalar(
        sa.select(User)
        .join(SocketPresence, SocketPresence.user_id == User.id)
        .where(SocketPresence.sid == sid)
    )


def end_sessions(user_id: int) -> None:
    """Every open socket of this account loses its rights: on logout, on suspension.

    Side effects: deletes the account's ``SocketPresence`` rows (each socket's next event
    is refused); after commit emits ``session_ended`` to the account's room and empties
    that room on every worker, and tells conversation partners the person went offline.
    """
    removed = db.session.execute(
        sa.delete(SocketPresence).where(SocketPresence.user_id == user_id)
    ).rowcount
    aftercommit.on_commit(functools.partial(_end_room, user_id))
    if removed:
        _emit_presence(user_id, False)


# --- blocks -------------------------------------------------------------------------------


def blocked_ids(actor: User) -> set[int]:
    """The people ``actor`` blocked."""
    return set(db.session.scalars(sa.select(Block.blocked_id).where(Block.blocker_id == actor.id)))


def block(actor: User, person: User) -> None:
    """``actor`` blocks ``person``: no messages either way from now on, on open sockets too.

    ``person`` is not told; to them the conversation simply refuses new messages.

    Side effects: writes a ``Block`` row (blocking twice changes nothing); after commit,
    each of the two who is online shows as offline to the other.
    """
    if actor.id == person.id:
        raise ServiceError("self_block", gettext("You cannot block yourself."))
    insert_new(
        Block,
        {"blocker_id": actor.id, "blocked_id": person.id, "created_at": utcnow()},
        ["blocker_id", "blocked_id"],
    )
    online = _online_ids((actor.id, person.id))
    for user_id, partner_id in ((actor.id, person.id), (person.id, actor.id)):
        if user_id in online:
            _emit_after_commit("presence", {"user_id": user_id, "online": False}, partner_id)


def unblock(actor: User, person: User) -> None:
    """``actor`` lifts their block of ``person`` (a block by ``person`` stays).

    Side effects: deletes the ``Block`` row; after commit, when no block is left, each of
    the two who is online shows as online to the other.
    """
    db.session.execute(
        sa.delete(Block).where(Block.blocker_id == actor.id, Block.blocked_id == person.id)
    )
    if blocked_between(actor.id, person.id):
        return
    online = _online_ids((actor.id, person.id))
    for user_id, partner_id in ((actor.id, person.id), (person.id, actor.id)):
        if user_id in online:
            _emit_after_commit("presence", {"user_id": user_id, "online": True}, partner_id)


# --- reports and moderation -----------------------------------------------------------------


def clean_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) > REASON_MAX:
        raise ServiceError(
            "too_long",
            gettext("At most %(max)d characters, please.", max=REASON_MAX),
            field="reason",
        )
    return text


def report(actor: User, message: Message, reason: str) -> MessageReport:
    """``actor`` reports someone else's ``message`` to the organizers of its event.

    The caller checks ``message.report``. Each person reports a message once.

    Side effects: writes a ``MessageReport`` for the conversation's event.
    """
    text = clean_reason(reason)
    conversation = db.session.get(Conversation, message.conversation_id)
    if conversation is None or conversation.event_id is None:
        raise ServiceError("no_event", gettext("This message cannot be reported."))
    row = insert_new(
        MessageReport,
        {
            "event_id": conversation.event_id,
            "message_id": message.id,
            "reporter_id": actor.id,
            "reason": text,
            "created_at": utcnow(),
            "outcome": "",
        },
        ["message_id", "reporter_id"],
    )
    if row is None:
        raise ServiceError("already_reported", gettext("You already reported this message."))
    return row


def open_reports(event: Event) -> list[MessageReport]:
    """Reports about messages of ``event`` nobody has dealt with yet, oldest first."""
    return list(
        db.session.scalars(
            sa.select(MessageReport)
            .options(joinedload(MessageReport.message))
            .where(MessageReport.event_id == event.id, MessageReport.resolved_at.is_(None))
            .order_by(MessageReport.created_at, MessageReport.id)
        )
    )


def _resolve(actor: User, outcome: str, *conditions) -> None:
    db.session.execute(
        sa.update(MessageReport)
        .where(MessageReport.resolved_at.is_(None), *conditions)
        .values(resolved_at=utcnow(), resolved_by_id=actor.id, outcome=outcome)
    )


def hide_message(actor: User, message: Message) -> None:
    """A moderator hides ``message``: it stays in place, shown as removed.

    The caller checks ``messaging.moderate`` for the conversation's event.

    Side effects: writes ``hidden_at``/``hidden_by_id``; resolves the message's open
    reports as "hidden"; after commit emits the message (now empty, ``hidden``) to both
    members and ``unread`` to the recipient.
    """
    if message.hidden_at is None:
        message.hidden_at = utcnow()
        message.hidden_by_id = actor.id
    _resolve(actor, "hidden", MessageReport.message_id == message.id)
    db.session.flush()
    conversation = db.session.get(Conversation, message.conversation_id)
    payload = message_payload(message)
    for user_id in (conversation.user_low_id, conversation.user_high_id):
        _emit_after_commit("message", payload, user_id)
        if user_id != message.sender_id:
            _emit_after_commit("unread", {"total": _unread_total(user_id)}, user_id)


# --- email digests ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _DigestLine:
    conversation_id: int
    other: User
    unread: int
    newest_id: int


def _digest_candidates(cutoff: datetime) -> list[tuple[int, int]]:
    """(conversation, person) pairs with an unread, undigested, visible message from the
    other member written before ``cutoff``, where neither blocked the other and the
    person can be mailed and wants messages by email at once (their notification
    choice)."""
    member = ConversationMember
    seen = sa.case(
        (member.last_read_message_id > member.digested_message_id, member.last_read_message_id),
        else_=member.digested_message_id,
    )
    other_id = sa.case(
        (Conversation.user_low_id == member.user_id, Conversation.user_high_id),
        else_=Conversation.user_low_id,
    )
    blocked = sa.exists().where(
        sa.or_(
            sa.and_(Block.blocker_id == member.user_id, Block.blocked_id == other_id),
            sa.and_(Block.blocker_id == other_id, Block.blocked_id == member.user_id),
        )
    )
    query = (
        sa.select(member.conversation_id, member.user_id)
        .join(Conversation, Conversation.id == member.conversation_id)
        .join(User, User.id == member.user_id)
        .join(Message, Message.conversation_id == member.conversation_id)
        .where(
            Message.id > seen,
            Message.sender_id.is_distinct_from(member.user_id),
            Message.hidden_at.is_(None),
            Message.created_at <= cutoff,
            sa.not_(User.is_suspended),
            User.email_verified_at.is_not(None),
            User.deleted_at.is_(None),
            notifications.wants_email_at_once(member.user_id, NotificationKind.message),
            ~blocked,
        )
        .distinct()
    )
    return list(db.session.execute(query))


def _digest_line(conversation_id: int, user_id: int) -> _DigestLine | None:
    """Everything unread in the conversation, claimed for this digest.

    The claim is a conditional update of ``digested_message_id``; a concurrent run that
    claimed it first makes it fail, so nobody gets the same digest twice.
    """
    member = db.session.get(ConversationMember, (conversation_id, user_id))
    unread, newest_id = db.session.execute(
        sa.select(sa.func.count(Message.id), sa.func.max(Message.id)).where(
            Message.conversation_id == conversation_id,
            Message.id > member.last_read_message_id,
            Message.sender_id.is_distinct_from(user_id),
            Message.hidden_at.is_(None),
        )
    ).one()
    if not unread:
        return None
    claimed = db.session.execute(
        sa.update(ConversationMember)
        .where(
            ConversationMember.conversation_id == conversation_id,
            ConversationMember.user_id == user_id,
            ConversationMember.digested_message_id < newest_id,
        )
        .values(digested_message_id=newest_id)
    ).rowcount
    if not claimed:
        return None
    conversation = db.session.get(Conversation, conversation_id)
    other = db.session.get(User, conversation.other_id(user_id))
    return _DigestLine(conversation_id, other, unread, newest_id)


def send_digests(now: datetime) -> int:
    """Email each person who has messages unread for longer than ``MESSAGE_DIGEST_DELAY``
    seconds, once, listing those conversations; return how many emails were sent.

    This is the "email at once" delivery of messages (``notifications``): people who
    chose in-app only or the daily digest for messages are left out. Messages already
    mentioned in a digest, hidden ones and those between people where either blocked
    the other are left out too. The job consumer runs it every minute (``digest_job``);
    ``flask send-message-digests`` runs it by hand.

    Side effects: writes ``digested_message_id`` of the conversations mentioned and
    ``emailed_at`` of their notifications; after commit sends one email per person
    (rendered in their language, with a one-click unsubscribe from message emails).
    """
    cutoff = now - timedelta(seconds=current_app.config["MESSAGE_DIGEST_DELAY"])
    by_person: dict[int, list[_DigestLine]] = defaultdict(list)
    for conversation_id, user_id in _digest_candidates(cutoff):
        line = _digest_line(conversation_id, user_id)
        if line is not None:
            by_person[user_id].append(line)
    for user_id, lines in by_person.items():
        recipient = db.session.get(User, user_id)
        lines.sort(key=lambda line: line.newest_id, reverse=True)
        items = [
            {
                "name": line.other.display_name,
                "unread": line.unread,
                "url": url_for(
                    "messages.conversation", conversation_id=line.conversation_id, _external=True
                ),
            }
            for line in lines
        ]
        with mail.in_language(recipient.locale):
            text = render_template(
                "emails/message_digest.txt",
                user=recipient,
                items=items,
                inbox_url=url_for("messages.inbox", _external=True),
            )
            message = mail.build_message(
                recipient.email,
                str(_DIGEST_SUBJECT),
                text,
                headers=notifications.unsubscribe_headers(user_id, NotificationKind.message),
            )
        mail.send_after_commit(message)
        db.session.execute(
            sa.update(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.group_key.in_(
                    [f"conversation:{line.conversation_id}" for line in lines]
                ),
            )
            .values(emailed_at=now)
        )
    db.session.flush()
    return len(by_person)


@jobs.periodic(crontab(minute="*"))
def digest_job() -> None:
    """Every minute, on the consumer that runs periodic jobs: send due digests."""
    send_digests(utcnow())
    db.session.commit()
