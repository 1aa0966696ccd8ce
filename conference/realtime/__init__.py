"""Socket.IO handlers: authenticate on connect, check permissions on every event, call
services, answer with an acknowledgement. No business rules and no SQL of their own.

Connecting needs a logged-in Flask-Login session and, when the browser names one, an
``Origin`` of this very site (Engine.IO checks it for the transport too; checking it
here as well keeps the rule visible and tested). A socket joins
its account's room, ``user:<id>``; room names are only ever built on the server.

The socket's copy of the login session is taken at connect, so it would outlive a
logout or a suspension. Every event therefore loads the account again and refuses it
unless the account still exists, is active, has the session nonce seen at connect,
and the socket's presence row is still there (``conference.services.messaging.end_sessions``
removes it on logout and suspension and takes the sockets out of their room on every
worker). A refused socket keeps only its bare connection: no room, no identity.

Each event handler is declared with ``socket_event(name, schema)``, which runs:
check the socket → validate the payload → the handler (load, authorize, call a
service) → commit → queued emits leave → acknowledgement
``{"ok": true, ...}`` or ``{"ok": false, "error": code, "message": text}``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, request, session
from flask_babel import gettext
from flask_login import current_user
from flask_socketio import join_room, leave_room
from pydantic import BaseModel, ValidationError

from conference.extensions import db, socketio
from conference.models import User
from conference.permissions import forget_standing
from conference.realtime.schemas import explain
from conference.services import ServiceError
from conference.services import messaging as messaging_service

#: Where the socket's own session keeps (user id, session nonce) as seen at connect.
IDENTITY = "socket_identity"


def refusal(code: str, message: str, **extra) -> dict:
    return {"ok": False, "error": code, "message": message, **extra}


def _same_origin() -> bool:
    """The connection comes from this site's own pages (or from no browser page at all).

    Browsers always send ``Origin`` on cross-site WebSocket and XHR requests, so a
    missing header is not a cross-site page. Behind a proxy the forwarded scheme and
    host count too (a page cannot set those headers on a WebSocket).
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    allowed = {f"{request.scheme}://{request.host}"}
    proto = request.headers.get("X-Forwarded-Proto")
    host = request.headers.get("X-Forwarded-Host")
    if proto or host:
        scheme = (proto or request.scheme).split(",")[0].strip()
        allowed.add(f"{scheme}://{(host or request.host).split(',')[0].strip()}")
    return origin.lower() in {a.lower() for a in allowed}


@socketio.on("connect")
def on_connect(auth=None):
    if not _same_origin():
        raise ConnectionRefusedError("origin")
    if not current_user.is_authenticated:
        raise ConnectionRefusedError("unauthorized")
    user: User = current_user._get_current_object()
    join_room(messaging_service.user_room(user.id))
    try:
        messaging_service.socket_connected(user, request.sid)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        current_app.logger.exception("socket connect failed")
        raise ConnectionRefusedError("unavailable") from exc
    session[IDENTITY] = (user.id, user.session_nonce)


@socketio.on("disconnect")
def on_disconnect(reason=None):
    try:
        messaging_service.socket_disconnected(request.sid)
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("socket disconnect failed")


def _live_user() -> User | None:
    """The socket's account, if it may still act; None once its session has ended."""
    identity = session.get(IDENTITY)
    if not identity:
        return None
    user_id, nonce = identity
    user = messaging_service.socket_owner(request.sid)
    if user is None or user.id != user_id or not user.is_active or user.session_nonce != nonce:
        return None
    return user


def _end_this_socket() -> dict:
    """Strip a socket whose session ended of everything but its connection.

    It leaves its account's room, loses its identity and presence row, and is told
    ``session_ended`` (the client then disconnects and reloads). It is not
    disconnected here: a socket disconnected inside an event never receives that
    event's acknowledgement, and every event gets one.
    """
    identity = session.pop(IDENTITY, None)
    if identity:
        leave_room(messaging_service.user_room(identity[0]))
    messaging_service.socket_disconnected(request.sid)
    db.session.commit()
    socketio.emit("session_ended", {}, to=request.sid)
    return refusal(
        "session_ended", gettext("Your session has ended. Please reload the page to continue.")
    )


def _run(name: str, handler: Callable, schema: type[BaseModel], args: tuple) -> dict:
    # Standings cached on ``g`` must not outlive one event (several events can share a
    # context, e.g. under the test client); permissions are asked afresh every time.
    forget_standing()
    try:
        user = _live_user()
        if user is None:
            return _end_this_socket()
        if len(args) != 1:
            return refusal("invalid", gettext("Send exactly one object with this event."))
        try:
            payload = schema.model_validate(args[0])
        except ValidationError as exc:
            message, fields = explain(exc)
            return refusal("invalid", message, fields=fields)
        result = handler(user, payload)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        return refusal(exc.code, exc.message)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("socket event %s failed", name)
        return refusal("server_error", gettext("Something went wrong on our side. Please retry."))
    return {"ok": True, **result}


def socket_event(name: str, schema: type[BaseModel]):
    """Register ``handler(user, payload) -> dict`` for the event ``name``."""

    def register(handler: Callable) -> Callable:
        @wraps(handler)
        def run(*args):
            return _run(name, handler, schema, args)

        socketio.on(name)(run)
        return run

    return register


from conference.realtime import checkin as _checkin_events  # noqa: E402, F401  (registers them)
from conference.realtime import messaging as _messaging_events  # noqa: E402, F401  (registers them)
from conference.realtime import qa as _qa_events  # noqa: E402, F401  (registers them)
