"""Socket events of direct messaging: send, catch up, read receipts, typing, presence.

Each handler loads the conversation and checks the permission rule on every event
(``conversation.view``, and ``message.send`` for what reaches the other person), then
calls ``conference.services.messaging``. A conversation that does not exist and one
the person is not a member of get the same answer, so ids reveal nothing; every
refusal to send gets the same answer too, so a blocked person cannot tell a block
from any other reason.
"""

from __future__ import annotations

from flask_babel import gettext

from conference.extensions import db
from conference.models import Conversation, User
from conference.permissions import can
from conference.realtime import socket_event
from conference.realtime.schemas import ConversationEvent, MarkRead, SendMessage, Sync
from conference.services import ServiceError
from conference.services import messaging as service

#: The most messages one ``sync`` answer carries; ``more`` says whether others follow.
SYNC_MAX = 200


def _conversation(user: User, conversation_id: int, *, send: bool = False) -> Conversation:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or not can(user, "conversation.view", conversation):
        raise ServiceError("not_found", gettext("This conversation does not exist."))
    if send and not can(user, "message.send", conversation):
        raise ServiceError("cannot_send", gettext("You can't send messages in this conversation."))
    return conversation


@socket_event("send_message", SendMessage)
def send_message(user: User, payload: SendMessage) -> dict:
    conversation = _conversation(user, payload.conversation_id, send=True)
    message, created = service.send_message(
        user, conversation, client_id=payload.client_id, body=payload.body
    )
    return {"message": service.message_payload(message), "created": created}


@socket_event("sync", Sync)
def sync(user: User, payload: Sync) -> dict:
    conversation = _conversation(user, payload.conversation_id)
    rows = service.history(conversation, after_id=payload.after_id, limit=SYNC_MAX + 1)
    return {
        "messages": [service.message_payload(m) for m in rows[:SYNC_MAX]],
        "more": len(rows) > SYNC_MAX,
    }


@socket_event("mark_read", MarkRead)
def mark_read(user: User, payload: MarkRead) -> dict:
    conversation = _conversation(user, payload.conversation_id)
    return {"unread_total": service.mark_read(user, conversation, payload.message_id)}


@socket_event("typing", ConversationEvent)
def typing(user: User, payload: ConversationEvent) -> dict:
    service.notify_typing(user, _conversation(user, payload.conversation_id, send=True))
    return {}


@socket_event("presence", ConversationEvent)
def presence(user: User, payload: ConversationEvent) -> dict:
    conversation = _conversation(user, payload.conversation_id)
    return {"online": service.partner_online(user, conversation)}
