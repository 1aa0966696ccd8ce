"""Rules of conference.services.program: times in the event's zone, clashes,
speakers, rooms and tracks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa
from flask import current_app
from flask_babel import refresh

from conference.enums import EventRoleKind, SessionFormat
from conference.extensions import db
from conference.models import Bookmark, EventRole, ProgramSession
from conference.services import ServiceError
from conference.services import program as service
from tests import factories

DAY = date(2031, 5, 6)


@pytest.fixture
def may_event():
    """A Berlin event on 6 and 7 May 2031 (summer time, UTC+2)."""
    return factories.event(name="May Forum", starts_on=DAY, ends_on=date(2031, 5, 7))


@pytest.fixture
def boss(may_event):
    return factories.organizer(may_event, name="Bea Boss")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def add(organizer, event, title="Talk", start=(10, 0), end=(11, 0), day=DAY, **fields):
    """A session on ``day`` from ``start`` to ``end`` in the event's zone."""
    starts_at, ends_at = service.local_span(event, day, time(*start), time(*end))
    session = service.create_session(
        organizer, event, title=title, starts_at=starts_at, ends_at=ends_at, **fields
    )
    db.session.commit()
    return session


# --- time zones ------------------------------------------------------------------------


def test_local_span_berlin_summer_is_utc_plus_two(may_event):
    assert service.local_span(may_event, DAY, time(10, 0), time(11, 30)) == (
        utc(2031, 5, 6, 8, 0),
        utc(2031, 5, 6, 9, 30),
    )


def test_local_span_on_dst_start_day_uses_both_offsets():
    event = factories.event(starts_on=date(2031, 3, 30), timezone="Europe/Berlin")

    # 01:30 is still winter time (UTC+1); 03:30 is summer time (UTC+2): one hour apart.
    assert service.local_span(event, date(2031, 3, 30), time(1, 30), time(3, 30)) == (
        utc(2031, 3, 30, 0, 30),
        utc(2031, 3, 30, 1, 30),
    )


def test_local_span_time_skipped_by_dst_refused():
    event = factories.event(starts_on=date(2031, 3, 30), timezone="Europe/Berlin")

    with pytest.raises(ServiceError) as refused:
        service.local_span(event, date(2031, 3, 30), time(2, 30), time(4, 0))

    assert (refused.value.code, refused.value.field) == ("time_skipped", "start")


def test_local_to_utc_repeated_hour_takes_the_first():
    event = factories.event(starts_on=date(2031, 10, 26), timezone="Europe/Berlin")

    assert service.local_to_utc(event, datetime(2031, 10, 26, 2, 30)) == utc(2031, 10, 26, 0, 30)


def test_local_span_on_dst_end_day_uses_both_offsets():
    event = factories.event(starts_on=date(2031, 10, 26), timezone="Europe/Berlin")

    assert service.local_span(event, date(2031, 10, 26), time(1, 0), time(4, 0)) == (
        utc(2031, 10, 25, 23, 0),
        utc(2031, 10, 26, 3, 0),
    )


def test_session_in_tokyo_stores_utc_and_shows_tokyo_time():
    event = factories.event(starts_on=date(2031, 11, 20), timezone="Asia/Tokyo")
    organizer = factories.organizer(event)

    session = add(organizer, event, day=date(2031, 11, 20), start=(9, 0), end=(10, 15))

    stored = db.session.execute(
        sa.select(ProgramSession.starts_at, ProgramSession.ends_at).where(
            ProgramSession.id == session.id
        )
    ).one()
    assert tuple(stored) == (utc(2031, 11, 20, 0, 0), utc(2031, 11, 20, 1, 15))
    assert service.utc_to_local(event, stored[0]) == datetime(2031, 11, 20, 9, 0)


def test_session_in_moscow_stores_utc_and_shows_moscow_time():
    event = factories.event(starts_on=date(2031, 7, 1), timezone="Europe/Moscow")
    organizer = factories.organizer(event)

    session = add(organizer, event, day=date(2031, 7, 1), start=(18, 0), end=(19, 0))

    db.session.expire(session)
    assert (session.starts_at, session.ends_at) == (utc(2031, 7, 1, 15, 0), utc(2031, 7, 1, 16, 0))
    assert service.utc_to_local(event, session.ends_at) == datetime(2031, 7, 1, 19, 0)


def test_clock_shows_event_time_whatever_the_viewers_zone(monkeypatch):
    event = factories.event(starts_on=date(2031, 11, 20), timezone="Asia/Tokyo")
    organizer = factories.organizer(event)
    session = add(organizer, event, day=date(2031, 11, 20), start=(9, 0), end=(10, 0))
    shown = service.clock(event, session.starts_at)

    monkeypatch.setitem(current_app.config, "BABEL_DEFAULT_TIMEZONE", "America/Los_Angeles")
    refresh()

    assert service.clock(event, session.starts_at) == shown
    assert shown.replace("\u202f", " ") == "9:00 AM"


def test_local_span_day_outside_event_refused(may_event):
    with pytest.raises(ServiceError) as refused:
        service.local_span(may_event, date(2031, 5, 8), time(10, 0), time(11, 0))

    assert (refused.value.code, refused.value.field) == ("day_outside_event", "day")


def test_local_span_end_before_start_refused(may_event):
    with pytest.raises(ServiceError) as refused:
        service.local_span(may_event, DAY, time(11, 0), time(10, 0))

    assert (refused.value.code, refused.value.field) == ("end_before_start", "end")


def test_create_session_outside_event_days_refused(may_event, boss):
    with pytest.raises(ServiceError) as refused:
        service.create_session(
            boss,
            may_event,
            title="Late",
            starts_at=utc(2031, 5, 8, 8, 0),
            ends_at=utc(2031, 5, 8, 9, 0),
        )

    assert refused.value.code == "day_outside_event"


def test_event_days_lists_every_day(may_event):
    assert service.event_days(may_event) == [date(2031, 5, 6), date(2031, 5, 7)]


# --- creating and changing sessions ---------------------------------------------------------


def test_create_session_writes_every_field(may_event, boss):
    room = service.add_room(boss, may_event, "Hall A", 300)
    track = service.add_track(boss, may_event, "Platform", "teal")
    speaker = factories.participant(may_event, name="Dana Ivanova")
    ai, security = (
        factories.term(may_event, "topic", "AI"),
        factories.term(may_event, "topic", "Security"),
    )

    session = add(
        boss,
        may_event,
        title="  Calm on-call  ",
        abstract="**Sleep** more.",
        format=SessionFormat.workshop,
        room_id=room.id,
        track_id=track.id,
        topic_ids=[security.id, ai.id],
        speaker_ids=[speaker.id],
        capacity=40,
        published=True,
    )

    db.session.expire_all()
    session = db.session.get(ProgramSession, session.id)
    assert (
        session.title,
        session.abstract,
        session.format,
        session.room.name,
        session.track.name,
        [t.name for t in session.topics],
        [u.display_name for u in session.speakers],
        session.capacity,
        session.published,
    ) == (
        "Calm on-call",
        "**Sleep** more.",
        SessionFormat.workshop,
        "Hall A",
        "Platform",
        ["AI", "Security"],
        ["Dana Ivanova"],
        40,
        True,
    )


def test_create_session_keeps_speakers_in_given_order(may_event, boss):
    first = factories.participant(may_event, name="Zoe Zed")
    second = factories.participant(may_event, name="Adam Able")

    session = add(boss, may_event, speaker_ids=[first.id, second.id])

    db.session.expire_all()
    assert [u.display_name for u in db.session.get(ProgramSession, session.id).speakers] == [
        "Zoe Zed",
        "Adam Able",
    ]


def test_create_session_grants_speaker_role(may_event, boss):
    person = factories.participant(may_event, name="New Voice")

    add(boss, may_event, speaker_ids=[person.id])

    roles = db.session.scalars(
        sa.select(EventRole.role).where(
            EventRole.event_id == may_event.id, EventRole.user_id == person.id
        )
    ).all()
    assert roles == [EventRoleKind.speaker]


def test_create_session_speaker_role_not_duplicated(may_event, boss):
    person = factories.participant(may_event, name="Old Hand", roles=["speaker"])

    add(boss, may_event, title="One", start=(9, 0), end=(10, 0), speaker_ids=[person.id])
    add(boss, may_event, title="Two", start=(11, 0), end=(12, 0), speaker_ids=[person.id])

    count = db.session.scalar(
        sa.select(sa.func.count()).where(
            EventRole.event_id == may_event.id, EventRole.user_id == person.id
        )
    )
    assert count == 1


@pytest.mark.parametrize("who", ["outsider", "pending", "other_event"])
def test_create_session_speaker_must_be_participant(may_event, boss, who):
    if who == "outsider":
        person = factories.user(name="Otto Outside")
    elif who == "pending":
        person = factories.participant(may_event, name="Otto Outside", status="pending")
    else:
        person = factories.participant(factories.event(), name="Otto Outside")

    with pytest.raises(ServiceError) as refused:
        add(boss, may_event, speaker_ids=[person.id])

    assert (refused.value.code, refused.value.field) == ("speaker_not_participant", "speakers")
    assert "Otto Outside" in refused.value.message


def test_speakers_by_email_in_order_given(may_event):
    a = factories.participant(may_event, person=factories.user("Ann", email="ann@example.test"))
    b = factories.participant(may_event, person=factories.user("Bob", email="bob@example.test"))

    assert service.speakers_by_email(may_event, ["BOB@example.test", "ann@example.test"]) == [b, a]


def test_speakers_by_email_unknown_address_named(may_event):
    with pytest.raises(ServiceError) as refused:
        service.speakers_by_email(may_event, ["nobody@example.test"])

    assert refused.value.message == "No account uses nobody@example.test."


def test_speakers_by_email_non_participant_named(may_event):
    factories.user(name="Otto Outside", email="otto@example.test")

    with pytest.raises(ServiceError) as refused:
        service.speakers_by_email(may_event, ["otto@example.test"])

    assert refused.value.code == "speaker_not_participant"
    assert "Otto Outside <otto@example.test>" in refused.value.message


def test_split_emails_accepts_lines_commas_and_semicolons():
    assert service.split_emails("a@x.test\nB@x.test, c@x.test;a@x.test\n\n") == [
        "a@x.test",
        "b@x.test",
        "c@x.test",
    ]


def test_create_session_room_of_other_event_refused(may_event, boss):
    other = factories.event()
    other_room = service.add_room(factories.organizer(other), other, "Elsewhere")

    with pytest.raises(ServiceError) as refused:
        add(boss, may_event, room_id=other_room.id)

    assert (refused.value.code, refused.value.field) == ("room_unknown", "room")


def test_create_session_topic_of_other_event_refused(may_event, boss):
    other = factories.event()

    with pytest.raises(ServiceError) as refused:
        add(boss, may_event, topic_ids=[factories.term(other, "topic", "AI").id])

    assert (refused.value.code, refused.value.field) == ("topic_unknown", "topics")


def test_create_session_non_topic_term_refused(may_event, boss):
    with pytest.raises(ServiceError) as refused:
        add(boss, may_event, topic_ids=[factories.term(may_event, "industry", "Finance").id])

    assert refused.value.code == "topic_unknown"


def test_create_session_by_non_organizer_refused(may_event):
    attendee = factories.participant(may_event)

    with pytest.raises(ServiceError) as refused:
        add(attendee, may_event)

    assert refused.value.code == "forbidden"


def test_update_session_replaces_speakers_and_keeps_roles(may_event, boss):
    first = factories.participant(may_event, name="First")
    second = factories.participant(may_event, name="Second")
    session = add(boss, may_event, speaker_ids=[first.id])

    service.update_session(
        boss,
        session,
        title="Renamed",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        speaker_ids=[second.id],
    )
    db.session.commit()

    db.session.expire_all()
    session = db.session.get(ProgramSession, session.id)
    speaker_roles = set(
        db.session.scalars(
            sa.select(EventRole.user_id).where(
                EventRole.event_id == may_event.id, EventRole.role == EventRoleKind.speaker
            )
        )
    )
    assert (session.title, [u.display_name for u in session.speakers]) == ("Renamed", ["Second"])
    assert speaker_roles == {first.id, second.id}


def test_delete_session_removes_bookmarks(may_event, boss):
    session = add(boss, may_event, published=True)
    fan = factories.participant(may_event)
    db.session.add(Bookmark(event_id=may_event.id, user_id=fan.id, session_id=session.id))
    db.session.commit()

    service.delete_session(boss, session)
    db.session.commit()

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgramSession)) == 0


def test_sessions_of_speaker_hides_drafts_unless_asked(may_event, boss):
    person = factories.participant(may_event)
    add(boss, may_event, title="Draft", start=(9, 0), end=(10, 0), speaker_ids=[person.id])
    add(
        boss,
        may_event,
        title="Live",
        start=(11, 0),
        end=(12, 0),
        speaker_ids=[person.id],
        published=True,
    )

    assert [s.title for s in service.sessions_of_speaker(may_event, person)] == ["Live"]
    assert [
        s.title for s in service.sessions_of_speaker(may_event, person, include_drafts=True)
    ] == ["Draft", "Live"]


def test_program_sessions_filters_by_day_track_and_status(may_event, boss):
    track = service.add_track(boss, may_event, "Data")
    add(boss, may_event, title="Day one draft", track_id=track.id)
    add(boss, may_event, title="Day one live", published=True, start=(12, 0), end=(13, 0))
    add(
        boss,
        may_event,
        title="Day two live",
        day=date(2031, 5, 7),
        track_id=track.id,
        published=True,
    )

    def titles(**filters):
        found = service.program_sessions(may_event, service.ProgramFilters(**filters))
        return [s.title for s in found]

    assert titles() == ["Day one draft", "Day one live", "Day two live"]
    assert titles(day=DAY) == ["Day one draft", "Day one live"]
    assert titles(track_id=track.id) == ["Day one draft", "Day two live"]
    assert titles(no_track=True) == ["Day one live"]
    assert titles(published=False) == ["Day one draft"]
    assert titles(day=date(2031, 5, 7), published=True) == ["Day two live"]


def test_bookmark_counts_per_session(may_event, boss):
    busy = add(boss, may_event, title="Busy", published=True)
    add(boss, may_event, title="Quiet", start=(12, 0), end=(13, 0), published=True)
    for _n in range(3):
        fan = factories.participant(may_event)
        db.session.add(Bookmark(event_id=may_event.id, user_id=fan.id, session_id=busy.id))
    db.session.commit()

    assert service.bookmark_counts(may_event) == {busy.id: 3}


def test_program_counts_total_and_drafts(may_event, boss):
    add(boss, may_event, title="Draft")
    add(boss, may_event, title="Live", start=(12, 0), end=(13, 0), published=True)

    assert service.program_counts(may_event) == service.ProgramCounts(total=2, drafts=1)


# --- clashes ---------------------------------------------------------------------------------


def test_room_clash_named(may_event, boss):
    room = service.add_room(boss, may_event, "Room A")
    existing = add(boss, may_event, title="Keynote", room_id=room.id)

    with pytest.raises(service.ClashError) as refused:
        add(boss, may_event, title="Other", start=(10, 30), end=(11, 30), room_id=room.id)

    start, end = (
        service.clock(may_event, existing.starts_at),
        service.clock(may_event, existing.ends_at),
    )
    assert refused.value.field == "room"
    assert refused.value.messages == [f"Room A already holds “Keynote” {start}\u2013{end}."]


def test_speaker_clash_named(may_event, boss):
    dana = factories.participant(may_event, name="Dana Ivanova")
    existing = add(boss, may_event, title="Other", speaker_ids=[dana.id])

    with pytest.raises(service.ClashError) as refused:
        add(boss, may_event, title="Panel", start=(9, 30), end=(10, 30), speaker_ids=[dana.id])

    start, end = (
        service.clock(may_event, existing.starts_at),
        service.clock(may_event, existing.ends_at),
    )
    assert refused.value.field == "speakers"
    assert refused.value.messages == [
        f"Dana Ivanova speaks in “Other” at that time ({start}\u2013{end})."
    ]


def test_clashes_list_room_and_every_speaker(may_event, boss):
    room = service.add_room(boss, may_event, "Room A")
    a = factories.participant(may_event, name="A Person")
    b = factories.participant(may_event, name="B Person")
    existing = add(boss, may_event, title="First", room_id=room.id, speaker_ids=[a.id, b.id])

    clashes = service.find_clashes(
        may_event, existing.starts_at, existing.ends_at, room.id, [b.id, a.id]
    )

    assert [
        (c.field, c.session.title, c.speaker.display_name if c.speaker else None) for c in clashes
    ] == [
        ("room", "First", None),
        ("speakers", "First", "A Person"),
        ("speakers", "First", "B Person"),
    ]


def test_touching_sessions_do_not_clash(may_event, boss):
    room = service.add_room(boss, may_event, "Room A")
    dana = factories.participant(may_event, name="Dana Ivanova")
    add(boss, may_event, title="Before", room_id=room.id, speaker_ids=[dana.id])

    after = add(
        boss,
        may_event,
        title="After",
        start=(11, 0),
        end=(12, 0),
        room_id=room.id,
        speaker_ids=[dana.id],
    )

    assert after.id is not None


def test_session_ending_as_other_starts_does_not_clash(may_event, boss):
    room = service.add_room(boss, may_event, "Room A")
    add(boss, may_event, title="Later", room_id=room.id)

    earlier = add(boss, may_event, title="Earlier", start=(9, 0), end=(10, 0), room_id=room.id)

    assert earlier.id is not None


def test_break_without_room_or_speakers_never_clashes(may_event, boss):
    room = service.add_room(boss, may_event, "Room A")
    add(boss, may_event, title="Talk", room_id=room.id)

    coffee = add(boss, may_event, title="Coffee", format=SessionFormat.break_)

    assert coffee.id is not None


def test_draft_sessions_also_clash(may_event, boss):
    room = service.add_room(boss, may_event, "Room A")
    add(boss, may_event, title="Draft plan", room_id=room.id, published=False)

    with pytest.raises(service.ClashError):
        add(boss, may_event, title="New", room_id=room.id)


def test_update_session_does_not_clash_with_itself(may_event, boss):
    room = service.add_room(boss, may_event, "Room A")
    session = add(boss, may_event, room_id=room.id)

    service.update_session(
        boss,
        session,
        title="Longer",
        starts_at=session.starts_at,
        ends_at=utc(2031, 5, 6, 9, 30),
        room_id=room.id,
    )

    assert session.title == "Longer"


def test_clash_with_other_events_session_ignored(may_event, boss):
    other = factories.event(starts_on=DAY)
    person = factories.participant(may_event, name="Both Events")
    factories.participant(other, person=person)
    add(factories.organizer(other), other, speaker_ids=[person.id])

    assert add(boss, may_event, speaker_ids=[person.id]).id is not None


# --- rooms and tracks ---------------------------------------------------------------------


def test_room_names_unique_ignoring_case(may_event, boss):
    service.add_room(boss, may_event, "Hall A")

    with pytest.raises(ServiceError) as refused:
        service.add_room(boss, may_event, "hall a")

    assert (refused.value.code, refused.value.field) == ("name_taken", "name")


def test_move_room_swaps_neighbours(may_event, boss):
    for name in ("A", "B", "C"):
        service.add_room(boss, may_event, name)
    c = service.rooms_of(may_event)[2]

    service.move_room(boss, c, -1)

    assert [r.name for r in service.rooms_of(may_event)] == ["A", "C", "B"]


def test_delete_room_keeps_sessions_without_room(may_event, boss):
    room = service.add_room(boss, may_event, "Doomed")
    service.add_room(boss, may_event, "Stays")
    session = add(boss, may_event, room_id=room.id)
    add(boss, may_event, title="Second", start=(12, 0), end=(13, 0), room_id=room.id)

    affected = service.delete_room(boss, room)
    db.session.commit()

    db.session.expire_all()
    assert affected == 2
    assert db.session.get(ProgramSession, session.id).room_id is None
    assert [(r.name, r.position) for r in service.rooms_of(may_event)] == [("Stays", 0)]


def test_delete_track_keeps_sessions_without_track(may_event, boss):
    track = service.add_track(boss, may_event, "Doomed")
    session = add(boss, may_event, track_id=track.id)

    affected = service.delete_track(boss, track)
    db.session.commit()

    db.session.expire_all()
    assert affected == 1
    assert db.session.get(ProgramSession, session.id).track_id is None


def test_add_track_picks_an_unused_colour(may_event, boss):
    service.add_track(boss, may_event, "One", "indigo")

    assert service.add_track(boss, may_event, "Two").color == "teal"


def test_track_colour_outside_palette_refused(may_event, boss):
    with pytest.raises(ServiceError) as refused:
        service.add_track(boss, may_event, "Odd", "chartreuse")

    assert (refused.value.code, refused.value.field) == ("color_unknown", "color")


def test_update_track_changes_name_colour_description(may_event, boss):
    track = service.add_track(boss, may_event, "Old")

    service.update_track(boss, track, "New", "rose", "For the curious")

    assert (track.name, track.color, track.description) == ("New", "rose", "For the curious")


def test_program_sessions_filters_by_room(may_event, boss):
    hall = service.add_room(boss, may_event, "Hall")
    add(boss, may_event, title="In the hall", room_id=hall.id)
    add(boss, may_event, title="Nowhere", start=(12, 0), end=(13, 0))

    def titles(**filters):
        found = service.program_sessions(may_event, service.ProgramFilters(**filters))
        return [s.title for s in found]

    assert titles(room_id=hall.id) == ["In the hall"]
    assert titles(no_room=True) == ["Nowhere"]


def test_speaker_suggestions_lists_speaker_role_holders_not_excluded(may_event):
    kept = factories.participant(may_event, name="Bea Speaker", roles=["speaker"])
    left_out = factories.participant(may_event, name="Al Speaker", roles=["speaker"])
    factories.participant(may_event, name="Ann Attendee")

    assert service.speaker_suggestions(may_event, exclude=[left_out.email]) == [kept]
