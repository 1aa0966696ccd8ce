"""Socket events of check-in: a dashboard joins its event's check-in room.

The room (``services.checkin.checkin_room``) hears ``checkin_changed`` after every
committed admission, check-out or attendance; the ping carries no personal data, and
the dashboard then reloads its numbers through the permission-checked
``checkin.dashboard_json``. Joining requires ``checkin.scan`` on the event, checked on
every ``checkin_watch``; an event that does not exist and one the person may not
watch get the same answer.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_socketio import join_room

from conference.extensions import db
from conference.models import Event, User
from conference.permissions import can
from conference.realtime import socket_event
from conference.realtime.schemas import Id, Payload
from conference.services import ServiceError
from conference.services import checkin as service


class WatchCheckin(Payload):
    event_id: Id


@socket_event("checkin_watch", WatchCheckin)
def checkin_watch(user: User, payload: WatchCheckin) -> dict:
    event = db.session.get(Event, payload.event_id)
    if event is None or not can(user, "checkin.scan", event):
        raise ServiceError("not_found", gettext("There is no check-in for you to watch here."))
    join_room(service.checkin_room(event.id))
    return {}
