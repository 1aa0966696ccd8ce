"""Importing a whole program from a CSV file: a template to fill in, a dry run that
lists every row's problems, and an all-or-nothing import.

The file is UTF-8 (with or without the byte-order mark Excel writes); other
encodings are refused with a message saying how to save the file, rather than
guessed. Rows are numbered as a spreadsheet shows them: the header is row 1.

Rooms and tracks the file names but the event lacks are created on import;
topics must already be in the event's taxonomy, and speakers must be
participants of the event (``program.speakers_by_email``'s rule). A row also
must not clash with an existing session or with another row of the file.

``check_import`` never writes. ``run_import`` checks again (the program may have
changed since the dry run) and writes everything or, on any problem, nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from conference.enums import SessionFormat, TaxonomyKind
from conference.extensions import db
from conference.models import Event, ProgramSession, TaxonomyTerm, User
from conference.services import ServiceError
from conference.services import program as program_service

#: The template's columns, in order.
COLUMNS: tuple[str, ...] = (
    "title",
    "abstract",
    "format",
    "date",
    "start",
    "end",
    "room",
    "track",
    "topics",
    "speakers",
    "capacity",
    "published",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("title", "date", "start", "end")

#: Largest file accepted, and most sessions in one import.
MAX_BYTES = 1_000_000
MAX_ROWS = 2_000

_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class RowProblem:
    """Something wrong in one cell (or with a whole row, or the header)."""

    row: int
    column: str
    message: str


@dataclass
class PlannedSession:
    """A row that passed every check: what importing it will write."""

    row: int
    title: str
    abstract: str
    format: SessionFormat
    day: date
    start: time
    end: time
    starts_at: datetime
    ends_at: datetime
    room_name: str
    track_name: str
    topics: list[TaxonomyTerm]
    speakers: list[User]
    capacity: int | None
    published: bool


@dataclass
class ImportPlan:
    """The result of a dry run."""

    sessions: list[PlannedSession] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    #: Rooms and tracks the file names that the event does not have yet.
    new_rooms: list[str] = field(default_factory=list)
    new_tracks: list[str] = field(default_factory=list)
    #: Data rows read (blank lines not counted).
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.sessions)

    @property
    def rows_with_problems(self) -> int:
        return len({p.row for p in self.problems})


class ImportRefused(ServiceError):
    """The file has problems; ``plan`` lists them."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__(
            "import_invalid",
            _("Nothing was imported: the file has problems. Correct them and upload it again."),
            "file",
        )


# --- reading the file ---------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of an uploaded CSV file; UTF-8 only, a leading byte-order mark dropped."""
    if len(data) > MAX_BYTES:
        raise ServiceError(
            "file_too_large",
            _(
                "The file is larger than %(size)d kB. Split the program into several files.",
                size=MAX_BYTES // 1000,
            ),
            "file",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(
            "file_not_utf8",
            _(
                "The file is not in UTF-8. Save the file as UTF-8 and upload it again "
                "(in Excel: “Save as” → “CSV UTF-8”; in LibreOffice: character set “Unicode "
                "(UTF-8)”)."
            ),
            "file",
        ) from None
    if not text.strip():
        raise ServiceError("file_empty", _("The file is empty."), "file")
    return text


def _column_name(header: str) -> str:
    """ "Date (YYYY-MM-DD)" → "date": the hints in parentheses are for people."""
    return header.split("(", 1)[0].strip().lower()


def _delimiter(text: str) -> str:
    """Comma, or what the header line uses instead (spreadsheets in many locales use ";")."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _parse_time(value: str) -> time | None:
    """ "9:30", "09:30" or "09:30:00" (what spreadsheets write back)."""
    parts = value.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        return None
    if len(parts) == 3 and int(parts[2]) != 0:
        return None
    hour, minute = int(parts[0]), int(parts[1])
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and len(parts[1]) == 2):
        return None
    return time(hour, minute)


def _split_list(value: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in value.split(";") if part.strip()))


@dataclass
class _Lookups:
    """What rows are checked against, loaded once per file."""

    rooms: dict[str, int]
    tracks: dict[str, int]
    topics: dict[str, TaxonomyTerm]
    users: dict[str, User]
    participants: set[int]
    formats: dict[str, SessionFormat]


def _lookups(event: Event, records: list[dict[str, str]]) -> _Lookups:
    emails = {
        email.lower() for record in records for email in _split_list(record.get("speakers", ""))
    }
    users = (
        {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}
        if emails
        else {}
    )
    formats = {f.value: f for f in SessionFormat}
    for fmt, label in program_service.FORMAT_LABELS.items():
        formats.setdefault(str(label).casefold(), fmt)
    return _Lookups(
        rooms={r.name.casefold(): r.id for r in program_service.rooms_of(event)},
        tracks={t.name.casefold(): t.id for t in program_service.tracks_of(event)},
        topics={
            t.name.casefold(): t
            for t in db.session.scalars(
                sa.select(TaxonomyTerm).where(
                    TaxonomyTerm.event_id == event.id, TaxonomyTerm.kind == TaxonomyKind.topic
                )
            )
        },
        users=users,
        participants=program_service.participant_ids(event, [u.id for u in users.values()]),
        formats=formats,
    )


def _read_records(text: str, plan: ImportPlan) -> list[tuple[int, dict[str, str]]]:
    """The data rows as (row number, column → value); header problems go to ``plan``."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ServiceError(
            "file_not_csv",
            _("The file could not be read as CSV (%(error)s).", error=str(exc)),
            "file",
        ) from None
    if not rows:
        raise ServiceError("file_empty", _("The file is empty."), "file")
    header = [_column_name(h) for h in rows[0]]
    for name in header:
        if name and name not in COLUMNS:
            plan.problems.append(
                RowProblem(
                    1,
                    name,
                    _(
                        "Unknown column “%(name)s”. The columns are: %(columns)s.",
                        name=name,
                        columns=", ".join(COLUMNS),
                    ),
                )
            )
    for name in REQUIRED_COLUMNS:
        if name not in header:
            plan.problems.append(
                RowProblem(1, name, _("The column “%(name)s” is missing.", name=name))
            )
    records: list[tuple[int, dict[str, str]]] = []
    for index, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            plan.problems.append(
                RowProblem(
                    index,
                    "",
                    _(
                        "The row has %(cells)d cells but the header only %(columns)d columns.",
                        cells=len(row),
                        columns=len(header),
                    ),
                )
            )
        record = {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
        records.append((index, record))
    if len(records) > MAX_ROWS:
        raise ServiceError(
            "file_too_many_rows",
            ngettext(
                "The file has %(num)d session; import at most %(max)d at a time.",
                "The file has %(num)d sessions; import at most %(max)d at a time.",
                len(records),
                max=MAX_ROWS,
            ),
            "file",
        )
    return records


def _check_row(
    event: Event, number: int, record: dict[str, str], lookups: _Lookups, plan: ImportPlan
) -> PlannedSession | None:
    """Check one row against the rules; its problems go to ``plan``.

    Returns the row as it would be imported whenever its times are usable (even
    if other cells have problems), so that clashes are looked for too; None when
    the date or times are missing or wrong.
    """
    problems: list[RowProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(RowProblem(number, column, message))

    title = record.get("title", "")
    if not title:
        problem("title", _("The title is missing."))
    elif len(title) > program_service.TITLE_MAX:
        problem("title", _("Use at most %(num)d characters.", num=program_service.TITLE_MAX))
    abstract = record.get("abstract", "")
    if len(abstract) > program_service.ABSTRACT_MAX:
        problem("abstract", _("Use at most %(num)d characters.", num=program_service.ABSTRACT_MAX))

    format_text = record.get("format", "").casefold()
    session_format = lookups.formats.get(format_text) if format_text else SessionFormat.talk
    if session_format is None:
        problem(
            "format",
            _(
                "Unknown format “%(value)s”: use one of %(formats)s.",
                value=record.get("format", ""),
                formats=", ".join(f.value for f in SessionFormat),
            ),
        )

    day = _parse_date(record.get("date", ""))
    if day is None:
        problem(
            "date",
            _(
                "“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. %(example)s.",
                value=record.get("date", ""),
                example=event.starts_on.isoformat(),
            ),
        )
    elif day not in program_service.event_days(event):
        problem(
            "date",
            _(
                "%(day)s is outside the event (%(first)s to %(last)s).",
                day=day.isoformat(),
                first=event.starts_on.isoformat(),
                last=event.ends_on.isoformat(),
            ),
        )
    times: dict[str, time | None] = {}
    for column in ("start", "end"):
        times[column] = _parse_time(record.get(column, ""))
        if times[column] is None:
            problem(
                column,
                _(
                    "“%(value)s” is not a time: write it as HH:MM, e.g. 09:30.",
                    value=record.get(column, ""),
                ),
            )
    start, end = times["start"], times["end"]
    starts_at = ends_at = None
    if day is not None and start is not None and end is not None:
        if end <= start:
            problem("end", _("The session ends before it starts (or when it starts)."))
        elif day in program_service.event_days(event):
            try:
                starts_at, ends_at = program_service.local_span(event, day, start, end)
            except ServiceError as exc:
                problem(exc.field or "start", exc.message)

    room_name = record.get("room", "")
    if len(room_name) > program_service.NAME_MAX:
        problem("room", _("Use at most %(num)d characters.", num=program_service.NAME_MAX))
    track_name = record.get("track", "")
    if len(track_name) > program_service.NAME_MAX:
        problem("track", _("Use at most %(num)d characters.", num=program_service.NAME_MAX))

    topics: list[TaxonomyTerm] = []
    for name in _split_list(record.get("topics", "")):
        term = lookups.topics.get(name.casefold())
        if term is None:
            problem(
                "topics",
                _(
                    "Unknown topic “%(name)s”: add it to the event's topics first, or use one "
                    "of them.",
                    name=name,
                ),
            )
        elif term not in topics:
            topics.append(term)

    speakers: list[User] = []
    for email in _split_list(record.get("speakers", "")):
        user = lookups.users.get(email.lower())
        if user is None:
            problem("speakers", _("No account uses %(email)s.", email=email))
        elif user.id not in lookups.participants:
            problem(
                "speakers",
                _(
                    "%(name)s <%(email)s> is not a participant of this event.",
                    name=user.display_name,
                    email=user.email,
                ),
            )
        elif user not in speakers:
            speakers.append(user)
    if len(speakers) > program_service.SPEAKERS_MAX:
        problem(
            "speakers",
            _("A session has at most %(num)d speakers.", num=program_service.SPEAKERS_MAX),
        )

    capacity: int | None = None
    capacity_text = record.get("capacity", "")
    if capacity_text:
        if capacity_text.isdigit() and 1 <= int(capacity_text) <= program_service.CAPACITY_MAX:
            capacity = int(capacity_text)
        else:
            problem(
                "capacity",
                _(
                    "Capacity is a number of people from 1 to %(max)d, or empty.",
                    max=program_service.CAPACITY_MAX,
                ),
            )

    published_text = record.get("published", "").casefold()
    if published_text not in _YES | _NO:
        problem(
            "published",
            _("Write yes or no (empty means no: a draft)."),
        )

    plan.problems.extend(problems)
    if starts_at is None:
        return None
    return PlannedSession(
        row=number,
        title=title,
        abstract=abstract,
        format=session_format,
        day=day,
        start=start,
        end=end,
        starts_at=starts_at,
        ends_at=ends_at,
        room_name=room_name,
        track_name=track_name,
        topics=topics,
        speakers=speakers,
        capacity=capacity,
        published=published_text in _YES,
    )


def _overlaps(a: PlannedSession, b: PlannedSession) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def _check_clashes(event: Event, planned: PlannedSession, earlier: list[PlannedSession], lookups):
    """Clashes of a good row with existing sessions and with the rows above it."""
    problems: list[RowProblem] = []
    room_id = lookups.rooms.get(planned.room_name.casefold()) if planned.room_name else None
    for clash in program_service.find_clashes(
        event, planned.starts_at, planned.ends_at, room_id, [u.id for u in planned.speakers]
    ):
        problems.append(RowProblem(planned.row, clash.field, clash.describe(event)))
    for other in earlier:
        if not _overlaps(planned, other):
            continue
        start, end = (program_service.clock(event, t) for t in (other.starts_at, other.ends_at))
        span = f"{start}\u2013{end}"
        if planned.room_name and planned.room_name.casefold() == other.room_name.casefold():
            problems.append(
                RowProblem(
                    planned.row,
                    "room",
                    _(
                        "%(room)s already holds “%(title)s” (row %(row)d) %(span)s.",
                        room=other.room_name,
                        title=other.title or _("untitled"),
                        row=other.row,
                        span=span,
                    ),
                )
            )
        for person in planned.speakers:
            if person in other.speakers:
                problems.append(
                    RowProblem(
                        planned.row,
                        "speakers",
                        _(
                            "%(name)s speaks in “%(title)s” (row %(row)d) at that time (%(span)s).",
                            name=person.display_name,
                            title=other.title or _("untitled"),
                            row=other.row,
                            span=span,
                        ),
                    )
                )
    return problems


def check_import(event: Event, text: str) -> ImportPlan:
    """Dry run: every problem of every row, and what importing would create. Writes nothing."""
    plan = ImportPlan()
    records = _read_records(text, plan)
    plan.rows = len(records)
    if any(p.row == 1 for p in plan.problems if p.column in REQUIRED_COLUMNS):
        return plan
    if not records:
        plan.problems.append(RowProblem(2, "", _("There are no sessions below the header row.")))
        return plan
    lookups = _lookups(event, [record for _number, record in records])
    timed: list[PlannedSession] = []
    for number, record in records:
        planned = _check_row(event, number, record, lookups, plan)
        if planned is not None:
            plan.problems.extend(_check_clashes(event, planned, timed, lookups))
            timed.append(planned)
    good = [] if plan.problems else timed
    plan.sessions = good
    plan.problems.sort(key=lambda p: p.row)
    seen_rooms, seen_tracks = set(lookups.rooms), set(lookups.tracks)
    for planned in good:
        for name, seen, new in (
            (planned.room_name, seen_rooms, plan.new_rooms),
            (planned.track_name, seen_tracks, plan.new_tracks),
        ):
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                new.append(name)
    return plan


def run_import(actor: User, event: Event, text: str) -> list[ProgramSession]:
    """Check the file again and import it whole: every session, or nothing.

    Side effects: creates the rooms and tracks the file names that the event
    lacks, then every session through ``program.create_session`` (which gives
    speakers the *speaker* role). Flushes. On any problem raises
    ``ImportRefused`` before writing; the caller rolls back.
    """
    plan = check_import(event, text)
    if not plan.ok:
        raise ImportRefused(plan)
    rooms = {r.name.casefold(): r.id for r in program_service.rooms_of(event)}
    tracks = {t.name.casefold(): t.id for t in program_service.tracks_of(event)}
    for name in plan.new_rooms:
        rooms[name.casefold()] = program_service.add_room(actor, event, name).id
    for name in plan.new_tracks:
        tracks[name.casefold()] = program_service.add_track(actor, event, name).id
    created = []
    for planned in plan.sessions:
        created.append(
            program_service.create_session(
                actor,
                event,
                title=planned.title,
                abstract=planned.abstract,
                format=planned.format,
                starts_at=planned.starts_at,
                ends_at=planned.ends_at,
                room_id=rooms.get(planned.room_name.casefold()) if planned.room_name else None,
                track_id=tracks.get(planned.track_name.casefold()) if planned.track_name else None,
                topic_ids=[t.id for t in planned.topics],
                speaker_ids=[u.id for u in planned.speakers],
                capacity=planned.capacity,
                published=planned.published,
            )
        )
    return created


def template_csv(event: Event) -> str:
    """A CSV file with the columns and two example rows on the event's first day."""
    topics = [
        term.name
        for term in db.session.scalars(
            sa.select(TaxonomyTerm)
            .where(TaxonomyTerm.event_id == event.id, TaxonomyTerm.kind == TaxonomyKind.topic)
            .order_by(TaxonomyTerm.position)
            .limit(2)
        )
    ]
    rooms = program_service.rooms_of(event)
    tracks = program_service.tracks_of(event)
    day = event.starts_on.isoformat()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            _("Opening keynote"),
            _("Where the industry is heading, and what it means for you. **Markdown** works."),
            SessionFormat.keynote.value,
            day,
            "09:00",
            "09:45",
            rooms[0].name if rooms else _("Main hall"),
            tracks[0].name if tracks else "",
            ";".join(topics),
            "speaker@example.com",
            "",
            "yes",
        ]
    )
    writer.writerow(
        [
            _("Coffee break"),
            "",
            SessionFormat.break_.value,
            day,
            "09:45",
            "10:15",
            "",
            "",
            "",
            "",
            "",
            "yes",
        ]
    )
    return out.getvalue()
