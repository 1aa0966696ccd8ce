"""The organizer's program pages: who may open them, the session form, rooms,
tracks and the CSV import through the browser's requests."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from conference.enums import EventRoleKind
from conference.extensions import db
from conference.models import Bookmark, EventRole, ProgramSession, Room, Track
from conference.services import program as program_service
from tests import factories
from tests.conftest import IDENTITIES

BASE = "/e/northwind/manage/program"
REFUSED = [i for i in IDENTITIES if i not in ("anonymous", "organizer")]


@pytest.fixture
def as_organizer(login, organizer):
    return login(organizer)


@pytest.fixture
def session(event, organizer):
    """A draft session in Room A on the event's first day, 10:00 to 11:00 Berlin time."""
    room = program_service.add_room(organizer, event, "Room A")
    starts_at, ends_at = program_service.local_span(
        event, event.starts_on, time(10, 0), time(11, 0)
    )
    made = program_service.create_session(
        organizer, event, title="Keynote", starts_at=starts_at, ends_at=ends_at, room_id=room.id
    )
    db.session.commit()
    return made


@pytest.fixture
def foreign_session(other_event):
    organizer = factories.organizer(other_event)
    starts_at, ends_at = program_service.local_span(
        other_event, other_event.starts_on, time(10, 0), time(11, 0)
    )
    made = program_service.create_session(
        organizer, other_event, title="Theirs", starts_at=starts_at, ends_at=ends_at
    )
    db.session.commit()
    return made


def form_data(event, **changes) -> dict:
    data = {
        "title": "Calm on-call",
        "format": "talk",
        "abstract": "",
        "day": event.starts_on.isoformat(),
        "start": "14:00",
        "end": "15:00",
        "room": "",
        "track": "",
        "speakers": "",
        "capacity": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def sessions_titles(event) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(ProgramSession.title)
            .where(ProgramSession.event_id == event.id)
            .order_by(ProgramSession.starts_at)
        )
    )


def flashes(client) -> list[str]:
    with client.session_transaction() as state:
        return [message for _category, message in state.get("_flashes", [])]


def csv_upload(text: str, encoding: str = "utf-8", name: str = "program.csv") -> dict:
    return {"action": "check", "file": (io.BytesIO(text.encode(encoding)), name)}


def good_csv(event) -> str:
    day = event.starts_on.isoformat()
    return (
        "title,date,start,end,room,track,topics,published\r\n"
        f"Opening,{day},09:00,09:30,Main hall,Platform,AI,yes\r\n"
        f"Deep dive,{day},09:30,10:30,Main hall,,Payments;Security,no\r\n"
    )


# --- permissions ---------------------------------------------------------------------


PAGES = [
    "/",
    "/new",
    "/{session_id}",
    "/rooms",
    "/tracks",
    "/import",
    "/import/template.csv",
]


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("page", PAGES)
def test_program_page_access(client, as_identity, event, session, identity, page):
    as_identity(identity)

    response = client.get(BASE + page.format(session_id=session.id))

    if identity == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif identity == "organizer":
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_program_page_access_session_speaker_refused(client, login, event, session, speaker):
    program_service.update_session(
        factories.organizer(event),
        session,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        speaker_ids=[speaker.id],
    )
    db.session.commit()
    login(speaker)

    assert client.get(f"{BASE}/{session.id}").status_code == 403


@pytest.mark.parametrize("identity", [*REFUSED, "anonymous"])
@pytest.mark.parametrize(
    ("page", "data"),
    [
        ("/new", {"title": "Mine"}),
        ("/{session_id}", {"title": "Mine"}),
        ("/{session_id}/delete", {}),
        ("/rooms", {"action": "add", "new-name": "Mine"}),
        ("/tracks", {"action": "add", "new-name": "Mine", "new-color": "teal"}),
        ("/import", {"action": "check"}),
    ],
)
def test_program_post_refused(client, as_identity, event, session, identity, page, data):
    as_identity(identity)

    response = client.post(BASE + page.format(session_id=session.id), data=data)

    assert response.status_code == (302 if identity == "anonymous" else 403)
    assert sessions_titles(event) == ["Keynote"]
    assert [r.name for r in program_service.rooms_of(event)] == ["Room A"]
    assert program_service.tracks_of(event) == []


def test_other_events_organizer_refused(client, login, event, other_event, session):
    login(factories.organizer(other_event))

    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(f"{BASE}/{session.id}").status_code == 403


def test_session_of_other_event_is_404(client, as_organizer, foreign_session):
    assert client.get(f"{BASE}/{foreign_session.id}").status_code == 404
    assert client.post(f"{BASE}/{foreign_session.id}/delete").status_code == 404
    assert db.session.get(ProgramSession, foreign_session.id) is not None


def test_room_of_other_event_is_404(client, as_organizer, other_event):
    theirs = program_service.add_room(factories.organizer(other_event), other_event, "Theirs")
    db.session.commit()

    assert client.get(f"{BASE}/rooms?edit={theirs.id}").status_code == 404
    response = client.post(f"{BASE}/rooms", data={"action": "delete", "room_id": theirs.id})
    assert response.status_code == 404
    assert db.session.get(Room, theirs.id) is not None


def test_unknown_event_is_404(client, as_organizer):
    assert client.get("/e/nothing-here/manage/program/").status_code == 404


# --- the session list ---------------------------------------------------------------


def test_program_lists_sessions_with_bookmarks(client, as_organizer, event, session, attendee):
    db.session.add(Bookmark(event_id=event.id, user_id=attendee.id, session_id=session.id))
    db.session.commit()

    page = client.get(f"{BASE}/").get_data(as_text=True)

    assert "Keynote" in page
    assert "Room A" in page
    assert "Draft" in page
    assert f'href="{BASE}/{session.id}"' in page
    assert re.search(r'<span title="People who bookmarked it">1</span>', page)


def test_program_filters_by_status(client, as_organizer, event, session, organizer):
    starts_at, ends_at = program_service.local_span(
        event, event.starts_on, time(12, 0), time(13, 0)
    )
    program_service.create_session(
        organizer, event, title="Lunch talk", starts_at=starts_at, ends_at=ends_at, published=True
    )
    db.session.commit()

    published = client.get(f"{BASE}/?status=published").get_data(as_text=True)
    drafts = client.get(f"{BASE}/?status=draft").get_data(as_text=True)

    assert ("Lunch talk" in published, "Keynote" in published) == (True, False)
    assert ("Lunch talk" in drafts, "Keynote" in drafts) == (False, True)


def test_program_empty_offers_first_steps(client, as_organizer, event):
    page = client.get(f"{BASE}/").get_data(as_text=True)

    assert "The program is empty" in page
    assert f'href="{BASE}/import"' in page


def test_program_tab_in_organizer_nav(client, as_organizer, event):
    page = client.get("/e/northwind/manage/").get_data(as_text=True)

    assert f'href="{BASE}/"' in page


# --- the session form ---------------------------------------------------------------


def test_session_new_stores_utc_and_redirects_to_its_day(client, as_organizer, event, attendee):
    room = program_service.add_room(factories.organizer(event), event, "Hall")
    ai = factories.term(event, "topic", "AI")
    db.session.commit()

    response = client.post(
        f"{BASE}/new",
        data=form_data(
            event,
            room=str(room.id),
            topics=[str(ai.id)],
            speakers=attendee.email.upper(),
            published="y",
            capacity="80",
        ),
    )

    made = db.session.scalar(sa.select(ProgramSession).where(ProgramSession.event_id == event.id))
    local = datetime.combine(event.starts_on, time(14, 0))
    assert response.status_code == 302
    assert response.headers["Location"] == (f"{BASE}/?day={event.starts_on.isoformat()}#s{made.id}")
    assert made.starts_at == program_service.local_to_utc(event, local)
    assert made.ends_at - made.starts_at == timedelta(hours=1)
    assert made.starts_at.tzinfo == UTC
    assert (made.room_id, [t.name for t in made.topics], made.capacity, made.published) == (
        room.id,
        ["AI"],
        80,
        True,
    )
    assert [u.id for u in made.speakers] == [attendee.id]
    assert db.session.scalar(
        sa.select(EventRole.role).where(
            EventRole.event_id == event.id, EventRole.user_id == attendee.id
        )
    ) == (EventRoleKind.speaker)


def test_session_new_end_before_start_keeps_typed_values(client, as_organizer, event):
    response = client.post(
        f"{BASE}/new",
        data=form_data(event, title="Typed title", abstract="Typed *abstract*", end="13:00"),
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The session must end after it starts." in page
    assert 'value="Typed title"' in page
    assert "Typed *abstract*</textarea>" in page
    assert 'value="14:00"' in page
    assert sessions_titles(event) == []


def test_session_new_missing_title_refused(client, as_organizer, event):
    response = client.post(f"{BASE}/new", data=form_data(event, title=""))

    assert response.status_code == 200
    assert "This field is required." in response.get_data(as_text=True)
    assert sessions_titles(event) == []


def test_session_new_day_outside_event_refused(client, as_organizer, event):
    outside = (event.ends_on + timedelta(days=3)).isoformat()

    page = client.post(f"{BASE}/new", data=form_data(event, day=outside)).get_data(as_text=True)

    assert "choose a day within it." in page
    assert sessions_titles(event) == []


def test_session_new_room_clash_named_next_to_room(client, as_organizer, event, session):
    data = form_data(event, title="Clasher", start="10:30", end="11:30", room=str(session.room_id))

    page = client.post(f"{BASE}/new", data=data).get_data(as_text=True)

    start, end = (program_service.clock(event, t) for t in (session.starts_at, session.ends_at))
    message = f"Room A already holds “Keynote” {start}\u2013{end}."
    assert f'<div id="room-errors" class="invalid-feedback d-block">{message}</div>' in page
    assert 'value="Clasher"' in page
    assert sessions_titles(event) == ["Keynote"]


def test_session_new_speaker_clash_named_next_to_speakers(
    client, as_organizer, event, session, organizer
):
    dana = factories.participant(
        event, person=factories.user("Dana Ivanova", email="dana@example.test")
    )
    program_service.update_session(
        organizer,
        session,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        room_id=session.room_id,
        speaker_ids=[dana.id],
    )
    db.session.commit()

    page = client.post(
        f"{BASE}/new", data=form_data(event, start="10:00", end="10:30", speakers=dana.email)
    ).get_data(as_text=True)

    assert '<div id="speakers-errors"' in page
    assert "Dana Ivanova speaks in “Keynote” at that time" in page


def test_session_new_speaker_not_participant_refused(client, as_organizer, event, outsider):
    page = client.post(
        f"{BASE}/new", data=form_data(event, speakers=f"{outsider.email}\nghost@example.test")
    ).get_data(as_text=True)

    assert "No account uses ghost@example.test." in page
    assert sessions_titles(event) == []


def test_session_new_pending_registrant_not_a_speaker(client, as_organizer, event, pending):
    page = client.post(f"{BASE}/new", data=form_data(event, speakers=pending.email)).get_data(
        as_text=True
    )

    assert "Not a participant of this event: Pat Pending" in page
    assert sessions_titles(event) == []


def test_session_new_and_another_returns_to_form(client, as_organizer, event):
    response = client.post(f"{BASE}/new", data=form_data(event, then="another"))

    assert response.headers["Location"] == f"{BASE}/new?day={event.starts_on.isoformat()}"


def test_session_edit_shows_local_times(client, as_organizer, event, session):
    page = client.get(f"{BASE}/{session.id}").get_data(as_text=True)

    assert 'value="Keynote"' in page
    assert 'value="10:00"' in page
    assert 'value="11:00"' in page
    assert "Europe/Berlin" in page


def test_session_edit_saves_changes(client, as_organizer, event, session):
    response = client.post(
        f"{BASE}/{session.id}",
        data=form_data(event, title="Keynote, longer", start="10:00", end="11:30"),
    )

    db.session.refresh(session)
    assert response.status_code == 302
    assert (session.title, session.room_id) == ("Keynote, longer", None)
    assert session.ends_at - session.starts_at == timedelta(minutes=90)


def test_session_edit_refusal_keeps_session_unchanged(client, as_organizer, event, session):
    response = client.post(
        f"{BASE}/{session.id}", data=form_data(event, title="Changed", end="09:00")
    )

    db.session.refresh(session)
    assert response.status_code == 200
    assert 'value="Changed"' in response.get_data(as_text=True)
    assert session.title == "Keynote"


def test_session_delete(client, as_organizer, event, session, attendee):
    db.session.add(Bookmark(event_id=event.id, user_id=attendee.id, session_id=session.id))
    db.session.commit()
    assert "1 bookmark is removed." in client.get(f"{BASE}/{session.id}").get_data(as_text=True)

    response = client.post(f"{BASE}/{session.id}/delete")

    assert response.status_code == 302
    assert flashes(client) == ["“Keynote” is deleted."]
    assert sessions_titles(event) == []


# --- rooms and tracks ------------------------------------------------------------------


def test_rooms_add_rename_and_reorder(client, as_organizer, event):
    client.post(
        f"{BASE}/rooms", data={"action": "add", "new-name": "Hall A", "new-capacity": "300"}
    )
    client.post(f"{BASE}/rooms", data={"action": "add", "new-name": "Hall B"})
    hall_b = program_service.rooms_of(event)[1]

    client.post(f"{BASE}/rooms", data={"action": "up", "room_id": hall_b.id})
    client.post(
        f"{BASE}/rooms",
        data={
            "action": "update",
            "room_id": hall_b.id,
            "edit-name": "Hall Beta",
            "edit-capacity": "40",
        },
    )

    assert [(r.name, r.capacity) for r in program_service.rooms_of(event)] == [
        ("Hall Beta", 40),
        ("Hall A", 300),
    ]


def test_rooms_duplicate_name_keeps_typed_value(client, as_organizer, event, session):
    response = client.post(f"{BASE}/rooms", data={"action": "add", "new-name": "room a"})

    page = response.get_data(as_text=True)
    assert "There is already a room with this name." in page
    assert 'value="room a"' in page


def test_rooms_delete_used_room_asks_with_count_first(client, as_organizer, event, session):
    data = {"action": "delete", "room_id": session.room_id}

    page = client.post(f"{BASE}/rooms", data=data).get_data(as_text=True)

    assert "1 session takes place there. It stays in the program, without a room." in page
    assert [r.name for r in program_service.rooms_of(event)] == ["Room A"]

    response = client.post(f"{BASE}/rooms", data={**data, "confirm": "yes"})

    db.session.refresh(session)
    assert response.status_code == 302
    assert flashes(client) == ["Room “Room A” is deleted; 1 session no longer has a room."]
    assert (program_service.rooms_of(event), session.room_id) == ([], None)
    assert sessions_titles(event) == ["Keynote"]


def test_tracks_add_with_colour_and_delete(client, as_organizer, event, session, organizer):
    client.post(
        f"{BASE}/tracks",
        data={"action": "add", "new-name": "Platform", "new-color": "rose", "new-description": "x"},
    )
    track = db.session.scalar(sa.select(Track).where(Track.event_id == event.id))
    program_service.update_session(
        organizer,
        session,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        track_id=track.id,
    )
    db.session.commit()
    page = client.get(f"{BASE}/tracks").get_data(as_text=True)
    assert '<span class="track-badge track-rose text-break">Platform</span>' in page

    client.post(f"{BASE}/tracks", data={"action": "delete", "track_id": track.id, "confirm": "yes"})

    db.session.refresh(session)
    assert (program_service.tracks_of(event), session.track_id) == ([], None)


def test_tracks_unknown_colour_refused(client, as_organizer, event):
    response = client.post(
        f"{BASE}/tracks", data={"action": "add", "new-name": "Odd", "new-color": "chartreuse"}
    )

    assert response.status_code == 200
    assert "Not a valid choice." in response.get_data(as_text=True)
    assert program_service.tracks_of(event) == []


# --- CSV import ---------------------------------------------------------------------------


def test_import_template_download(client, as_organizer, event):
    response = client.get(f"{BASE}/import/template.csv")

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=northwind-program-template.csv"
    )
    text = response.get_data().decode("utf-8")
    assert text.startswith(
        "\ufefftitle,abstract,format,date,start,end,room,track,topics,speakers,capacity,published"
    )
    assert len(text.strip().splitlines()) == 3


def test_import_dry_run_then_commit(client, as_organizer, event):
    response = client.post(f"{BASE}/import", data=csv_upload(good_csv(event)))

    page = response.get_data(as_text=True)
    assert "The file is ready to import" in page
    assert "Import 2 sessions" in page
    assert "1 new room:" in page
    assert sessions_titles(event) == []
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)

    response = client.post(f"{BASE}/import", data={"action": "import", "token": token})

    assert response.status_code == 302
    assert flashes(client) == ["2 sessions are imported."]
    assert sessions_titles(event) == ["Opening", "Deep dive"]
    assert [r.name for r in program_service.rooms_of(event)] == ["Main hall"]
    assert [t.name for t in program_service.tracks_of(event)] == ["Platform"]


def test_import_dry_run_lists_problems_and_writes_nothing(client, as_organizer, event):
    day = event.starts_on.isoformat()
    text = (
        "title,date,start,end,topics\r\n"
        f",{day},09:00,09:30,\r\n"
        f"Reversed,{day},11:00,10:00,\r\n"
        f"Topical,{day},12:00,13:00,Quantum\r\n"
    )

    page = client.post(f"{BASE}/import", data=csv_upload(text)).get_data(as_text=True)

    assert "3 problems to correct" in page
    assert "The title is missing." in page
    assert "The session ends before it starts (or when it starts)." in page
    assert "Unknown topic “Quantum”" in page
    assert 'name="token"' not in page
    assert sessions_titles(event) == []


def test_import_latin1_file_refused(client, as_organizer, event):
    text = good_csv(event).replace("Opening", "Begrüßung")

    page = client.post(f"{BASE}/import", data=csv_upload(text, "latin-1")).get_data(as_text=True)

    assert "Save the file as UTF-8" in page
    assert sessions_titles(event) == []


def test_import_without_file_refused(client, as_organizer, event):
    page = client.post(f"{BASE}/import", data={"action": "check"}).get_data(as_text=True)

    assert "Choose a CSV file to upload." in page


def test_import_tampered_token_refused(client, as_organizer, event):
    page = client.post(f"{BASE}/import", data=csv_upload(good_csv(event))).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)

    response = client.post(f"{BASE}/import", data={"action": "import", "token": token[:-2] + "xx"})

    assert "The checked file was not recognised. Upload it again." in response.get_data(
        as_text=True
    )
    assert sessions_titles(event) == []


def test_import_token_of_other_event_refused(client, login, event, other_event):
    other_organizer = factories.organizer(other_event)
    factories.participant(event, person=other_organizer, roles=["organizer"])
    login(other_organizer)
    page = client.post(
        "/e/other-conf/manage/program/import",
        data=csv_upload(good_csv(other_event)),
    ).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)

    response = client.post(f"{BASE}/import", data={"action": "import", "token": token})

    assert "The checked file was not recognised." in response.get_data(as_text=True)
    assert sessions_titles(event) == []


def test_import_commit_rechecks_and_writes_nothing_on_new_clash(
    client, as_organizer, event, organizer
):
    page = client.post(f"{BASE}/import", data=csv_upload(good_csv(event))).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    hall = program_service.add_room(organizer, event, "Main hall")
    starts_at, ends_at = program_service.local_span(event, event.starts_on, time(9, 0), time(9, 15))
    program_service.create_session(
        organizer, event, title="Sneaked in", starts_at=starts_at, ends_at=ends_at, room_id=hall.id
    )
    db.session.commit()

    response = client.post(f"{BASE}/import", data={"action": "import", "token": token})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was imported" in page
    assert "Main hall already holds “Sneaked in”" in page
    assert sessions_titles(event) == ["Sneaked in"]


def test_program_filters_by_room_and_ignores_foreign_ids(
    client, as_organizer, event, session, organizer, other_event
):
    starts_at, ends_at = program_service.local_span(
        event, event.starts_on, time(12, 0), time(13, 0)
    )
    program_service.create_session(
        organizer, event, title="Roomless", starts_at=starts_at, ends_at=ends_at
    )
    theirs = program_service.add_room(factories.organizer(other_event), other_event, "Theirs")
    db.session.commit()

    in_room = client.get(f"{BASE}/?room={session.room_id}").get_data(as_text=True)
    roomless = client.get(f"{BASE}/?room=none").get_data(as_text=True)
    foreign = client.get(f"{BASE}/?room={theirs.id}").get_data(as_text=True)

    assert ("Keynote" in in_room, "Roomless" in in_room) == (True, False)
    assert ("Keynote" in roomless, "Roomless" in roomless) == (False, True)
    assert ("Keynote" in foreign, "Roomless" in foreign) == (True, True)


def test_session_new_shows_clash_and_speaker_problem_together(client, as_organizer, event, session):
    data = form_data(
        event, start="10:15", end="10:45", room=str(session.room_id), speakers="ghost@example.test"
    )

    page = client.post(f"{BASE}/new", data=data).get_data(as_text=True)

    assert "No account uses ghost@example.test." in page
    assert "Room A already holds “Keynote”" in page
    assert sessions_titles(event) == ["Keynote"]


def test_session_edit_after_event_moved_keeps_its_day_and_explains(
    client, as_organizer, event, session
):
    old_day = event.starts_on
    event.starts_on = event.ends_on
    db.session.commit()

    page = client.get(f"{BASE}/{session.id}").get_data(as_text=True)
    response = client.post(
        f"{BASE}/{session.id}", data=form_data(event, day=old_day.isoformat(), start="10:00")
    )

    assert f'<option selected value="{old_day.isoformat()}">' in page
    assert "choose a day within it." in response.get_data(as_text=True)
