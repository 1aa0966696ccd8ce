"""Points pages: the organizers' rules page, the leaderboard, "My points" with hiding
oneself from the leaderboard, for every identity of the matrix."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conference.enums import ActivityKind, PointKind
from conference.extensions import db
from conference.models import Activity, EventRole
from conference.services import points
from tests import factories

PARTICIPANTS = ["attendee", "speaker", "sponsor_staff", "rival_staff", "checkin_staff"]
NOT_PARTICIPANTS = ["anonymous", "outsider", "other_participant", "pending"]


def _board(client, event) -> str:
    """The list of the leaderboard page (the page's header names the signed-in person)."""
    body = client.get(f"/e/{event.slug}/leaderboard").get_data(as_text=True)
    return body.split('id="leaderboard"', 1)[1] if 'id="leaderboard"' in body else ""


def _earn(event, person, kind=ActivityKind.check_in, hour=9):
    db.session.add(
        Activity(
            event_id=event.id,
            user_id=person.id,
            kind=kind,
            created_at=datetime(2026, 6, 10, hour, tzinfo=UTC),
        )
    )
    db.session.commit()


@pytest.mark.parametrize(
    ("identity", "status"),
    [("anonymous", 302), ("outsider", 403), ("other_participant", 403), ("pending", 403)]
    + [(name, 403) for name in PARTICIPANTS]
    + [("organizer", 200)],
)
def test_rules_page_is_for_organizers(client, as_identity, event, identity, status):
    as_identity(identity)
    response = client.get(f"/e/{event.slug}/manage/points")
    assert response.status_code == status
    if status == 302:
        assert "/login" in response.headers["Location"]


def test_organizer_saves_values_caps_and_visibility(client, login, event, organizer):
    login(organizer)
    data = {"leaderboard_visible": "y"}
    for kind in PointKind:
        data[f"{kind}_points"] = "3"
        data[f"{kind}_daily_cap"] = ""
    data["attendance_daily_cap"] = "9"
    response = client.post(f"/e/{event.slug}/manage/points", data=data)
    assert response.status_code == 302
    rules = points.rules_of(event)
    assert rules[PointKind.attendance] == points.Rule(3, 9)
    assert rules[PointKind.check_in] == points.Rule(3, None)
    assert event.leaderboard_visible is True


def test_out_of_range_values_are_shown_on_the_form(client, login, event, organizer):
    login(organizer)
    data = {f"{kind}_points": "1" for kind in PointKind}
    data["booth_visit_points"] = "-4"
    response = client.post(f"/e/{event.slug}/manage/points", data=data)
    assert response.status_code == 200
    assert 'value="-4"' in response.get_data(as_text=True)
    assert points.rules_of(event) == points.DEFAULT_RULES


def test_rules_form_needs_csrf(app, client, login, event, organizer):
    login(organizer)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        data = {f"{kind}_points": "1" for kind in PointKind}
        response = client.post(f"/e/{event.slug}/manage/points", data=data)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code in (200, 400)
    assert points.rules_of(event) == points.DEFAULT_RULES


@pytest.mark.parametrize("visible", [True, False])
@pytest.mark.parametrize("identity", NOT_PARTICIPANTS)
def test_leaderboard_refuses_non_participants(client, as_identity, event, identity, visible):
    event.leaderboard_visible = visible
    db.session.commit()
    as_identity(identity)
    response = client.get(f"/e/{event.slug}/leaderboard")
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "visible to registered participants only" in body
    assert "have not opened the leaderboard" not in body


@pytest.mark.parametrize("identity", PARTICIPANTS)
def test_leaderboard_follows_the_organizers_choice(client, as_identity, event, identity):
    as_identity(identity)
    assert client.get(f"/e/{event.slug}/leaderboard").status_code == 403
    event.leaderboard_visible = True
    db.session.commit()
    assert client.get(f"/e/{event.slug}/leaderboard").status_code == 200


def test_leaderboard_lists_points_without_hidden_people(
    client, login, event, attendee, speaker, organizer
):
    event.leaderboard_visible = True
    hider = factories.participant(event, "Hilda Hider")
    for person in (attendee, speaker, hider):
        _earn(event, person)
    _earn(event, speaker, ActivityKind.attendance, 10)
    points.set_hidden(event, hider, True)
    db.session.commit()

    login(attendee)
    body = _board(client, event)
    assert body.index("Sam Speaker") < body.index("Anna Attendee")
    assert "15 points" in body
    assert "Hilda Hider" not in body


@pytest.mark.parametrize("identity", PARTICIPANTS)
def test_participants_see_why_the_leaderboard_is_closed(client, as_identity, event, identity):
    _earn(event, factories.participant(event, "Paula Pointy"))
    as_identity(identity)
    response = client.get(f"/e/{event.slug}/leaderboard")
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "The organizers have not opened the leaderboard" in body
    assert f'href="/e/{event.slug}/points/mine"' in body
    assert 'id="leaderboard"' not in body
    assert "Paula Pointy" not in body


@pytest.mark.parametrize("identity", NOT_PARTICIPANTS)
def test_my_points_refuses_non_participants(client, as_identity, event, identity):
    as_identity(identity)
    assert client.get(f"/e/{event.slug}/points/mine").status_code == 403


def test_my_points_shows_how_they_were_earned(client, login, event, attendee):
    points.save_rules(
        event,
        {**points.DEFAULT_RULES, PointKind.attendance: points.Rule(5, 10)},
        leaderboard_visible=True,
    )
    for hour in (9, 10, 11):
        _earn(event, attendee, ActivityKind.attendance, hour)
    _earn(event, attendee, ActivityKind.check_in, 8)
    login(attendee)
    body = client.get(f"/e/{event.slug}/points/mine").get_data(as_text=True)
    assert "20 points" in body  # 10 (capped from 15) + 10 for checking in
    assert "The daily cap of 10 held on 1 day." in body
    assert "Place 1 on the leaderboard." in body


def test_participant_hides_and_returns(client, login, event, attendee):
    event.leaderboard_visible = True
    _earn(event, attendee)
    login(attendee)

    response = client.post(f"/e/{event.slug}/points/mine", data={"hidden": "y"})
    assert response.status_code == 302
    assert factories.registration_of(event, attendee).leaderboard_hidden is True
    assert "Anna Attendee" not in _board(client, event)

    client.post(f"/e/{event.slug}/points/mine", data={})
    assert factories.registration_of(event, attendee).leaderboard_hidden is False
    assert "Anna Attendee" in _board(client, event)


def test_organizer_without_registration_sees_points_but_cannot_hide(client, login, event):
    boss = factories.user("Una Unregistered")
    db.session.add(EventRole(event_id=event.id, user_id=boss.id, role="organizer"))
    db.session.commit()
    login(boss)
    assert client.get(f"/e/{event.slug}/points/mine").status_code == 200
    assert client.post(f"/e/{event.slug}/points/mine", data={"hidden": "y"}).status_code == 200
    assert client.get(f"/e/{event.slug}/leaderboard").status_code == 200
