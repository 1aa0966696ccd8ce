"""Importing a program from CSV: the dry run's problems, the all-or-nothing import,
encodings and clashes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from conference.enums import EventRoleKind, SessionFormat
from conference.extensions import db
from conference.models import EventRole, ProgramSession, Room, Track
from conference.services import ServiceError
from conference.services import program as program_service
from conference.services import program_import as service
from conference.services.program_import import RowProblem
from tests import factories

DAY = date(2031, 5, 6)
HEADER = list(service.COLUMNS)


@pytest.fixture
def may_event():
    return factories.event(name="May Forum", starts_on=DAY, ends_on=date(2031, 5, 7))


@pytest.fixture
def boss(may_event):
    return factories.organizer(may_event, name="Bea Boss")


@pytest.fixture
def dana(may_event):
    return factories.participant(
        may_event, person=factories.user("Dana Ivanova", email="dana@example.test")
    )


@pytest.fixture
def kenji(may_event):
    return factories.participant(
        may_event, person=factories.user("Kenji Sato", email="kenji@example.test")
    )


def row(**values) -> dict[str, str]:
    base = {
        "title": "A talk",
        "abstract": "",
        "format": "talk",
        "date": "2031-05-06",
        "start": "10:00",
        "end": "11:00",
        "room": "",
        "track": "",
        "topics": "",
        "speakers": "",
        "capacity": "",
        "published": "yes",
    }
    base.update(values)
    return base


def csv_text(*rows: dict[str, str], header=HEADER, delimiter=",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(name, "") for name in header])
    return out.getvalue()


def session_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProgramSession))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


GOOD = (
    row(
        title="Opening keynote",
        abstract="Welcome **all**.",
        format="keynote",
        start="09:00",
        end="09:45",
        room="Main hall",
        track="Platform",
        topics="AI; Security",
        speakers="dana@example.test;KENJI@example.test",
        capacity="500",
        published="yes",
    ),
    row(title="Coffee", format="break", start="09:45", end="10:15", published="no"),
    row(
        title="Deep dive",
        date="2031-05-07",
        start="14:00",
        end="15:30",
        room="Main hall",
        topics="Payments",
        speakers="kenji@example.test",
    ),
)


# --- a good file ----------------------------------------------------------------------------


def test_check_import_good_file_plans_everything(may_event, boss, dana, kenji):
    plan = service.check_import(may_event, csv_text(*GOOD))

    assert (plan.problems, plan.ok, plan.rows) == ([], True, 3)
    assert [(s.row, s.title) for s in plan.sessions] == [
        (2, "Opening keynote"),
        (3, "Coffee"),
        (4, "Deep dive"),
    ]
    assert (plan.new_rooms, plan.new_tracks) == (["Main hall"], ["Platform"])
    assert session_count() == 0


def test_run_import_good_file_creates_exactly_the_sessions(may_event, boss, dana, kenji):
    created = service.run_import(boss, may_event, csv_text(*GOOD))
    db.session.commit()

    db.session.expire_all()
    sessions = db.session.scalars(
        sa.select(ProgramSession)
        .where(ProgramSession.event_id == may_event.id)
        .order_by(ProgramSession.starts_at)
    ).all()
    assert len(created) == 3
    assert [
        (
            s.title,
            s.format,
            s.starts_at,
            s.ends_at,
            s.room.name if s.room else None,
            s.track.name if s.track else None,
            [t.name for t in s.topics],
            [u.display_name for u in s.speakers],
            s.capacity,
            s.published,
        )
        for s in sessions
    ] == [
        (
            "Opening keynote",
            SessionFormat.keynote,
            utc(2031, 5, 6, 7, 0),
            utc(2031, 5, 6, 7, 45),
            "Main hall",
            "Platform",
            ["AI", "Security"],
            ["Dana Ivanova", "Kenji Sato"],
            500,
            True,
        ),
        (
            "Coffee",
            SessionFormat.break_,
            utc(2031, 5, 6, 7, 45),
            utc(2031, 5, 6, 8, 15),
            None,
            None,
            [],
            [],
            None,
            False,
        ),
        (
            "Deep dive",
            SessionFormat.talk,
            utc(2031, 5, 7, 12, 0),
            utc(2031, 5, 7, 13, 30),
            "Main hall",
            None,
            ["Payments"],
            ["Kenji Sato"],
            None,
            True,
        ),
    ]
    assert db.session.scalars(sa.select(Room.name).where(Room.event_id == may_event.id)).all() == [
        "Main hall"
    ]
    assert db.session.scalars(
        sa.select(Track.name).where(Track.event_id == may_event.id)
    ).all() == ["Platform"]


def test_run_import_gives_speakers_the_speaker_role(may_event, boss, dana, kenji):
    service.run_import(boss, may_event, csv_text(*GOOD))

    speakers = set(
        db.session.scalars(
            sa.select(EventRole.user_id).where(
                EventRole.event_id == may_event.id, EventRole.role == EventRoleKind.speaker
            )
        )
    )
    assert speakers == {dana.id, kenji.id}


def test_run_import_uses_existing_rooms_ignoring_case(may_event, boss):
    hall = program_service.add_room(boss, may_event, "Main Hall")
    db.session.commit()

    plan = service.check_import(may_event, csv_text(row(room="main hall")))
    created = service.run_import(boss, may_event, csv_text(row(room="main hall")))

    assert plan.new_rooms == []
    assert created[0].room_id == hall.id


def test_check_import_bom_accepted(may_event, boss):
    data = ("\ufeff" + csv_text(row(title="Grüße aus Köln"))).encode("utf-8")

    plan = service.check_import(may_event, service.decode(data))

    assert (plan.problems, [s.title for s in plan.sessions]) == ([], ["Grüße aus Köln"])


def test_decode_utf8_without_bom_accepted():
    text = "\n".join(["title", "Москва", "東京"])

    assert service.decode(text.encode()) == text


def test_decode_latin1_refused_with_encoding_message():
    data = csv_text(row(title="Grüße aus Köln")).encode("latin-1")

    with pytest.raises(ServiceError) as refused:
        service.decode(data)

    assert (refused.value.code, refused.value.field) == ("file_not_utf8", "file")
    assert "Save the file as UTF-8" in refused.value.message


def test_decode_empty_file_refused():
    with pytest.raises(ServiceError) as refused:
        service.decode(b"  \r\n")

    assert refused.value.code == "file_empty"


def test_decode_oversized_file_refused():
    with pytest.raises(ServiceError) as refused:
        service.decode(b"x" * (service.MAX_BYTES + 1))

    assert refused.value.code == "file_too_large"


def test_check_import_semicolon_separated_file(may_event, boss, dana):
    text = csv_text(
        row(title="Semi", topics="AI;Payments", speakers="dana@example.test"), delimiter=";"
    )

    plan = service.check_import(may_event, text)

    assert plan.problems == []
    assert [t.name for t in plan.sessions[0].topics] == ["AI", "Payments"]


def test_check_import_header_hints_and_case_ignored(may_event, boss):
    header = ["Title", "Date (YYYY-MM-DD)", "Start (HH:MM)", "End (HH:MM)"]
    text = "\r\n".join([",".join(header), "Hello,2031-05-06,9:30,10:00:00"])

    plan = service.check_import(may_event, text)

    assert plan.problems == []
    assert (plan.sessions[0].start, plan.sessions[0].end) == (time(9, 30), time(10, 0))


# --- a file with problems ------------------------------------------------------------------


def test_check_import_lists_every_rows_problems(may_event, boss, dana):
    outsider = factories.user("Otto Outside", email="otto@example.test")
    text = csv_text(
        row(title="Fine"),
        row(title="", start="12:00", end="13:00"),
        row(title="Reversed", start="15:00", end="14:00"),
        row(title="Out of dates", date="2031-05-09"),
        row(title="Bad date", date="06.05.2031"),
        row(title="Unknown topic", start="16:00", end="17:00", topics="AI;Quantum"),
        row(title="Not here", start="16:00", end="17:00", speakers=outsider.email),
        row(title="No account", start="18:00", end="19:00", speakers="ghost@example.test"),
        row(title="Odd format", start="18:00", end="19:00", format="lecture"),
        row(title="Odd capacity", start="18:00", end="19:00", capacity="many", published="maybe"),
    )

    plan = service.check_import(may_event, text)

    assert plan.problems == [
        RowProblem(3, "title", "The title is missing."),
        RowProblem(4, "end", "The session ends before it starts (or when it starts)."),
        RowProblem(5, "date", "2031-05-09 is outside the event (2031-05-06 to 2031-05-07)."),
        RowProblem(
            6, "date", "“06.05.2031” is not a date: write it as YYYY-MM-DD, e.g. 2031-05-06."
        ),
        RowProblem(
            7,
            "topics",
            "Unknown topic “Quantum”: add it to the event's topics first, or use one of them.",
        ),
        RowProblem(
            8, "speakers", "Otto Outside <otto@example.test> is not a participant of this event."
        ),
        RowProblem(9, "speakers", "No account uses ghost@example.test."),
        RowProblem(
            10,
            "format",
            "Unknown format “lecture”: use one of talk, panel, workshop, keynote, break.",
        ),
        RowProblem(11, "capacity", "Capacity is a number of people from 1 to 100000, or empty."),
        RowProblem(11, "published", "Write yes or no (empty means no: a draft)."),
    ]
    assert (plan.ok, plan.sessions, plan.rows_with_problems) == (False, [], 9)


def test_run_import_with_problems_writes_nothing(may_event, boss):
    text = csv_text(
        row(title="Good one", room="New room", track="New track"),
        row(title="Broken", start="25:00"),
    )

    with pytest.raises(service.ImportRefused) as refused:
        service.run_import(boss, may_event, text)
    db.session.rollback()

    assert refused.value.plan.problems == [
        RowProblem(3, "start", "“25:00” is not a time: write it as HH:MM, e.g. 09:30.")
    ]
    assert session_count() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Track)) == 0


def test_check_import_missing_required_column(may_event, boss):
    text = "title,date,start\r\nHello,2031-05-06,10:00\r\n"

    plan = service.check_import(may_event, text)

    assert plan.problems == [RowProblem(1, "end", "The column “end” is missing.")]


def test_check_import_unknown_column(may_event, boss):
    header = [*HEADER, "speaker_bio"]

    plan = service.check_import(may_event, csv_text(row(), header=header))

    assert plan.problems == [
        RowProblem(
            1,
            "speaker_bio",
            "Unknown column “speaker_bio”. The columns are: " + ", ".join(service.COLUMNS) + ".",
        )
    ]


def test_check_import_header_only(may_event, boss):
    plan = service.check_import(may_event, csv_text())

    assert plan.problems == [RowProblem(2, "", "There are no sessions below the header row.")]


def test_check_import_blank_lines_skipped(may_event, boss):
    text = csv_text(row(title="One")) + ",,,,,,,,,,,\r\n\r\n"

    plan = service.check_import(may_event, text)

    assert (plan.problems, plan.rows) == ([], 1)


def test_check_import_time_skipped_by_dst_named():
    event = factories.event(starts_on=date(2031, 3, 30), timezone="Europe/Berlin")

    plan = service.check_import(event, csv_text(row(date="2031-03-30", start="02:15", end="04:00")))

    assert plan.problems == [
        RowProblem(2, "start", "02:15 does not exist on that day: the clocks change then.")
    ]


# --- clashes ------------------------------------------------------------------------------


def test_check_import_clash_between_two_rows_of_the_file(may_event, boss, dana):
    text = csv_text(
        row(title="First", room="Hall", speakers="dana@example.test"),
        row(
            title="Elsewhere",
            start="10:30",
            end="11:30",
            room="Other",
            speakers="dana@example.test",
        ),
        row(title="Same hall", start="10:59", end="12:00", room="hall"),
        row(title="Touching", start="11:00", end="12:00", room="Hall"),
    )

    plan = service.check_import(may_event, text)

    assert [(p.row, p.column) for p in plan.problems] == [(3, "speakers"), (4, "room"), (5, "room")]
    assert plan.problems[0].message.replace("\u202f", " ") == (
        "Dana Ivanova speaks in “First” (row 2) at that time (10:00 AM\u201311:00 AM)."
    )
    assert plan.problems[1].message.replace("\u202f", " ") == (
        "Hall already holds “First” (row 2) 10:00 AM\u201311:00 AM."
    )
    assert plan.problems[2].message.replace("\u202f", " ") == (
        "hall already holds “Same hall” (row 4) 10:59 AM\u201312:00 PM."
    )


def test_check_import_clash_with_existing_session(may_event, boss, dana):
    hall = program_service.add_room(boss, may_event, "Hall")
    starts_at, ends_at = program_service.local_span(may_event, DAY, time(10, 0), time(11, 0))
    existing = program_service.create_session(
        boss,
        may_event,
        title="Already there",
        starts_at=starts_at,
        ends_at=ends_at,
        room_id=hall.id,
    )
    db.session.commit()

    plan = service.check_import(
        may_event, csv_text(row(title="Newcomer", start="10:30", end="11:30", room="HALL"))
    )

    start = program_service.clock(may_event, existing.starts_at)
    end = program_service.clock(may_event, existing.ends_at)
    assert plan.problems == [
        RowProblem(2, "room", f"Hall already holds “Already there” {start}\u2013{end}.")
    ]


def test_run_import_clash_added_after_dry_run_writes_nothing(may_event, boss):
    text = csv_text(row(title="One", room="Hall"), row(title="Two", start="12:00", end="13:00"))
    assert service.check_import(may_event, text).ok
    hall = program_service.add_room(boss, may_event, "Hall")
    starts_at, ends_at = program_service.local_span(may_event, DAY, time(10, 0), time(10, 30))
    program_service.create_session(
        boss, may_event, title="Sneaked in", starts_at=starts_at, ends_at=ends_at, room_id=hall.id
    )
    db.session.commit()

    with pytest.raises(service.ImportRefused) as refused:
        service.run_import(boss, may_event, text)
    db.session.rollback()

    assert [(p.row, p.column) for p in refused.value.plan.problems] == [(2, "room")]
    assert [s.title for s in db.session.scalars(sa.select(ProgramSession))] == ["Sneaked in"]


# --- the template --------------------------------------------------------------------------


def test_template_has_the_columns_and_two_examples(may_event):
    rows = list(csv.reader(io.StringIO(service.template_csv(may_event))))

    assert rows[0] == HEADER
    assert len(rows) == 3
    assert [r[3] for r in rows[1:]] == ["2031-05-06", "2031-05-06"]


def test_template_only_needs_real_speakers(may_event, boss):
    plan = service.check_import(may_event, service.template_csv(may_event))

    assert [(p.row, p.column) for p in plan.problems] == [(2, "speakers")]


def test_check_import_clash_reported_alongside_other_problems(may_event, boss):
    text = csv_text(
        row(title="", room="Hall"),
        row(title="Second", start="10:30", end="11:30", room="hall", capacity="lots"),
    )

    plan = service.check_import(may_event, text)

    assert [(p.row, p.column) for p in plan.problems] == [
        (2, "title"),
        (3, "capacity"),
        (3, "room"),
    ]
    assert plan.problems[2].message.replace("\u202f", " ") == (
        "Hall already holds “untitled” (row 2) 10:00 AM\u201311:00 AM."
    )
