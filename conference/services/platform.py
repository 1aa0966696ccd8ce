"""The platform admin's decisions about accounts: who may create events, who is suspended."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext

from conference.extensions import db
from conference.models import User
from conference.models.types import search_key
from conference.services import ServiceError, accounts

PAGE_SIZE = 50


def list_accounts(query: str = "", *, page: int = 1) -> tuple[list[User], int]:
    """Accounts whose name or email contains every word of ``query``, newest first."""
    stmt = sa.select(User)
    for word in search_key(query).split():
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(User.display_name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(
        stmt.order_by(User.created_at.desc(), User.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return list(rows), total


def set_event_creation(actor: User, user: User, allowed: bool) -> None:
    """Allow or forbid ``user`` to create events (matters with ``EVENT_CREATION=allowed``).

    Side effects: writes ``user.can_create_events``.
    """
    user.can_create_events = allowed
    db.session.flush()


def set_suspended(actor: User, user: User, suspended: bool) -> None:
    """Suspend or restore an account.

    Side effects: writes ``user.is_suspended``; suspending also rotates the
    account's session nonce, which logs out every open session at once, and ends
    the account's open sockets (``messaging.end_sessions``).
    Admins cannot suspend themselves (they would lock the platform out).
    """
    if suspended and user.id == actor.id:
        raise ServiceError("self_suspend", gettext("You cannot suspend your own account."))
    user.is_suspended = suspended
    if suspended:
        accounts.rotate_sessions(user)
    db.session.flush()
