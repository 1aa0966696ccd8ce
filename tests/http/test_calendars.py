"""Calendars over HTTP: who downloads my agenda, a session and a meeting as .ics, the
personal feed by its token alone, and the feed's settings on the account page.

Every file served is read back by ``tests.ics_check``.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask_babel import get_locale

from conference.enums import EventVisibility, MeetingStatus
from conference.extensions import db
from conference.services import calendars
from tests import factories
from tests import program_helpers as program
from tests.conftest import IDENTITIES
from tests.ics_check import check
from tests.services.test_calendars import bookmark, meeting, table

EVERYONE = [*IDENTITIES, "platform_admin"]
OUTSIDERS = ["anonymous", "outsider", "other_participant", "pending"]
PARTICIPANTS = ["attendee", "speaker", "sponsor_staff", "organizer", "platform_admin"]
PARTICIPANTS_PAGE = "visible to registered participants only"
CALENDAR = "text/calendar; charset=utf-8"


def body(response) -> str:
    return response.get_data(as_text=True)


def assert_calendar(response, filename: str | None):
    assert response.status_code == 200, body(response)[:300]
    assert response.headers["Content-Type"] == CALENDAR
    assert response.headers["Cache-Control"] == "private, no-store"
    if filename is None:
        assert "Content-Disposition" not in response.headers
    else:
        assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    return check(response.get_data())


def assert_participants_only(response, hidden: str) -> None:
    assert response.status_code == 403
    assert PARTICIPANTS_PAGE in body(response)
    assert hidden not in body(response)


@pytest.fixture
def talk(event, speaker):
    return program.session(event, "Zero-trust payments", "10:00", "10:45", speakers=[speaker])


@pytest.fixture
def invitation_event(event):
    event.visibility = EventVisibility.invitation
    db.session.commit()
    return event


# --- my agenda --------------------------------------------------------------------------------


@pytest.mark.parametrize("identity", EVERYONE)
def test_my_agenda_download_is_for_participants(identity, client, as_identity, event, talk):
    user = as_identity(identity)
    if user is not None:
        bookmark(user, talk)

    response = client.get("/e/northwind/my-agenda.ics")

    if identity in OUTSIDERS:
        assert_participants_only(response, "Zero-trust payments")
    else:
        checked = assert_calendar(response, "northwind-my-agenda.ics")
        assert [item.text("summary") for item in checked.events] == ["Zero-trust payments"]
        assert checked.calendar.value("X-WR-CALNAME") == "Northwind Summit: my agenda"


def test_my_agenda_holds_my_sessions_and_accepted_meetings_only(
    client, login, event, attendee, speaker, sponsor_staff, talk
):
    later = program.session(event, "Later talk", "16:00", "17:00")
    program.session(event, "Not mine", "12:00", "13:00")
    bookmark(attendee, later, talk)
    bookmark(speaker, later)
    spot = table(event, "Table 7")
    booked = meeting(event, attendee, speaker, "11:00", "11:30", place=spot)
    meeting(event, sponsor_staff, attendee, "14:00", "14:30", status=MeetingStatus.pending)
    login(attendee)

    checked = assert_calendar(client.get("/e/northwind/my-agenda.ics"), "northwind-my-agenda.ics")

    assert [item.text("summary") for item in checked.events] == [
        "Zero-trust payments",
        "Meeting with Sam Speaker",
        "Later talk",
    ]
    assert checked.timezones == ["Europe/Berlin"]
    assert checked.event(f"{booked.uid}@localhost").text("location") == "Table 7"
    assert checked.event(f"session-{talk.id}-{event.id}@localhost").starts_at == talk.starts_at


def test_my_agenda_uids_are_the_same_on_every_download(client, login, event, attendee, talk):
    bookmark(attendee, talk)
    login(attendee)

    first = check(client.get("/e/northwind/my-agenda.ics").get_data())
    second = check(client.get("/e/northwind/my-agenda.ics").get_data())

    assert [e.uid for e in first.events] == [e.uid for e in second.events]
    assert [e.uid for e in first.events] == [f"session-{talk.id}-{event.id}@localhost"]


def test_my_agenda_of_an_unknown_event_is_not_found(client, login, attendee):
    login(attendee)

    assert client.get("/e/nowhere/my-agenda.ics").status_code == 404


# --- one session --------------------------------------------------------------------------------


@pytest.mark.parametrize("identity", EVERYONE)
def test_session_of_a_public_event_downloads_for_everyone(identity, client, as_identity, talk):
    as_identity(identity)

    checked = assert_calendar(
        client.get(f"/e/northwind/sessions/{talk.id}.ics"), f"northwind-session-{talk.id}.ics"
    )

    (item,) = checked.events
    assert item.text("summary") == "Zero-trust payments"
    assert item.text("url") == f"http://localhost/e/northwind/program/{talk.id}"
    assert "Speakers: Sam Speaker" in item.text("description")
    assert (item.starts_at, item.ends_at) == (talk.starts_at, talk.ends_at)


@pytest.mark.parametrize("identity", EVERYONE)
def test_session_of_an_invitation_only_event_is_for_participants(
    identity, client, as_identity, invitation_event, talk
):
    as_identity(identity)

    response = client.get(f"/e/northwind/sessions/{talk.id}.ics")

    if identity in OUTSIDERS:
        assert_participants_only(response, "Zero-trust payments")
    else:
        assert_calendar(response, f"northwind-session-{talk.id}.ics")


@pytest.mark.parametrize("identity", EVERYONE)
def test_draft_session_downloads_for_organizers_and_its_speakers(
    identity, client, as_identity, event, speaker
):
    draft = program.session(event, "Secret draft", speakers=[speaker], published=False)
    as_identity(identity)

    response = client.get(f"/e/northwind/sessions/{draft.id}.ics")

    if identity in ("speaker", "organizer", "platform_admin"):
        assert_calendar(response, f"northwind-session-{draft.id}.ics")
    else:
        assert_participants_only(response, "Secret draft")


def test_session_of_another_event_is_not_found(client, login, attendee, other_event):
    theirs = program.session(other_event, "Their talk")
    login(attendee)

    assert client.get(f"/e/northwind/sessions/{theirs.id}.ics").status_code == 404
    assert client.get("/e/northwind/sessions/999999.ics").status_code == 404


def test_session_page_and_my_agenda_link_to_their_calendar_files(
    client, login, event, attendee, talk
):
    bookmark(attendee, talk)
    login(attendee)

    page = body(client.get(f"/e/northwind/program/{talk.id}"))
    mine = body(client.get("/e/northwind/program/mine"))

    assert f'href="/e/northwind/sessions/{talk.id}.ics"' in page
    assert 'href="/e/northwind/my-agenda.ics"' in mine
    assert f'href="/e/northwind/sessions/{talk.id}.ics"' in mine
    assert 'href="/account#calendar-feed"' in mine


def test_my_agenda_subscribe_link_is_the_webcal_feed_once_there_is_one(
    client, login, attendee, event
):
    token = calendars.feed_token(attendee)
    db.session.commit()
    login(attendee)

    mine = body(client.get("/e/northwind/program/mine"))

    assert f'href="webcal://localhost/calendar/{token}.ics"' in mine


# --- one meeting ----------------------------------------------------------------------------------


@pytest.fixture
def booked(event, attendee, speaker):
    return meeting(event, attendee, speaker, "11:00", "11:30", sequence=2)


@pytest.mark.parametrize("identity", EVERYONE)
def test_meeting_downloads_for_its_two_people_and_the_organizers_only(
    identity, client, as_identity, booked
):
    as_identity(identity)

    response = client.get(f"/e/northwind/meetings/{booked.id}.ics")

    if identity == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif identity in ("attendee", "speaker", "organizer", "platform_admin"):
        checked = assert_calendar(response, f"northwind-meeting-{booked.id}.ics")
        (item,) = checked.events
        assert (item.uid, item.sequence) == (f"{booked.uid}@localhost", 2)
        expected = {
            "attendee": "Meeting with Sam Speaker",
            "speaker": "Meeting with Anna Attendee",
        }.get(identity, "Meeting: Anna Attendee and Sam Speaker")
        assert item.text("summary") == expected
        assert item.raw.value("STATUS") == "CONFIRMED"
    else:
        assert response.status_code == 404


def test_pending_meeting_downloads_as_tentative(client, login, event, attendee, speaker):
    asked = meeting(event, attendee, speaker, status=MeetingStatus.pending, awaiting=speaker)
    login(speaker)

    checked = check(client.get(f"/e/northwind/meetings/{asked.id}.ics").get_data())

    assert checked.events[0].raw.value("STATUS") == "TENTATIVE"


def test_meeting_of_another_event_or_unknown_is_not_found(
    client, login, other_event, attendee, booked
):
    theirs_a = factories.participant(other_event, "Theo Their")
    theirs_b = factories.participant(other_event, "Tina Their")
    factories.participant(other_event, person=attendee)
    elsewhere = meeting(other_event, theirs_a, theirs_b)
    mine_elsewhere = meeting(other_event, attendee, theirs_b, "16:00", "16:30")
    login(attendee)

    assert client.get(f"/e/northwind/meetings/{elsewhere.id}.ics").status_code == 404
    assert client.get(f"/e/northwind/meetings/{mine_elsewhere.id}.ics").status_code == 404
    assert client.get(f"/e/other-conf/meetings/{booked.id}.ics").status_code == 404
    assert client.get("/e/northwind/meetings/999999.ics").status_code == 404


# --- the feed -------------------------------------------------------------------------------


def test_feed_opens_with_its_token_alone(client, event, attendee, talk, booked):
    bookmark(attendee, talk)
    token = calendars.feed_token(attendee)
    db.session.commit()

    response = client.get(f"/calendar/{token}.ics")

    checked = assert_calendar(response, None)
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert checked.method == "PUBLISH"
    assert checked.calendar.value("X-WR-CALNAME") == "My events and meetings"
    assert checked.calendar.value("REFRESH-INTERVAL") == "PT1H"
    assert [item.uid for item in checked.events] == [
        f"session-{talk.id}-{event.id}@localhost",
        f"{booked.uid}@localhost",
    ]


def test_feed_is_made_in_its_owners_language(client, attendee, monkeypatch):
    """Calendar apps do not say their language; the feed uses the owner's setting."""
    attendee.locale = "ja"
    token = calendars.feed_token(attendee)
    db.session.commit()
    seen = []
    made = calendars.feed_bytes

    def spy(user, **kwargs):
        seen.append(str(get_locale()))
        return made(user, **kwargs)

    monkeypatch.setattr(calendars, "feed_bytes", spy)

    response = client.get(f"/calendar/{token}.ics", headers={"Accept-Language": "ru"})

    assert response.status_code == 200
    assert seen == ["ja"]


def test_feed_with_an_unknown_token_is_not_found(client, attendee):
    calendars.feed_token(attendee)
    db.session.commit()

    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert client.get("/calendar/.ics").status_code == 404


def test_new_address_stops_the_old_one_at_once(client, login, attendee):
    old = calendars.feed_token(attendee)
    db.session.commit()
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    login(attendee)

    response = client.post("/account/calendar-feed/new-address")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account#calendar-feed"
    db.session.refresh(attendee)
    assert attendee.calendar_token not in (None, old)
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{attendee.calendar_token}.ics").status_code == 200


def test_turning_the_feed_off_stops_its_address(client, login, attendee):
    old = calendars.feed_token(attendee)
    db.session.commit()
    login(attendee)

    response = client.post("/account/calendar-feed/off")

    assert response.headers["Location"] == "/account#calendar-feed"
    db.session.refresh(attendee)
    assert attendee.calendar_token is None
    assert client.get(f"/calendar/{old}.ics").status_code == 404


def test_feed_of_a_suspended_account_is_not_found(client, attendee):
    token = calendars.feed_token(attendee)
    attendee.is_suspended = True
    db.session.commit()

    assert client.get(f"/calendar/{token}.ics").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/account/calendar-feed", "/account/calendar-feed/new-address", "/account/calendar-feed/off"],
)
def test_feed_settings_need_a_login(client, path):
    response = client.post(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_feed_settings_refuse_a_get(client, login, attendee):
    login(attendee)

    assert client.get("/account/calendar-feed").status_code == 405


# --- the account page -----------------------------------------------------------------------


def test_account_page_offers_to_create_a_feed(client, login, attendee):
    login(attendee)

    page = body(client.get("/account"))

    assert 'id="calendar-feed"' in page
    assert 'action="/account/calendar-feed"' in page
    assert "webcal://" not in page


def test_creating_the_feed_shows_its_addresses(client, login, attendee):
    login(attendee)

    response = client.post("/account/calendar-feed", follow_redirects=True)

    page = body(response)
    db.session.refresh(attendee)
    token = attendee.calendar_token
    assert token is not None
    https = f"http://localhost/calendar/{token}.ics"
    webcal = f"webcal://localhost/calendar/{token}.ics"
    assert "Your calendar feed is ready" in page
    assert f'value="{https}"' in page
    assert f'href="{webcal}"' in page
    google = "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe="")
    assert f'href="{google}"' in page
    assert 'action="/account/calendar-feed/new-address"' in page
    assert 'action="/account/calendar-feed/off"' in page
    assert 'src="/static/js/copy-link.js"' in page


def test_creating_the_feed_twice_keeps_its_address(client, login, attendee):
    login(attendee)
    client.post("/account/calendar-feed")
    db.session.refresh(attendee)
    first = attendee.calendar_token

    client.post("/account/calendar-feed")

    db.session.refresh(attendee)
    assert attendee.calendar_token == first
