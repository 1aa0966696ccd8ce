"""The check-in dashboard's room: only organizers and check-in staff of the event may
join it, and a committed admission pings it (without personal data)."""

from __future__ import annotations

import pytest

import conference.realtime.checkin  # noqa: F401  (registers the events; conference.realtime imports it too)
from conference.enums import ScanAction
from conference.extensions import db
from conference.services import badges
from conference.services import checkin as service
from tests.conftest import IDENTITIES
from tests.http.test_checkin import reg_of
from tests.realtime.test_sockets import open_socket  # noqa: F401


@pytest.mark.parametrize("identity", [i for i in IDENTITIES if i != "anonymous"])
def test_only_checkin_staff_and_organizers_may_watch(request, open_socket, event, identity):  # noqa: F811
    socket = open_socket(request.getfixturevalue(identity))
    answer = socket.call("checkin_watch", {"event_id": event.id})
    if identity in ("checkin_staff", "organizer"):
        assert answer == {"ok": True}
    else:
        assert answer["ok"] is False
        assert answer["error"] == "not_found"


def test_watching_a_missing_event_looks_like_a_refusal(open_socket, checkin_staff):  # noqa: F811
    answer = open_socket(checkin_staff).call("checkin_watch", {"event_id": 999999})
    assert (answer["ok"], answer["error"]) == (False, "not_found")


@pytest.mark.parametrize(
    "payload", [{}, {"event_id": "1"}, {"event_id": 0}, {"event_id": 1, "x": 2}]
)
def test_watch_refuses_malformed_payloads(open_socket, checkin_staff, payload):  # noqa: F811
    answer = open_socket(checkin_staff).call("checkin_watch", payload)
    assert (answer["ok"], answer["error"]) == (False, "invalid")


def test_a_committed_check_in_pings_watchers_only(
    open_socket,  # noqa: F811
    event,
    checkin_staff,
    organizer,
    attendee,
):
    watcher = open_socket(organizer)
    bystander = open_socket(attendee)
    assert watcher.call("checkin_watch", {"event_id": event.id})["ok"]
    watcher.received()
    bystander.received()
    code = badges.live_code(reg_of(event, attendee))
    db.session.commit()

    service.scan(event, checkin_staff, code.qr_payload, ScanAction.check_in)
    assert watcher.received("checkin_changed") == []  # nothing before the commit
    db.session.commit()

    assert watcher.received("checkin_changed") == [("checkin_changed", {"action": "check_in"})]
    assert bystander.received("checkin_changed") == []


def test_an_anonymous_socket_cannot_connect_to_watch(open_socket):  # noqa: F811
    socket = open_socket()
    assert not socket.connected
