"""The notification centre: what happened for a person, live and by their choice of email.

``notify`` is the one way any service tells a person something happened (a message,
a meeting change, a contact request, a sponsor's consent request, an announcement,
news about an event's network). It stores the notification in the recipient's
language, and after commit tells their open pages (the ``notification`` socket event
with the new unread count). Callers pass text already rendered for the recipient
(``mail.in_language(recipient.locale)``).

Repeated news of one thing shares a ``group_key`` (``"conversation:12"``): the row is
updated in place (newest text, unread again, ``count`` + 1 while it stays unread,
back to 1 once it was read) instead of piling up.

Delivery, per person and kind (``NotificationPreference``; no row means
``DEFAULT_DELIVERY``, email at once):

- **in-app only**: the centre and the bell, never an email;
- **email at once**: ``notify`` queues the email after commit: the kind's own message
  when the caller gives one (a meeting's invitation with its calendar file), else the
  general notification email (``email_at_once``, a job that claims ``emailed_at`` so it
  never mails twice). Messages are the exception: their "at once" email is the existing
  unread-messages email a few minutes later (``messaging.send_digests``), which skips
  whoever chose otherwise;
- **daily digest**: ``send_daily_digests`` (a periodic job) gathers each person's unread,
  not yet emailed notifications of their digest kinds into one email, claiming them
  with ``emailed_at`` first.

Announcements are mailed by their mailing; ``announce`` writes everyone's notification
in one statement and ``wants_email_at_once`` leaves those who chose otherwise out of
the mailing's recipients, in SQL.

Every email of a kind that is not ``TRANSACTIONAL`` (and every digest) carries a
one-click unsubscribe (``List-Unsubscribe`` and ``List-Unsubscribe-Post``, RFC 8058)
whose signed token names the person and the kind: it switches that kind to in-app only.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from urllib.parse import urljoin

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from huey import crontab
from itsdangerous import BadSignature, Signer

from conference import jobs
from conference.enums import NotificationDelivery, NotificationKind
from conference.extensions import db, socketio
from conference.models import Message as ChatMessage
from conference.models import Notification, NotificationPreference, SocketPresence, User
from conference.models.types import utcnow
from conference.services import ServiceError, aftercommit, mail, messaging
from conference.services.upserts import dialect_insert

#: The longest notification line; longer texts are cut with an ellipsis.
TEXT_MAX = 300
#: Notifications per page of the centre.
PAGE_SIZE = 30
#: How a kind is delivered until the person chooses.
DEFAULT_DELIVERY = {kind: NotificationDelivery.instant for kind in NotificationKind}
#: Kinds whose emails belong to something the person takes part in (a meeting's
#: invitations, the closing of their event's network): no unsubscribe link. Choosing
#: "in-app only" still stops them.
TRANSACTIONAL = frozenset(
    {
        NotificationKind.meeting,
        NotificationKind.network,
        NotificationKind.moderation,
        NotificationKind.account,
    }
)
#: Kinds that are always emailed at once, whatever the person chose: news about their
#: own account (a data export is ready, a deletion was asked for). Not a choice.
ALWAYS_MAILED = frozenset({NotificationKind.account})
#: The kinds a person chooses a delivery for, in the settings page's order.
CHOOSABLE = tuple(kind for kind in NotificationKind if kind not in ALWAYS_MAILED)
#: The hour (UTC) the daily digest goes out.
DIGEST_HOUR_UTC = 7
#: Older unread notifications are left out of a digest (they were news long ago).
DIGEST_MAX_AGE = timedelta(days=7)
#: The most lines one digest lists.
DIGEST_MAX_LINES = 50
#: What an unsubscribe token names instead of a kind to stop the daily digest.
DIGEST = "digest"
_UNSUBSCRIBE_SALT = "notification-unsubscribe"

#: Each kind as the settings page and the emails name it.
KIND_LABELS = {
    NotificationKind.message: _l("Messages"),
    NotificationKind.meeting: _l("Meeting requests and changes"),
    NotificationKind.contact: _l("Contact requests"),
    NotificationKind.lead_consent: _l("Sponsors asking for your details"),
    NotificationKind.announcement: _l("Announcements from organizers and sponsors"),
    NotificationKind.network: _l("Your events' networks opening and closing"),
    NotificationKind.discussion: _l("Discussions you follow and mentions of you"),
    NotificationKind.news: _l("News in the feeds you follow"),
    NotificationKind.moderation: _l("Moderators' decisions about your posts"),
    NotificationKind.account: _l("Your account and your data"),
}
DELIVERY_LABELS = {
    NotificationDelivery.in_app: _l("In the app only"),
    NotificationDelivery.instant: _l("Email at once"),
    NotificationDelivery.digest: _l("Daily digest email"),
}


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


#: Unread notifications of the person other than the row being written, for a RETURNING
#: clause. PostgreSQL's RETURNING sees the table as before the statement, SQLite's as
#: after it; leaving the row itself out gives the same count on both (the row is unread
#: once written, so the person's unread count is this plus one). Written as SQL text:
#: SQLAlchemy leaves table names out of RETURNING columns, which a correlated subquery
#: needs.
_OTHERS_UNREAD = sa.literal_column(
    "(SELECT count(*) FROM notifications AS other"
    " WHERE other.user_id = notifications.user_id AND other.read_at IS NULL"
    " AND other.id <> notifications.id)",
    type_=sa.Integer,
)


def _upsert(statement, values: dict, group_key: str | None):
    """Finish an insert of one notification: with a ``group_key``, update the person's
    row of that key in place instead."""
    if group_key is None:
        return statement
    return statement.on_conflict_do_update(
        index_elements=["user_id", "group_key"],
        set_={
            "text": statement.excluded.text,
            "url": statement.excluded.url,
            "actor_id": statement.excluded.actor_id,
            "count": sa.case((Notification.read_at.is_(None), Notification.count + 1), else_=1),
            "created_at": values["created_at"],
            "read_at": None,
            "emailed_at": None,
        },
    )


def notify(
    user_id: int,
    kind: NotificationKind,
    text: str,
    *,
    url: str = "",
    event_id: int | None = None,
    actor_id: int | None = None,
    group_key: str | None = None,
    email: Callable[[], Message] | bool | None = None,
) -> Notification:
    """Record that ``kind`` happened for ``user_id`` and tell their open pages.

    ``email`` says how the news may go out by email when the person wants this kind at
    once: ``None`` sends the general notification email; a callable returns the kind's
    own message, rendered in the recipient's language (call only for someone who may
    be mailed); ``False`` leaves email to the caller.

    Side effects: writes (or, with ``group_key``, updates) one notification, in one
    statement; reads the person's choice for ``kind`` unless ``email`` is False; after
    commit emits ``notification`` to the person's sockets and, for email at once, queues
    the email. Flushes.
    """
    now = utcnow()
    values = {
        "user_id": user_id,
        "kind": kind,
        "text": _clip(text, TEXT_MAX),
        "url": url[:500],
        "event_id": event_id,
        "actor_id": actor_id,
        "group_key": group_key,
        "count": 1,
        "created_at": now,
    }
    statement = _upsert(dialect_insert()(Notification).values(**values), values, group_key)
    notification, others = db.session.execute(
        statement.returning(Notification, _OTHERS_UNREAD),
        execution_options={"populate_existing": True},
    ).one()
    _emit_after_commit(notification, others + 1)
    if email is not False and delivery_of(user_id, kind) == NotificationDelivery.instant:
        if email is None:
            jobs.enqueue_after_commit(email_at_once, notification.id)
        else:
            message = email()
            for name, value in unsubscribe_headers(user_id, kind).items():
                message[name] = value
            notification.emailed_at = now
            db.session.flush()
            mail.send_after_commit(message)
    return notification


# --- messages ---------------------------------------------------------------------------------


def N_(message: str) -> str:
    """Mark ``message`` for the catalogues (``N_`` is one of Babel's default keywords)
    without translating it: ``_in_each_language`` translates it per recipient."""
    return message


@functools.lru_cache(maxsize=16)
def _pattern(locale: str, singular: str) -> str:
    """A translated pattern (without its values), once per language and process."""
    with force_locale(locale):
        return gettext(singular)


def _in_each_language(singular: str, values: dict) -> sa.ColumnElement:
    """``singular`` % ``values`` in the language of the row's ``User.locale``: a CASE
    over the app's languages, for notifications written in SQL for people whose
    language the caller has not loaded."""
    config = current_app.config
    default = _pattern(config["BABEL_DEFAULT_LOCALE"], singular) % values
    whens = {
        language: _clip(_pattern(language, singular) % values, TEXT_MAX)
        for language in config["LANGUAGES"]
    }
    return sa.case(whens, value=User.locale, else_=_clip(default, TEXT_MAX))


def notify_message(recipient_id: int, sender: User, conversation_id: int, event_id) -> None:
    """A message from ``sender`` waits in the conversation: the recipient's one
    notification of the conversation says so (and counts while it stays unread).

    Made for ``messaging.send_message``, whose speed matters: one statement (an INSERT
    ... SELECT of the recipient's language with ON CONFLICT and RETURNING), no choice
    read (the unread-messages email honours choices itself).

    Side effects: writes or updates the notification; after commit emits
    ``notification`` to the recipient.
    """
    now = utcnow()
    group_key = f"conversation:{conversation_id}"
    values = {"created_at": now}
    text = _in_each_language(N_("%(name)s sent you a message"), {"name": sender.display_name})
    source = sa.select(
        User.id,
        sa.literal(NotificationKind.message, type_=Notification.__table__.c.kind.type),
        text,
        sa.literal(
            url_for("messages.conversation", conversation_id=conversation_id, _external=False)
        ),
        sa.literal(event_id, type_=sa.Integer),
        sa.literal(sender.id),
        sa.literal(group_key),
        sa.literal(1),
        sa.literal(now, type_=Notification.__table__.c.created_at.type),
    ).where(User.id == recipient_id)
    statement = dialect_insert()(Notification).from_select(
        [
            "user_id",
            "kind",
            "text",
            "url",
            "event_id",
            "actor_id",
            "group_key",
            "count",
            "created_at",
        ],
        source,
    )
    statement = _upsert(statement, values, group_key).returning(
        Notification.id,
        Notification.text,
        Notification.url,
        Notification.count,
        _OTHERS_UNREAD,
    )
    row = db.session.execute(statement).one()
    payload = {
        "id": row.id,
        "kind": str(NotificationKind.message),
        "text": row.text,
        "url": row.url,
        "count": row.count,
        "unread": row[4] + 1,
    }
    aftercommit.on_commit(
        functools.partial(
            socketio.emit, "notification", payload, to=messaging.user_room(recipient_id)
        )
    )


def conversation_read(user_id: int, conversation_id: int, message_id: int) -> None:
    """The person read a conversation up to ``message_id``: its notification is read too
    when nothing newer from the other member waits.

    Side effects: may write ``read_at``; if it did, after commit emits
    ``notifications_read`` with the new unread count.
    """
    newer = sa.exists().where(
        ChatMessage.conversation_id == conversation_id,
        ChatMessage.id > message_id,
        ChatMessage.sender_id.is_distinct_from(user_id),
        ChatMessage.hidden_at.is_(None),
    )
    changed = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.group_key == f"conversation:{conversation_id}",
            Notification.read_at.is_(None),
            ~newer,
        )
        .values(read_at=utcnow())
        .returning(Notification.id)
    ).all()
    if changed:
        _emit_read(user_id, [row.id for row in changed])


# --- announcements -----------------------------------------------------------------------------


def wants_email_at_once(user_id_column, kind: NotificationKind) -> sa.ColumnElement[bool]:
    """SQL: the person of ``user_id_column`` wants ``kind`` by email at once (their
    choice, or no choice and the default)."""
    other_choice = sa.exists().where(
        NotificationPreference.user_id == user_id_column,
        NotificationPreference.kind == kind,
        NotificationPreference.delivery != NotificationDelivery.instant,
    )
    if DEFAULT_DELIVERY[kind] == NotificationDelivery.instant:
        return ~other_choice
    return sa.exists().where(
        NotificationPreference.user_id == user_id_column,
        NotificationPreference.kind == kind,
        NotificationPreference.delivery == NotificationDelivery.instant,
    )


def announce(
    user_ids: sa.Select,
    *,
    event_id: int,
    mailing_id: int,
    subject: str,
    sender_name: str,
) -> int:
    """Everyone in ``user_ids`` (a query of one ``user_id`` column) gets the notification
    of an announcement, in their language, in one INSERT ... SELECT; return how many.

    The mailing emails those who want announcements at once; for them the notification
    counts as emailed. The others read it in the centre (and in their digest).

    Side effects: writes the notifications; after commit emits ``notification`` to each
    (one emit per person: their open pages update the bell).
    """
    now = utcnow()
    people = user_ids.subquery()
    text = _in_each_language(
        N_("%(sender)s: %(subject)s"), {"sender": sender_name, "subject": subject}
    )
    url = url_for("notifications.announcement", mailing_id=mailing_id, _external=False)
    created_type = Notification.__table__.c.created_at.type
    emailed = sa.case(
        (
            wants_email_at_once(User.id, NotificationKind.announcement),
            sa.literal(now, type_=created_type),
        ),
        else_=sa.null(),
    )
    source = sa.select(
        User.id,
        sa.literal(NotificationKind.announcement, type_=Notification.__table__.c.kind.type),
        text,
        sa.literal(url),
        sa.literal(event_id),
        sa.literal(f"mailing:{mailing_id}"),
        sa.literal(1),
        sa.literal(now, type_=created_type),
        emailed,
    ).where(User.id.in_(sa.select(people.c.user_id)))
    statement = (
        dialect_insert()(Notification)
        .from_select(
            [
                "user_id",
                "kind",
                "text",
                "url",
                "event_id",
                "group_key",
                "count",
                "created_at",
                "emailed_at",
            ],
            source,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "group_key"])
    )
    rows = db.session.execute(
        statement.returning(
            Notification.id,
            Notification.user_id,
            Notification.text,
            Notification.url,
            Notification.count,
        )
    ).all()
    _emit_to_online(rows)
    return len(rows)


def _emit_to_online(rows) -> None:
    """Queue the ``notification`` event of rows written in bulk for those of their people
    who have a socket open now (two queries, whatever the number of rows)."""
    user_ids = {row.user_id for row in rows}
    online = (
        set(
            db.session.scalars(
                sa.select(SocketPresence.user_id)
                .where(SocketPresence.user_id.in_(user_ids))
                .distinct()
            )
        )
        if user_ids
        else set()
    )
    if not online:
        return
    counts = dict(
        db.session.execute(
            sa.select(Notification.user_id, sa.func.count())
            .where(Notification.user_id.in_(online), Notification.read_at.is_(None))
            .group_by(Notification.user_id)
        ).all()
    )
    for row in rows:
        if row.user_id in online:
            payload = {
                "id": row.id,
                "kind": str(NotificationKind.announcement),
                "text": row.text,
                "url": row.url,
                "count": row.count,
                "unread": counts.get(row.user_id, 0),
            }
            aftercommit.on_commit(
                functools.partial(
                    socketio.emit, "notification", payload, to=messaging.user_room(row.user_id)
                )
            )


# --- reading -------------------------------------------------------------------------------------


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def page_of(user: User, *, before_id: int | None = None, limit: int = PAGE_SIZE):
    """The person's notifications, newest first, ``limit`` of them before ``before_id``;
    and whether older ones remain."""
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    rows = list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def mark_read(user: User, notification: Notification) -> int:
    """``user`` read ``notification`` (the caller checks ``notification.read``); return
    their unread count.

    Side effects: writes ``read_at`` if unread; after commit emits
    ``notifications_read`` to the person's other pages.
    """
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
        _emit_read(user.id, [notification.id])
    return unread_count(user.id)


def mark_all_read(user: User) -> int:
    """Everything of ``user``'s is read; return how many were unread.

    Side effects: writes ``read_at``; after commit emits ``notifications_read`` (all).
    """
    changed = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount
    if changed:
        _emit_read(user.id, None)
    return changed


def _payload(notification: Notification, unread: int) -> dict:
    return {
        "id": notification.id,
        "kind": str(notification.kind),
        "text": notification.text,
        "url": notification.url,
        "count": notification.count,
        "unread": unread,
    }


def _emit_after_commit(notification: Notification, unread: int) -> None:
    """Queue the live update, with the unread count as this transaction leaves it."""
    aftercommit.on_commit(
        functools.partial(
            socketio.emit,
            "notification",
            _payload(notification, unread),
            to=messaging.user_room(notification.user_id),
        )
    )


def _emit_read(user_id: int, ids: list[int] | None) -> None:
    """Queue ``notifications_read``: ``ids`` read (None: all), and the unread count."""
    payload = {"ids": ids, "all": ids is None, "unread": unread_count(user_id)}
    aftercommit.on_commit(
        functools.partial(
            socketio.emit, "notifications_read", payload, to=messaging.user_room(user_id)
        )
    )


# --- choices -------------------------------------------------------------------------------------


def delivery_of(user_id: int, kind: NotificationKind) -> NotificationDelivery:
    if kind in ALWAYS_MAILED:
        return NotificationDelivery.instant
    chosen = db.session.scalar(
        sa.select(NotificationPreference.delivery).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    )
    return chosen or DEFAULT_DELIVERY[kind]


def deliveries(user: User) -> dict[NotificationKind, NotificationDelivery]:
    """Every choosable kind's delivery for ``user``, chosen or default, in order."""
    chosen = dict(
        db.session.execute(
            sa.select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, DEFAULT_DELIVERY[kind]) for kind in CHOOSABLE}


def set_delivery(user_id: int, kind: NotificationKind, delivery: NotificationDelivery) -> None:
    """Side effects: writes (or updates) the person's choice for ``kind``. Flushes."""
    try:
        kind = NotificationKind(kind)
        delivery = NotificationDelivery(delivery)
    except ValueError as exc:
        raise ServiceError("invalid", gettext("Choose how you want to hear of it.")) from exc
    if kind in ALWAYS_MAILED:
        raise ServiceError("invalid", gettext("News about your account is always emailed."))
    statement = dialect_insert()(NotificationPreference).values(
        user_id=user_id, kind=kind, delivery=delivery
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "kind"], set_={"delivery": statement.excluded.delivery}
        )
    )


def set_deliveries(user: User, choices: dict) -> list[NotificationKind]:
    """Save ``choices`` (kind → delivery); return the kinds that changed.

    Side effects: writes the person's choices. Flushes.
    """
    current = deliveries(user)
    changed = []
    for kind, delivery in choices.items():
        set_delivery(user.id, kind, delivery)
        if current[NotificationKind(kind)] != NotificationDelivery(delivery):
            changed.append(NotificationKind(kind))
    return changed


# --- unsubscribing -------------------------------------------------------------------------------


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kind: NotificationKind | str) -> str:
    """The signed token of a one-click unsubscribe from ``kind`` (or ``DIGEST``)."""
    return _signer().sign(f"{user_id}:{kind}").decode()


def unsubscribe_url(user_id: int, kind: NotificationKind | str) -> str:
    return url_for(
        "notifications.unsubscribe", token=unsubscribe_token(user_id, kind), _external=True
    )


def unsubscribe_headers(user_id: int, kind: NotificationKind | str) -> dict[str, str]:
    """RFC 8058 headers for an email of ``kind`` to the person; none for transactional
    kinds."""
    if kind in TRANSACTIONAL:
        return {}
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user_id, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@dataclass(frozen=True)
class Unsubscription:
    """Whom and what an unsubscribe link is about."""

    user: User
    #: A kind, or ``DIGEST`` for the daily digest.
    target: str

    @property
    def label(self) -> str:
        if self.target == DIGEST:
            return gettext("The daily digest email")
        return str(KIND_LABELS[NotificationKind(self.target)])


def unsubscription_of(token: str) -> Unsubscription:
    """The person and kind of an unsubscribe link; ``ServiceError`` for a link that is
    not one of ours or whose account is gone."""
    refusal = ServiceError(
        "bad_token",
        gettext("This unsubscribe link is not valid. Copy the whole link from the email."),
    )
    try:
        value = _signer().unsign(token).decode()
    except (BadSignature, UnicodeDecodeError) as exc:
        raise refusal from exc
    user_id, _sep, target = value.partition(":")
    valid = {DIGEST} | {str(kind) for kind in NotificationKind if kind not in TRANSACTIONAL}
    if not user_id.isdecimal() or target not in valid:
        raise refusal
    user = db.session.get(User, int(user_id))
    if user is None or user.is_deleted:
        raise refusal
    return Unsubscription(user, target)


def unsubscribe(unsubscription: Unsubscription) -> list[NotificationKind]:
    """Stop the emails of an unsubscribe link: its kind (or every kind the person gets
    in the digest) becomes in-app only; return the kinds changed.

    Side effects: writes the person's choices. Flushes.
    """
    user = unsubscription.user
    if unsubscription.target == DIGEST:
        kinds = [
            kind
            for kind, delivery in deliveries(user).items()
            if delivery == NotificationDelivery.digest
        ]
    else:
        kind = NotificationKind(unsubscription.target)
        kinds = [kind] if delivery_of(user.id, kind) != NotificationDelivery.in_app else []
    for kind in kinds:
        set_delivery(user.id, kind, NotificationDelivery.in_app)
    return kinds


# --- emails --------------------------------------------------------------------------------------


def _mailable(user: User | None) -> bool:
    return user is not None and user.is_verified and user.is_active


def _absolute(path: str) -> str:
    """A notification's path as a link for an email."""
    return urljoin(url_for("events.home", _external=True), path or url_for("notifications.centre"))


def _claim(notification_ids, now: datetime) -> list[int]:
    """Mark these notifications emailed unless another run did (or they were read);
    return the ids this run may mail."""
    rows = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.id.in_(notification_ids),
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
        )
        .values(emailed_at=now)
        .returning(Notification.id)
    ).all()
    return [row.id for row in rows]


@jobs.job(retries=3, retry_delay=60)
def email_at_once(notification_id: int) -> None:
    """Email one notification to its person, once (the claim on ``emailed_at`` makes a
    second run, or one after they read it, do nothing)."""
    if not _claim([notification_id], utcnow()):
        db.session.commit()
        return
    notification = db.session.get(Notification, notification_id)
    user = db.session.get(User, notification.user_id)
    if _mailable(user):
        with mail.in_language(user.locale):
            text = render_template(
                "emails/notification.txt",
                user=user,
                notification=notification,
                url=_absolute(notification.url),
                settings_url=url_for("notifications.settings", _external=True),
                unsubscribe_url=(
                    unsubscribe_url(user.id, notification.kind)
                    if notification.kind not in TRANSACTIONAL
                    else None
                ),
            )
            message = mail.build_message(
                user.email,
                notification.text,
                text,
                headers=unsubscribe_headers(user.id, notification.kind),
            )
        mail.send_after_commit(message)
    db.session.commit()


def _digest_candidates(now: datetime) -> dict[int, list[int]]:
    """Per person, their unread, unmailed notifications of kinds they chose the digest
    for, newest first (at most ``DIGEST_MAX_LINES`` a person)."""
    rows = db.session.execute(
        sa.select(Notification.user_id, Notification.id)
        .join(
            NotificationPreference,
            sa.and_(
                NotificationPreference.user_id == Notification.user_id,
                NotificationPreference.kind == Notification.kind,
            ),
        )
        .where(
            NotificationPreference.delivery == NotificationDelivery.digest,
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            Notification.created_at >= now - DIGEST_MAX_AGE,
        )
        .order_by(Notification.user_id, Notification.id.desc())
    ).all()
    by_person: dict[int, list[int]] = defaultdict(list)
    for user_id, notification_id in rows:
        if len(by_person[user_id]) < DIGEST_MAX_LINES:
            by_person[user_id].append(notification_id)
    return by_person


def send_daily_digests(now: datetime) -> int:
    """Email each person who chose the digest for some kinds one email listing what
    waits for them; return how many emails were sent.

    Each notification goes into one digest at most: it is claimed (``emailed_at``)
    before its email is queued, and a concurrent run finds it claimed.

    Side effects: writes ``emailed_at``; after commit sends one email per person, in
    their language, with a one-click unsubscribe from the digest.
    """
    sent = 0
    for user_id, candidate_ids in _digest_candidates(now).items():
        user = db.session.get(User, user_id)
        if not _mailable(user):
            continue
        claimed = _claim(candidate_ids, now)
        if not claimed:
            continue
        notifications = db.session.scalars(
            sa.select(Notification)
            .where(Notification.id.in_(claimed))
            .order_by(Notification.id.desc())
        ).all()
        with mail.in_language(user.locale):
            lines = [
                {
                    "kind": str(KIND_LABELS[n.kind]),
                    "text": n.text,
                    "count": n.count,
                    "url": _absolute(n.url),
                }
                for n in notifications
            ]
            text = render_template(
                "emails/notification_digest.txt",
                user=user,
                lines=lines,
                centre_url=url_for("notifications.centre", _external=True),
                settings_url=url_for("notifications.settings", _external=True),
                unsubscribe_url=unsubscribe_url(user.id, DIGEST),
            )
            subject = ngettext(
                "Your daily summary: %(num)d new notification",
                "Your daily summary: %(num)d new notifications",
                len(lines),
            )
            message = mail.build_message(
                user.email, subject, text, headers=unsubscribe_headers(user.id, DIGEST)
            )
        mail.send_after_commit(message)
        sent += 1
    db.session.flush()
    return sent


@jobs.periodic(crontab(hour=str(DIGEST_HOUR_UTC), minute="0"))
def daily_digest_job() -> None:
    """Once a day, on the consumer that runs periodic jobs: send the digests."""
    send_daily_digests(utcnow())
    db.session.commit()
