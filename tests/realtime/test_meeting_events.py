"""Live notices of meetings: every change reaches the other person's sockets as
``meeting_changed`` (with their own pending count and a notice text), the acting
person's other tabs hear of it without a notice, and nobody else hears anything."""

from __future__ import annotations

import pytest

from conference.extensions import db
from conference.services import meetings as service
from tests import program_helpers as program
from tests.realtime.test_sockets import log_in
from tests.services.test_meetings import add_place, set_hours


@pytest.fixture
def table(event):
    set_hours(event, 0, "09:00", "11:00")
    return add_place(event, "Table 1", capacity=1)


def test_a_request_reaches_the_invitee_live(
    app, open_socket, event, table, attendee, speaker, sponsor_staff
):
    anna, sam, sid = open_socket(attendee), open_socket(speaker), open_socket(sponsor_staff)
    http = app.test_client()
    log_in(http, attendee)

    http.post(
        f"/e/northwind/meetings/new/{speaker.id}",
        data={
            "day": event.starts_on.isoformat(),
            "slot": service.slot_key(program.at(event, 0, "09:30")),
            "place": table.id,
        },
    )

    meeting = service.meetings_of(event, speaker)[0]
    notice, *changes = sam.received()
    assert notice[0] == "notification"
    assert (notice[1]["kind"], notice[1]["url"]) == (
        "meeting",
        f"/e/northwind/meetings/{meeting.id}",
    )
    assert changes == [
        (
            "meeting_changed",
            {
                "meeting_id": meeting.id,
                "event_slug": "northwind",
                "status": "pending",
                "awaiting_me": True,
                "pending_count": 1,
                "text": "Anna Attendee asks to meet you",
            },
        )
    ]
    assert anna.received() == [
        (
            "meeting_changed",
            {
                "meeting_id": meeting.id,
                "event_slug": "northwind",
                "status": "pending",
                "awaiting_me": False,
                "pending_count": 0,
                "text": "",
            },
        )
    ]
    assert sid.received() == []


@pytest.mark.parametrize(
    ("answer", "status", "text"),
    [
        (lambda me, m: service.accept(me, m), "accepted", "Sam Speaker accepted your meeting"),
        (
            lambda me, m: service.decline(me, m, "No"),
            "declined",
            "Sam Speaker declined your meeting request",
        ),
        (
            lambda me, m: service.propose(
                me, m, program.at(m.event, 0, "10:30"), m.place_id, "Later?"
            ),
            "pending",
            "Sam Speaker proposes another time to meet",
        ),
        (lambda me, m: service.cancel(me, m), "cancelled", "Sam Speaker cancelled your meeting"),
    ],
)
def test_each_answer_reaches_the_requester_live(
    open_socket, event, table, attendee, speaker, answer, status, text
):
    meeting = service.request_meeting(
        attendee, event, speaker, program.at(event, 0, "09:30"), table.id, ""
    )
    db.session.commit()
    anna, sam = open_socket(attendee), open_socket(speaker)

    answer(speaker, meeting)
    db.session.commit()

    heard = anna.received("meeting_changed")
    assert [(data["meeting_id"], data["status"], data["text"]) for _n, data in heard] == [
        (meeting.id, status, text)
    ]
    assert heard[0][1]["awaiting_me"] == (status == "pending")
    assert heard[0][1]["pending_count"] == (1 if status == "pending" else 0)
    assert [data["text"] for _n, data in sam.received("meeting_changed")] == [""]


def test_a_rolled_back_change_is_not_heard(open_socket, event, table, attendee, speaker):
    sam = open_socket(speaker)

    service.request_meeting(attendee, event, speaker, program.at(event, 0, "09:30"), table.id, "")
    db.session.rollback()

    assert sam.received() == []
