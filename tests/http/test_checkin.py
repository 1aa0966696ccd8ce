"""Check-in over HTTP: who may open each route, the scanner's JSON and form answers,
bad input, walk-ins, the offline list and sync, and the dashboard."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from conference.enums import RegistrationStatus
from conference.extensions import db
from conference.models import User
from conference.models.checkin import CheckIn, Scan
from tests import factories
from tests import program_helpers as program
from tests.conftest import IDENTITIES
from tests.factories import badge_payload as code_of
from tests.factories import registration_of as reg_of

ALLOWED = {"checkin_staff", "organizer"}


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


GET_ROUTES = [
    "/e/{slug}/checkin/",
    "/e/{slug}/checkin/search.json?q=a",
    "/e/{slug}/checkin/snapshot.json",
    "/e/{slug}/checkin/walk-in",
    "/e/{slug}/checkin/dashboard",
    "/e/{slug}/checkin/dashboard.json",
]


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("route", GET_ROUTES)
def test_get_routes_only_for_organizers_and_checkin_staff(
    as_identity, client, event, identity, route
):
    as_identity(identity)
    response = client.get(route.format(slug=event.slug))
    if identity == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif identity in ALLOWED:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("identity", IDENTITIES)
def test_posting_scans_only_for_organizers_and_checkin_staff(
    as_identity, client, event, identity, attendee
):
    payload = code_of(event, attendee)
    as_identity(identity)
    response = post_json(
        client, f"/e/{event.slug}/checkin/scan", {"payload": payload, "action": "check_in"}
    )
    pick = post_json(
        client,
        f"/e/{event.slug}/checkin/pick",
        {"registration_id": reg_of(event, attendee).id, "action": "check_in"},
    )
    sync = post_json(client, f"/e/{event.slug}/checkin/sync", {"scans": []})
    walk = client.post(f"/e/{event.slug}/checkin/walk-in", data={"name": "X", "email": "x@y.test"})
    codes = {response.status_code, pick.status_code, sync.status_code, walk.status_code}
    if identity == "anonymous":
        assert codes == {302}
    elif identity in ALLOWED:
        assert response.status_code == 200
        assert pick.json["outcome"] in ("ok", "already")
    else:
        assert codes == {403}
        assert db.session.get(CheckIn, reg_of(event, attendee).id) is None


def test_checkin_staff_of_another_event_are_refused(client, login, event, other_event, attendee):
    stranger = factories.participant(other_event, "Stan Stranger", roles=["checkin_staff"])
    login(stranger)
    response = post_json(
        client,
        f"/e/{event.slug}/checkin/scan",
        {"payload": code_of(event, attendee), "action": "check_in"},
    )
    assert response.status_code == 403
    assert client.get(f"/e/{event.slug}/checkin/snapshot.json").status_code == 403


def test_scan_json_answers_green_then_already(client, login, event, checkin_staff, attendee):
    login(checkin_staff)
    body = {
        "payload": code_of(event, attendee),
        "action": "check_in",
        "client_scan_id": "abc-1",
    }

    first = post_json(client, f"/e/{event.slug}/checkin/scan", body)
    resent = post_json(client, f"/e/{event.slug}/checkin/scan", body)
    again = post_json(client, f"/e/{event.slug}/checkin/scan", {**body, "client_scan_id": "abc-2"})

    assert first.status_code == 200
    assert (first.json["ok"], first.json["green"], first.json["outcome"]) == (True, True, "ok")
    assert first.json["person"]["name"] == "Anna Attendee"
    assert (resent.json["outcome"], resent.json["recorded"]) == ("ok", False)
    assert again.json["outcome"] == "already"
    assert again.json["message"].endswith("by Chris Checkin.")


def test_scan_of_another_events_badge_is_red(
    client, login, event, other_event, checkin_staff, other_participant
):
    login(checkin_staff)
    response = post_json(
        client,
        f"/e/{event.slug}/checkin/scan",
        {"payload": code_of(other_event, other_participant), "action": "check_in"},
    )
    assert (response.json["outcome"], response.json["person"]) == ("other_event", {})


@pytest.mark.parametrize(
    "body",
    [
        {"payload": "B1:X", "action": "dance"},
        {"payload": "B1:X"},
        {"payload": 5, "action": "check_in"},
        {"payload": "B1:X", "action": "check_in", "client_scan_id": "no spaces allowed"},
        {"payload": "B1:X", "action": "check_in", "extra": 1},
        {"payload": "B1:X", "action": "attend"},
        {"payload": "B1:X", "action": "attend", "session_id": 999999},
    ],
)
def test_scan_json_refuses_bad_input_with_a_json_error(client, login, event, checkin_staff, body):
    login(checkin_staff)
    response = post_json(client, f"/e/{event.slug}/checkin/scan", body)
    assert response.status_code == 400
    assert response.json["ok"] is False
    assert response.json["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 0


def test_scan_json_refuses_broken_json(client, login, event, checkin_staff):
    login(checkin_staff)
    response = client.post(
        f"/e/{event.slug}/checkin/scan", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid"


def test_attendance_of_another_events_session_is_refused(
    client, login, event, other_event, checkin_staff, attendee
):
    elsewhere = program.session(other_event, "Elsewhere")
    login(checkin_staff)
    response = post_json(
        client,
        f"/e/{event.slug}/checkin/scan",
        {
            "payload": code_of(event, attendee),
            "action": "attend",
            "session_id": elsewhere.id,
        },
    )
    assert response.status_code == 400
    assert response.json["error"] == "not_found"


def test_scanner_page_form_without_javascript(client, login, event, checkin_staff, attendee):
    login(checkin_staff)
    response = client.post(
        f"/e/{event.slug}/checkin/scan",
        data={"code": code_of(event, attendee), "action": "check_in"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "scan-answer is-green" in page
    assert "Anna Attendee" in page
    assert "Checked in." in page


def test_scanner_page_form_keeps_a_missing_code_as_an_error(client, login, event, checkin_staff):
    login(checkin_staff)
    response = client.post(f"/e/{event.slug}/checkin/scan", data={"code": "", "action": "check_in"})
    assert response.status_code == 400
    assert "is-invalid" in response.get_data(as_text=True)


def test_scanner_page_search_and_pick_without_javascript(
    client, login, event, checkin_staff, pending
):
    login(checkin_staff)
    listing = client.get(f"/e/{event.slug}/checkin/?q=pat").get_data(as_text=True)
    assert "Pat Pending" in listing
    assert "Pending" in listing

    response = client.post(
        f"/e/{event.slug}/checkin/pick",
        data={
            "registration_id": reg_of(event, pending).id,
            "action": "check_in",
        },
    )
    page = response.get_data(as_text=True)
    assert "scan-answer is-red" in page
    assert "Not approved" in page


def test_search_json_lists_people_with_their_state(client, login, event, checkin_staff, attendee):
    login(checkin_staff)
    post_json(
        client,
        f"/e/{event.slug}/checkin/scan",
        {"payload": code_of(event, attendee), "action": "check_in"},
    )
    data = client.get(f"/e/{event.slug}/checkin/search.json?q=anna").json
    assert [(r["name"], r["inside"]) for r in data["results"]] == [("Anna Attendee", True)]


def test_snapshot_answers_304_for_the_version_the_device_has(
    client, login, event, checkin_staff, attendee
):
    code_of(event, attendee)
    login(checkin_staff)
    first = client.get(f"/e/{event.slug}/checkin/snapshot.json")
    same = client.get(
        f"/e/{event.slug}/checkin/snapshot.json", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert first.status_code == 200
    assert len(first.json["codes"]) == 1
    assert same.status_code == 304


def test_sync_settles_queued_scans(client, login, event, checkin_staff, attendee):
    login(checkin_staff)
    code = code_of(event, attendee)
    scans = [
        {
            "client_scan_id": f"q-{n}",
            "action": "check_in",
            "scanned_at": f"2020-01-01T09:00:0{n}Z",
            "offline_outcome": "ok",
            "payload": code,
        }
        for n in range(2)
    ]
    response = post_json(client, f"/e/{event.slug}/checkin/sync", {"scans": scans})
    answers = response.json["answers"]
    assert [(a["outcome"], a["differs"]) for a in answers] == [("ok", False), ("already", True)]


def test_sync_refuses_a_malformed_queue(client, login, event, checkin_staff):
    login(checkin_staff)
    for body in ({"scans": "nope"}, {"scans": [1, 2]}, {"other": []}):
        response = post_json(client, f"/e/{event.slug}/checkin/sync", body)
        assert response.status_code == 400, body
        assert response.json["ok"] is False


def test_sync_settles_good_scans_beside_one_it_cannot_read(
    client, login, event, checkin_staff, attendee
):
    """A long QR code that is no badge, queued offline, must not hold back the queue;
    a device clock without a zone is read as UTC beside one with a zone."""
    login(checkin_staff)
    good = {
        "client_scan_id": "q-good",
        "action": "check_in",
        "scanned_at": "2020-01-01T09:00:00",
        "offline_outcome": "ok",
        "payload": code_of(event, attendee),
    }
    wifi = {**good, "client_scan_id": "q-wifi", "payload": "WIFI:S:venue;T:WPA;P:" + "x" * 300}
    later = {**good, "client_scan_id": "q-later", "scanned_at": "2020-01-01T09:00:05Z"}
    response = post_json(client, f"/e/{event.slug}/checkin/sync", {"scans": [wifi, good, later]})

    assert response.status_code == 200
    answers = {a["client_scan_id"]: a for a in response.json["answers"]}
    assert (answers["q-good"]["outcome"], answers["q-later"]["outcome"]) == ("ok", "already")
    assert (answers["q-wifi"]["outcome"], answers["q-wifi"]["differs"]) == ("unknown", True)
    assert db.session.get(CheckIn, reg_of(event, attendee).id) is not None


def test_walk_in_registers_and_offers_printing(client, login, event, checkin_staff):
    login(checkin_staff)
    response = client.post(
        f"/e/{event.slug}/checkin/walk-in",
        data={
            "name": "Walter Walkin",
            "email": "walter@example.test",
            "ticket_type": factories.ticket(event).id,
        },
    )
    person = db.session.scalar(sa.select(User).where(User.email == "walter@example.test"))
    registration = reg_of(event, person)
    assert registration.status == RegistrationStatus.approved
    assert response.headers["Location"].endswith(f"/checkin/walk-in/{registration.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/e/{event.slug}/badges/{registration.id}.pdf" in page
    assert "Check in now" in page
    assert db.session.get(CheckIn, registration.id) is None


def test_walk_in_form_keeps_what_was_typed_on_errors(client, login, event, checkin_staff, pending):
    login(checkin_staff)
    response = client.post(
        f"/e/{event.slug}/checkin/walk-in",
        data={
            "name": "Pat Again",
            "email": pending.email,
            "ticket_type": factories.ticket(event).id,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Pat Again"' in page
    assert "only the organizers can approve it" in page

    bad = client.post(f"/e/{event.slug}/checkin/walk-in", data={"name": "", "email": "nope"})
    assert bad.status_code == 400
    assert 'value="nope"' in bad.get_data(as_text=True)


def test_walk_in_done_page_of_another_event_is_404(
    client, login, event, other_event, checkin_staff, other_participant
):
    login(checkin_staff)
    response = client.get(
        f"/e/{event.slug}/checkin/walk-in/{reg_of(other_event, other_participant).id}"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("identity", IDENTITIES)
def test_walk_in_done_page_permissions(as_identity, client, event, identity, attendee):
    registration_id = reg_of(event, attendee).id
    as_identity(identity)
    response = client.get(f"/e/{event.slug}/checkin/walk-in/{registration_id}")
    expected = 302 if identity == "anonymous" else 200 if identity in ALLOWED else 403
    assert response.status_code == expected


def test_dashboard_json_counts(client, login, event, checkin_staff, attendee):
    login(checkin_staff)
    post_json(
        client,
        f"/e/{event.slug}/checkin/scan",
        {"payload": code_of(event, attendee), "action": "check_in"},
    )
    data = client.get(f"/e/{event.slug}/checkin/dashboard.json").json
    assert (data["checked_in"], data["inside"]) == (1, 1)
    page = client.get(f"/e/{event.slug}/checkin/dashboard").get_data(as_text=True)
    assert "Anna Attendee" in page
