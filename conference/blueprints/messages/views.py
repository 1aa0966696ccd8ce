"""Direct messages over HTTP: the inbox, a conversation, and the forms that also work
without JavaScript (send, start, block, report), plus the event's moderation queue.

With JavaScript, ``static/js/messages.js`` sends and receives over the socket
(``conference/realtime/``); both paths call the same service,
``conference.services.messaging``.

A conversation the current user is not a member of answers 404, like one that
does not exist, so ids reveal nothing.
"""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.auth.views import safe_next
from conference.blueprints.common import authorize, event_or_404, form_errors_from
from conference.blueprints.messages import bp
from conference.blueprints.messages.forms import MessageForm, ReportForm
from conference.extensions import db
from conference.models import (
    Conversation,
    Event,
    Message,
    User,
)
from conference.permissions import can, messaging_suspended
from conference.services import ServiceError, messaging
from conference.services.messaging import BODY_MAX, REASON_MAX

#: Messages per page of history (the conversation page and each "older" load).
PAGE_SIZE = 50


@bp.app_template_global("unread_messages")
def unread_messages() -> int:
    """The signed-in person's unread total for the navigation badge, once per request."""
    if not current_user.is_authenticated:
        return 0
    if "_unread_messages" not in g:
        g._unread_messages = messaging.unread_total(current_user._get_current_object())
    return g._unread_messages


@bp.app_template_filter("message_time")
def message_time(value: datetime | None, zone: str = "UTC", style: str = "short") -> str:
    """A message's moment for pages without JavaScript (the script shows it in the
    reader's own zone): in the conversation's event zone, else UTC."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return format_datetime(local, style, rebase=False)


@bp.app_template_filter("message_day")
def message_day(value: datetime, zone: str = "UTC") -> tuple[str, str]:
    """The day a message was sent, in ``zone``: its ISO date and a label for dividers."""
    local = value.astimezone(ZoneInfo(zone)).date()
    return local.isoformat(), format_date(local, "full")


@bp.app_template_filter("message_body")
def message_body(text: str):
    """A message's text, escaped, with its web links made clickable."""
    return messaging.render_body(text)


def _me() -> User:
    return current_user._get_current_object()


def _conversation_or_404(conversation_id: int) -> Conversation:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or not can(current_user, "conversation.view", conversation):
        abort(404)
    return conversation


def _conversation_between(me: User, person: User) -> Conversation | None:
    low, high = sorted((me.id, person.id))
    return db.session.scalar(
        sa.select(Conversation).where(
            Conversation.user_low_id == low, Conversation.user_high_id == high
        )
    )


def _back_to(conversation: Conversation, message_id: int | None = None) -> str:
    anchor = f"m{message_id}" if message_id else None
    return url_for(".conversation", conversation_id=conversation.id, _anchor=anchor)


# --- the inbox -----------------------------------------------------------------------


@bp.get("/messages/")
@login_required
def inbox():
    authorize("messages.use")
    return render_template("messages/inbox.html", summaries=messaging.conversations_of(_me()))


# --- a conversation --------------------------------------------------------------------


def _history_page(conversation: Conversation, before: int | None):
    """The page of messages to show, and whether older and newer ones exist."""
    rows = messaging.history(conversation, before_id=before, limit=PAGE_SIZE + 1)
    older = len(rows) > PAGE_SIZE
    rows = rows[-PAGE_SIZE:]
    newer = (
        before is not None
        and bool(rows)
        and bool(messaging.history(conversation, after_id=rows[-1].id, limit=1))
    )
    return rows, older, newer


def _mark_seen(me: User, conversation: Conversation, rows: list[Message]) -> None:
    """Reading the newest page marks the conversation read (and tells the other side)."""
    if not rows:
        return
    mine = next(m for m in conversation.members if m.user_id == me.id)
    if mine.last_read_message_id < rows[-1].id:
        messaging.mark_read(me, conversation, rows[-1].id)
        db.session.commit()


def _conversation_page(conversation: Conversation, form: MessageForm):
    me = _me()
    other = db.session.get(User, conversation.other_id(me.id))
    before = request.args.get("before", type=int)
    rows, older, newer = _history_page(conversation, before)
    if before is None:
        _mark_seen(me, conversation, rows)
    event = db.session.get(Event, conversation.event_id) if conversation.event_id else None
    their_side = next(m for m in conversation.members if m.user_id == other.id)
    i_blocked = other.id in messaging.blocked_ids(me)
    return render_template(
        "messages/conversation.html",
        conversation=conversation,
        summaries=messaging.conversations_of(me),
        other=other,
        messages=rows,
        older_url=url_for(".conversation", conversation_id=conversation.id, before=rows[0].id)
        if older
        else None,
        newer_url=url_for(".conversation", conversation_id=conversation.id) if newer else None,
        conversation_event=event,
        zone=event.timezone if event else "UTC",
        profile_url=url_for("profiles.person", slug=event.slug, user_id=other.id)
        if event is not None and can(me, "profile.view", (event, other))
        else None,
        online=messaging.partner_online(me, conversation),
        seen_up_to=their_side.last_read_message_id,
        can_send=can(me, "message.send", conversation),
        i_blocked=i_blocked,
        suspended=messaging_suspended(me, conversation.event_id),
        can_report=conversation.event_id is not None and not i_blocked,
        form=form,
        body_max=BODY_MAX,
        reason_max=REASON_MAX,
    )


@bp.get("/messages/<int:conversation_id>")
@login_required
def conversation(conversation_id: int):
    found = _conversation_or_404(conversation_id)
    form = MessageForm(formdata=None, data={"client_id": str(uuid4())})
    return _conversation_page(found, form)


@bp.post("/messages/<int:conversation_id>")
@login_required
def send(conversation_id: int):
    """The composer without JavaScript. The form's ``client_id`` was made when the page
    was rendered, so a double submit stores the message once."""
    found = _conversation_or_404(conversation_id)
    if not can(current_user, "message.send", found):
        flash(_("You can't send messages in this conversation."), "danger")
        return redirect(_back_to(found))
    form = MessageForm()
    if form.validate_on_submit():
        try:
            message, _created = messaging.send_message(
                _me(), found, client_id=form.client_id.data, body=form.body.data
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            return redirect(_back_to(found, message.id))
    return _conversation_page(found, form)


@bp.get("/messages/<int:conversation_id>/history")
@login_required
def history(conversation_id: int):
    """Older messages for the conversation page's script, oldest first."""
    found = _conversation_or_404(conversation_id)
    before = request.args.get("before", type=int)
    rows = messaging.history(found, before_id=before, limit=PAGE_SIZE + 1)
    return jsonify(
        ok=True,
        messages=[messaging.message_payload(m) for m in rows[-PAGE_SIZE:]],
        more=len(rows) > PAGE_SIZE,
    )


# --- starting, blocking, reporting -------------------------------------------------------


@bp.post("/e/<slug>/people/<int:user_id>/message")
@login_required
def start(slug: str, user_id: int):
    """The "Message" button of a profile: open the conversation with that person."""
    event = event_or_404(slug)
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    me = _me()
    profile_url = url_for("profiles.person", slug=event.slug, user_id=person.id)
    if not can(me, "conversation.start", (event, person)):
        if not can(me, "profile.view", (event, person)):
            abort(403)
        flash(
            _("You can't start a conversation with %(name)s.", name=person.display_name), "warning"
        )
        return redirect(profile_url)
    try:
        found = messaging.get_or_create_conversation(me, event, person)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(profile_url)
    db.session.commit()
    return redirect(url_for(".conversation", conversation_id=found.id))


def _counterpart_or_404(user_id: int) -> tuple[User, Conversation]:
    """Someone the current user shares a conversation with; anyone else is a 404, so
    these forms cannot be used to look up accounts by id."""
    person = db.session.get(User, user_id)
    found = _conversation_between(_me(), person) if person is not None else None
    if found is None:
        abort(404)
    return person, found


@bp.post("/messages/block/<int:user_id>")
@login_required
def block(user_id: int):
    person, found = _counterpart_or_404(user_id)
    try:
        messaging.block(_me(), person)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
    else:
        db.session.commit()
        flash(
            _(
                "You blocked %(name)s. Neither of you can send messages to the other.",
                name=person.display_name,
            ),
            "success",
        )
    return redirect(safe_next(request.form.get("next")) or _back_to(found))


@bp.post("/messages/unblock/<int:user_id>")
@login_required
def unblock(user_id: int):
    person, found = _counterpart_or_404(user_id)
    try:
        messaging.unblock(_me(), person)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
    else:
        db.session.commit()
        flash(_("You unblocked %(name)s.", name=person.display_name), "success")
    return redirect(safe_next(request.form.get("next")) or _back_to(found))


@bp.post("/messages/report/<int:message_id>")
@login_required
def report(message_id: int):
    """Report someone else's message to the organizers and moderators of the event."""
    message = db.session.get(Message, message_id)
    found = db.session.get(Conversation, message.conversation_id) if message else None
    if found is None or not can(current_user, "conversation.view", found):
        abort(404)
    authorize("message.report", message)
    back = _back_to(found, message.id)
    form = ReportForm()
    if not form.validate_on_submit():
        flash(form.reason.errors[0] if form.reason.errors else _("Please try again."), "danger")
        return redirect(back)
    try:
        messaging.report(_me(), message, form.reason.data.strip())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
    else:
        db.session.commit()
        flash(_("Thank you. The organizers will look at this message."), "success")
    return redirect(back)


# --- moderation ---------------------------------------------------------------------------


@bp.get("/e/<slug>/manage/moderation")
@login_required
def moderation(slug: str):
    """Reported messages are in the event's one moderation queue now."""
    event = event_or_404(slug)
    authorize("messaging.moderate", event)
    return redirect(url_for("moderation.queue", slug=event.slug))
