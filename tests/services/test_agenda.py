"""The agenda of a day, now / next, my agenda with overlaps, and bookmarks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from conference.enums import ActivityKind
from conference.extensions import db
from conference.models import Activity, Bookmark
from conference.models.types import utcnow
from conference.services import ServiceError
from conference.services import agenda as agenda_service
from conference.services.agenda import (
    NEXT,
    NOW,
    agenda_day,
    agenda_filters,
    default_day,
    my_agenda,
    record_session_view,
    toggle_bookmark,
)
from tests import factories
from tests import program_helpers as program


def titles(day) -> list[list[str]]:
    return [[item.session.title for item in slot.items] for slot in day.slots]


@pytest.fixture
def rooms(event):
    return program.room(event, "Main hall", 0), program.room(event, "Studio", 1)


def test_agenda_day_groups_sessions_by_start_time_in_room_order(event, rooms):
    hall, studio = rooms
    program.session(event, "Studio talk", "10:00", "10:45", room=studio)
    program.session(event, "Hall talk", "10:00", "10:45", room=hall)
    program.session(event, "No room", "10:00", "10:30")
    program.session(event, "Later", "11:00", "11:45", room=hall)
    program.session(event, "Tomorrow", "10:00", "10:45", day=1, room=hall)

    day = agenda_day(event, event.starts_on)

    assert titles(day) == [["Hall talk", "Studio talk", "No room"], ["Later"]]
    assert [slot.starts_at for slot in day.slots] == [
        program.at(event, 0, "10:00"),
        program.at(event, 0, "11:00"),
    ]
    assert day.days == [event.starts_on, event.starts_on + timedelta(days=1)]


def test_agenda_day_hides_drafts_from_attendees_and_shows_them_to_organizers(event):
    program.session(event, "Published", "10:00", "10:45")
    program.session(event, "Draft", "11:00", "11:45", published=False)

    assert titles(agenda_day(event, event.starts_on)) == [["Published"]]
    assert titles(agenda_day(event, event.starts_on, include_drafts=True)) == [
        ["Published"],
        ["Draft"],
    ]


def test_agenda_day_filters_combine_track_topic_and_speaker(event, speaker, attendee):
    ai_track = program.track(event, "AI track")
    other_track = program.track(event, "Other track", "teal", 1)
    program.session(
        event, "AI by Sam", "10:00", "10:45", track=ai_track, topics=["AI"], speakers=[speaker]
    )
    program.session(
        event, "AI by Anna", "11:00", "11:45", track=ai_track, topics=["AI"], speakers=[attendee]
    )
    program.session(event, "Payments", "12:00", "12:45", track=ai_track, topics=["Payments"])
    program.session(event, "Elsewhere", "13:00", "13:45", track=other_track, topics=["AI"])
    ai = program.topic(event, "AI").id

    def find(**filters):
        return [i.session.title for i in agenda_day(event, event.starts_on, **filters).items]

    assert find(track_ids=[ai_track.id]) == ["AI by Sam", "AI by Anna", "Payments"]
    assert find(topic_ids=[ai]) == ["AI by Sam", "AI by Anna", "Elsewhere"]
    assert find(track_ids=[ai_track.id], topic_ids=[ai]) == ["AI by Sam", "AI by Anna"]
    assert find(track_ids=[ai_track.id], topic_ids=[ai], speaker_ids=[speaker.id]) == ["AI by Sam"]


def test_agenda_day_of_other_event_ids_finds_nothing(event, other_event):
    program.session(event, "Ours", "10:00", "10:45", topics=["AI"])
    theirs = program.topic(other_event, "AI").id

    assert agenda_day(event, event.starts_on, topic_ids=[theirs]).items == []


def test_agenda_day_counts_bookmarks_and_marks_the_viewers(event, attendee, speaker):
    first = program.session(event, "First", "10:00", "10:45")
    second = program.session(event, "Second", "11:00", "11:45")
    toggle_bookmark(attendee, first, True)
    toggle_bookmark(speaker, first, True)
    toggle_bookmark(speaker, second, True)
    db.session.commit()

    day = agenda_day(event, event.starts_on, viewer=attendee)

    assert [(i.session.title, i.bookmark_count, i.bookmarked) for i in day.items] == [
        ("First", 2, True),
        ("Second", 1, False),
    ]


def test_agenda_day_carries_speakers_topics_room_and_track(event, speaker, rooms):
    hall, _studio = rooms
    ai_track = program.track(event, "AI track", "rose")
    program.session(
        event, "Talk", room=hall, track=ai_track, topics=["Security", "AI"], speakers=[speaker]
    )

    (item,) = agenda_day(event, event.starts_on).items

    assert (item.room.name, item.track.name, item.track.color) == ("Main hall", "AI track", "rose")
    assert [p.display_name for p in item.speakers] == ["Sam Speaker"]
    assert [t.name for t in item.topics] == ["AI", "Security"]


@pytest.mark.parametrize(
    ("zone", "utc_start"),
    [("Asia/Tokyo", "2026-12-01 15:30"), ("Europe/Moscow", "2026-12-01 21:30")],
)
def test_agenda_day_takes_the_day_in_the_events_zone(zone, utc_start):
    event = factories.event(timezone=zone, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 2))
    # 00:30 on the second day in the event's zone is still the first day in UTC.
    late = program.session(event, "Just after midnight", "00:30", "01:00", day=1)

    assert late.starts_at.strftime("%Y-%m-%d %H:%M") == utc_start
    assert agenda_day(event, date(2026, 12, 1)).items == []
    assert titles(agenda_day(event, date(2026, 12, 2))) == [["Just after midnight"]]


def test_now_and_next_are_marked_in_the_events_zone():
    event = factories.event(
        timezone="Asia/Tokyo", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 2)
    )
    program.session(event, "Running", "10:00", "10:45")
    program.session(event, "Next A", "11:00", "11:45")
    program.session(event, "Next B", "11:00", "12:00")
    program.session(event, "Afternoon", "14:00", "14:45")
    now = program.at(event, 0, "10:15")

    day = agenda_day(event, event.starts_on, now=now)

    assert [(i.session.title, i.live) for i in day.items] == [
        ("Running", NOW),
        ("Next A", NEXT),
        ("Next B", NEXT),
        ("Afternoon", None),
    ]


def test_next_is_not_marked_on_another_day_or_after_the_last_session(event):
    program.session(event, "Day one", "10:00", "10:45")
    program.session(event, "Day two", "10:00", "10:45", day=1)

    evening = program.at(event, 0, "20:00")
    assert [i.live for i in agenda_day(event, event.starts_on, now=evening).items] == [None]
    assert [
        i.live for i in agenda_day(event, event.starts_on + timedelta(days=1), now=evening).items
    ] == [None]
    before = event.starts_on - timedelta(days=3)
    assert agenda_service.next_start(event, program.at(event, before, "09:00")) is None


def test_default_day_is_today_during_the_event_else_the_first_day(event):
    assert default_day(event, program.at(event, 1, "08:00")) == event.starts_on + timedelta(days=1)
    assert default_day(event, program.at(event, -5, "08:00")) == event.starts_on
    assert default_day(event, program.at(event, 9, "08:00")) == event.starts_on


def test_agenda_filters_offer_topics_and_speakers_of_visible_sessions(event, speaker, attendee):
    program.track(event, "Only track")
    program.session(event, "Public", topics=["Security"], speakers=[speaker])
    program.session(
        event, "Draft", "11:00", "11:30", topics=["AI"], speakers=[attendee], published=False
    )

    public = agenda_filters(event)
    everything = agenda_filters(event, include_drafts=True)

    assert [t.name for t in public.tracks] == ["Only track"]
    assert ([t.name for t in public.topics], [p.display_name for p in public.speakers]) == (
        ["Security"],
        ["Sam Speaker"],
    )
    assert [p.display_name for p in everything.speakers] == ["Anna Attendee", "Sam Speaker"]


# --- my agenda --------------------------------------------------------------------------


def test_my_agenda_lists_bookmarks_in_order_with_overlaps(event, attendee):
    a = program.session(event, "A", "10:00", "11:00")
    b = program.session(event, "B", "10:30", "11:30")
    c = program.session(event, "C", "11:00", "12:00")  # starts as A ends: no overlap with A
    d = program.session(event, "D", "10:00", "11:00", day=1)
    program.session(event, "Not bookmarked", "10:00", "11:00")
    for s in (d, c, a, b):
        toggle_bookmark(attendee, s, True)

    items = my_agenda(event, attendee)

    assert [(i.session.title, [o.title for o in i.overlaps]) for i in items] == [
        ("A", ["B"]),
        ("B", ["A", "C"]),
        ("C", ["B"]),
        ("D", []),
    ]
    assert [i.day for i in items] == [event.starts_on] * 3 + [event.starts_on + timedelta(days=1)]
    assert [
        (day, [i.session.title for i in group]) for day, group in agenda_service.by_day(items)
    ] == [(event.starts_on, ["A", "B", "C"]), (event.starts_on + timedelta(days=1), ["D"])]


def test_my_agenda_leaves_out_sessions_turned_draft_and_other_people(event, attendee, speaker):
    kept = program.session(event, "Kept", "10:00", "11:00")
    hidden = program.session(event, "Back to draft", "12:00", "13:00")
    toggle_bookmark(attendee, kept, True)
    toggle_bookmark(attendee, hidden, True)
    toggle_bookmark(speaker, program.session(event, "Speaker's", "14:00", "15:00"), True)
    hidden.published = False
    db.session.commit()

    assert [i.session.title for i in my_agenda(event, attendee)] == ["Kept"]


# --- bookmarks ---------------------------------------------------------------------------


def activity_rows(event):
    return db.session.execute(
        sa.select(
            Activity.user_id,
            Activity.kind,
            Activity.session_id,
            Activity.industry_id,
            Activity.region_id,
            Activity.job_role_id,
            Activity.ticket_type_id,
        )
        .where(Activity.event_id == event.id)
        .order_by(Activity.id)
    ).all()


def test_toggle_bookmark_twice_keeps_one_bookmark_and_one_activity(event):
    person = factories.participant(
        event, "Rita Reports", industry="Finance", region="APAC", job_role="CTO", ticket_type="VIP"
    )
    talk = program.session(event, "Talk")

    first = toggle_bookmark(person, talk, True)
    again = toggle_bookmark(person, talk, True)
    db.session.commit()

    expected = (
        person.id,
        ActivityKind.bookmark,
        talk.id,
        factories.term(event, "industry", "Finance").id,
        factories.term(event, "region", "APAC").id,
        factories.term(event, "job_role", "CTO").id,
        factories.ticket(event, "VIP").id,
    )
    assert (first, again) == (
        agenda_service.BookmarkState(bookmarked=True, count=1, changed=True),
        agenda_service.BookmarkState(bookmarked=True, count=1, changed=False),
    )
    assert activity_rows(event) == [expected]


def test_toggle_bookmark_off_records_unbookmark_once(event, attendee):
    talk = program.session(event, "Talk")
    toggle_bookmark(attendee, talk, True)

    off = toggle_bookmark(attendee, talk, False)
    off_again = toggle_bookmark(attendee, talk, False)
    db.session.commit()

    assert (off.changed, off.count, off_again.changed) == (True, 0, False)
    assert [(row.kind, row.session_id) for row in activity_rows(event)] == [
        (ActivityKind.bookmark, talk.id),
        (ActivityKind.unbookmark, talk.id),
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 0


def test_toggle_bookmark_losing_a_race_is_not_an_error(event, attendee, monkeypatch):
    talk = program.session(event, "Talk")
    toggle_bookmark(attendee, talk, True)
    db.session.commit()
    # The other request inserted between our check and our insert.
    monkeypatch.setattr(agenda_service, "is_bookmarked", lambda user, session: False)

    state = toggle_bookmark(attendee, talk, True)
    db.session.commit()

    assert (state.changed, state.count) == (False, 1)
    assert [row.kind for row in activity_rows(event)] == [ActivityKind.bookmark]


def test_toggle_bookmark_refuses_a_draft(event, attendee):
    draft = program.session(event, "Draft", published=False)

    with pytest.raises(ServiceError) as refused:
        toggle_bookmark(attendee, draft, True)

    assert refused.value.code == "session_draft"


def test_session_view_is_recorded_once_per_window(event, attendee):
    talk = program.session(event, "Talk")

    written = [record_session_view(attendee, talk), record_session_view(attendee, talk)]
    db.session.execute(sa.update(Activity).values(created_at=utcnow() - agenda_service.VIEW_WINDOW))
    written.append(record_session_view(attendee, talk))
    db.session.commit()

    assert written == [True, False, True]
    assert [(row.kind, row.session_id) for row in activity_rows(event)] == [
        (ActivityKind.session_view, talk.id),
        (ActivityKind.session_view, talk.id),
    ]
