"""The participants' program over HTTP: who sees the agenda, sessions, drafts, my agenda
and search; bookmarks with and without JavaScript; times in the event's zone."""

from __future__ import annotations

import os
import time
from datetime import date

import pytest
import sqlalchemy as sa

from conference.enums import ActivityKind, EventVisibility, MeetingStatus
from conference.extensions import db
from conference.models import Activity, Bookmark, Meeting
from tests import factories
from tests import program_helpers as program
from tests.conftest import IDENTITIES
from tests.queries import count_queries

OUTSIDERS = ["anonymous", "outsider", "other_participant", "pending"]
PARTICIPANTS = [name for name in IDENTITIES if name not in OUTSIDERS]
PARTICIPANTS_ONLY = "visible to registered participants only"


@pytest.fixture
def talk(event, speaker):
    return program.session(
        event, "Zero-trust payments", speakers=[speaker], topics=["Security"], abstract="**Bold**"
    )


@pytest.fixture
def invitation_event(event):
    event.visibility = EventVisibility.invitation
    db.session.commit()
    return event


def body(response) -> str:
    return response.get_data(as_text=True)


def assert_participants_only(response, hidden: str) -> None:
    assert response.status_code == 403
    assert PARTICIPANTS_ONLY in body(response)
    assert hidden not in body(response)


# --- who sees what ------------------------------------------------------------------------


@pytest.mark.parametrize("identity", IDENTITIES)
def test_agenda_and_session_of_a_public_event_are_public(identity, client, as_identity, talk):
    as_identity(identity)

    agenda = client.get(f"/e/northwind/program/?day={talk.event.starts_on.isoformat()}")
    page = client.get(f"/e/northwind/program/{talk.id}")
    found = client.get("/e/northwind/program/search", query_string={"q": "zero"})

    assert (agenda.status_code, page.status_code, found.status_code) == (200, 200, 200)
    assert "Zero-trust payments" in body(agenda)
    assert "<strong>Bold</strong>" in body(page)
    assert "<mark>Zero</mark>-trust payments" in body(found)


@pytest.mark.parametrize("identity", OUTSIDERS)
def test_program_of_an_invitation_only_event_shows_participants_only_page_to(
    identity, client, as_identity, invitation_event, talk
):
    as_identity(identity)

    for url in (
        "/e/northwind/program/",
        f"/e/northwind/program/{talk.id}",
        "/e/northwind/program/search?q=zero",
    ):
        assert_participants_only(client.get(url), "Zero-trust payments")


@pytest.mark.parametrize("identity", PARTICIPANTS)
def test_program_of_an_invitation_only_event_is_shown_to(
    identity, client, as_identity, invitation_event, talk
):
    as_identity(identity)

    assert client.get(f"/e/northwind/program/{talk.id}").status_code == 200
    assert "Zero-trust payments" in body(client.get("/e/northwind/program/"))


DRAFT_ALLOWED = ["organizer", "draft_speaker"]


@pytest.mark.parametrize("identity", [*IDENTITIES, "draft_speaker"])
def test_a_draft_is_seen_by_organizers_and_its_speakers_only(
    identity, client, as_identity, login, event
):
    draft_speaker = factories.participant(event, "Dora Draft", roles=["speaker"])
    draft = program.session(event, "Secret draft", speakers=[draft_speaker], published=False)
    if identity == "draft_speaker":
        login(draft_speaker)
    else:
        as_identity(identity)

    page = client.get(f"/e/northwind/program/{draft.id}")
    agenda = client.get(f"/e/northwind/program/?day={event.starts_on.isoformat()}")

    if identity in DRAFT_ALLOWED:
        assert page.status_code == 200
        assert "Draft" in body(page)
    else:
        assert_participants_only(page, "Secret draft")
    assert ("Secret draft" in body(agenda)) == (identity == "organizer")


def test_session_of_another_event_is_not_found(client, login, attendee, other_event):
    theirs = program.session(other_event, "Their talk")
    login(attendee)

    assert client.get(f"/e/northwind/program/{theirs.id}").status_code == 404
    assert (
        client.post(f"/e/northwind/program/{theirs.id}/bookmark", data={"on": "1"}).status_code
        == 404
    )


def test_program_of_an_unknown_event_is_not_found(client):
    assert client.get("/e/nowhere/program/").status_code == 404


@pytest.mark.parametrize("identity", OUTSIDERS)
def test_my_agenda_shows_participants_only_page_to(identity, client, as_identity, event):
    as_identity(identity)

    assert_participants_only(client.get("/e/northwind/program/mine"), "My agenda</h1>")


@pytest.mark.parametrize("identity", PARTICIPANTS)
def test_my_agenda_is_shown_to(identity, client, as_identity, event):
    as_identity(identity)

    response = client.get("/e/northwind/program/mine")

    assert response.status_code == 200
    assert "Your agenda is empty" in body(response)


def test_bookmark_sends_anonymous_people_to_log_in(client, talk):
    response = client.post(f"/e/northwind/program/{talk.id}/bookmark", data={"on": "1"})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("identity", ["outsider", "other_participant", "pending"])
def test_bookmark_is_refused_to(identity, client, as_identity, talk):
    as_identity(identity)

    page = client.post(f"/e/northwind/program/{talk.id}/bookmark", data={"on": "1"})
    api = client.post(
        f"/e/northwind/program/{talk.id}/bookmark",
        data={"on": "1"},
        headers={"Accept": "application/json"},
    )

    assert page.status_code == 403
    assert PARTICIPANTS_ONLY in body(page)
    assert (api.status_code, api.get_json()["ok"]) == (403, False)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 0


@pytest.mark.parametrize("identity", PARTICIPANTS)
def test_bookmark_is_allowed_to(identity, client, as_identity, talk):
    user = as_identity(identity)

    response = client.post(f"/e/northwind/program/{talk.id}/bookmark", data={"on": "1"})

    assert response.status_code == 302
    assert db.session.scalars(sa.select(Bookmark.user_id)).all() == [user.id]


def test_bookmarking_a_draft_is_refused(client, login, organizer, event):
    draft = program.session(event, "Draft", published=False)
    login(organizer)

    response = client.post(
        f"/e/northwind/program/{draft.id}/bookmark",
        data={"on": "1"},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 403


# --- bookmarks -----------------------------------------------------------------------------


def test_bookmark_answers_json_and_a_double_click_changes_nothing(client, login, attendee, talk):
    login(attendee)
    url = f"/e/northwind/program/{talk.id}/bookmark"
    headers = {"Accept": "application/json"}

    first = client.post(url, data={"on": "1"}, headers=headers)
    second = client.post(url, data={"on": "1"}, headers=headers)
    off = client.post(url, data={"on": "0"}, headers=headers)

    assert [first.get_json(), second.get_json(), off.get_json()] == [
        {"ok": True, "bookmarked": True, "count": 1},
        {"ok": True, "bookmarked": True, "count": 1},
        {"ok": True, "bookmarked": False, "count": 0},
    ]
    kinds = db.session.scalars(
        sa.select(Activity.kind).where(Activity.user_id == attendee.id).order_by(Activity.id)
    ).all()
    assert kinds == [ActivityKind.bookmark, ActivityKind.unbookmark]


def test_bookmark_without_javascript_goes_back_to_the_page_it_came_from(
    client, login, attendee, talk
):
    login(attendee)
    url = f"/e/northwind/program/{talk.id}/bookmark"

    back = client.post(url, data={"on": "1", "next": "/e/northwind/program/?topic=3"})
    evil = client.post(url, data={"on": "0", "next": "//evil.example/"})

    assert back.headers["Location"] == "/e/northwind/program/?topic=3"
    assert evil.headers["Location"] == f"/e/northwind/program/{talk.id}"


def test_bookmark_with_a_bad_value_is_a_bad_request(client, login, attendee, talk):
    login(attendee)

    response = client.post(f"/e/northwind/program/{talk.id}/bookmark", data={"on": "maybe"})

    assert response.status_code == 400


def test_bookmark_button_shows_the_state_on_the_agenda(client, login, attendee, talk, event):
    login(attendee)
    client.post(f"/e/northwind/program/{talk.id}/bookmark", data={"on": "1"})

    page = body(client.get(f"/e/northwind/program/?day={event.starts_on.isoformat()}"))

    assert 'aria-pressed="true"' in page
    assert 'name="on" value="0"' in page


def test_session_page_shows_bookmark_count_to_organizers_only(
    client, login, organizer, attendee, talk
):
    login(attendee)
    client.post(f"/e/northwind/program/{talk.id}/bookmark", data={"on": "1"})
    attendee_page = body(client.get(f"/e/northwind/program/{talk.id}"))
    client.post("/logout")
    login(organizer)

    organizer_page = body(client.get(f"/e/northwind/program/{talk.id}"))

    assert "Bookmarks:" not in attendee_page
    assert "Bookmarks:" in organizer_page


# --- session views ----------------------------------------------------------------------------


def test_viewing_a_session_records_one_activity_for_participants(client, login, attendee, talk):
    login(attendee)

    client.get(f"/e/northwind/program/{talk.id}")
    client.get(f"/e/northwind/program/{talk.id}")

    rows = db.session.execute(sa.select(Activity.user_id, Activity.kind, Activity.session_id)).all()
    assert rows == [(attendee.id, ActivityKind.session_view, talk.id)]


@pytest.mark.parametrize("identity", ["anonymous", "outsider"])
def test_viewing_a_session_records_nothing_for(identity, client, as_identity, talk):
    as_identity(identity)

    client.get(f"/e/northwind/program/{talk.id}")

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0


# --- the agenda page ---------------------------------------------------------------------


def test_agenda_filters_are_read_from_the_query_string(client, event, attendee, login):
    program.session(event, "AI keynote", "09:00", "10:00", topics=["AI"])
    program.session(event, "Payments deep dive", "10:00", "11:00", topics=["Payments"])
    login(attendee)
    ai = program.topic(event, "AI").id

    page = body(
        client.get("/e/northwind/program/", query_string={"day": event.starts_on, "topic": ai})
    )

    assert ("AI keynote" in page, "Payments deep dive" in page) == (True, False)
    assert f'<option selected value="{ai}">AI</option>' in page


def test_agenda_marks_now_and_next_with_the_configured_clock(
    app, client, event, attendee, login, monkeypatch
):
    program.session(event, "Running", "10:00", "10:45")
    program.session(event, "Coming", "11:00", "11:45")
    monkeypatch.setitem(app.config, "CLOCK", lambda: program.at(event, 0, "10:20"))
    login(attendee)

    page = body(client.get("/e/northwind/program/"))

    assert page.count('class="badge badge-now"') == 1
    assert page.count('class="badge badge-next"') == 1
    assert page.index("badge-now") < page.index("Running") < page.index("badge-next")
    assert "Today" in page


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Asia/Tokyo", "9:30\u202fAM\u201310:15\u202fAM"),
        ("Europe/Moscow", "9:30\u202fAM\u201310:15\u202fAM"),
    ],
)
@pytest.mark.parametrize("server_zone", ["America/Los_Angeles", "Pacific/Auckland"])
def test_times_are_shown_in_the_events_zone_whatever_the_servers(
    zone, shown, server_zone, client, monkeypatch
):
    monkeypatch.setenv("TZ", server_zone)
    time.tzset()
    try:
        event = factories.event(
            slug=f"zone-{zone.split('/')[1].lower()}",
            timezone=zone,
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 2),
        )
        talk = program.session(event, "Morning talk", "09:30", "10:15", day=1)

        agenda = body(client.get(f"/e/{event.slug}/program/?day=2026-12-02"))
        page = body(client.get(f"/e/{event.slug}/program/{talk.id}"))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()

    assert shown in agenda
    assert shown in page
    assert "Wednesday, December 2, 2026" in page
    assert os.environ.get("TZ") is None


def test_my_agenda_marks_overlaps_and_offers_removal(client, event, attendee, login):
    first = program.session(event, "Morning keynote", "09:00", "10:00")
    second = program.session(event, "Early workshop", "09:30", "11:00")
    login(attendee)
    for s in (first, second):
        client.post(f"/e/northwind/program/{s.id}/bookmark", data={"on": "1"})

    page = body(client.get("/e/northwind/program/mine"))

    assert "2 sessions overlap others on your agenda" in page
    assert page.count("Overlaps with") == 2
    assert page.count('name="on" value="0"') == 2


def test_search_lists_matched_speakers(client, event, speaker, talk):
    page = body(client.get("/e/northwind/program/search", query_string={"q": "sam"}))

    assert "1 session matches “sam”" in page
    assert "<mark>Sam</mark> Speaker" in page


def test_search_escapes_what_was_typed(client, event, talk):
    page = body(client.get("/e/northwind/program/search", query_string={"q": "<script>x"}))

    assert "<script>x" not in page
    assert "&lt;script&gt;x" in page


def test_nav_links_to_program_and_my_agenda(client, event, attendee, login):
    anonymous_nav = body(client.get("/e/northwind/"))
    login(attendee)
    participant_nav = body(client.get("/e/northwind/"))

    assert ("/e/northwind/program/" in anonymous_nav, "/program/mine" in anonymous_nav) == (
        True,
        False,
    )
    assert "/e/northwind/program/mine" in participant_nav


def test_agenda_page_runs_the_same_queries_for_few_or_many_sessions(
    client, event, attendee, speaker, login
):
    """Event, the signed-in user, their standing (2), the filters' tracks, topics and
    speakers (3), the day's sessions, their speakers, their topics, the sponsors on
    the agenda, and the unread-messages, meetings and sponsor-requests badges in the
    navigation."""
    login(attendee)
    url = f"/e/northwind/program/?day={event.starts_on.isoformat()}"
    program.session(event, "Only one", topics=["AI"], speakers=[speaker])
    few = count_queries(client, url)
    hall = program.room(event, "Hall")
    ai_track = program.track(event, "AI")
    for n in range(20):
        program.session(
            event,
            f"Talk {n}",
            f"{9 + n % 8}:00",
            f"{9 + n % 8}:30",
            room=hall,
            track=ai_track,
            topics=["AI", "Security"],
            speakers=[speaker, attendee],
        )

    many = count_queries(client, url)

    assert (few, many) == (15, 15)


def _meeting(event, requester, invitee, start: str, end: str, status: MeetingStatus) -> Meeting:
    made = Meeting(
        event_id=event.id,
        requester_id=requester.id,
        invitee_id=invitee.id,
        starts_at=program.at(event, 0, start),
        ends_at=program.at(event, 0, end),
        status=status,
        awaiting_id=invitee.id if status == MeetingStatus.pending else None,
    )
    db.session.add(made)
    db.session.commit()
    return made


def test_my_agenda_lists_open_meetings_among_sessions_in_time_order(
    client, event, attendee, speaker, organizer, login
):
    talk = program.session(event, "Morning keynote", "09:00", "10:00")
    db.session.add(Bookmark(event_id=event.id, user_id=attendee.id, session_id=talk.id))
    accepted = _meeting(event, attendee, speaker, "09:30", "10:00", MeetingStatus.accepted)
    asked = _meeting(event, organizer, attendee, "08:00", "08:30", MeetingStatus.pending)
    _meeting(event, attendee, organizer, "11:00", "11:30", MeetingStatus.cancelled)
    login(attendee)

    page = body(client.get("/e/northwind/program/mine"))

    assert "1 session · 2 meetings" in page
    order = [
        page.index(f'data-meeting-id="{asked.id}"'),
        page.index(f'data-session-id="{talk.id}"'),
        page.index(f'data-meeting-id="{accepted.id}"'),
    ]
    assert order == sorted(order)
    assert "With Sam Speaker" in page
    assert "Waiting for your answer" in page
    assert f"/e/northwind/meetings/{accepted.id}.ics" in page
    assert f"/e/northwind/meetings/{asked.id}.ics" not in page
    assert page.count("Overlaps with") == 1  # on the accepted meeting: the keynote
    assert "your meeting with Sam Speaker" in page  # on the keynote


def test_my_agenda_leaves_meetings_out_when_the_event_books_none(
    client, event, attendee, speaker, login
):
    _meeting(event, attendee, speaker, "09:30", "10:00", MeetingStatus.accepted)
    event.meetings_enabled = False
    db.session.commit()
    login(attendee)

    page = body(client.get("/e/northwind/program/mine"))

    assert "With Sam Speaker" not in page
    assert "Your agenda is empty" in page
